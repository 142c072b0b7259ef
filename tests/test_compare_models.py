"""tests/compare_models.py, run small (issues 24 and 25; issue 23's 中文优先 for its output).

`python tests/compare_models.py --seeds 2 --epochs 1 --scripts p38 --logs <tmp>` runs once for the module (all
three protocols: 2 training runs and their `--epochs 0`, 2 runs of the honest copy and theirs, about 1½ min on 2
cores). Every number of its tables is recomputed here from the runs' own consoles, kept by --logs, with a parser of
this file (not compare_models.parse), and the wall times from its wall_times.tsv. A printed value is compared with the
recomputed one within half a unit of its last digit.

The honest protocol runs a copy of the script with its data cell changed; test_identity_patch_prints_the_lecture_numbers
shows that the same patch with the validation period set back to the test period is the lecture's run: it prints the
unpatched seed-7 run's numbers (the fixture's `last` console) digit for digit."""
import math
import re
import statistics
import subprocess
import sys

import pandas as pd
import pytest
import scipy.stats

from compare_models import SCRIPTS, honest_copy, report
from conftest import ROOT
from conftest import persistence as persistence_from_csv

SCRIPT, MODEL, SEEDS, EPOCHS = 'p38_rnn_stock.py', 'SimpleRNN', (7, 8), 1
NAMES = {'last': '最后一轮', 'checkpoint': '按测试集挑选的 checkpoint', 'honest': '按验证集挑选'}
PEEK = '注意: 这个 checkpoint 是按测试集的 val_loss 挑出来的, 上面三个误差因此偏乐观 (训练结束时打印的是最后一轮的误差, 没有经过挑选)'
CJK = re.compile(r'[\u4e00-\u9fff]')


# ---- one small run of the whole tool, its consoles kept ------------------------------------------------------------

@pytest.fixture(scope='module')
def comparison(tmp_path_factory):
    """(stdout, stderr, {(seed, run): console}, {(seed, run): wall seconds}) of one small run with --logs."""
    folder = tmp_path_factory.mktemp('compare')
    logs = folder / 'logs'
    result = subprocess.run([sys.executable, str(ROOT / 'tests' / 'compare_models.py'), '--seeds', str(len(SEEDS)),
                             '--epochs', str(EPOCHS), '--scripts', 'p38', '--logs', str(logs)],
                            capture_output=True, text=True, encoding='utf-8', timeout=900, cwd=folder,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = ('last', 'checkpoint', 'honest', 'honest_training')
    consoles = {(seed, run): (logs / f'p38_rnn_stock_seed{seed}_{run}.txt').read_text(encoding='utf-8')
                for seed in SEEDS for run in runs}
    walls = {}
    for line in (logs / 'wall_times.tsv').read_text(encoding='utf-8').splitlines():
        name, seconds = line.split('\t')
        seed, run = re.fullmatch(r'p38_rnn_stock_seed(\d+)_(\w+)', name).groups()
        walls[int(seed), run] = float(seconds)
    assert sorted(walls) == sorted(consoles), walls
    return result.stdout, result.stderr, consoles, walls


def read_console(text):
    """This test's own reading of one stock console: the model's and the baseline's metrics, the lag check (the
    closest k recomputed as the smallest of the six printed errors), the horizon line at 5 days and the 记忆跨度 line."""
    model, head, rest = text.partition('基线 (明天的开盘价 = 今天的开盘价), 同样的 240 天:\n')
    assert head, text[-2000:]
    baseline = rest[:rest.index('滞后检查')]

    def value(label, part):
        found = re.findall(rf'^{label}: (\d+\.\d+)$', part, re.M)
        assert len(found) == 1, (label, part)
        return float(found[0])

    lag = re.search(r'^  k=0 (\S+) · k=1 (\S+) · k=2 (\S+) · k=3 (\S+) · k=4 (\S+) · k=5 (\S+) → k=(\d) 最接近', rest,
                    re.M)
    lags = [float(x) for x in lag.groups()[:6]]
    assert int(lag[7]) == lags.index(min(lags)), lag[0]
    horizon = re.search(r'^  1 (\S+) \(基线 (\S+)\) · 2 \S+ \(\S+\) · 3 \S+ \(\S+\) · 5 (\S+) \((\S+)\) · 10 ', rest,
                        re.M)
    memory = re.search(r'^  前 1 天 \S+% · 前 5 天 (\S+)% · 前 10 天 \S+% · 前 20 天 (\S+)% · 最早一天 \S+% '
                       r'→ 90% 的影响来自最近 (\d+) 天$', rest, re.M)
    return dict(rmse=value('均方根误差', model), mae=value('平均绝对误差', model), lag=lags.index(min(lags)),
                ahead=float(horizon[3]), recent5=float(memory[1]), recent20=float(memory[2]), span=int(memory[3]),
                baseline=dict(rmse=value('均方根误差', baseline), mae=value('平均绝对误差', baseline),
                              ahead=float(horizon[4])))


def csv_dates():
    return pd.to_datetime(pd.read_csv(ROOT / 'data' / 'SH600519.csv')['date'], format='mixed')


def runs_of(consoles, run):
    return [read_console(consoles[seed, run]) for seed in SEEDS]


def tables(stdout):
    """{heading: {label: [cells]}} of every Markdown table in the output."""
    found = {}
    for heading, body in re.findall(r'^(#{3,4} .*)\n\n((?:\|.*\n?)+)', stdout, re.M):
        rows = body.strip().splitlines()
        assert rows[:2] == ['| | 平均值 ± 标准差 | 最小 – 最大 |', '|---|---|---|'], rows
        cells = [[cell.strip() for cell in line.strip('|').split('|')] for line in rows[2:]]
        found[heading] = {cell[0]: cell[1:] for cell in cells}
        assert len(found[heading]) == len(cells), 'a label twice'
    return found


def within(printed, expected, digits):
    """The printed text (a number) is `expected` rounded to `digits` decimals, give or take the last digit's half."""
    return abs(float(printed) - expected) <= 0.5 * 10 ** -digits + 1e-9


def check_row(cells, values, digits=2, range_digits=None):
    """cells = ['mean ± sd', 'min – max'] recomputed from values: the mean, the sample sd (n - 1), min and max."""
    if range_digits is None:
        range_digits = digits
    mean, sd = cells[0].split(' ± ')
    assert within(mean, sum(values) / len(values), digits), (cells, values)
    if len(values) > 1:
        squares = sum((v - sum(values) / len(values)) ** 2 for v in values)
        assert within(sd, math.sqrt(squares / (len(values) - 1)), digits), (cells, values)
        assert re.fullmatch(rf'-?\d+\.\d{{{digits}}}', sd), cells
    else:
        assert sd == '—', cells
    low, high = cells[1].split(' – ')
    assert within(low, min(values), range_digits) and within(high, max(values), range_digits), (cells, values)


def main_heading(protocol='last'):
    return (f'### {MODEL} ({SCRIPT}): {len(SEEDS)} 次运行, 种子 {SEEDS[0]}–{SEEDS[-1]}, 每次 {EPOCHS} 轮, '
            f'{NAMES[protocol]}')


SECTION = f'#### {MODEL}: 每种挑选方式在同样 240 个测试日上的误差, 和记忆跨度 ({len(SEEDS)} 个种子, 种子 7–8)'


# ---- the output's shape --------------------------------------------------------------------------------------------

def test_compare_models_smoke(comparison):
    """The head (machine, runs, wall time), the protocols' explanations, the two tables with their rows in order, the
    comparison, and the progress lines on stderr."""
    stdout, stderr, _, _ = comparison
    lines = stdout.splitlines()
    assert re.fullmatch(r'机器: .+, \d+ 个核, .+', lines[0]), lines[0]
    assert re.match(rf'1 个模型 × 2 个种子, 3 种挑选方式: 8 次脚本运行 \(其中 4 次训练\), 同时 1 个, 共 \d+ 秒\. '
                    rf'每次训练都在新的临时文件夹里从头开始 \(--fresh --no-show --seed N --epochs {EPOCHS}, 没有输入\)',
                    lines[1]), lines[1]
    assert [line.split(':')[0] for line in lines[2:5]] == [f'- {name}' for name in NAMES.values()], lines[2:5]
    found = tables(stdout)
    assert list(found) == [main_heading(), SECTION], list(found)
    assert list(found[main_heading()]) == [
        '均方根误差', '平均绝对误差', '滞后检查: 最接近的 k', '5 天后的均方根误差 (多日预测)', '运行时间 (秒)',
        '基线 (每个种子都一样): 均方根误差, 平均绝对误差, 5 天后的均方根误差']
    expected = []
    for what in ('均方根误差', '5 天后的均方根误差'):
        expected += [f'{what}: 最后一轮', f'{what}: 按测试集挑选的 checkpoint', f'{what}: checkpoint − 最后一轮',
                     f'{what}: checkpoint 更低 (看起来更好) 的次数', f'{what}: 按验证集挑选']
    for name in NAMES.values():
        expected += [f'记忆跨度, 前 5 天的占比 (%): {name}', f'记忆跨度, 前 20 天的占比 (%): {name}',
                     f'记忆跨度, 占到 90% 影响的最近天数: {name}']
    assert list(found[SECTION]) == expected
    assert stdout.count('\n### 比较\n') == 1 and stdout.index('### 比较') > stdout.index(SECTION)
    progress = [line for line in stderr.splitlines() if re.match(r'\[\d/4\] ', line)]
    assert [re.match(r'\[(\d)/4\] p38_rnn_stock\.py 种子 (\d+), ([^:]+): \d+\.\d 秒, 均方根误差 \d+\.\d\d, 最接近的 k=\d$',
                     line).groups() for line in progress] == [
        ('1', '7', NAMES['last']), ('1', '7', NAMES['checkpoint']), ('2', '7', NAMES['honest']),
        ('3', '8', NAMES['last']), ('3', '8', NAMES['checkpoint']), ('4', '8', NAMES['honest'])], stderr[-2000:]


def test_no_english_only_line(comparison):
    """Issue 23: no line of the output (or of the progress) has three or more English words and no Chinese character;
    every table label has a Chinese character."""
    stdout, stderr, _, _ = comparison
    for line in (stdout + stderr).splitlines():
        words = re.findall(r'[A-Za-z]{2,}', line)
        assert CJK.search(line) or len(words) < 3, line
    for rows in tables(stdout).values():
        for label in rows:
            assert CJK.search(label), label


# ---- every number, from the consoles ---------------------------------------------------------------------------------

def test_main_table_from_the_training_consoles(comparison):
    """The first table: the `last` consoles' 均方根误差, 平均绝对误差, closest lag, 5-day-ahead 均方根误差, and the
    training runs' wall times."""
    stdout, _, consoles, walls = comparison
    rows, runs = tables(stdout)[main_heading()], runs_of(consoles, 'last')
    check_row(rows['均方根误差'], [r['rmse'] for r in runs])
    check_row(rows['平均绝对误差'], [r['mae'] for r in runs])
    check_row(rows['5 天后的均方根误差 (多日预测)'], [r['ahead'] for r in runs])
    lags = {}
    for r in runs:
        lags[r['lag']] = lags.get(r['lag'], 0) + 1
    order = sorted(lags, key=lambda k: (-lags[k], k))
    assert rows['滞后检查: 最接近的 k'] == [', '.join(f'k={k}: {lags[k]} 次' for k in order), '']
    seconds = [walls[seed, 'last'] for seed in SEEDS]
    median, spread = rows['运行时间 (秒)']
    assert median.startswith('中位数 ') and within(median.split()[1], statistics.median(seconds), 1), median
    low, high = spread.split(' – ')
    assert within(low, min(seconds), 1) and within(high, max(seconds), 1), spread


def test_persistence_row_is_the_csvs(comparison):
    """The baseline row: the CSV's persistence (conftest.persistence), the same in every console, the 5-day-ahead
    one as the consoles print it."""
    stdout, _, consoles, _ = comparison
    printed = tables(stdout)[main_heading()]['基线 (每个种子都一样): 均方根误差, 平均绝对误差, 5 天后的均方根误差']
    rmse, mae, ahead = (float(v) for v in printed[0].split(', '))
    csv = persistence_from_csv(ROOT / 'data' / 'SH600519.csv')
    assert within(str(rmse), csv['均方根误差'], 2) and within(str(mae), csv['平均绝对误差'], 2), (printed, csv)
    baselines = [read_console(text)['baseline'] for text in consoles.values()]
    for baseline in baselines:
        assert abs(baseline['rmse'] - csv['均方根误差']) < 1e-5 and abs(baseline['mae'] - csv['平均绝对误差']) < 1e-5
        assert baseline['ahead'] == ahead, baselines
    assert printed[1] == ''


def test_protocols_section_from_the_consoles(comparison):
    """The new section: both RMSEs of last and checkpoint, their paired difference (checkpoint − last, same seed),
    how often the checkpoint is lower, and the honest protocol's (its --epochs 0 consoles)."""
    stdout, _, consoles, _ = comparison
    rows = tables(stdout)[SECTION]
    last, checkpoint, honest = (runs_of(consoles, run) for run in ('last', 'checkpoint', 'honest'))
    for key, what in (('rmse', '均方根误差'), ('ahead', '5 天后的均方根误差')):
        check_row(rows[f'{what}: 最后一轮'], [r[key] for r in last])
        check_row(rows[f'{what}: 按测试集挑选的 checkpoint'], [r[key] for r in checkpoint])
        difference = [c[key] - s[key] for c, s in zip(checkpoint, last)]
        cells = rows[f'{what}: checkpoint − 最后一轮']
        check_row(cells, difference)
        assert all(re.match(r'[+-]\d', part) for part in [cells[0], *cells[1].split(' – ')]), cells  # signed
        lower = sum(1 for d in difference if d < 0)
        assert rows[f'{what}: checkpoint 更低 (看起来更好) 的次数'] == [f'{lower} / {len(SEEDS)}', '']
        check_row(rows[f'{what}: 按验证集挑选'], [r[key] for r in honest])


def test_span_rows_from_the_consoles(comparison):
    """Issue 25's rows, for each protocol: the share of the last 5 and 20 days (%) and the 90 % span in days."""
    stdout, _, consoles, _ = comparison
    rows = tables(stdout)[SECTION]
    for run, name in NAMES.items():
        runs = runs_of(consoles, run)
        check_row(rows[f'记忆跨度, 前 5 天的占比 (%): {name}'], [r['recent5'] for r in runs], 1)
        check_row(rows[f'记忆跨度, 前 20 天的占比 (%): {name}'], [r['recent20'] for r in runs], 1)
        cells = rows[f'记忆跨度, 占到 90% 影响的最近天数: {name}']
        check_row(cells, [r['span'] for r in runs], 1, range_digits=0)
        assert re.fullmatch(r'\d+ – \d+', cells[1]), cells


def test_comparison_lines(comparison):
    """One model: nothing to compare; the persistence lines count the `last` runs below the baseline."""
    stdout, _, consoles, _ = comparison
    lines = stdout.partition('### 比较\n')[2].splitlines()
    runs = runs_of(consoles, 'last')
    assert lines[:2] == ['', f'- 只有一个模型 ({MODEL}): 没有可比较的.'], lines
    for line, key, what in zip(lines[2:], ('rmse', 'ahead'), ('基线的均方根误差', '基线 5 天后的均方根误差')):
        base = runs[0]['baseline'][key]
        beaten = [f'{MODEL} 种子 {seed} ({r[key]:.2f})' for seed, r in zip(SEEDS, runs) if r[key] < base]
        if beaten:
            assert line == f'- {what} {base:.2f}: 2 次运行中有 {len(beaten)} 次比它低: {", ".join(beaten)}.'
        else:
            assert line == f'- {what} {base:.2f}: 2 次运行中没有一次比它低.'
    assert len(lines) == 4, lines


# ---- the consoles themselves ----------------------------------------------------------------------------------------

def test_the_peek_note_only_in_the_checkpoint_consoles(comparison):
    """`--epochs 0` of the lecture's script prints the note about the test set; the training runs do not; the honest
    copy's `--epochs 0` says its checkpoint was chosen on the validation period instead."""
    _, _, consoles, _ = comparison
    dates = csv_dates()
    for seed in SEEDS:
        assert consoles[seed, 'checkpoint'].count(PEEK + '\n') == 1
        for run in ('last', 'honest_training'):
            assert '注意:' not in consoles[seed, run]
        assert PEEK not in consoles[seed, 'honest']
        test_days = f'{dates.iloc[-240]:%Y-%m-%d} 到 {dates.iloc[-1]:%Y-%m-%d}'
        assert re.search(r'^注意: 这个 checkpoint 是按验证期 \d{4}-\d\d-\d\d 到 \d{4}-\d\d-\d\d 的 val_loss 挑出来的, '
                         rf'上面的误差是测试日 {test_days} 的$', consoles[seed, 'honest'], re.M), seed


def test_one_epoch_checkpoint_is_the_last_epoch(comparison):
    """With one epoch the checkpoint is that epoch: --epochs 0 prints the training run's numbers."""
    _, _, consoles, _ = comparison
    for seed in SEEDS:
        assert read_console(consoles[seed, 'checkpoint']) == read_console(consoles[seed, 'last'])


def test_the_honest_copy_trains_and_chooses_on_the_validation_period(comparison):
    """The honest copy's console: 240 validation windows from rows len-600 .. len-301 of the CSV (their dates), the
    scaler and the 1,766 training windows from the rows before them, the lecture's 240 test windows."""
    _, _, consoles, _ = comparison
    dates = csv_dates()
    n = len(dates)
    first, last = f'{dates[n - 600]:%Y-%m-%d}', f'{dates[n - 301]:%Y-%m-%d}'
    for seed in SEEDS:
        for run in ('honest_training', 'honest'):
            text = consoles[seed, run]
            assert (f'240 个验证样本: 验证期 {first} 到 {last} (300 天, 前 60 天只作输入), 归一化和训练样本只用它之前的 '
                    f'{n - 600} 天\n') in text, text[:500]
            assert f'{n - 600 - 60} 个训练样本, 240 个测试样本' in text
        assert f'验证期 {first} 到 {last} 的 val_loss' in consoles[seed, 'honest']
        assert f'{n - 300 - 60} 个训练样本, 240 个测试样本' in consoles[seed, 'last']


# ---- the copying machinery ------------------------------------------------------------------------------------------

def after_training(text):
    """The console from the line that reports the saved checkpoint (its val_loss) to the end, and the shapes line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('已把最优权重 (val_loss '))
    return [line for line in lines if '个训练样本' in line] + lines[start:]


def test_identity_patch_prints_the_lecture_numbers(comparison, project):
    """The honest copy's substitutions with the validation period set back to the lecture's test period
    (validation_rows=0) train exactly the lecture's run: for seed 7, one epoch, the saved val_loss, the three
    metrics, the baseline, the lag check, the n-day forecast and 记忆跨度 are the unpatched script's (the fixture's
    `last` console), digit for digit."""
    _, _, consoles, _ = comparison
    source = (ROOT / SCRIPT).read_text(encoding='utf-8')
    patched = honest_copy(source, validation_rows=0)
    assert patched != source and 'validation_data=(x_val, y_val)' in patched
    (project.path / SCRIPT).write_text(patched, encoding='utf-8')
    result = project.run(SCRIPT, '--fresh', '--no-show', '--seed', '7', '--epochs', str(EPOCHS), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    dates = csv_dates()
    assert f'240 个验证样本: 验证期 {dates.iloc[-300]:%Y-%m-%d} 到 {dates.iloc[-1]:%Y-%m-%d} ' in result.stdout
    compared = after_training(result.stdout)
    assert compared == after_training(consoles[7, 'last'])
    assert compared != after_training(consoles[7, 'honest_training'])  # the comparison sees a real change
    for head in ('2066 个训练样本', '已把最优权重 (val_loss', '均方根误差: ', '滞后检查: ', '  1 ', '  前 1 天 '):
        assert any(line.startswith(head) for line in compared), head  # the numbers are among the compared lines


def test_every_substitution_must_match_exactly_once():
    """A script whose text no longer holds a target (or holds it twice) stops the honest copy with a ValueError."""
    source = (ROOT / SCRIPT).read_text(encoding='utf-8')
    honest_copy(source)
    for target in ('validation_data=(x_test, y_test)', 'test_set = sc.transform(test_set)',
                   'saved_val_loss = model.evaluate(x_test, y_test, verbose=0)'):
        with pytest.raises(ValueError, match='正好有一处 .*, 却找到 0 处'):
            honest_copy(source.replace(target, target.replace('test', 'tst')))
        with pytest.raises(ValueError, match='却找到 2 处'):
            honest_copy(source.replace(target, f'{target}\n{target}'))


# ---- the report's arithmetic where one epoch cannot reach it --------------------------------------------------------

def made_up_runs(lstm_offset=30.0):
    """Runs as compare_models parses them, with numbers chosen so that every branch shows: two models, three seeds,
    a checkpoint lower than the last epoch in two runs and higher in one, different spans and lags; LSTM's
    均方根误差 is SimpleRNN's + lstm_offset (the sds are 3.00 each)."""
    runs = []
    persistence = dict(rmse=19.617708, mae=14.711, ahead=43.06)
    for script, offset in (('p38_rnn_stock.py', 0.0), ('p47_LSTM_stock.py', lstm_offset)):
        for i, seed in enumerate((7, 8, 9)):
            last = dict(rmse=50.0 + offset + 3 * i, mae=40.0 + i, lag=2 + (i == 2), ahead=80.0 + offset - 2 * i,
                        recent5=30.0 + i, recent20=55.5 + 2 * i, span=50 - i)
            checkpoint = dict(last, rmse=last['rmse'] + (-4.5, 1.25, -0.5)[i],
                              ahead=last['ahead'] + (2.0, -3.0, 0.0)[i], span=last['span'] - 3)
            honest = dict(last, rmse=last['rmse'] + 100 + i, ahead=last['ahead'] + 90 - i, recent5=60.0 - i)
            for protocol, numbers in (('last', last), ('checkpoint', checkpoint), ('honest', honest)):
                runs.append(dict(script=script, seed=seed, protocol=protocol, wall=10.0 + i, peek_note=False,
                                 persistence=persistence, **numbers))
    return runs


def test_report_on_made_up_runs():
    """The differences (checkpoint − last, per seed), the count of lower checkpoints, the span rows and the two-model
    comparison, recomputed from made-up runs with nonzero differences."""
    runs = made_up_runs()
    text = report(runs, ['p38_rnn_stock.py', 'p47_LSTM_stock.py'], ['last', 'checkpoint', 'honest'], 50)
    found = tables(text)
    assert len(found) == 4, list(found)
    for script, model in (('p38_rnn_stock.py', 'SimpleRNN'), ('p47_LSTM_stock.py', 'LSTM')):
        mine = [r for r in runs if r['script'] == script]
        of = {p: [r for r in mine if r['protocol'] == p] for p in NAMES}
        rows = found[f'#### {model}: 每种挑选方式在同样 240 个测试日上的误差, 和记忆跨度 (3 个种子, 种子 7–9)']
        for key, what in (('rmse', '均方根误差'), ('ahead', '5 天后的均方根误差')):
            difference = [c[key] - s[key] for c, s in zip(of['checkpoint'], of['last'])]
            check_row(rows[f'{what}: checkpoint − 最后一轮'], difference)
            lower = sum(1 for d in difference if d < 0)
            assert rows[f'{what}: checkpoint 更低 (看起来更好) 的次数'] == [f'{lower} / 3', '']
            check_row(rows[f'{what}: 按验证集挑选'], [r[key] for r in of['honest']])
        assert rows['均方根误差: checkpoint 更低 (看起来更好) 的次数'][0] == '2 / 3'
        assert rows['5 天后的均方根误差: checkpoint 更低 (看起来更好) 的次数'][0] == '1 / 3'
        # the differences -4.5, +1.25, -0.5: mean -1.25, sd sqrt((3.25² + 2.5² + 0.75²) / 2) = 2.95
        assert rows['均方根误差: checkpoint − 最后一轮'] == ['-1.25 ± 2.95', '-4.50 – +1.25']
        for protocol, name in NAMES.items():
            check_row(rows[f'记忆跨度, 前 5 天的占比 (%): {name}'], [r['recent5'] for r in of[protocol]], 1)
            check_row(rows[f'记忆跨度, 占到 90% 影响的最近天数: {name}'], [r['span'] for r in of[protocol]], 1, 0)
        main = found[f'### {model} ({script}): 3 次运行, 种子 7–9, 每次 50 轮, 最后一轮']
        assert main['滞后检查: 最接近的 k'] == ['k=2: 2 次, k=3: 1 次', '']
        assert main['运行时间 (秒)'] == ['中位数 11.0', '10.0 – 12.0']
    comparison = text.partition('### 比较\n')[2].splitlines()
    # SimpleRNN 50, 53, 56 against LSTM 80, 83, 86: sds 3.00, t = 30 / sqrt(9/3 + 9/3) = 12.25, Welch's df
    # (3 + 3)² / (3²/2 + 3²/2) = 4, two-sided p = 2·P(T_4 > 12.25)
    t, df = 30 / math.sqrt(9 / 3 + 9 / 3), (3 + 3) ** 2 / (3 ** 2 / 2 + 3 ** 2 / 2)
    assert comparison == [
        '', f'- SimpleRNN 对 LSTM: 平均均方根误差 53.00 对 83.00, SimpleRNN 低 30.00; Welch t 检验 t = {t:.2f}, '
            f'自由度 {df:.1f}, p = {2 * scipy.stats.t.sf(t, df):.3f}: 差别显著 (p < 0.050).',
        '- 基线的均方根误差 19.62: 6 次运行中没有一次比它低.',
        '- 基线 5 天后的均方根误差 43.06: 6 次运行中没有一次比它低.']
    assert f'{t:.2f}, 自由度 4.0, p = 0.000' in comparison[1]
    close = report(made_up_runs(lstm_offset=5.5), ['p38_rnn_stock.py', 'p47_LSTM_stock.py'], ['last'], 50)
    t = 5.5 / math.sqrt(9 / 3 + 9 / 3)
    assert (f'- SimpleRNN 对 LSTM: 平均均方根误差 53.00 对 58.50, SimpleRNN 低 5.50; Welch t 检验 t = {t:.2f}, '
            f'自由度 4.0, p = {2 * scipy.stats.t.sf(t, 4):.3f}: 3 个种子分不出差别.') in close.splitlines()


def test_comparison_with_three_models_corrects_for_three_pairs():
    """Three models, three pairs: a difference with 0.05 / 3 <= p < 0.05 is named as not significant after
    Bonferroni's correction, one below 0.05 / 3 as significant, one above 0.05 as not separable by the seeds."""
    runs = []
    for script, values in (('p38_rnn_stock.py', (50.0, 53.0, 56.0)), ('p47_LSTM_stock.py', (55.5, 60.5, 65.5)),
                           ('p56_GRU_stock.py', (70.0, 73.0, 76.0))):
        for seed, rmse in zip((7, 8, 9), values):
            runs.append(dict(script=script, seed=seed, protocol='last', rmse=rmse, mae=1.0, lag=1, ahead=1.0,
                             recent5=1.0, recent20=1.0, span=1, wall=1.0, peek_note=False,
                             persistence=dict(rmse=19.617708, mae=14.711, ahead=43.06)))
    lines = report(runs, list(SCRIPTS), ['last'], 50).partition('### 比较\n')[2].splitlines()
    verdicts = {}
    for line in lines:
        found = re.match(r'- (\w+) 对 (\w+): .*p = (\d\.\d{3}): (.*)\.$', line)
        if found:
            verdicts[found[1], found[2]] = float(found[3]), found[4]
    assert set(verdicts) == {('SimpleRNN', 'LSTM'), ('SimpleRNN', 'GRU'), ('LSTM', 'GRU')}, lines
    for pair, (p, verdict) in verdicts.items():
        if p < 0.05 / 3:
            assert verdict == '差别显著 (p < 0.017, 3 对比较的 Bonferroni 校正)', (pair, p, verdict)
        elif p < 0.05:
            assert verdict == '单独看 p < 0.05, 但 3 对比较按 Bonferroni 校正要 p < 0.017, 不算显著', (pair, p, verdict)
        else:
            assert verdict == '3 个种子分不出差别', (pair, p, verdict)
    assert {verdict[:4] for _, verdict in verdicts.values()} == {'差别显著', '单独看 ', '3 个种'}, verdicts


@pytest.mark.parametrize('protocols', [['last'], ['honest'], ['last', 'honest']])
def test_report_with_some_protocols(protocols):
    """--protocols picks: the first table comes from the first protocol's runs, the section has only the rows of the
    protocols that ran (no difference without both last and checkpoint)."""
    runs = [r for r in made_up_runs() if r['protocol'] in protocols and r['script'] == 'p38_rnn_stock.py']
    text = report(runs, ['p38_rnn_stock.py'], protocols, 50)
    found = tables(text)
    main = f'### SimpleRNN (p38_rnn_stock.py): 3 次运行, 种子 7–9, 每次 50 轮, {NAMES[protocols[0]]}'
    assert list(found)[0] == main
    check_row(found[main]['均方根误差'], [r['rmse'] for r in runs if r['protocol'] == protocols[0]])
    labels = ' '.join(found[list(found)[1]])
    assert 'checkpoint − 最后一轮' not in labels and NAMES['checkpoint'] not in labels
    for protocol, name in NAMES.items():
        assert (name in labels) == (protocol in protocols), (protocol, labels)
    assert [line.split(':')[0] for line in text.splitlines()[:len(protocols)]] == [f'- {NAMES[p]}' for p in protocols]


def test_protocols_flag():
    """--protocols: checkpoint brings last (it needs its training run); an unknown name is refused by argparse."""
    from compare_models import protocol_list
    assert protocol_list('checkpoint') == ['last', 'checkpoint']
    assert protocol_list(' honest , last') == ['last', 'honest']
    result = subprocess.run([sys.executable, str(ROOT / 'tests' / 'compare_models.py'), '--protocols', 'best'],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and '--protocols' in result.stderr and 'last, checkpoint, honest' in result.stderr
