"""The stock scripts p38 (SimpleRNN), p47 (LSTM) and p56 (GRU), run as a student runs them, each in a temporary copy
of the project (quick runs: --epochs 1). The three share their code line for line but for the layer, so p38 gets the
whole battery and p47 and p56 one quick run each on a shorter CSV with a checkpoint they cannot use.

Trained runs are shared: `p38_quick` (one epoch, no checkpoint, from another folder) is the reference the other tests
compare with (its checkpoint is planted where a test needs a trained model; a run from scratch with seed 7 must equal
it digit for digit), `p38_chain` resumes from that checkpoint and then runs --fresh twice, `p47_pair` trains p47 with
and without p38's checkpoint. What another file checks is only smoke-tested here: the lag check, the n-day forecast,
`next N`, the horizon figure and the prediction figure's dates (test_stock_forecast.py), --explain
(test_stock_explain.py)."""
import io
import math
import re
import time

import h5py
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from conftest import (DATE_PROMPT, DAYS_PROMPT, LOADED, METRIC_LABELS as LABELS, ROOT, STALE_DISPLAY, STOCK_SCRIPTS,
                      Project, after_start_up, assert_png, checkpoint_layers, persistence, read_weights_txt)

QUICK = ('--epochs', '1', '--no-show')
CSV = 'data/SH600519.csv'
SHIPPED = ROOT / CSV
SAMPLES = '2066 个训练样本, 240 个测试样本: x_train (2066, 60, 1), x_test (240, 60, 1)'
NUMBER = r'\d+\.\d{6}'
COUNT_HELP = '请输入 0 或正整数'
PEEKED = ('注意: 这个 checkpoint 是按测试集的 val_loss 挑出来的, 上面三个误差因此偏乐观 (训练结束时打印的是最后一轮的误差, 没有经过挑选)')
DATE_HELP = '请输入 2019-05-06 到 2020-04-24 之间的一个交易日 (YYYY-MM-DD), 或 next, 或 next N (N 为 1-30)'


# ---------------------------------------------------------------- helpers
def csv_path(project):
    return project.path / CSV


def rewrite_rows(project, change):
    """Rewrite the project's CSV with change(its data lines); the header line stays."""
    header, *data = csv_path(project).read_text().splitlines(keepends=True)
    csv_path(project).write_text(header + ''.join(change(data)))


def files(project):
    """Every file of the project but the scripts, {relative path: bytes}: what a run that must change nothing
    leaves as it was."""
    return {str(path.relative_to(project.path)): path.read_bytes() for path in project.path.rglob('*')
            if path.is_file() and path.suffix != '.py'}


def printed_metrics(stdout):
    """The model's three metrics and, under the baseline's title, the baseline's: two {label: value}."""
    found = re.findall(rf'^(均方误差|均方根误差|平均绝对误差): ({NUMBER})$', stdout, re.M)
    assert [label for label, _ in found] == list(LABELS) * 2, found
    assert re.search(rf'^平均绝对误差: .*\n(?:{re.escape(PEEKED)}\n)?基线 \(明天的开盘价 = 今天的开盘价\), 同样的 240 天:\n'
                     r'均方误差', stdout, re.M), stdout[-3000:]
    values = [float(value) for _, value in found]
    return dict(zip(LABELS, values[:3])), dict(zip(LABELS, values[3:]))


def assert_metrics(result, csv):
    """The baseline as computed from the CSV alone; RMSE = sqrt(MSE); MAE <= RMSE (the labels sit on the right
    numbers)."""
    model, baseline = printed_metrics(result.stdout)
    assert baseline == pytest.approx(persistence(csv), abs=2e-6)
    for metrics in (model, baseline):
        assert metrics['均方根误差'] == pytest.approx(math.sqrt(metrics['均方误差']), abs=2e-6)
        assert 0 < metrics['平均绝对误差'] <= metrics['均方根误差']


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
    """weights.txt: every trainable variable's full path and shape, and values equal to the checkpoint's bit for bit
    (a one-epoch run from scratch ends on the weights it saved)."""
    weights = read_weights_txt(project.path / 'weights.txt')
    assert [(path, array.shape) for path, array in weights.items()] == expected_variables(script)
    by_layer = {}
    for path, array in weights.items():
        by_layer.setdefault(path.split('/')[1], []).append(array)
    saved = checkpoint_layers(project.checkpoint(STOCK_SCRIPTS[script]))
    assert by_layer.keys() == saved.keys()
    for layer, arrays in saved.items():
        assert all(np.array_equal(a, b) for a, b in zip(by_layer[layer], arrays, strict=True)), layer


def adam_step(checkpoint):
    """Adam's step count saved with the weights (path or bytes): the optimizer's state is in the checkpoint."""
    with h5py.File(io.BytesIO(checkpoint) if isinstance(checkpoint, bytes) else checkpoint, 'r') as file:
        return int(file['optimizer/vars/0'][()])


def assert_figures(project, script, kinds=('loss', 'prediction', 'horizon', 'memory')):
    """Exactly these figures, PNGs at least 1280 px wide (a projector); '图已保存: ' says where."""
    names = sorted(f'{script[:-3]}_{kind}.png' for kind in kinds)
    assert sorted(path.name for path in (project.path / 'figures').iterdir()) == names
    for name in names:
        assert_png(project.path / 'figures' / name)
        assert mpimg.imread(project.path / 'figures' / name).shape[1] >= 1280, name


def epoch_losses(stdout):
    """Keras' end-of-epoch lines: [(training loss, validation loss)] as printed (4 decimals)."""
    return [tuple(float(x) for x in pair) for pair in re.findall(r'- loss: ([\d.]+) - val_loss: ([\d.]+)', stdout)]


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
    """Exit 0 and nothing on stderr but TensorFlow's start-up lines (no warning, no traceback). Keras' progress bars
    are the fit's, one per epoch, and none after training (evaluate and predict print none, as TF 2.1 did)."""
    assert result.returncode == 0, result.stderr[-3000:]
    assert after_start_up(result.stderr) == '', result.stderr[-3000:]
    epochs = int(result.args[result.args.index('--epochs') + 1]) if '--epochs' in result.args else 50
    assert len(epoch_losses(result.stdout)) == epochs
    assert progress_bars(result.stdout) == epochs


def saved(stdout, name='rnn_stock'):
    """The val_loss of `已把最优权重 (val_loss X) 保存到 ./checkpoint/<name>.weights.h5`, the run's one such line,
    and no `保留` (kept) line."""
    found = re.findall(rf'^已把最优权重 \(val_loss ({NUMBER})\) 保存到 \./checkpoint/{name}\.weights\.h5$',
                       stdout, re.M)
    assert len(found) == 1 and not re.search('^保留 ', stdout, re.M), re.findall('^(?:已把|保留) .*', stdout, re.M)
    return float(found[0])


def kept(stdout, name='rnn_stock'):
    """The threshold of `保留 ./checkpoint/<name>.weights.h5: 这次训练没有一轮的 val_loss 比它的 X 低`, the run's one
    such line, and no `已把最优权重` (saved) line."""
    found = re.findall(rf'^保留 \./checkpoint/{name}\.weights\.h5: 这次训练没有一轮的 val_loss 比它的 ({NUMBER}) 低$',
                       stdout, re.M)
    assert len(found) == 1 and '已把最优权重' not in stdout, re.findall('^(?:已把|保留) .*', stdout, re.M)
    return float(found[0])


def set_aside(result, project, name, error, since):
    """The one line of a run that cannot load ./checkpoint/<name>.weights.h5 and keeps it as .unloadable-<time>,
    the time of this run: returns the path it was kept at."""
    found = [re.fullmatch(rf'无法载入 \./checkpoint/{name}\.weights\.h5 \((\w+)\): 已改名为 '
                          rf'\./checkpoint/({name}\.weights\.h5\.unloadable-(\d{{8}}-\d{{6}})), 从头训练',
                          line) for line in result.stdout.splitlines() if '无法载入' in line]
    assert len(found) == 1 and found[0], re.findall('^.*无法载入.*', result.stdout, re.M)
    assert found[0].group(1) == error
    assert since <= found[0].group(3) <= time.strftime('%Y%m%d-%H%M%S')
    return project.path / 'checkpoint' / found[0].group(2)


def now():
    return time.strftime('%Y%m%d-%H%M%S')


def refuse_epochs_0(project, script, error):
    """--epochs 0 without a loadable checkpoint: the lecture's load line (printed before it tries), then one line on
    stderr saying what to run first, exit 1, no training, no prompt, and every file as it was: nothing written or
    renamed."""
    before = files(project)
    result = project.run(script, '--epochs', '0', '--no-show', stdin='1\n2020-03-02\n')
    name = STOCK_SCRIPTS[script]
    assert result.returncode == 1
    assert after_start_up(result.stderr) == (f'--epochs 0 无法载入 ./checkpoint/{name}.weights.h5 ({error}); '
                                             f'请先训练: python {script}\n'), result.stderr[-3000:]
    assert re.fullmatch(rf'\d+ 个训练样本, 240 个测试样本: .*\n{LOADED}\n', result.stdout), result.stdout
    assert files(project) == before
    assert not (project.path / 'weights.txt').exists() and not (project.path / 'figures').exists()


def console_after_training(stdout, script, trained=True):
    """From the first figure line to the date prompt, in order: the figures, the lecture's three metrics (with
    --epochs 0 the line saying they are optimistic, and only then), the baseline's, the four lag/horizon lines and the
    horizon figure, the two 记忆跨度 lines and the memory figure (their numbers are test_stock_forecast.py's and
    test_stock_memory.py's)."""
    figures = f'figures/{script[:-3]}'
    pattern = ((rf'图已保存: {figures}_loss\.png\n' if trained else '')
               + rf'图已保存: {figures}_prediction\.png\n'
               + rf'均方误差: {NUMBER}\n均方根误差: {NUMBER}\n平均绝对误差: {NUMBER}\n'
               + ('' if trained else re.escape(PEEKED) + '\n')
               + r'基线 \(明天的开盘价 = 今天的开盘价\), 同样的 240 天:\n'
               + rf'均方误差: {NUMBER}\n均方根误差: {NUMBER}\n平均绝对误差: {NUMBER}\n'
               + r'滞后检查: .*\n  k=0 .* → k=\d 最接近: .*\n'
               + r'多日预测 \(每个预测值作为最新的一天放回 60 天的窗口\).*\n  1 .* \(基线 .*\) · .* · 10 .*\n'
               + rf'图已保存: {figures}_horizon\.png\n'
               + r'记忆跨度: .*\n  前 1 天 .* → 90% 的影响来自最近 \d+ 天\n'
               + rf'图已保存: {figures}_memory\.png\n' + re.escape(DAYS_PROMPT))
    assert re.search(pattern, stdout), stdout[-3000:]
    assert stdout.count('图已保存: ') == 3 + trained
    assert stdout.count(PEEKED) == (not trained)


def answer(stdout, day):
    """The answer line to a test day typed at the prompt, and the real open it gives."""
    found = re.findall(rf'({re.escape(day)} -> 预测开盘价 \d+\.\d\d, 真实开盘价 (\d+\.\d\d))$', stdout, re.M)
    assert len(found) == 1, found
    return found[0][0], float(found[0][1])


def real_open(csv, day):
    maotai = pd.read_csv(csv)
    return round(maotai.loc[maotai['date'] == day, 'open'].item(), 2)


# ---------------------------------------------------------------- flags
@pytest.mark.parametrize('script', STOCK_SCRIPTS)
def test_help_lists_the_flags(project, script):
    result = project.run(script, '--help')
    assert result.returncode == 0 and result.stderr == ''
    assert result.stdout.startswith(f'usage: {script} ')
    for text in ('--epochs', '讲义: 50', '0: 不训练, 用保存的 checkpoint', '--seed', '讲义: 7', '--fresh', '--no-show',
                 '--explain'):
        assert text in result.stdout, text


@pytest.mark.parametrize('script', STOCK_SCRIPTS)
@pytest.mark.parametrize('args, error', [
    (('--epochs', '-1'), '--epochs 不能小于 0'),
    (('--epochs', 'many'), "argument --epochs: invalid int value: 'many'"),
    (('--epochs', '0', '--fresh'), '--epochs 0 只载入 checkpoint, --fresh 要从头训练, 不能同时用'),
    (('--seed', 'x'), "argument --seed: invalid int value: 'x'"),
    (('--bogus',), 'unrecognized arguments: --bogus'),
])
def test_a_bad_flag_is_argparse_s_message_before_anything(project, script, args, error):
    """argparse's usage and `prog: error: ...`, exit 2, before TensorFlow starts: nothing on stdout, no start-up
    lines, nothing written, the checkpoint as it was."""
    checkpoint = project.checkpoint(STOCK_SCRIPTS[script])
    checkpoint.write_bytes(b'a checkpoint')
    before = files(project)
    result = project.run(script, *args)
    assert result.returncode == 2 and result.stdout == ''
    assert result.stderr.startswith(f'usage: {script} ') and result.stderr.endswith(f'\n{script}: error: {error}\n')
    assert after_start_up(result.stderr) == result.stderr  # TensorFlow never started
    assert files(project) == before and not (project.path / 'weights.txt').exists()


# ---------------------------------------------------------------- p38: one quick run, checked thoroughly
BAD_COUNTS = ['', '-1', 'two', '1.5']
BAD_DATES = ['garbage', '', '2020-02-30', '2020-03-07', '2019-04-30', '2020-04-27', '2020/03/02', 'next 0', 'next 31',
             'nxt']  # impossible, a Saturday, the trading day before the first test day, after the CSV, N not 1..30
TYPED = [*BAD_COUNTS, ' 4 ', *BAD_DATES, ' 2020-03-02 ', 'NEXT', 'next 2']  # a count of 4: the 4th prompt gets EOF


@pytest.fixture(scope='module')
def p38_quick(tmp_path_factory):
    """`python p38_rnn_stock.py --epochs 1 --no-show` from another folder with no checkpoint, typing bad counts, bad
    dates, a test day, next and next 2, then end of input: (project, that folder, the run)."""
    project = Project(tmp_path_factory.mktemp('p38_quick'))
    elsewhere = project.path / 'elsewhere'
    elsewhere.mkdir()
    return project, elsewhere, project.run('p38_rnn_stock.py', *QUICK, stdin='\n'.join(TYPED) + '\n', cwd=elsewhere)


def test_p38_quick_run_from_another_folder(p38_quick):
    """Counts, the console in order, metrics (the baseline from the CSV), figures, weights.txt = the checkpoint with
    Adam's state, paths relative to the script's folder, and nothing written in the current folder."""
    project, elsewhere, result = p38_quick
    assert_ran(result)
    out = result.stdout
    assert out.startswith(SAMPLES + '\n')
    assert LOADED not in out and '无法载入' not in out  # no checkpoint: nothing to load
    best = saved(out)  # the path relative to the script's folder, though it ran from elsewhere
    assert best == pytest.approx(epoch_losses(out)[0][1], abs=1e-4)  # the epoch's val_loss, not its loss
    assert out.index(SAMPLES) < out.index('已把最优权重') < out.index('Model: "sequential"') < out.index(
        '图已保存: ')
    console_after_training(out, 'p38_rnn_stock.py')
    assert_metrics(result, csv_path(project))
    assert persistence(csv_path(project))['均方根误差'] == pytest.approx(19.617708, abs=1e-6)  # the shipped CSV's
    assert_figures(project, 'p38_rnn_stock.py')
    assert_weights_txt(project, 'p38_rnn_stock.py')
    assert adam_step(project.checkpoint('rnn_stock')) == math.ceil(2066 / 64)  # one epoch of Adam's steps, saved
    assert sorted(path.name for path in (project.path / 'checkpoint').iterdir()) == ['rnn_stock.weights.h5']
    assert sorted(path.name for path in project.path.iterdir()) == sorted(
        ['checkpoint', 'data', 'elsewhere', 'figures', 'p38_rnn_stock.py', 'weights.txt'])
    assert not list(elsewhere.iterdir())


def test_p38_the_date_prompt(p38_quick):
    """Bad counts and bad entries ask again without using up the count; a test day (spaces around it) answers with the
    CSV's real open; NEXT (upper case) and next 2 answer (their numbers are test_stock_forecast.py's); end of input at
    the 4th date says 再见 and exits 0."""
    project, _, result = p38_quick
    assert result.returncode == 0
    prompts = result.stdout.split(DAYS_PROMPT)[1:]
    assert prompts[:-1] == [COUNT_HELP + '\n'] * len(BAD_COUNTS), prompts[:-1]
    entries = prompts[-1].split(DATE_PROMPT)
    assert entries[0] == ''
    assert entries[1:len(BAD_DATES) + 1] == [DATE_HELP + '\n'] * len(BAD_DATES)
    day, next_day, next_2, end = entries[len(BAD_DATES) + 1:]
    assert re.fullmatch(r'2020-03-02 -> 预测开盘价 \d+\.\d\d, 真实开盘价 1050\.11\n', day), day
    assert real_open(csv_path(project), '2020-03-02') == 1050.11
    assert re.fullmatch(r'2020-04-24 之后的第 1 个交易日 -> 预测开盘价 \d+\.\d\d\n', next_day), next_day
    assert re.fullmatch(r'2020-04-24 之后的第 1 个交易日 -> 预测开盘价 \d+\.\d\d\n'
                        r'2020-04-24 之后的第 2 个交易日 -> 预测开盘价 \d+\.\d\d\n', next_2), next_2
    assert end == '\n再见\n'


# ---------------------------------------------------------------- p38: resume, never worse, --fresh, --seed
@pytest.fixture(scope='module')
def p38_chain(tmp_path_factory, p38_quick):
    """In one project holding p38_quick's checkpoint, one epoch each: 'resumed' (no flag), then, with half a file a
    Ctrl-C left beside the checkpoint, 'fresh' (--fresh --seed 7), then 'seed 8' (--fresh --seed 8). Each step:
    the run, and the checkpoint's bytes, weights.txt and the checkpoint folder before and after it."""
    project = Project(tmp_path_factory.mktemp('p38_chain'))
    checkpoint = project.checkpoint('rnn_stock')
    checkpoint.write_bytes(p38_quick[0].checkpoint('rnn_stock').read_bytes())
    steps = {}
    for step, args in (('resumed', ()), ('fresh', ('--fresh', '--seed', '7')), ('seed 8', ('--fresh', '--seed', '8'))):
        if step == 'fresh':
            checkpoint.with_name('rnn_stock.saving.weights.h5').write_bytes(b'half a file')
        before = checkpoint.read_bytes()
        result = project.run('p38_rnn_stock.py', *args, *QUICK)
        steps[step] = dict(result=result, before=before, after=checkpoint.read_bytes(),
                           weights=(project.path / 'weights.txt').read_text(),
                           folder=sorted(path.name for path in (project.path / 'checkpoint').iterdir()))
    return steps


def test_p38_resumes_from_its_checkpoint(p38_quick, p38_chain):
    """The lecture's load line, then training on from the saved weights and Adam's state; one epoch on it beats the
    saved val_loss, so the new best replaces the file."""
    quick, resumed = p38_quick[2], p38_chain['resumed']
    result = resumed['result']
    assert_ran(result)
    assert result.stdout.startswith(f'{SAMPLES}\n{LOADED}\n') and '无法载入' not in result.stdout
    assert epoch_losses(result.stdout)[0][0] < epoch_losses(quick.stdout)[0][0] / 2  # trained on, not from scratch
    assert saved(result.stdout) < saved(quick.stdout)
    assert resumed['after'] != resumed['before'] and resumed['folder'] == ['rnn_stock.weights.h5']
    assert adam_step(resumed['after']) == 2 * adam_step(resumed['before'])  # Adam's steps counted on from the file


def test_p38_a_worse_fresh_run_keeps_the_checkpoint_and_drops_a_leftover(p38_quick, p38_chain):
    """--fresh trains from scratch (exactly as a run with no checkpoint: the same epoch, weights.txt and metrics) but
    must still beat the saved val_loss, measured by evaluating the saved weights: the same number the run that saved
    them printed. It does not, so the file stays byte for byte, and the half file a Ctrl-C left beside it is deleted,
    not renamed over it."""
    quick, fresh = p38_quick[2], p38_chain['fresh']
    result = fresh['result']
    assert_ran(result)
    assert LOADED not in result.stdout and '无法载入' not in result.stdout
    assert kept(result.stdout) == pytest.approx(saved(p38_chain['resumed']['result'].stdout), abs=2e-6)
    assert fresh['after'] == fresh['before'] and fresh['folder'] == ['rnn_stock.weights.h5']
    assert epoch_losses(result.stdout) == epoch_losses(quick.stdout)
    assert printed_metrics(result.stdout) == printed_metrics(quick.stdout)
    assert fresh['weights'] == (p38_quick[0].path / 'weights.txt').read_text()


def test_seed(p38_quick, p38_chain):
    """--seed 7 is the default: `--fresh --seed 7` gives the metrics and weights.txt of the run with no flag, digit for
    digit (the same seed twice). --seed 8 gives other ones; its val_loss beats the checkpoint's, so --fresh replaces
    it (a --fresh run is kept only if it beats the file)."""
    quick, fresh, other = p38_quick[2], p38_chain['fresh'], p38_chain['seed 8']
    assert printed_metrics(fresh['result'].stdout) == printed_metrics(quick.stdout)
    assert fresh['weights'] == (p38_quick[0].path / 'weights.txt').read_text()
    result = other['result']
    assert_ran(result)
    model, baseline = printed_metrics(result.stdout)
    assert all(model[label] != printed_metrics(quick.stdout)[0][label] for label in LABELS)
    assert baseline == printed_metrics(quick.stdout)[1]  # the data is the lecture's, whatever the seed
    assert epoch_losses(result.stdout) != epoch_losses(quick.stdout) and other['weights'] != fresh['weights']
    assert saved(result.stdout) < kept(fresh['result'].stdout)  # this one beats the checkpoint, so replaces it
    assert other['after'] != other['before'] and other['folder'] == ['rnn_stock.weights.h5']


# ---------------------------------------------------------------- p38: an unloadable checkpoint
def test_p38_damaged_checkpoint_is_refused_by_epochs_0_then_kept_aside(p38_quick, project):
    """Half of a real checkpoint (a copy cut short): --epochs 0 refuses in one line and changes nothing; a training
    run prints the lecture's load line, then one line, keeps the file's bytes under a name with the time, leaves a file
    kept by an earlier run alone, and trains from scratch: exactly the run with no checkpoint."""
    trained, quick = p38_quick[0], p38_quick[2]
    checkpoint = project.checkpoint('rnn_stock')
    damaged = trained.checkpoint('rnn_stock').read_bytes()[:150_000]
    checkpoint.write_bytes(damaged)
    earlier = checkpoint.with_name('rnn_stock.weights.h5.unloadable-20200101-000000')
    earlier.write_bytes(b'kept aside by an earlier run')
    refuse_epochs_0(project, 'p38_rnn_stock.py', 'OSError')

    since = now()
    result = project.run('p38_rnn_stock.py', *QUICK)
    assert_ran(result)
    aside = set_aside(result, project, 'rnn_stock', 'OSError', since)
    assert f'{LOADED}\n无法载入 ' in result.stdout
    assert aside.read_bytes() == damaged and earlier.read_bytes() == b'kept aside by an earlier run'
    assert sorted(path.name for path in (project.path / 'checkpoint').iterdir()) == sorted(
        ['rnn_stock.weights.h5', aside.name, earlier.name])
    assert saved(result.stdout) == saved(quick.stdout)  # a new checkpoint, from scratch
    assert epoch_losses(result.stdout) == epoch_losses(quick.stdout)
    assert printed_metrics(result.stdout) == printed_metrics(quick.stdout)
    assert (project.path / 'weights.txt').read_text() == (trained.path / 'weights.txt').read_text()
    assert_weights_txt(project, 'p38_rnn_stock.py')  # the new file loads and holds the weights


# ---------------------------------------------------------------- --epochs 0: the classroom's 断点续训
def test_epochs_0_answers_from_the_saved_checkpoint_without_training(p38_quick, project):
    """In a copy holding only p38_quick's checkpoint: the lecture's load line, no training, no saved/kept line, the
    same weights.txt, metrics and answer as the run that made it, the figures but the loss curve (no history), and the
    checkpoint untouched."""
    trained, quick = p38_quick[0], p38_quick[2]
    checkpoint = project.checkpoint('rnn_stock')
    checkpoint.write_bytes(trained.checkpoint('rnn_stock').read_bytes())
    before = checkpoint.read_bytes()
    result = project.run('p38_rnn_stock.py', '--epochs', '0', '--no-show', stdin='1\n2020-03-02\n')
    assert_ran(result)
    out = result.stdout
    assert out.startswith(f'{SAMPLES}\n{LOADED}\nModel: "sequential"\n'), out[:500]
    assert 'Epoch' not in out and '已把最优权重' not in out and not re.search('^保留 ', out, re.M)
    console_after_training(out, 'p38_rnn_stock.py', trained=False)
    assert_figures(project, 'p38_rnn_stock.py', kinds=('prediction', 'horizon', 'memory'))
    assert (project.path / 'weights.txt').read_text() == (trained.path / 'weights.txt').read_text()
    assert printed_metrics(out) == printed_metrics(quick.stdout)
    assert answer(out, '2020-03-02') == answer(quick.stdout, '2020-03-02')
    assert out.endswith(f'{DATE_PROMPT}{answer(out, "2020-03-02")[0]}\n')  # the count of 1 used up: the run ends
    assert checkpoint.read_bytes() == before
    assert [path.name for path in (project.path / 'checkpoint').iterdir()] == ['rnn_stock.weights.h5']


# ---------------------------------------------------------------- the CSV
def excel_resaved(project):
    """The shipped CSV as Excel or WPS saves it: dates like 2010/4/26, a UTF-8 BOM, CRLF line ends."""
    header, *data = csv_path(project).read_text().splitlines()
    for i, line in enumerate(data):
        number, date, rest = line.split(',', 2)
        year, month, day = date.split('-')
        data[i] = f'{number},{year}/{int(month)}/{int(day)},{rest}'
    csv_path(project).write_bytes(('\ufeff' + '\r\n'.join([header, *data]) + '\r\n').encode())


def test_p38_reads_a_csv_re_saved_by_excel(p38_quick, project):
    """The same samples, metrics and baseline as the shipped CSV, the prompt's range in YYYY-MM-DD, and the same
    answer for 2020-03-02 (answered from p38_quick's checkpoint: the reading is what is tested)."""
    excel_resaved(project)
    assert csv_path(project).read_bytes().startswith(b'\xef\xbb\xbf,date,open,')
    assert b'\r\n74,2010/4/26,88.702,' in csv_path(project).read_bytes()
    project.checkpoint('rnn_stock').write_bytes(p38_quick[0].checkpoint('rnn_stock').read_bytes())
    result = project.run('p38_rnn_stock.py', '--epochs', '0', '--no-show', stdin='1\n2020/3/2\n2020-03-02\n')
    assert_ran(result)
    assert result.stdout.startswith(SAMPLES + '\n')
    assert printed_metrics(result.stdout) == printed_metrics(p38_quick[2].stdout)
    assert printed_metrics(result.stdout)[1] == pytest.approx(persistence(SHIPPED), abs=2e-6)
    assert f'{DATE_PROMPT}{DATE_HELP}\n' in result.stdout
    assert answer(result.stdout, '2020-03-02') == answer(p38_quick[2].stdout, '2020-03-02')
    assert answer(result.stdout, '2020-03-02')[1] == real_open(SHIPPED, '2020-03-02')


def test_p38_a_stale_display_and_a_count_of_0(project):
    """An SSH session whose X forwarding is gone: DISPLAY is set, nothing answers there, and no --no-show. The run
    neither blocks nor warns (matplotlib falls back to agg, and nothing is shown), saves every figure, and a count of
    0 ends it after the prompt."""
    if not STALE_DISPLAY:
        pytest.skip('this machine has an X server on :99')
    result = project.run('p38_rnn_stock.py', '--epochs', '1', stdin='0\n', env=STALE_DISPLAY, timeout=180)
    assert_ran(result)
    assert_figures(project, 'p38_rnn_stock.py')
    assert result.stdout.endswith(f'图已保存: figures/p38_rnn_stock_memory.png\n{DAYS_PROMPT}')


def open_is_abc_on_line_101(data):
    fields = data[99].split(',')
    fields[2] = 'abc'  # ,date,open,...: open is the third field
    return [*data[:99], ','.join(fields), *data[100:]]


def no_open_on_line_101(data):
    fields = data[99].split(',')
    fields[2] = ''
    return [*data[:99], ','.join(fields), *data[100:]]


def date_is_abc_on_line_51(data):
    number, _, rest = data[49].split(',', 2)
    return [*data[:49], f'{number},abc,{rest}', *data[50:]]


def lines_12_and_13_swapped(data):
    return [*data[:10], data[11], data[10], *data[12:]]


def without_the_index_column(project):
    """date and open in A and B: what pandas writes with index=False, not the lecture's layout (open in C)."""
    lines = csv_path(project).read_text().splitlines(keepends=True)
    csv_path(project).write_text(''.join(line.split(',', 1)[1] for line in lines))


NEEDS = re.escape('ValueError: 需要 C 列是 open 且全部大于 0, 日期从早到晚, 至少 361 个交易日')


@pytest.mark.parametrize('spoil, problem', [
    (lambda p: csv_path(p).unlink(),
     re.escape("FileNotFoundError: [Errno 2] No such file or directory: './data/SH600519.csv'")),
    (lambda p: csv_path(p).write_text(''), 'EmptyDataError: No columns to parse from file'),
    (without_the_index_column, NEEDS),
    (lambda p: rewrite_rows(p, open_is_abc_on_line_101), r"ValueError: Unable to parse string 'abc' at position 99"),
    (lambda p: rewrite_rows(p, no_open_on_line_101), NEEDS),
    (lambda p: rewrite_rows(p, lines_12_and_13_swapped), NEEDS),
    (lambda p: rewrite_rows(p, date_is_abc_on_line_51), r'DateParseError: .*\babc\b.*'),
    (lambda p: csv_path(p).write_text(csv_path(p).read_text().replace(',date,', ',day,', 1)), "KeyError: 'date'"),
    (lambda p: rewrite_rows(p, lambda data: data[:360]), NEEDS),
], ids=['missing', 'empty', 'open not in C', 'open not a number', 'no open', 'dates out of order', 'not a date',
        'no date column', '360 rows'])
def test_p38_bad_csv_is_one_line_and_writes_nothing(project, spoil, problem):
    """Run from another folder: one line on stderr naming the CSV, the error's type and message, and who writes the
    file; exit 1; nothing on stdout; nothing written, there or in the project."""
    spoil(project)
    elsewhere = project.path / 'elsewhere'
    elsewhere.mkdir()
    before = files(project)
    result = project.run('p38_rnn_stock.py', *QUICK, cwd=elsewhere)
    assert result.returncode == 1 and result.stdout == ''
    assert re.fullmatch(rf'p38_rnn_stock\.py: 无法使用 data/SH600519\.csv \({problem}\); 可运行 p37_tushare\.py 重新下载\n',
                        after_start_up(result.stderr)), result.stderr[-3000:]
    assert files(project) == before and not list(elsewhere.iterdir()) and not (project.path / 'figures').exists()


# ---------------------------------------------------------------- p47, p56: one quick run each, on a shorter CSV
LAST_800 = slice(-800, None)


@pytest.fixture(scope='module')
def p47_pair(tmp_path_factory, p38_quick):
    """p47 on the last 800 rows, in two projects: 'none' without a checkpoint, 'p38s' with p38_quick's checkpoint
    where p47's goes (another model's, as when a student copies the wrong file). In each, --epochs 0 first (refused),
    then one epoch answering one test day: {kind: (project, the training run)}."""
    pair = {}
    for kind in ('none', 'p38s'):
        project = Project(tmp_path_factory.mktemp(f'p47_{kind}'))
        rewrite_rows(project, lambda data: data[LAST_800])
        if kind == 'p38s':
            project.checkpoint('LSTM_stock').write_bytes(p38_quick[0].checkpoint('rnn_stock').read_bytes())
        refuse_epochs_0(project, 'p47_LSTM_stock.py', {'none': 'FileNotFoundError', 'p38s': 'ValueError'}[kind])
        since = now()
        day = pd.read_csv(csv_path(project))['date'].iloc[-200]
        pair[kind] = project, project.run('p47_LSTM_stock.py', *QUICK, stdin=f'1\n{day}\n'), since
    return pair


def test_p47_quick_run_on_the_last_800_days(p47_pair):
    """A CSV of 800 rows: 800 - 300 - 60 training samples, the same 240 test days; no checkpoint (so --epochs 0 was
    refused: FileNotFoundError), one epoch, the checkpoint, weights.txt, figures, metrics and a day's real open."""
    project, result, _ = p47_pair['none']
    assert_ran(result)
    out = result.stdout
    assert out.startswith('440 个训练样本, 240 个测试样本: x_train (440, 60, 1), x_test (240, 60, 1)\n')
    assert LOADED not in out and '无法载入' not in out
    saved(out, 'LSTM_stock')
    console_after_training(out, 'p47_LSTM_stock.py')
    assert_metrics(result, csv_path(project))
    assert_figures(project, 'p47_LSTM_stock.py')
    assert_weights_txt(project, 'p47_LSTM_stock.py')
    day = pd.read_csv(csv_path(project))['date'].iloc[-200]
    assert answer(out, day)[1] == real_open(csv_path(project), day)
    assert out.endswith(f'{DATE_PROMPT}{answer(out, day)[0]}\n')


def test_p47_with_p38s_checkpoint_trains_exactly_as_without_one(p38_quick, p47_pair):
    """Issue 19's bug: load_weights loads what fits of another model's file (Adam's state included) before it raises.
    Set aside, the file must leave the model and Adam exactly as a run with no checkpoint has them: the same epoch
    losses, saved val_loss, weights.txt and metrics, digit for digit. The file's bytes are kept."""
    (none_project, none, _), (project, result, since) = p47_pair['none'], p47_pair['p38s']
    assert_ran(result)
    aside = set_aside(result, project, 'LSTM_stock', 'ValueError', since)
    assert f'{LOADED}\n无法载入 ' in result.stdout
    assert aside.read_bytes() == p38_quick[0].checkpoint('rnn_stock').read_bytes()
    assert epoch_losses(result.stdout) == epoch_losses(none.stdout)
    assert saved(result.stdout, 'LSTM_stock') == saved(none.stdout, 'LSTM_stock')
    assert (project.path / 'weights.txt').read_text() == (none_project.path / 'weights.txt').read_text()
    assert printed_metrics(result.stdout) == printed_metrics(none.stdout)
    assert project.checkpoint('LSTM_stock').read_bytes() != aside.read_bytes()
    assert_weights_txt(project, 'p47_LSTM_stock.py')


def test_p56_quick_run_on_361_rows_with_p47s_checkpoint_and_fresh(p47_pair, project):
    """The least CSV that works (361 rows: 1 training sample, 240 test days) and p47's checkpoint where p56's goes,
    with --fresh: no load line, but the file is still read (to know what to beat), cannot be, and is set aside."""
    rewrite_rows(project, lambda data: data[:361])
    lstm = p47_pair['none'][0].checkpoint('LSTM_stock').read_bytes()
    project.checkpoint('GRU_stock').write_bytes(lstm)
    day = pd.read_csv(csv_path(project))['date'].iloc[-200]
    since = now()
    result = project.run('p56_GRU_stock.py', '--fresh', *QUICK, stdin=f'1\n{day}\n')
    assert_ran(result)
    out = result.stdout
    assert out.startswith('1 个训练样本, 240 个测试样本: x_train (1, 60, 1), x_test (240, 60, 1)\n')
    assert LOADED not in out
    assert set_aside(result, project, 'GRU_stock', 'ValueError', since).read_bytes() == lstm
    saved(out, 'GRU_stock')
    console_after_training(out, 'p56_GRU_stock.py')
    assert_metrics(result, csv_path(project))
    assert_figures(project, 'p56_GRU_stock.py')
    assert_weights_txt(project, 'p56_GRU_stock.py')
    assert answer(out, day)[1] == real_open(csv_path(project), day)
