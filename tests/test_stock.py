"""The stock scripts p38 (SimpleRNN), p47 (LSTM) and p56 (GRU): quick runs (--epochs 1) in a temporary copy of the
project. p38 gets the whole battery (prompt, metrics, figures, weights.txt, the stamped checkpoint, CSV errors, a CSV
re-saved by Excel, a stale display); the three scripts share that code line for line, so p47 and p56 get one quick run
each that checks what differs: the cell, and that a CSV of another length and a checkpoint they cannot use are handled.

Paths in messages are the ones the user can open: relative when the script runs from the project folder (the default
here), absolute when it runs from another folder."""
import math
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import (DATE_PROMPT, DAYS_PROMPT, LOADED, METRIC_LABELS as LABELS, STOCK_SCRIPTS, Project, assert_png,
                      checkpoint_layers, persistence, read_weights_txt, stamp)

QUICK = ('--epochs', '1', '--no-show')
CSV = 'data/SH600519.csv'


# ---------------------------------------------------------------- helpers
def csv_path(project):
    return project.path / CSV


def rewrite_rows(project, change):
    """Rewrite the project's CSV with change(its data lines); the header line stays."""
    header, *data = csv_path(project).read_text().splitlines(keepends=True)
    csv_path(project).write_text(header + ''.join(change(data)))


def printed_metrics(stdout):
    """The model's three metrics and, under the baseline's title, the baseline's: two {label: value}."""
    found = re.findall(r'^(均方误差|均方根误差|平均绝对误差): (\d+\.\d{6})$', stdout, re.M)
    assert [label for label, _ in found] == list(LABELS) * 2, found
    assert re.search(r'^平均绝对误差: .*\npersistence baseline .*the same 240 days:\n均方误差', stdout, re.M)
    values = [float(value) for _, value in found]
    model, baseline = dict(zip(LABELS, values[:3])), dict(zip(LABELS, values[3:]))
    assert model['均方根误差'] == pytest.approx(math.sqrt(model['均方误差']), abs=1e-5)
    return model, baseline


def assert_metrics(result, csv):
    model, baseline = printed_metrics(result.stdout)
    assert baseline == pytest.approx(persistence(csv), abs=2e-6)
    assert 0 < model['平均绝对误差'] <= model['均方根误差']  # MAE <= RMSE always: the labels are on the right numbers


def expected_variables(script):
    """(path, shape) of each trainable variable: [Layer](80) and [Layer](100) on 1 feature, then Dense(1).
    Keras stacks the gates in one matrix: 1 for SimpleRNN, 4 for LSTM, 3 for GRU (with two bias rows)."""
    layer, gates, bias_shape = {'p38_rnn_stock.py': ('simple_rnn', 1, lambda n: (n,)),
                                'p47_LSTM_stock.py': ('lstm', 4, lambda n: (n,)),
                                'p56_GRU_stock.py': ('gru', 3, lambda n: (2, n))}[script]
    variables = []
    for name, n_in, units in ((layer, 1, 80), (layer + '_1', 80, 100)):
        cell = f'sequential/{name}/{layer}_cell/'
        variables += [(cell + 'kernel', (n_in, gates * units)), (cell + 'recurrent_kernel', (units, gates * units)),
                      (cell + 'bias', bias_shape(gates * units))]
    return variables + [('sequential/dense/kernel', (100, 1)), ('sequential/dense/bias', (1,))]


def assert_weights_txt(project, script):
    weights = read_weights_txt(project.path / 'weights.txt')
    assert [(path, array.shape) for path, array in weights.items()] == expected_variables(script)
    return weights


def assert_figures(project, script):
    for kind in ('loss', 'prediction'):
        assert_png(project.path / 'figures' / f'{script[:-3]}_{kind}.png')


def dense5_checkpoint(path):
    """A readable Keras weights file of another model (a Dense(5) on 3 inputs), without the val_loss stamp."""
    with h5py.File(path, 'w') as file:
        file['layers/dense/vars/0'] = np.zeros((3, 5), np.float32)
        file['layers/dense/vars/1'] = np.zeros(5, np.float32)


def garbage_checkpoint(path):
    """A damaged checkpoint: not an HDF5 file at all."""
    path.write_bytes(b'not an HDF5 file')


def p38s_checkpoint(path):
    """p38's checkpoint as the script writes it (SimpleRNN 80 and 100, Dense(1), Adam's step, rate and moments),
    stamped, with zeros for values: what p47 or p56 finds when a student copies rnn_stock.weights.h5 over theirs."""
    shapes = {'simple_rnn/cell': [(1, 80), (80, 80), (80,)], 'simple_rnn_1/cell': [(80, 100), (100, 100), (100,)],
              'dense': [(100, 1), (1,)]}
    with h5py.File(path, 'w') as file:
        moments = []
        for layer, layer_shapes in shapes.items():
            for n, shape in enumerate(layer_shapes):
                file[f'layers/{layer}/vars/{n}'] = np.zeros(shape, np.float32)
                moments += [shape, shape]
        for n, shape in enumerate([(), ()] + moments):
            file[f'optimizer/vars/{n}'] = np.zeros(shape, np.float32)
        file.attrs['val_loss'] = 0.5


def printed_stamp(checkpoint):
    """The val_loss the checkpoint file is stamped with (the value a resumed run must beat), as the scripts print it."""
    return f"{stamp(checkpoint, 'val_loss'):.6f}"


def aside(checkpoint, n):
    """Where a run that cannot load the checkpoint keeps it: <name>.weights.h5.unloadable<n>."""
    return checkpoint.with_name(f'{checkpoint.name}.unloadable{n}')


def saved_val_loss(stdout, checkpoint='checkpoint/rnn_stock.weights.h5'):
    """The val_loss a run reports for the best weights it saved, as printed (6 decimals)."""
    return re.search(rf'^saved the best weights \(val_loss (\d+\.\d{{6}})\) to {re.escape(str(checkpoint))}$',
                     stdout, re.M).group(1)


def kept_aside(stdout, name, n):
    """The one line of a run that found a checkpoint it cannot load and renamed it to .unloadable<n>: the error."""
    path = re.escape(f'checkpoint/{name}.weights.h5')
    pattern = rf'cannot load {path} \((\w+)\); kept it as {path}\.unloadable{n}, training from scratch'
    found = [re.fullmatch(pattern, line) for line in stdout.splitlines() if line.startswith('cannot load')]
    assert len(found) == 1 and found[0], re.findall('^cannot load.*', stdout, re.M)
    return found[0].group(1)


def last_epoch(stdout):
    """Keras' progress line of the last epoch: (training loss, validation loss)."""
    return tuple(float(x) for x in re.findall(r'- loss: ([\d.]+) - val_loss: ([\d.]+)', stdout)[-1])


def progress_bars(stdout):
    """How many Keras progress bars stdout holds. Each redraw shows step/total before its bar; a redraw after an
    'Epoch n/N' line, or whose total differs or step goes back, starts a new bar (predict's after fit's, say)."""
    bars, previous = 0, (0, 0)
    for epoch, step, total in re.findall(r'^(Epoch \d+/\d+)$|(\d+)/(\d+)\S* \S*━', stdout, re.M):
        if not epoch and (int(total) != previous[1] or int(step) < previous[0]):
            bars += 1
        previous = (0, 0) if epoch else (int(step), int(total))
    return bars


def assert_ran(result):
    """Exit 0 and a calm console (no TF noise, no warning, no traceback). Keras' progress bars are the fit's, one per
    epoch, and none after training (predict prints none, as TF 2.1 did)."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == '', result.stderr[-3000:]
    epochs = int(result.args[result.args.index('--epochs') + 1]) if '--epochs' in result.args else 50
    assert len(re.findall(' - val_loss: ', result.stdout)) == epochs
    assert progress_bars(result.stdout) == epochs


def day_answer(day, real):
    """The answer to a test day typed at the prompt, as a pattern: the model's open and the CSV's."""
    return rf'{day} -> predicted open \d+\.\d\d, real open {real:.2f}\n'


# ---------------------------------------------------------------- flags
@pytest.mark.parametrize('script', STOCK_SCRIPTS)
def test_help_lists_the_flags(project, script):
    result = project.run(script, '--help')
    assert result.returncode == 0
    for flag in ('--epochs', '--fresh', '--no-show', '--explain', 'lecture: 50', '0: use the checkpoint'):
        assert flag in result.stdout


@pytest.mark.parametrize('script', STOCK_SCRIPTS)
@pytest.mark.parametrize('args, value', [(('--epochs', '-1'), "'-1'"), (('--epochs', 'many'), "'many'"),
                                         (('--bogus',), '--bogus'), (('--epochs', '0', '--fresh'), '--fresh')])
def test_a_bad_flag_is_one_line(project, script, args, value):
    result = project.run(script, *args)
    assert result.returncode != 0 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1 and value in result.stderr, result.stderr


# ---------------------------------------------------------------- p38: the whole battery
BAD_DATES = ['garbage', '2020-02-30', '2020-03-07', '2019-01-02', '2020-04-27']  # impossible, Saturday, outside


@pytest.fixture(scope='module')
def p38_quick(tmp_path_factory):
    """One quick p38 run (one epoch) from another folder, typing bad counts and dates, a test day and next: the
    project, that folder and the run, shared by the tests that read them (one training instead of two)."""
    project = Project(tmp_path_factory.mktemp('p38_quick'))
    elsewhere = project.path / 'elsewhere'
    elsewhere.mkdir()
    stdin = '\n'.join(['-1', 'two', '3', *BAD_DATES, ' 2020-03-02 ', 'NEXT']) + '\n'
    return project, elsewhere, project.run('p38_rnn_stock.py', *QUICK, stdin=stdin, cwd=elsewhere)


def test_p38_quick_run_from_another_folder(p38_quick):
    """Counts, metrics, figures, weights.txt, absolute paths in messages, and the date prompt: bad counts and bad dates
    ask again without using up the count; a test day answers with the real open; next forecasts the day after the last
    row; EOF ends it."""
    project, elsewhere, result = p38_quick
    bad_dates = BAD_DATES
    assert_ran(result)
    out = result.stdout
    assert '2066 training samples, 240 test samples' in out
    assert_metrics(result, csv_path(project))
    assert persistence(csv_path(project))['均方根误差'] == pytest.approx(19.617708, abs=1e-6)
    assert_figures(project, 'p38_rnn_stock.py')
    assert not list(elsewhere.iterdir())  # nothing written to the current folder

    # from another folder the paths in messages are absolute: the user can open them from there
    checkpoint = project.checkpoint('rnn_stock')
    assert saved_val_loss(out, checkpoint) == printed_stamp(checkpoint)
    for kind in ('loss', 'prediction'):
        assert f"figure saved to {project.path / 'figures' / f'p38_rnn_stock_{kind}.png'}\n" in out

    # weights.txt: the cell's full paths, and exactly the values of the checkpoint (one epoch: the same weights)
    weights = assert_weights_txt(project, 'p38_rnn_stock.py')
    saved = checkpoint_layers(checkpoint)
    by_layer = {}
    for path, array in weights.items():
        by_layer.setdefault(path.split('/')[1], []).append(array)
    assert by_layer.keys() == saved.keys()
    for layer, arrays in saved.items():
        assert all(np.array_equal(a, b) for a, b in zip(by_layer[layer], arrays, strict=True)), layer

    # the prompt
    maotai = pd.read_csv(csv_path(project))
    first, last = maotai['date'].iloc[-240], maotai['date'].iloc[-1]
    assert out.count(DAYS_PROMPT) == 3 and out.count('please type a whole number') == 2
    assert out.count(DATE_PROMPT) == 8  # 5 bad, 2 answered, then end of input
    lines = out.split(DATE_PROMPT)[1:]
    for bad, line in zip(bad_dates, lines):
        assert first in line and last in line and '->' not in line, (bad, line)
    real = maotai.loc[maotai['date'] == '2020-03-02', 'open'].item()
    assert re.fullmatch(day_answer('2020-03-02', real), lines[5]), lines[5]
    assert re.fullmatch(rf'next trading day after {last} -> predicted open \d+\.\d\d\n', lines[6]), lines[6]
    assert lines[7] == '\nbye\n'


def test_p38_checkpoint_carries_its_val_loss_resumes_and_is_never_replaced_by_worse(project):
    """The file carries the val_loss it was saved for: the run that saves it prints it, the next run prints it when
    it loads the file and must beat it. --fresh reads only that stamp. A file without it is kept aside."""
    checkpoint = project.checkpoint('rnn_stock')
    first = project.run('p38_rnn_stock.py', '--fresh', *QUICK)
    assert_ran(first)
    weights = (project.path / 'weights.txt').read_text()
    before = saved_val_loss(first.stdout)
    assert before == printed_stamp(checkpoint)
    assert float(before) == pytest.approx(last_epoch(first.stdout)[1], abs=1e-4)  # the epoch's val_loss, not its loss
    assert 'figure saved to figures/p38_rnn_stock_loss.png\n' in first.stdout  # relative from the project folder

    resumed = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(resumed)
    assert f'{LOADED}\ncheckpoint/rnn_stock.weights.h5: val_loss {before}\n' in resumed.stdout
    assert last_epoch(resumed.stdout)[0] < last_epoch(first.stdout)[0] / 2  # trained on from the saved weights
    best = saved_val_loss(resumed.stdout)  # one epoch on from the file: better, so saved
    assert float(best) < float(before) and best == printed_stamp(checkpoint)
    saved = checkpoint.read_bytes()

    leftover = checkpoint.with_name('rnn_stock.saving.weights.h5')  # what a save cut short by Ctrl-C leaves behind
    leftover.write_bytes(b'half a file')
    again = project.run('p38_rnn_stock.py', '--fresh', *QUICK)  # reads the file only to know what to beat
    assert_ran(again)
    assert (project.path / 'weights.txt').read_text() == weights  # the same as the first --fresh run
    assert printed_metrics(again.stdout) == printed_metrics(first.stdout)
    assert LOADED not in first.stdout + again.stdout and 'saved the best weights' not in again.stdout
    assert 'kept checkpoint/rnn_stock.weights.h5: this run did not beat its val_loss\n' in again.stdout
    assert checkpoint.read_bytes() == saved  # worse than the file: the file stays as it was

    with h5py.File(checkpoint, 'a') as file:  # a file without the stamp, as an older version of the script wrote
        del file.attrs['val_loss']
    older = checkpoint.read_bytes()
    unstamped = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(unstamped)
    assert kept_aside(unstamped.stdout, 'rnn_stock', 1) == 'KeyError' and LOADED not in unstamped.stdout
    assert aside(checkpoint, 1).read_bytes() == older
    assert printed_metrics(unstamped.stdout) == printed_metrics(first.stdout)  # trained from scratch
    assert saved_val_loss(unstamped.stdout) == before == printed_stamp(checkpoint)  # a new file, stamped


def test_p38_damaged_checkpoint_is_kept_aside(project):
    checkpoint = project.checkpoint('rnn_stock')
    checkpoint.write_bytes(b'not an HDF5 file')
    earlier = aside(checkpoint, 1)
    earlier.write_bytes(b'kept aside by an earlier run')
    result = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(result)
    assert kept_aside(result.stdout, 'rnn_stock', 2) == 'OSError' and LOADED not in result.stdout
    assert aside(checkpoint, 2).read_bytes() == b'not an HDF5 file'
    assert earlier.read_bytes() == b'kept aside by an earlier run'
    assert saved_val_loss(result.stdout) == printed_stamp(checkpoint)  # a new, readable checkpoint


# ---------------------------------------------------------------- --epochs 0: the classroom's 断点续训
def test_epochs_0_answers_from_the_saved_checkpoint_without_training(p38_quick, project):
    """After a one-epoch run, --epochs 0 in a fresh copy holding only that checkpoint: the lecture's load line, no
    training, the same weights.txt, the same open for the same day, the prediction figure but no loss figure (there is
    no history), and the checkpoint untouched."""
    trained_project, _, trained = p38_quick
    checkpoint = project.checkpoint('rnn_stock')
    checkpoint.write_bytes(trained_project.checkpoint('rnn_stock').read_bytes())
    saved = checkpoint.read_bytes()
    result = project.run('p38_rnn_stock.py', '--epochs', '0', '--no-show', stdin='1\n2020-03-02\n')
    assert result.returncode == 0 and result.stderr == '', result.stderr[-3000:]
    out = result.stdout
    assert f'{LOADED}\ncheckpoint/rnn_stock.weights.h5: val_loss {printed_stamp(checkpoint)}\n' in out
    assert 'Epoch' not in out and ' - val_loss: ' not in out and progress_bars(out) == 0, out[-3000:]
    assert 'saved the best weights' not in out and 'did not beat' not in out
    assert (project.path / 'weights.txt').read_text() == (trained_project.path / 'weights.txt').read_text()
    assert sorted(path.name for path in (project.path / 'figures').iterdir()) == ['p38_rnn_stock_prediction.png']
    assert 'figure saved to figures/p38_rnn_stock_prediction.png\n' in out and '_loss.png' not in out
    assert_png(project.path / 'figures' / 'p38_rnn_stock_prediction.png')
    assert printed_metrics(out) == printed_metrics(trained.stdout)  # one epoch: the saved weights are the last ones
    answer = re.search(day_answer('2020-03-02', 1050.11), out)
    assert answer and answer.group(0) in trained.stdout, (answer, out[-500:])
    assert sorted(path.name for path in (project.path / 'checkpoint').iterdir()) == ['rnn_stock.weights.h5']
    assert checkpoint.read_bytes() == saved


@pytest.mark.parametrize('script, plant, error', [
    ('p38_rnn_stock.py', None, 'FileNotFoundError'),
    ('p47_LSTM_stock.py', garbage_checkpoint, 'OSError'),
    ('p56_GRU_stock.py', p38s_checkpoint, 'ValueError'),  # stamped, but another model's
], ids=['none', 'damaged', "another model's"])
def test_epochs_0_without_a_loadable_checkpoint_is_one_line_and_changes_nothing(project, script, plant, error):
    """No checkpoint, or one that cannot be loaded: one line saying what to run first, a non-zero exit, no training,
    nothing written, and the file neither renamed nor changed (a training run would have set it aside)."""
    checkpoint = project.checkpoint(STOCK_SCRIPTS[script])
    if plant:
        plant(checkpoint)
    before = {path.name: path.read_bytes() for path in (project.path / 'checkpoint').iterdir()}
    result = project.run(script, '--epochs', '0', '--no-show', stdin='1\n2020-03-02\n')
    assert result.returncode != 0
    assert result.stderr == (f'--epochs 0 cannot load checkpoint/{checkpoint.name} ({error}); '
                             f'make one first: python {script}\n'), result.stderr[-3000:]
    assert 'Epoch' not in result.stdout and LOADED not in result.stdout and DAYS_PROMPT not in result.stdout
    assert {path.name: path.read_bytes() for path in (project.path / 'checkpoint').iterdir()} == before
    assert not (project.path / 'weights.txt').exists() and not (project.path / 'figures').exists()


def test_epochs_0_with_fresh_is_refused_before_anything(project):
    """--epochs 0 uses the saved checkpoint, --fresh ignores it: a flag error, before TensorFlow is even imported."""
    checkpoint = project.checkpoint('LSTM_stock')
    garbage_checkpoint(checkpoint)
    result = project.run('p47_LSTM_stock.py', '--epochs', '0', '--fresh')
    assert result.returncode != 0 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1 and '--fresh' in result.stderr, result.stderr
    assert [path.name for path in (project.path / 'checkpoint').iterdir()] == ['LSTM_stock.weights.h5']
    assert checkpoint.read_bytes() == b'not an HDF5 file' and not (project.path / 'weights.txt').exists()


def excel_resaved(project):
    """The shipped CSV as Excel or WPS saves it: dates like 2010/4/26, a UTF-8 BOM, CRLF line ends."""
    header, *data = csv_path(project).read_text().splitlines()
    for i, line in enumerate(data):
        number, date, rest = line.split(',', 2)
        year, month, day = date.split('-')
        data[i] = f'{number},{year}/{int(month)}/{int(day)},{rest}'
    csv_path(project).write_bytes(('\ufeff' + '\r\n'.join([header, *data]) + '\r\n').encode())


def test_p38_trains_on_a_csv_re_saved_by_excel(project):
    shipped = persistence(csv_path(project))
    excel_resaved(project)
    assert csv_path(project).read_bytes().startswith(b'\xef\xbb\xbf,date,open,')
    assert b'\r\n74,2010/4/26,88.702,' in csv_path(project).read_bytes()
    result = project.run('p38_rnn_stock.py', *QUICK, stdin='2\n2020-03-02\nnext\n')
    assert_ran(result)
    assert '2066 training samples, 240 test samples' in result.stdout
    assert_metrics(result, csv_path(project))
    assert printed_metrics(result.stdout)[1] == pytest.approx(shipped, abs=2e-6)
    answers = result.stdout.split(DATE_PROMPT)[1:]
    assert re.fullmatch(day_answer('2020-03-02', 1050.11), answers[0]), answers[0]  # the prompt: YYYY-MM-DD
    assert re.fullmatch(r'next trading day after 2020-04-24 -> predicted open \d+\.\d\d\n', answers[1]), answers[1]


def test_p38_a_stale_display_and_a_count_of_0(project):
    """An SSH session whose X forwarding is gone: DISPLAY is set, nothing answers there, and no --no-show. matplotlib
    falls back to agg; the script must not call plt.show() then (it warns 'FigureCanvasAgg is non-interactive').
    A count of 0 typed through a pipe (not echoed) still ends the prompt's line."""
    if Path('/tmp/.X11-unix/X99').exists():
        pytest.skip('this machine has an X server on :99')
    result = project.run('p38_rnn_stock.py', '--epochs', '1', stdin='0\n', env={'DISPLAY': ':99'}, timeout=180)
    assert_ran(result)
    assert_figures(project, 'p38_rnn_stock.py')
    assert result.stdout.endswith(f'{DAYS_PROMPT}\n')  # piped input is not echoed: the script ends the line


def open_is_abc_on_line_101(data):
    fields = data[99].split(',')
    fields[2] = 'abc'  # ,date,open,...: open is the third field
    return [*data[:99], ','.join(fields), *data[100:]]


def no_date_on_line_51(data):
    number, _, rest = data[49].split(',', 2)
    return [*data[:49], f'{number},,{rest}', *data[50:]]


def lines_12_and_13_swapped(data):
    return [*data[:10], data[11], data[10], *data[12:]]


def without_the_index_column(project):
    """date and open in A and B: what pandas writes with index=False, not the lecture's layout."""
    lines = csv_path(project).read_text().splitlines(keepends=True)
    csv_path(project).write_text(''.join(line.split(',', 1)[1] for line in lines))


@pytest.mark.parametrize('spoil, problem, from_elsewhere', [
    (lambda p: csv_path(p).unlink(), 'no such file', False),
    (lambda p: csv_path(p).unlink(), 'no such file', True),
    (lambda p: csv_path(p).write_text(''), 'cannot be read as a CSV', False),
    (lambda p: csv_path(p).write_text(csv_path(p).read_text().replace(',open,', ',opening,', 1)),
     r'no open column in C 列 \(its columns are Unnamed: 0, date, opening, close', False),
    (without_the_index_column, r'no open column in C 列 \(its columns are date, open, close', False),
    (lambda p: rewrite_rows(p, no_date_on_line_51), r"line 51: date is '[^']*', not a date later than the line above",
     False),
    (lambda p: rewrite_rows(p, lines_12_and_13_swapped),
     r"line 13: date is '2010-05-11', not a date later than the line above", False),
    (lambda p: rewrite_rows(p, open_is_abc_on_line_101), r"line 101: open is 'abc', not a positive number", False),
    (lambda p: rewrite_rows(p, lambda data: data[:360]), 'only 360 trading days; at least 361 are needed', False),
], ids=['missing', 'missing, run from another folder', 'empty', 'no open column', 'open not in C', 'no date',
        'dates out of order', 'not a number', 'too few rows'])
def test_p38_bad_csv_is_one_line_and_writes_nothing(project, spoil, problem, from_elsewhere):
    """One line on stderr that names the CSV as the user can open it from where they are, and what is wrong."""
    spoil(project)
    elsewhere = project.path / 'elsewhere'
    elsewhere.mkdir()
    result = project.run('p38_rnn_stock.py', *QUICK, cwd=elsewhere if from_elsewhere else None)
    assert result.returncode != 0 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    shown = csv_path(project) if from_elsewhere else CSV
    assert re.match(rf'p38_rnn_stock\.py: {re.escape(str(shown))}: {problem}', result.stderr), result.stderr
    assert result.stderr.endswith('; nothing was trained or written\n'), result.stderr
    assert not list((project.path / 'checkpoint').iterdir()) and not list(elsewhere.iterdir())
    assert not (project.path / 'weights.txt').exists() and not (project.path / 'figures').exists()


# ---------------------------------------------------------------- p47, p56: what differs, in one quick run each
@pytest.mark.parametrize('script, rows, training, plant, errors', [
    ('p47_LSTM_stock.py', slice(-800, None), 800 - 360, dense5_checkpoint, {'KeyError'}),  # no stamp
    ('p56_GRU_stock.py', slice(0, 361), 1, p38s_checkpoint, {'OSError', 'ValueError'}),  # stamped, another model's
])
def test_lstm_and_gru_quick_run(project, script, rows, training, plant, errors):
    """A shorter CSV (the last 800 days; the first 361, the least that works) and a checkpoint that cannot be used."""
    rewrite_rows(project, lambda data: data[rows])
    name = STOCK_SCRIPTS[script]
    checkpoint = project.checkpoint(name)
    plant(checkpoint)
    other = checkpoint.read_bytes()
    maotai = pd.read_csv(csv_path(project))
    day = maotai['date'].iloc[-200]
    result = project.run(script, *QUICK, stdin=f'1\n{day}\n')
    assert_ran(result)
    assert f'{training} training samples, 240 test samples' in result.stdout
    assert kept_aside(result.stdout, name, 1) in errors and LOADED not in result.stdout
    assert aside(checkpoint, 1).read_bytes() == other
    assert saved_val_loss(result.stdout, f'checkpoint/{checkpoint.name}') == printed_stamp(checkpoint)
    assert_metrics(result, csv_path(project))
    assert_figures(project, script)
    assert_weights_txt(project, script)
    assert re.search(rf'{re.escape(DATE_PROMPT)}{day_answer(day, maotai["open"].iloc[-200])}$', result.stdout)
