"""Train the three stock scripts from scratch for several seeds and compare them (issues 20, 24 and 25).

Which differences between SimpleRNN, LSTM and GRU are larger than a seed's noise, does any of them beat persistence
(tomorrow's open = today's open), how much does the checkpoint chosen on the test set flatter its numbers (issue 24),
and how far back does each trained cell look (记忆跨度, issue 25)?

    python tests/compare_models.py                        # seeds 7..11, 50 epochs, all 3 protocols: ~1 h on 2 cores
    python tests/compare_models.py --protocols last       # only the training runs, as before issue 24: ~25 min
    python tests/compare_models.py --protocols last,checkpoint --logs /tmp/consoles   # keeps every run's console
    python tests/compare_models.py --seeds 2 --epochs 1 --scripts p38   # smoke test: 8 script runs, ~2 min
    python tests/compare_models.py --scripts p38,p56 --seeds 3 --protocols honest

Three protocols (--protocols, a comma list; all three by default), each run with nothing on stdin (the script ends by
itself at the date prompt), in a fresh temporary copy of the project (the script, data/ and an empty checkpoint/),
with no display, timed (wall):

- last (最后一轮): `python <script> --fresh --no-show --seed N --epochs E`. What a training run prints: the weights
  of its last epoch, which no choice touched.
- checkpoint (按测试集挑选的 checkpoint): right after that training run, in the same folder,
  `python <script> --epochs 0 --no-show`. It loads the epoch with the best val_loss, and the scripts compute
  val_loss on the very 240 test windows (`validation_data=(x_test, y_test)`): these numbers have peeked at the test
  set. It needs the training run, so it brings `last` with it.
- honest (按验证集挑选): the epoch is chosen on a validation period cut chronologically from the end of the training
  years, and the test days are never used for the choice. The last 300 training rows (rows len-600 .. len-300 of the
  CSV) are the validation period, windowed as the lecture windows its test set (the first 60 rows only as context:
  240 windows); the MinMaxScaler is fitted on the remaining training rows (0 .. len-600), and the training windows
  come from those rows only (1,766 for the shipped CSV). The test days are the lecture's (the last 300 rows, scaled
  by that scaler). The reported numbers are those of `--epochs 0` after the training run: the best-on-validation
  checkpoint, measured on the lecture's 240 test days. (For the shipped CSV the scaler's range then ends at 641.47
  instead of the lecture's 788.80, so the scaled opens of the validation and test days lie further above 1: up to 2.08
  on the test days against 1.65. That is part of what choosing honestly costs with the lecture's scaling.)

How the honest protocol runs the lecture's model: a copy of the script with its data cell changed (honest_copy()),
not the model rebuilt in this file. The copy keeps everything else of the script (the layers, compile, the seeds, the
shuffle, fit, the 断点续训 callbacks, the metrics, the lag check, the n-day forecast, 记忆跨度), so it cannot drift
from the scripts, for all three models at once; a model rebuilt here would be a fourth copy of the lecture to keep in
step. The change is a handful of text substitutions (the training rows, a val_set scaled by the same scaler, an
x_val/y_val built like x_test, `validation_data=(x_val, y_val)`, and step 5's `model.evaluate` of the saved weights on
x_val/y_val, so that a resumed or `--epochs 0` run measures the saved val_loss on the validation windows too), and
the `--epochs 0` note. Each substitution asserts that its target text occurs exactly once in the script, so a change
to the scripts fails loudly instead of silently measuring something else. With the validation period set back to the
test period (honest_copy(source, validation_rows=0)) the copy is the lecture's run, and
tests/test_compare_models.py shows that it prints the unpatched script's numbers.

The runs are interleaved by seed (p38 seed 7, p47 seed 7, p56 seed 7, p38 seed 8, ...), so that the machine's noise
spreads evenly over the models; --jobs 1 by default (the runs use the cores they find: two at a time only make each
slower). From each console: 均方根误差 and 平均绝对误差, the lag check's closest k, the 多日预测's 5-days-ahead
均方根误差, the persistence baseline's, and the 记忆跨度 line's shares of the last 5 and 20 days and its 90 % span.

One Markdown table per model (the first protocol's runs: `last` unless only `honest` ran), then per model the
protocols side by side and the 记忆跨度 rows, then a short comparison, all in Chinese, go to stdout; progress goes to
stderr. --logs DIR keeps every run's console (stdout) as DIR/<script>_seed<N>_<run>.txt, where <run> is last,
checkpoint, honest (the --epochs 0 run whose numbers are reported) or honest_training, the wall times in
DIR/wall_times.tsv, and each patched copy as DIR/<script>_honest_copy.py.
Not collected by pytest (the name does not start with test_); tests/test_compare_models.py runs it once, small.
"""
import argparse
import collections
import concurrent.futures
import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark import positive_int  # --seeds, --epochs, --jobs: whole numbers >= 1, as benchmark.py's flags

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = {'p38_rnn_stock.py': 'SimpleRNN', 'p47_LSTM_stock.py': 'LSTM', 'p56_GRU_stock.py': 'GRU'}
FIRST_SEED, LECTURE_EPOCHS = 7, 50
PROTOCOLS = {'last': '最后一轮', 'checkpoint': '按测试集挑选的 checkpoint', 'honest': '按验证集挑选'}
EXPLAINED = {
    'last': '训练结束时的权重, 也就是训练时打印的数字, 没有经过挑选',
    'checkpoint': '同一次训练里测试集 val_loss 最小的一轮 (--epochs 0 载入的 checkpoint): 它看过测试集',
    'honest': ('训练集的最后 300 天留作验证期, 归一化和训练只用它之前的天, 按验证期的 val_loss 挑一轮, '
               '再在同样的 240 个测试日上计算: 测试集没有参与挑选'),
}
VALIDATION_ROWS = 300  # the honest protocol's validation period: the last 300 rows of the training years
NUMBER = r'(-?\d+\.\d+)'
BASELINE = '基线 (明天的开盘价 = 今天的开盘价), 同样的'
LAG_HEAD = '滞后检查: 预测的开盘价与 k 个交易日之前的真实开盘价相比的均方根误差'
MEMORY_HEAD = '记忆跨度: 预测对前 60 天每天开盘价的平均敏感度'
PEEK_NOTE = '注意: 这个 checkpoint 是按测试集的 val_loss 挑出来的, 上面三个误差因此偏乐观 (训练结束时打印的是最后一轮的误差, 没有经过挑选)'
# ^ what --epochs 0 prints after the three metrics (CONVENTIONS.md); the honest copy replaces it with its own
AHEAD = 5  # the horizon in the tables: trading days ahead


# ---- the honest protocol: a copy of the script with its data cell changed ------------------------------------------

def substitute(text, old, new, what='按验证集挑选的副本'):
    """text with `old` replaced by `new`; `old` must occur exactly once, so that a change to the scripts fails here
    (a ValueError that names `what` needed it: the honest copy here, an exercise in try_it.py)."""
    count = text.count(old)
    if count != 1:
        raise ValueError(f'{what}要求脚本里正好有一处 {old!r}, 却找到 {count} 处')
    return text.replace(old, new)


def honest_copy(source, validation_rows=VALIDATION_ROWS):
    """The script's text with a validation period: the `validation_rows` rows before the test set's 300 (300: rows
    len-600 .. len-300; 0: the test rows themselves, which is the lecture's run). The scaler is fitted on the rows
    before it and the training windows come from those rows only; x_val/y_val are built from it as the script builds
    x_test/y_test, and val_loss (fit's, and step 5's for the saved weights) is computed on them."""
    v = validation_rows
    text = substitute(source, 'training_set = maotai.iloc[0:len(maotai) - 300, 2:3].values',
                      f'val_set = maotai.iloc[len(maotai) - 300 - {v}:len(maotai) - {v}, 2:3].values  # 按验证集挑选: 验证期\n'
                      f'training_set = maotai.iloc[0:len(maotai) - 300 - {v}, 2:3].values')
    text = substitute(text, 'test_set = sc.transform(test_set)',
                      'val_set = sc.transform(val_set)  # 验证期用同一个归一化\ntest_set = sc.transform(test_set)')
    text = substitute(text, 'x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))\n',
                      'x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))\n'
                      'x_val = []  # 验证集: 和测试集一样, 前 60 天只作输入\n'
                      'y_val = []\n'
                      'for i in range(60, len(val_set)):\n'
                      '    x_val.append(val_set[i - 60:i, 0])\n'
                      '    y_val.append(val_set[i, 0])\n'
                      'x_val, y_val = np.array(x_val), np.array(y_val)\n'
                      'x_val = np.reshape(x_val, (x_val.shape[0], 60, 1))\n'
                      f'val_first = maotai["date"].iloc[len(maotai) - 300 - {v}]\n'
                      f'val_last = maotai["date"].iloc[len(maotai) - {v} - 1]\n'
                      "print(f'{x_val.shape[0]} 个验证样本: 验证期 {val_first:%Y-%m-%d} 到 {val_last:%Y-%m-%d} '\n"
                      "      f'(300 天, 前 60 天只作输入), 归一化和训练样本只用它之前的 {len(training_set)} 天')\n")
    text = substitute(text, 'saved_val_loss = model.evaluate(x_test, y_test, verbose=0)',
                      'saved_val_loss = model.evaluate(x_val, y_val, verbose=0)')
    text = substitute(text, 'validation_data=(x_test, y_test)', 'validation_data=(x_val, y_val)')
    text = substitute(text, f"print('{PEEK_NOTE}')",
                      "print(f'注意: 这个 checkpoint 是按验证期 {val_first:%Y-%m-%d} 到 {val_last:%Y-%m-%d} 的 val_loss 挑出来的, '\n"
                      "          f'上面的误差是测试日 {test_dates.iloc[0]:%Y-%m-%d} 到 {test_dates.iloc[-1]:%Y-%m-%d} 的')")
    return text


# ---- the runs: a fresh copy per seed and protocol, timed, and the numbers each console printed ---------------------

def environment():
    """os.environ without a display (a headless run) and with UTF-8 output, whatever the locale."""
    env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'MPLBACKEND')}
    env.update(PYTHONIOENCODING='utf-8')
    return env


def run_script(folder, script, arguments, what, logs, log_name):
    """`python script arguments` in `folder` with nothing on stdin; returns (stdout, wall seconds). Its console goes
    to logs/log_name.txt when --logs is given; a failed run or an unreadable console stops the whole comparison."""
    command = [sys.executable, script, *arguments]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=folder, env=environment(), stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, encoding='utf-8', errors='replace')
    wall = time.perf_counter() - start
    if logs is not None:
        (logs / f'{log_name}.txt').write_text(result.stdout, encoding='utf-8')
        with open(logs / 'wall_times.tsv', 'a', encoding='utf-8') as file:
            file.write(f'{log_name}\t{wall:.3f}\n')
    if result.returncode != 0:
        sys.exit(f'{what} ({" ".join(arguments)}) 以 {result.returncode} 结束:\n'
                 + '\n'.join((result.stdout + result.stderr).splitlines()[-25:]))
    return result.stdout, wall


def fresh_copy(folder, script, text=None):
    """The project as a student has it, in `folder`: data/, an empty checkpoint/ and the script (or `text` as it)."""
    shutil.copytree(ROOT / 'data', folder / 'data')
    (folder / 'checkpoint').mkdir()
    if text is None:
        shutil.copy(ROOT / script, folder)
    else:
        (folder / script).write_text(text, encoding='utf-8')


def numbers(stdout, what):
    try:
        return parse(stdout)
    except ValueError as error:
        sys.exit(f'{what}: {error}; 最后几行:\n' + '\n'.join(stdout.splitlines()[-15:]))


def training(seed, epochs):
    """The training run's flags, as the lecture's run from scratch."""
    return ['--fresh', '--no-show', '--seed', str(seed), '--epochs', str(epochs)]


def run_lecture(script, seed, epochs, with_checkpoint, logs):
    """The training run (protocol last) and, when asked, `--epochs 0` in the same folder (protocol checkpoint)."""
    stem, runs = f'{Path(script).stem}_seed{seed}', []
    with tempfile.TemporaryDirectory(prefix='compare-models-') as folder:
        folder = Path(folder)
        fresh_copy(folder, script)
        stdout, wall = run_script(folder, script, training(seed, epochs), f'{script} 种子 {seed}', logs, f'{stem}_last')
        runs.append(dict(script=script, seed=seed, protocol='last', wall=wall, **numbers(stdout, f'{stem}_last')))
        if with_checkpoint:
            stdout, wall = run_script(folder, script, ['--epochs', '0', '--no-show'], f'{script} 种子 {seed}', logs,
                                      f'{stem}_checkpoint')
            runs.append(dict(script=script, seed=seed, protocol='checkpoint', wall=wall,
                             **numbers(stdout, f'{stem}_checkpoint')))
    if runs[0]['peek_note'] or not all(r['peek_note'] for r in runs[1:]):  # CONVENTIONS.md: only with --epochs 0
        sys.exit(f'{stem}: "注意: 这个 checkpoint 是按测试集..." 应该只在 --epochs 0 的控制台里')
    return runs


def run_honest(script, seed, epochs, logs):
    """The honest protocol: the patched copy trained from scratch, then its best-on-validation checkpoint loaded with
    `--epochs 0` and measured on the lecture's test days; the wall time is the two runs'."""
    stem = f'{Path(script).stem}_seed{seed}'
    with tempfile.TemporaryDirectory(prefix='compare-models-') as folder:
        folder = Path(folder)
        fresh_copy(folder, script, honest_copy((ROOT / script).read_text(encoding='utf-8')))
        _, trained = run_script(folder, script, training(seed, epochs), f'{script} (按验证集挑选) 种子 {seed}', logs,
                                f'{stem}_honest_training')
        stdout, wall = run_script(folder, script, ['--epochs', '0', '--no-show'],
                                  f'{script} (按验证集挑选) 种子 {seed}', logs, f'{stem}_honest')
    return [dict(script=script, seed=seed, protocol='honest', wall=trained + wall,
                 **numbers(stdout, f'{stem}_honest'))]


def parse(stdout):
    """From one console: the model's and the persistence baseline's 均方根误差 and 平均绝对误差, the lag check's closest
    k, the model's and persistence's 均方根误差 AHEAD trading days ahead, the 记忆跨度 line's shares (%) of the last 5
    and 20 days and its 90 % span, and whether the --epochs 0 note about the test set is there."""
    model, found, rest = stdout.partition(BASELINE)
    baseline, _, checks = rest.partition(LAG_HEAD)
    if not found or not checks:
        raise ValueError('控制台里没有基线或滞后检查')

    def metric(label, part):
        values = re.findall(rf'^{label}: {NUMBER}$', part, re.M)
        if len(values) != 1:
            raise ValueError(f'"{label}: x" 有 {len(values)} 行, 应该只有 1 行')
        return float(values[0])

    closest = re.search(r'→ k=(\d) 最接近', checks)
    horizon = re.search(rf'^  1 {NUMBER} \(基线 {NUMBER}\)(.*)$', checks, re.M)
    ahead = horizon and re.search(rf' · {AHEAD} {NUMBER} \({NUMBER}\)', horizon[3])
    memory = re.search(r'^  前 1 天 (\d+\.\d)% · 前 5 天 (\d+\.\d)% · 前 10 天 (\d+\.\d)% · 前 20 天 (\d+\.\d)% · '
                       r'最早一天 (\d+\.\d)% → 90% 的影响来自最近 (\d+) 天$', checks.partition(MEMORY_HEAD)[2], re.M)
    if not (closest and ahead and memory):
        raise ValueError('滞后检查、多日预测或记忆跨度的行不是 CONVENTIONS.md 的格式')
    return dict(rmse=metric('均方根误差', model), mae=metric('平均绝对误差', model), lag=int(closest[1]),
                ahead=float(ahead[1]), recent5=float(memory[2]), recent20=float(memory[4]), span=int(memory[6]),
                peek_note=PEEK_NOTE in model,
                persistence=dict(rmse=metric('均方根误差', baseline), mae=metric('平均绝对误差', baseline),
                                 ahead=float(ahead[2])))


# ---- the report -----------------------------------------------------------------------------------------------------

def mean_sd(values, digits=2, sign=''):
    """mean ± the sample standard deviation (n - 1), or the one value with ± — when there is one run."""
    sd = f'{statistics.stdev(values):.{digits}f}' if len(values) > 1 else '—'
    return f'{statistics.mean(values):{sign}.{digits}f} ± {sd}'


def min_max(values, digits=2, sign=''):
    return f'{min(values):{sign}.{digits}f} – {max(values):{sign}.{digits}f}'


def row(name, values, digits=2, sign='', range_digits=None):
    """A table row: its label, mean ± sd and min – max (range_digits: the min – max of whole numbers, 0)."""
    if range_digits is None:
        range_digits = digits
    return name, mean_sd(values, digits, sign), min_max(values, range_digits, sign)


def lag_counts(runs):
    """'k=2: 4 次, k=3: 1 次': the lag with the smallest error, most frequent first."""
    counts = sorted(collections.Counter(r['lag'] for r in runs).items(), key=lambda kv: (-kv[1], kv[0]))
    return ', '.join(f'k={k}: {n} 次' for k, n in counts)


def markdown(rows):
    return ['| | 平均值 ± 标准差 | 最小 – 最大 |', '|---|---|---|'] + [f'| {a} | {b} | {c} |' for a, b, c in rows]


def seed_text(runs):
    seeds = sorted({r['seed'] for r in runs})
    if len(seeds) == 1:
        return f'种子 {seeds[0]}'
    return f'种子 {seeds[0]}–{seeds[-1]}'


def table(script, runs, epochs):
    """One model's Markdown table, from one protocol's runs."""
    baseline = runs[0]['persistence']
    rows = [row('均方根误差', [r['rmse'] for r in runs]),
            row('平均绝对误差', [r['mae'] for r in runs]),
            ('滞后检查: 最接近的 k', lag_counts(runs), ''),
            row(f'{AHEAD} 天后的均方根误差 (多日预测)', [r['ahead'] for r in runs]),
            ('运行时间 (秒)', f'中位数 {statistics.median(r["wall"] for r in runs):.1f}',
             min_max([r['wall'] for r in runs], 1)),
            (f'基线 (每个种子都一样): 均方根误差, 平均绝对误差, {AHEAD} 天后的均方根误差',
             f'{baseline["rmse"]:.2f}, {baseline["mae"]:.2f}, {baseline["ahead"]:.2f}', '')]
    return '\n'.join([f'### {SCRIPTS[script]} ({script}): {len(runs)} 次运行, {seed_text(runs)}, 每次 {epochs} 轮, '
                      f'{PROTOCOLS[runs[0]["protocol"]]}', ''] + markdown(rows))


def protocols_table(script, by_protocol):
    """One model's protocols side by side (issue 24) and its 记忆跨度 rows (issue 25), over its seeds."""
    rows = []
    paired = 'last' in by_protocol and 'checkpoint' in by_protocol
    for key, what in (('rmse', '均方根误差'), ('ahead', f'{AHEAD} 天后的均方根误差')):
        for protocol in ('last', 'checkpoint'):
            if protocol in by_protocol:
                rows.append(row(f'{what}: {PROTOCOLS[protocol]}', [r[key] for r in by_protocol[protocol]]))
        if paired:
            last = {r['seed']: r[key] for r in by_protocol['last']}
            difference = [r[key] - last[r['seed']] for r in by_protocol['checkpoint']]
            lower = sum(d < 0 for d in difference)
            rows.append(row(f'{what}: checkpoint − 最后一轮', difference, sign='+'))
            rows.append((f'{what}: checkpoint 更低 (看起来更好) 的次数', f'{lower} / {len(difference)}', ''))
        if 'honest' in by_protocol:
            rows.append(row(f'{what}: {PROTOCOLS["honest"]}', [r[key] for r in by_protocol['honest']]))
    for protocol, runs in by_protocol.items():
        rows.append(row(f'记忆跨度, 前 5 天的占比 (%): {PROTOCOLS[protocol]}', [r['recent5'] for r in runs], 1))
        rows.append(row(f'记忆跨度, 前 20 天的占比 (%): {PROTOCOLS[protocol]}', [r['recent20'] for r in runs], 1))
        rows.append(row(f'记忆跨度, 占到 90% 影响的最近天数: {PROTOCOLS[protocol]}', [r['span'] for r in runs], 1,
                        range_digits=0))
    runs = next(iter(by_protocol.values()))
    return '\n'.join([f'#### {SCRIPTS[script]}: 每种挑选方式在同样 240 个测试日上的误差, 和记忆跨度 '
                      f'({len(runs)} 个种子, {seed_text(runs)})', ''] + markdown(rows))


def welch(a, b):
    """Welch's t test of two lists of runs' numbers (two-sided, unequal variances): (t, degrees of freedom, p) for
    mean(b) - mean(a), or None when a side has one run or neither varies."""
    from scipy import stats
    if len(a) < 2 or len(b) < 2 or statistics.stdev(a) + statistics.stdev(b) == 0:
        return None
    result = stats.ttest_ind(b, a, equal_var=False)
    return float(result.statistic), float(result.df), float(result.pvalue)


def summary(by_script):
    """Each pair of models: the difference of their mean 均方根误差 and Welch's t test over the seeds (two-sided; with
    m pairs a difference counts as significant below p = 0.05 / m, Bonferroni), and whether any run of any model beats
    persistence; from each model's first protocol."""
    lines = ['### 比较', '']
    names = {s: SCRIPTS[s] for s in by_script}
    values = {s: [r['rmse'] for r in runs] for s, runs in by_script.items()}
    means = {s: statistics.mean(v) for s, v in values.items()}
    pairs = list(itertools.combinations(by_script, 2))
    if len(by_script) < 2:
        lines.append(f'- 只有一个模型 ({", ".join(names.values())}): 没有可比较的.')
    for a, b in pairs:
        low, high = sorted((a, b), key=means.get)
        test = welch(values[low], values[high])
        if test is None:
            verdict = '每个模型只有一次运行 (或都没有变化): 无法检验'
        else:
            t, df, p = test
            threshold = 0.05 / len(pairs)
            verdict = f'Welch t 检验 t = {t:.2f}, 自由度 {df:.1f}, p = {p:.3f}: '
            if p < threshold:
                verdict += f'差别显著 (p < {threshold:.3f}'
                if len(pairs) > 1:
                    verdict += f', {len(pairs)} 对比较的 Bonferroni 校正'
                verdict += ')'
            elif p < 0.05:
                verdict += f'单独看 p < 0.05, 但 {len(pairs)} 对比较按 Bonferroni 校正要 p < {threshold:.3f}, 不算显著'
            else:
                verdict += f'{len(values[low])} 个种子分不出差别'
        lines.append(f'- {names[low]} 对 {names[high]}: 平均均方根误差 {means[low]:.2f} 对 {means[high]:.2f}, '
                     f'{names[low]} 低 {means[high] - means[low]:.2f}; {verdict}.')
    baseline = next(iter(by_script.values()))[0]['persistence']
    total = sum(len(runs) for runs in by_script.values())
    for key, what in (('rmse', '基线的均方根误差'), ('ahead', f'基线 {AHEAD} 天后的均方根误差')):
        beaten = [f'{names[r["script"]]} 种子 {r["seed"]} ({r[key]:.2f})'
                  for runs in by_script.values() for r in runs if r[key] < r['persistence'][key]]
        if beaten:
            lines.append(f'- {what} {baseline[key]:.2f}: {total} 次运行中有 {len(beaten)} 次比它低: {", ".join(beaten)}.')
        else:
            lines.append(f'- {what} {baseline[key]:.2f}: {total} 次运行中没有一次比它低.')
    return '\n'.join(lines)


def report(results, scripts, protocols, epochs):
    """Everything after the head: what each protocol is, then per model its table (from the first protocol's runs)
    and its protocols side by side, then the comparison."""
    baseline = results[0]['persistence']
    for run in results:  # it reads only the CSV: a difference is a bug (the honest copy's scaler differs: ±0.005)
        if any(abs(run['persistence'][k] - baseline[k]) > 0.005 for k in baseline):
            sys.exit(f'{run["script"]} 种子 {run["seed"]} {run["protocol"]}: 基线和别的运行不一样: '
                     f'{run["persistence"]} 对 {baseline}')
    by_script = {s: {p: [r for r in results if r['script'] == s and r['protocol'] == p] for p in protocols}
                 for s in scripts}
    lines = [f'- {PROTOCOLS[protocol]}: {EXPLAINED[protocol]}.' for protocol in protocols]
    parts = ['\n'.join(lines)]
    for script, by_protocol in by_script.items():
        parts.append(table(script, by_protocol[protocols[0]], epochs) + '\n\n' + protocols_table(script, by_protocol))
    parts.append(summary({s: by_protocol[protocols[0]] for s, by_protocol in by_script.items()}))
    return '\n\n'.join(parts)


def machine():
    cpuinfo = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    cpu = next(iter(re.findall(r'^model name\s*:\s*(.*)$', cpuinfo, re.M)), platform.processor() or '未知的 CPU')
    load = f'; 开始时的平均负载 {os.getloadavg()[0]:.2f}' if hasattr(os, 'getloadavg') else ''
    return f'机器: {cpu}, {os.cpu_count()} 个核, {platform.system()} {platform.release()}{load}'


def protocol_list(text):
    """--protocols: a comma list of last, checkpoint, honest; checkpoint brings last (it needs its training run)."""
    chosen = {p.strip() for p in text.split(',') if p.strip()}
    unknown = chosen - set(PROTOCOLS)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f'{text!r}: 可选的是 {", ".join(PROTOCOLS)} (用逗号分开)')
    if 'checkpoint' in chosen:
        chosen.add('last')
    return [p for p in PROTOCOLS if p in chosen]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--seeds', type=positive_int, default=5,
                        help=f'每个脚本的种子数: {FIRST_SEED}, {FIRST_SEED + 1}, ... (默认 5)')
    parser.add_argument('--epochs', type=positive_int, default=LECTURE_EPOCHS,
                        help=f'每次训练的轮数 (默认 {LECTURE_EPOCHS}, 讲义的)')
    parser.add_argument('--scripts', default='p38,p47,p56',
                        help='股票脚本名字的开头, 用逗号分开 (默认 p38,p47,p56)')
    parser.add_argument('--protocols', type=protocol_list, default=list(PROTOCOLS),
                        help='last (最后一轮), checkpoint (按测试集挑选, 带上 last), honest (按验证集挑选), '
                             '用逗号分开 (默认全部)')
    parser.add_argument('--jobs', type=positive_int, default=1, help='同时运行几个 (默认 1)')
    parser.add_argument('--logs', type=Path, help='把每次运行的控制台 (stdout) 保存到这个文件夹')
    args = parser.parse_args()
    prefixes = [p.strip() for p in args.scripts.split(',') if p.strip()]
    scripts = [s for s in SCRIPTS if any(s.startswith(p) for p in prefixes)]
    if not scripts:
        parser.error(f'没有股票脚本以 {args.scripts!r} 开头; 它们是 {", ".join(SCRIPTS)}')
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        (args.logs / 'wall_times.tsv').write_text('', encoding='utf-8')
        for script in scripts:
            (args.logs / f'{Path(script).stem}_honest_copy.py').write_text(
                honest_copy((ROOT / script).read_text(encoding='utf-8')), encoding='utf-8')
    for script in scripts:  # the honest copy fails here, before any training, if a script has changed
        honest_copy((ROOT / script).read_text(encoding='utf-8'))
    about = machine()  # the load average before we add to it
    seeds = range(FIRST_SEED, FIRST_SEED + args.seeds)
    tasks = []  # interleaved: p38 s7, p47 s7, p56 s7, p38 s8, ...; each seed's honest run after its lecture run
    for seed, script in itertools.product(seeds, scripts):
        if 'last' in args.protocols:
            tasks.append((run_lecture, script, seed, args.epochs, 'checkpoint' in args.protocols, args.logs))
        if 'honest' in args.protocols:
            tasks.append((run_honest, script, seed, args.epochs, args.logs))
    started = time.perf_counter()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(task[0], *task[1:]) for task in tasks]
        for done, future in enumerate(futures, start=1):
            for run in future.result():
                results.append(run)
                print(f'[{done}/{len(tasks)}] {run["script"]} 种子 {run["seed"]}, {PROTOCOLS[run["protocol"]]}: '
                      f'{run["wall"]:.1f} 秒, 均方根误差 {run["rmse"]:.2f}, 最接近的 k={run["lag"]}',
                      file=sys.stderr, flush=True)
    trainings = len(scripts) * args.seeds * (('last' in args.protocols) + ('honest' in args.protocols))
    console_runs = len(scripts) * args.seeds * sum(1 + (p == 'honest') for p in args.protocols)
    body = report(results, scripts, args.protocols, args.epochs)
    print(f'{about}\n{len(scripts)} 个模型 × {len(seeds)} 个种子, {len(args.protocols)} 种挑选方式: {console_runs} 次脚本运行 '
          f'(其中 {trainings} 次训练), 同时 {args.jobs} 个, 共 {time.perf_counter() - started:.0f} 秒. '
          f'每次训练都在新的临时文件夹里从头开始 (--fresh --no-show --seed N --epochs {args.epochs}, 没有输入), '
          f'按种子交错; 标准差是种子之间的样本标准差 (n − 1).')
    print(body)


if __name__ == '__main__':
    main()
