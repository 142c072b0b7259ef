"""The stock scripts p38 (SimpleRNN), p47 (LSTM) and p56 (GRU), issue 3: quick runs (--epochs 1) in a temporary copy
of the project. p38 gets the whole battery (prompt, metrics, figures, weights.txt, checkpoint, CSV errors); the
three scripts share that code line for line, so p47 and p56 get one quick run each that checks what differs: the
cell, and that a CSV of another length and another model's checkpoint are handled."""
import math
import re

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import assert_png, checkpoint_layers, read_weights_txt

SCRIPTS = {'p38_rnn_stock.py': 'rnn_stock', 'p47_LSTM_stock.py': 'LSTM_stock', 'p56_GRU_stock.py': 'GRU_stock'}
QUICK = ('--epochs', '1', '--no-show')
LABELS = ('均方误差', '均方根误差', '平均绝对误差')
LOAD_LINE = '-------------load the model-----------------'
DATE_PROMPT = 'input test date (YYYY-MM-DD) or next:'


# ---------------------------------------------------------------- helpers
def csv_path(project):
    return project.path / 'data' / 'SH600519.csv'


def rewrite_rows(project, change):
    """Rewrite the project's CSV with change(its data lines); the header line stays."""
    header, *data = csv_path(project).read_text().splitlines(keepends=True)
    csv_path(project).write_text(header + ''.join(change(data)))


def persistence(csv):
    """The baseline computed here from the CSV alone: tomorrow's open = today's open, on the last 240 days."""
    opens = pd.read_csv(csv)['open'].to_numpy()
    error = opens[-240:] - opens[-241:-1]
    mse = np.mean(error ** 2)
    return dict(zip(LABELS, (mse, math.sqrt(mse), np.mean(np.abs(error)))))


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


def another_models_checkpoint(path):
    """A readable Keras weights file, but of another model (a Dense(5) on 3 inputs)."""
    with h5py.File(path, 'w') as file:
        file['layers/dense/vars/0'] = np.zeros((3, 5), np.float32)
        file['layers/dense/vars/1'] = np.zeros(5, np.float32)


def last_epoch(stdout):
    """Keras' progress line of the last epoch: (training loss, validation loss)."""
    return tuple(float(x) for x in re.findall(r'- loss: ([\d.]+) - val_loss: ([\d.]+)', stdout)[-1])


def checkpoint_val_loss(stdout):
    """The val_loss the script reports for its checkpoint after training, whether it saved it or kept the file's."""
    return float(re.search(r'(?:saved the best weights|kept checkpoint/\S+) \(val_loss ([\d.]+)\)', stdout).group(1))


def assert_ran(result):
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == '', result.stderr[-3000:]  # a calm console: no TF noise, no warning, no traceback


# ---------------------------------------------------------------- flags
@pytest.mark.parametrize('script', SCRIPTS)
def test_help_lists_the_flags(project, script):
    result = project.run(script, '--help')
    assert result.returncode == 0
    for flag in ('--epochs', '--fresh', '--no-show', 'lecture: 50'):
        assert flag in result.stdout


@pytest.mark.parametrize('script', SCRIPTS)
@pytest.mark.parametrize('args, value', [(('--epochs', '0'), "'0'"), (('--epochs', 'many'), "'many'"),
                                         (('--bogus',), '--bogus')])
def test_a_bad_flag_is_one_line(project, script, args, value):
    result = project.run(script, *args)
    assert result.returncode != 0 and result.stdout == ''
    assert len(result.stderr.strip().splitlines()) == 1 and value in result.stderr, result.stderr


# ---------------------------------------------------------------- p38: the whole battery
def test_p38_quick_run_from_another_folder(project):
    """Counts, metrics, figures, weights.txt, and the date prompt: bad counts and bad dates ask again without using
    up the count; a test day answers with the real open; next forecasts the day after the last row; EOF ends it."""
    elsewhere = project.path / 'elsewhere'
    elsewhere.mkdir()
    bad_dates = ['garbage', '2020-02-30', '2020-03-07', '2019-01-02', '2020-04-27']  # impossible, Saturday, outside
    stdin = '\n'.join(['-1', 'two', '3', *bad_dates, ' 2020-03-02 ', 'NEXT']) + '\n'
    result = project.run('p38_rnn_stock.py', *QUICK, stdin=stdin, cwd=elsewhere)
    assert_ran(result)
    out = result.stdout
    assert '2066 training samples, 240 test samples' in out
    assert_metrics(result, csv_path(project))
    assert persistence(csv_path(project))['均方根误差'] == pytest.approx(19.617708, abs=1e-6)
    assert_figures(project, 'p38_rnn_stock.py')
    assert not list(elsewhere.iterdir())  # nothing written to the current folder

    # weights.txt: the cell's full paths, and exactly the values of the checkpoint (one epoch: the same weights)
    weights = assert_weights_txt(project, 'p38_rnn_stock.py')
    saved = checkpoint_layers(project.checkpoint('rnn_stock'))
    by_layer = {}
    for path, array in weights.items():
        by_layer.setdefault(path.split('/')[1], []).append(array)
    assert by_layer.keys() == saved.keys()
    for layer, arrays in saved.items():
        assert all(np.array_equal(a, b) for a, b in zip(by_layer[layer], arrays, strict=True)), layer

    # the prompt
    maotai = pd.read_csv(csv_path(project))
    first, last = maotai['date'].iloc[-240], maotai['date'].iloc[-1]
    assert out.count('input the number of test days:') == 3 and out.count('please type a whole number') == 2
    assert out.count(DATE_PROMPT) == 8  # 5 bad, 2 answered, then end of input
    lines = out.split(DATE_PROMPT)[1:]
    for bad, line in zip(bad_dates, lines):
        assert first in line and last in line and '->' not in line, (bad, line)
    real = maotai.loc[maotai['date'] == '2020-03-02', 'open'].item()
    assert re.match(rf'2020-03-02 -> predicted open \d+\.\d\d, real open {real:.2f}\n', lines[5]), lines[5]
    assert re.match(rf'next trading day after {last} -> predicted open \d+\.\d\d\n', lines[6]), lines[6]
    assert lines[7] == '\nbye\n'


def test_p38_resume_trains_on_fresh_is_deterministic_and_a_worse_run_keeps_the_file(project):
    first = project.run('p38_rnn_stock.py', '--fresh', *QUICK)
    assert_ran(first)
    weights = (project.path / 'weights.txt').read_text()
    before = checkpoint_val_loss(first.stdout)
    assert before == pytest.approx(last_epoch(first.stdout)[1], abs=1e-4)

    resumed = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(resumed)
    assert LOAD_LINE in resumed.stdout
    assert last_epoch(resumed.stdout)[0] < last_epoch(first.stdout)[0] / 2  # trained on from the saved weights
    assert 'saved the best weights' in resumed.stdout and checkpoint_val_loss(resumed.stdout) < before
    best, saved = checkpoint_val_loss(resumed.stdout), project.checkpoint('rnn_stock').read_bytes()

    again = project.run('p38_rnn_stock.py', '--fresh', *QUICK)  # reads the file only to know what to beat
    assert_ran(again)
    assert (project.path / 'weights.txt').read_text() == weights  # the same as the first --fresh run
    assert printed_metrics(again.stdout) == printed_metrics(first.stdout)
    assert LOAD_LINE not in first.stdout + again.stdout
    assert 'kept checkpoint/rnn_stock.weights.h5' in again.stdout  # worse than the file: the file stays as it was
    assert checkpoint_val_loss(again.stdout) == pytest.approx(best, abs=1e-6)  # the file's score, read right
    assert project.checkpoint('rnn_stock').read_bytes() == saved


def test_p38_unloadable_checkpoint_is_kept_aside(project):
    checkpoint = project.checkpoint('rnn_stock')
    checkpoint.write_bytes(b'not an HDF5 file')
    earlier = checkpoint.with_name(checkpoint.name + '.unloadable1')
    earlier.write_bytes(b'kept aside by an earlier run')
    result = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(result)
    assert ('cannot load checkpoint/rnn_stock.weights.h5' in result.stdout
            and 'kept it as checkpoint/rnn_stock.weights.h5.unloadable2, training from scratch' in result.stdout)
    assert LOAD_LINE not in result.stdout
    assert checkpoint.with_name(checkpoint.name + '.unloadable2').read_bytes() == b'not an HDF5 file'
    assert earlier.read_bytes() == b'kept aside by an earlier run'
    assert checkpoint_layers(checkpoint)  # a new, readable checkpoint


def open_is_abc_on_line_101(data):
    fields = data[99].split(',')
    fields[2] = 'abc'  # ,date,open,...: open is the third field
    return [*data[:99], ','.join(fields), *data[100:]]


@pytest.mark.parametrize('spoil, problem', [
    (lambda p: csv_path(p).unlink(), 'no such file'),
    (lambda p: csv_path(p).write_text(''), 'cannot be read as a CSV'),
    (lambda p: csv_path(p).write_text(csv_path(p).read_text().replace(',open,', ',opening,', 1)), 'no open column'),
    (lambda p: rewrite_rows(p, open_is_abc_on_line_101), "line 101: open is 'abc', not a positive number"),
    (lambda p: rewrite_rows(p, lambda data: data[:360]), 'only 360 trading days; at least 361 are needed'),
], ids=['missing', 'empty', 'no open column', 'not a number', 'too few rows'])
def test_p38_bad_csv_is_one_line_and_writes_nothing(project, spoil, problem):
    spoil(project)
    result = project.run('p38_rnn_stock.py', *QUICK)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(csv_path(project)) in result.stderr and problem in result.stderr, result.stderr
    assert not list((project.path / 'checkpoint').iterdir())
    assert not (project.path / 'weights.txt').exists() and not (project.path / 'figures').exists()


# ---------------------------------------------------------------- p47, p56: what differs, in one quick run each
@pytest.mark.parametrize('script, rows, training', [('p47_LSTM_stock.py', slice(-800, None), 800 - 360),
                                                    ('p56_GRU_stock.py', slice(0, 361), 1)])
def test_lstm_and_gru_quick_run(project, script, rows, training):
    """A shorter CSV (the last 800 days; the first 361, the least that works) and another model's checkpoint."""
    rewrite_rows(project, lambda data: data[rows])
    checkpoint = project.checkpoint(SCRIPTS[script])
    another_models_checkpoint(checkpoint)
    other = checkpoint.read_bytes()
    maotai = pd.read_csv(csv_path(project))
    day = maotai['date'].iloc[-200]
    result = project.run(script, *QUICK, stdin=f'1\n{day}\n')
    assert_ran(result)
    assert f'{training} training samples, 240 test samples' in result.stdout
    assert f'kept it as checkpoint/{checkpoint.name}.unloadable1' in result.stdout and LOAD_LINE not in result.stdout
    assert checkpoint.with_name(checkpoint.name + '.unloadable1').read_bytes() == other
    assert_metrics(result, csv_path(project))
    assert_figures(project, script)
    assert_weights_txt(project, script)
    real = maotai['open'].iloc[-200]
    assert re.search(rf'{re.escape(DATE_PROMPT)}{day} -> predicted open \d+\.\d\d, real open {real:.2f}\n$',
                     result.stdout)
