"""试一试 (issue 29): the changes students make to the lecture's code, each answered with numbers measured over seeds.

    python tests/try_it.py                           # every exercise, seeds 7..11: about an hour on 2 cores
    python tests/try_it.py --list                    # the exercises: id, script, question
    python tests/try_it.py --only units1,window20    # some of them (and the unedited scripts they change)
    python tests/try_it.py --only units1 --seeds 7,8 --epochs 20 --out /tmp/units1.json
    python tests/try_it.py --render                  # the chapter's diffs and tables, from docs/try_it_results.json
    python tests/try_it.py --render --lang en        # the same in English, for docs/try_it.en.md

An exercise is a script and a few exact substitutions of its own lines; each must match exactly once, or the tool
stops before any training and names the exercise that went stale. Every run is `python <script> --fresh --no-show
--epochs N` in a fresh temporary folder (the edited script, data/ and an empty checkpoint/), with nothing on stdin, so
the script ends by itself at its prompt; the project's checkpoint/, weights.txt and figures/ are never touched. The
seed goes to tf.keras.utils.set_random_seed: the stock scripts' --seed, and in a copy of a letter script its own
`tf.keras.utils.set_random_seed(7)` set to the seed. The lecture's data shuffle (np.random.seed(7)) stays as it is.
The unedited script is measured the same way in the same run, interleaved by seed, as the row to compare against.

From each console: letters, the last epoch's accuracy and loss as Keras printed them and the first epoch at 100 %;
stock, the last epoch's 均方根误差, the persistence baseline's on the same days, the lag check's closest k, the 90 %
记忆跨度, the last epoch's loss and val_loss; and every run's wall time. One line per run goes to stdout as it ends,
then the tables. A full default run writes docs/try_it_results.json (per run, and summarised); another run writes
its results only where --out says. Not collected by pytest; tests/test_try_it.py runs it small.
"""
import argparse
import dataclasses
import datetime
import difflib
import importlib.metadata
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark import positive_int  # --epochs: a whole number >= 1, as benchmark.py's and compare_models.py's flags
from compare_models import environment, machine, substitute, welch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'docs' / 'try_it_results.json'
SEEDS = [7, 8, 9, 10, 11]
LECTURE_EPOCHS = {'letters': 100, 'stock': 50}
LETTER_SEED = 'tf.keras.utils.set_random_seed(7)'  # in each letter script, once: the copy sets it to the seed


def kind_of(script):
    """'stock' for p38, p47, p56; 'letters' for the others."""
    if 'stock' in script:
        return 'stock'
    return 'letters'


@dataclasses.dataclass
class Exercise:
    id: str
    script: str
    title: str  # 题目, as in the chapter's headings
    question: str  # as a student asks it
    title_en: str
    question_en: str
    edits: list  # [(the script's text, its replacement)], each old text exactly once in the script

    @property
    def kind(self):
        return kind_of(self.script)


def window_edits(days):
    """时间展开步数 60 → days: every statement of a stock script that writes the window's length and runs without
    --explain (the lecture's data cell, the model's input, the real prices, the window of `next`)."""
    return [
        ('for i in range(60, len(training_set_scaled)):\n    x_train.append(training_set_scaled[i - 60:i, 0])',
         f'for i in range({days}, len(training_set_scaled)):\n    x_train.append(training_set_scaled[i - {days}:i, 0])'),
        ('x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))',
         f'x_train = np.reshape(x_train, (x_train.shape[0], {days}, 1))'),
        ('for i in range(60, len(test_set)):\n    x_test.append(test_set[i - 60:i, 0])',
         f'for i in range({days}, len(test_set)):\n    x_test.append(test_set[i - {days}:i, 0])'),
        ('x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))', f'x_test = np.reshape(x_test, (x_test.shape[0], {days}, 1))'),
        ('tf.keras.Input(shape=(60, 1))', f'tf.keras.Input(shape=({days}, 1))'),
        ('real_stock_price = sc.inverse_transform(test_set[60:])', f'real_stock_price = sc.inverse_transform(test_set[{days}:])'),
        ('last_window = np.reshape(sc.transform(maotai.iloc[-60:, 2:3].values), (1, 60, 1))',
         f'last_window = np.reshape(sc.transform(maotai.iloc[-{days}:, 2:3].values), (1, {days}, 1))'),
    ]


FIRST_LAYER = '    SimpleRNN(80, return_sequences=True),  # 第一层记忆体 80 个, 每个时间步推送 h_t 给下一层\n'
SECOND_LAYER = '    SimpleRNN(100),  # 第二层记忆体 100 个, 仅最后的时间步推送 h_t 给下一层\n'
EXERCISES = [
    Exercise('units1', 'p15_rnn_onehot_1pre1.py', '记忆体 1',
             '循环核只有 1 个记忆体（SimpleRNN(1)），还能学会 a→b、b→c、c→d、d→e、e→a 吗？',
             'One memory unit', 'With one memory unit (SimpleRNN(1)), can the cell still learn a→b, b→c, c→d, d→e, e→a?',
             [('    SimpleRNN(3),', '    SimpleRNN(1),')]),
    Exercise('units2', 'p15_rnn_onehot_1pre1.py', '记忆体 2', '2 个记忆体（SimpleRNN(2)）呢？',
             'Two memory units', 'And with two memory units (SimpleRNN(2))?',
             [('    SimpleRNN(3),', '    SimpleRNN(2),')]),
    Exercise('lr0001', 'p15_rnn_onehot_1pre1.py', '学习率', '学习率从 0.01 降到 0.001，100 轮还学得会吗？',
             'Learning rate', 'With the learning rate lowered from 0.01 to 0.001, are 100 epochs still enough?',
             [('tf.keras.optimizers.Adam(0.01)', 'tf.keras.optimizers.Adam(0.001)')]),
    Exercise('embed1', 'p27_rnn_embedding_1pre1.py', '编码维度',
             'Embedding 的编码维度从 2 改成 1（每个字母只用一个数表示），还能学会吗？',
             'Embedding size', 'With an embedding size of 1 instead of 2 (one number per letter), can it still learn?',
             [('    Embedding(5, 2),', '    Embedding(5, 1),')]),
    Exercise('p31units3', 'p31_rnn_embedding_4pre1.py', '26 个字母，3 个记忆体',
             '26 个字母、22 个四字母序列，只给 3 个记忆体（讲义是 10 个）够不够？',
             '26 letters, 3 memory units', '26 letters and 22 four-letter sequences: are 3 memory units (the lecture '
             'has 10) enough?',
             [('    SimpleRNN(10),', '    SimpleRNN(3),')]),
    Exercise('window20', 'p38_rnn_stock.py', '时间展开步数 20',
             '只用前 20 天的开盘价（时间展开步数 20）而不是 60 天，预测会变差吗？',
             '20 time steps', 'With the opens of the last 20 days (20 time steps) instead of 60, is the prediction worse?',
             window_edits(20)),
    Exercise('nodropout', 'p38_rnn_stock.py', '没有 Dropout', '去掉两个 Dropout(0.2)，模型会过拟合吗？',
             'No Dropout', 'Without the two Dropout(0.2) layers, does the model overfit?',
             [(FIRST_LAYER + '    Dropout(0.2),', FIRST_LAYER + '    Dropout(0),'),
              (SECOND_LAYER + '    Dropout(0.2),', SECOND_LAYER + '    Dropout(0),')]),
    Exercise('units10', 'p38_rnn_stock.py', '记忆体 10', '两层循环计算层各只用 10 个记忆体（讲义是 80 和 100），会差多少？',
             '10 memory units', 'With 10 memory units in each recurrent layer (the lecture has 80 and 100), how much '
             'worse is it?',
             [(FIRST_LAYER, FIRST_LAYER.replace('80', '10')), (SECOND_LAYER, SECOND_LAYER.replace('100', '10'))]),
    Exercise('onelayer', 'p38_rnn_stock.py', '一层', '只留一层循环计算层（去掉第一层 SimpleRNN 和它的 Dropout），会差多少？',
             'One layer', 'With one recurrent layer (the first SimpleRNN and its Dropout removed), how much worse is it?',
             [(FIRST_LAYER + '    Dropout(0.2),\n', '')]),
    Exercise('lstmwindow20', 'p47_LSTM_stock.py', '时间展开步数 20（LSTM）',
             'LSTM 也只用前 20 天呢？它的门不是为了记住更久吗？',
             '20 time steps, LSTM', 'And the LSTM with 20 days? Are its gates not there to remember longer?',
             window_edits(20)),
    Exercise('lr001', 'p38_rnn_stock.py', '学习率（股票）', '学习率从 0.001 提到 0.01，训练会更快、更好吗？',
             'Learning rate, stock', 'With the learning rate raised from 0.001 to 0.01, does it train faster and better?',
             [('tf.keras.optimizers.Adam(0.001)', 'tf.keras.optimizers.Adam(0.01)')]),
    Exercise('noshuffle', 'p38_rnn_stock.py', '不打乱训练集',
             '去掉讲义打乱训练集的四行（np.random.shuffle），结果会变差吗？',
             'No shuffle', "Without the lecture's four lines that shuffle the training set (np.random.shuffle), is "
             'the result worse?',
             [('# 对训练集进行打乱\nnp.random.seed(7)\nnp.random.shuffle(x_train)\nnp.random.seed(7)\n'
               'np.random.shuffle(y_train)\n', '')]),
]
BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def edited(exercise, source=None):
    """The exercise's script with its edits applied (source: the script's text, by default today's file); a
    ValueError names the exercise whose edit no longer matches exactly once."""
    if source is None:
        source = (ROOT / exercise.script).read_text(encoding='utf-8')
    for old, new in exercise.edits:
        source = substitute(source, old, new, f'练习 {exercise.id} ({exercise.script}) ')
    return source


def seeded(source, script, seed):
    """A letter script's text with its tf.keras.utils.set_random_seed(7) set to `seed` (stock scripts take --seed)."""
    if 'stock' in script:
        return source
    return substitute(source, LETTER_SEED, f'tf.keras.utils.set_random_seed({seed})', f'{script} 的种子 ')


def diff(exercise):
    """The change as a small unified diff without line numbers: what a student types."""
    before = (ROOT / exercise.script).read_text(encoding='utf-8').splitlines()
    after = edited(exercise).splitlines()
    lines = difflib.unified_diff(before, after, exercise.script, exercise.script, n=0, lineterm='')
    return '\n'.join('@@' if line.startswith('@@') else line for line in lines)


# ---- a run, and what its console says ------------------------------------------------------------------------------

def epoch_values(console):
    """Per epoch, the values Keras printed last in that epoch's progress bar, as text: [{'loss': '0.1234', ...}]."""
    chunks = re.split(r'Epoch \d+/\d+\n', console)
    if len(chunks) > 1:  # Keras prints no 'Epoch 1/1' for a single epoch
        chunks = chunks[1:]
    epochs = []
    for chunk in chunks:
        values = {}
        for line in re.split(r'[\n\x08]+', chunk):
            if '/step' in line:
                values.update(re.findall(r' - (\w+): ([-+0-9.e]+)', line))
        epochs.append(values)
    return epochs


def measure(console, script):
    """The numbers of one console (the docstring at the top says which)."""
    epochs = epoch_values(console)
    if not epochs or 'loss' not in epochs[-1]:
        raise ValueError('控制台里没有 Keras 的 loss')
    if kind_of(script) == 'letters':
        accuracy = [values['sparse_categorical_accuracy'] for values in epochs]
        full = [epoch for epoch, value in enumerate(accuracy, start=1) if float(value) == 1.0]
        return dict(accuracy=accuracy[-1], loss=epochs[-1]['loss'], first_full=full[0] if full else None)
    model, found, rest = console.partition('基线 (明天的开盘价 = 今天的开盘价), 同样的 ')
    samples = re.search(r'^(\d+) 个训练样本, (\d+) 个测试样本', console, re.M)
    rmse = re.findall(r'^均方根误差: (\d+\.\d+)$', model, re.M)
    baseline = re.findall(r'^均方根误差: (\d+\.\d+)$', rest, re.M)
    lag = re.search(r'→ k=(\d) 最接近', rest)
    span = re.search(r'→ 90% 的影响来自最近 (\d+) 天$', rest, re.M)
    if not (found and samples and len(rmse) == 1 and baseline and lag and span):
        raise ValueError('控制台里少了均方根误差、基线、滞后检查或记忆跨度的行')
    return dict(train=int(samples[1]), test=int(samples[2]), rmse=rmse[0], baseline=baseline[0], lag=int(lag[1]),
                span=int(span[1]), loss=epochs[-1]['loss'], val_loss=epochs[-1].get('val_loss'))


def run_one(config, script, source, seed, epochs, logs):
    """`python script --fresh --no-show --epochs N` (stock: --seed too) on `source` in a fresh folder; the numbers."""
    arguments = ['--fresh', '--no-show', '--epochs', str(epochs)]
    if kind_of(script) == 'stock':
        arguments += ['--seed', str(seed)]
    with tempfile.TemporaryDirectory(prefix='try-it-') as folder:
        folder = Path(folder)
        shutil.copytree(ROOT / 'data', folder / 'data')
        (folder / 'checkpoint').mkdir()
        (folder / script).write_text(seeded(source, script, seed), encoding='utf-8')
        start = time.perf_counter()
        result = subprocess.run([sys.executable, script, *arguments], cwd=folder, env=environment(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding='utf-8',
                                errors='replace')
        wall = time.perf_counter() - start
    if logs is not None:
        (logs / f'{config}_seed{seed}.txt').write_text(result.stdout, encoding='utf-8')
    if result.returncode != 0:
        sys.exit(f'{config} 种子 {seed} ({script} {" ".join(arguments)}) 以 {result.returncode} 结束:\n'
                 + '\n'.join((result.stdout + result.stderr).splitlines()[-25:]))
    try:
        numbers = measure(result.stdout, script)
    except ValueError as error:
        sys.exit(f'{config} 种子 {seed}: {error}; 最后几行:\n' + '\n'.join(result.stdout.splitlines()[-15:]))
    return dict(config=config, script=script, seed=seed, epochs=epochs, wall=round(wall, 1), **numbers)


def run_line(run):
    """The one line a run prints: its config, seed and every number measured."""
    head = f'{run["config"]} 种子 {run["seed"]}:'
    if kind_of(run['script']) == 'letters':
        first = '没有到过 100%'
        if run['first_full'] is not None:
            first = f'第一次 100% 在第 {run["first_full"]} 轮'
        return f'{head} 准确率 {run["accuracy"]}, loss {run["loss"]}, {first}, {run["wall"]:.1f} 秒'
    gap = float(run['rmse']) - float(run['baseline'])
    return (f'{head} 均方根误差 {float(run["rmse"]):.2f} (基线 {float(run["baseline"]):.2f}, 差 {gap:+.2f}, '
            f'{run["test"]} 个测试日), 90% 的影响来自最近 {run["span"]} 天, 最接近的 k={run["lag"]}, '
            f'loss {run["loss"]}, val_loss {run["val_loss"]}, {run["wall"]:.1f} 秒')


# ---- over seeds: the summary, and the chapter's tables ----------------------------------------------------------

def lecture_config(script):
    """The unedited script's row: p15, p27, p31, p38, p47."""
    return script.split('_')[0]


def stats(values):
    """mean, sample sd (None for one value), min, max of a list of numbers."""
    sd = None
    if len(values) > 1:
        sd = statistics.stdev(values)
    return dict(mean=statistics.mean(values), sd=sd, min=min(values), max=max(values), n=len(values))


def summarise(runs):
    """{config: {measure: stats}} and {exercise: Welch's t of its main measure against the unedited script}."""
    configs = {}
    for run in runs:
        configs.setdefault(run['config'], []).append(run)
    summary = {}
    for config, group in configs.items():
        if kind_of(group[0]['script']) == 'letters':
            reached = [r['first_full'] for r in group if r['first_full'] is not None]
            summary[config] = dict(accuracy=stats([float(r['accuracy']) for r in group]),
                                   loss=stats([float(r['loss']) for r in group]),
                                   first_full=stats(reached) if reached else None,
                                   reached=len(reached), full_at_end=sum(float(r['accuracy']) == 1.0 for r in group))
        else:
            summary[config] = dict(rmse=stats([float(r['rmse']) for r in group]),
                                   baseline=stats([float(r['baseline']) for r in group]),
                                   gap=stats([float(r['rmse']) - float(r['baseline']) for r in group]),
                                   beats_baseline=sum(float(r['rmse']) < float(r['baseline']) for r in group),
                                   span=stats([r['span'] for r in group]),
                                   lag=lag_counts(group),
                                   loss=stats([float(r['loss']) for r in group]),
                                   val_loss=stats([float(r['val_loss']) for r in group]))
        summary[config]['wall'] = dict(median=statistics.median(r['wall'] for r in group),
                                       min=min(r['wall'] for r in group), max=max(r['wall'] for r in group))
        summary[config]['seeds'] = len(group)
        summary[config]['test_days'] = group[0].get('test')
    tests = {}
    for config, group in configs.items():
        lecture = configs.get(lecture_config(group[0]['script']))
        if config in BY_ID and lecture:
            key = 'rmse'
            if kind_of(group[0]['script']) == 'letters':
                key = 'loss'
            test = welch([float(r[key]) for r in lecture], [float(r[key]) for r in group])  # (t, df, p) or None
            tests[config] = None
            if test is not None:
                tests[config] = dict(t=test[0], p=test[2])
    return dict(configs=summary, welch=tests)


def lag_counts(group):
    """{k: how many runs had their smallest lag error at k}, k as text (JSON keys)."""
    counts = {}
    for run in group:
        counts[str(run['lag'])] = counts.get(str(run['lag']), 0) + 1
    return dict(sorted(counts.items()))


def keras_number(value):
    """A loss or accuracy as Keras' progress bar prints it: 4 decimals, or 4 significant digits below 0.001 (but 0
    as 0.0000, where Keras prints 0.0000e+00)."""
    if abs(value) > 1e-3 or value == 0:
        return f'{value:.4f}'
    return f'{value:.4e}'


def spread(s, form, sd_form=None, range_form=None):
    """'mean ± sd (min – max)': `form` formats the mean, `sd_form` the sd and `range_form` min and max (both `form`
    unless given)."""
    sd = '—'
    if s['sd'] is not None:
        sd = (sd_form or form)(s['sd'])
    return f'{form(s["mean"])} ± {sd} ({(range_form or form)(s["min"])} – {(range_form or form)(s["max"])})'


def two(value):
    return f'{value:.2f}'


def signed(value):
    return f'{value:+.2f}'


def one(value):
    return f'{value:.1f}'


def whole(value):
    return f'{value:.0f}'


WORDS = {
    'zh': dict(lecture='讲义原样', changed='改动后', accuracy='最后一轮的准确率', loss='最后一轮的 loss',
               first_full='第一次到 100% 的轮 (到过的种子)', never='没有', reached='到过 100% 的种子',
               full_at_end='最后一轮 100% 的种子', wall='运行时间 (秒): 中位数 (最小 – 最大)',
               welch_letters='Welch t 检验, 最后一轮的 loss', welch_stock='Welch t 检验, 均方根误差',
               rmse='均方根误差 (最后一轮)', baseline='基线的均方根误差 (同样的测试日; 括号里是测试日数)',
               gap='均方根误差 − 基线', beats='比基线低的种子', span='90% 的影响来自最近 … 天 (记忆跨度)',
               lag='滞后检查: 最接近的 k', val_loss='最后一轮的 val_loss'),
    'en': dict(lecture='the lecture, unedited', changed='changed', accuracy='accuracy, last epoch',
               loss='loss, last epoch', first_full='first epoch at 100 % (seeds that got there)', never='never',
               reached='seeds that reached 100 %', full_at_end='seeds at 100 % in the last epoch',
               wall='run time (s): median (min – max)', welch_letters="Welch's t test, loss of the last epoch",
               welch_stock="Welch's t test, RMSE", rmse='RMSE (last epoch)',
               baseline='persistence RMSE (the same test days; in brackets, how many)', gap='RMSE − persistence',
               beats='seeds below persistence', span='90 % of the influence from the last … days (memory span)',
               lag='lag check: closest k', val_loss='val_loss, last epoch'),
}


def cells(summary, kind, words):
    """The rows of one column (a config's summary), in the table's order: [(label, cell)]."""
    rows = []
    if kind == 'letters':
        first = words['never']
        if summary['first_full'] is not None:
            first = spread(summary['first_full'], one, range_form=whole)
        rows += [(words['accuracy'], spread(summary['accuracy'], keras_number)),
                 (words['loss'], spread(summary['loss'], keras_number)),
                 (words['first_full'], first),
                 (words['reached'], f'{summary["reached"]} / {summary["seeds"]}'),
                 (words['full_at_end'], f'{summary["full_at_end"]} / {summary["seeds"]}')]
    else:
        lags = ', '.join(f'k={k}: {n}' for k, n in sorted(summary['lag'].items(), key=lambda kv: (-kv[1], kv[0])))
        rows += [(words['rmse'], spread(summary['rmse'], two)),
                 (words['baseline'], f'{summary["baseline"]["mean"]:.2f} ({summary["test_days"]})'),
                 (words['gap'], spread(summary['gap'], signed, sd_form=two)),
                 (words['beats'], f'{summary["beats_baseline"]} / {summary["seeds"]}'),
                 (words['span'], spread(summary['span'], one, range_form=whole)),
                 (words['lag'], lags),
                 (words['loss'], spread(summary['loss'], keras_number)),
                 (words['val_loss'], spread(summary['val_loss'], keras_number))]
    wall = summary['wall']
    rows.append((words['wall'], f'{wall["median"]:.1f} ({wall["min"]:.1f} – {wall["max"]:.1f})'))
    return rows


def table(exercise, results, lang='zh'):
    """One exercise's Markdown table: the unedited script and the changed one side by side, over the same seeds."""
    words = WORDS[lang]
    summary = results['summary']['configs']
    lecture, changed = summary[lecture_config(exercise.script)], summary[exercise.id]
    left, right = cells(lecture, exercise.kind, words), cells(changed, exercise.kind, words)
    lines = [f'| | {words["lecture"]} ({lecture_config(exercise.script)}) | {words["changed"]} ({exercise.id}) |',
             '|---|---|---|']
    for (label, a), (_, b) in zip(left, right):
        lines.append(f'| {label} | {a} | {b} |')
    test = results['summary']['welch'].get(exercise.id)
    name = words['welch_letters']
    if exercise.kind == 'stock':
        name = words['welch_stock']
    verdict = '—'
    if test is not None:
        verdict = f't = {test["t"]:.2f}, p = {test["p"]:.3f}'
        if test['p'] < 0.001:
            verdict = f't = {test["t"]:.2f}, p < 0.001'
    lines.append(f'| {name} | | {verdict} |')
    return '\n'.join(lines)


def render(results, lang='zh', only=None):
    """Every exercise of the results (or of `only`) as the chapter shows it: its heading, its diff, its table."""
    parts = []
    for exercise in EXERCISES:
        if exercise.id not in results['summary']['configs'] or (only and exercise.id not in only):
            continue
        title = exercise.title
        if lang == 'en':
            title = exercise.title_en
        parts.append(f'### {exercise.id}: {title}\n\n```diff\n{diff(exercise)}\n```\n\n{table(exercise, results, lang)}')
    return '\n\n'.join(parts)


# ---- the command line ---------------------------------------------------------------------------------------------

def seed_list(text):
    try:
        seeds = [int(part) for part in text.split(',') if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r}: 种子是用逗号分开的整数, 例如 7,8')
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f'{text!r}: 种子是用逗号分开的整数, 例如 7,8')
    return seeds


def exercise_list(text):
    chosen = [part.strip() for part in text.split(',') if part.strip()]
    unknown = [part for part in chosen if part not in BY_ID]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f'没有练习 {", ".join(unknown) or text!r}; 有: {", ".join(BY_ID)}')
    return chosen


def versions():
    found = {}
    for package in ('tensorflow', 'keras', 'numpy'):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--list', action='store_true', help='列出练习')
    parser.add_argument('--only', type=exercise_list, help='只运行这些练习, 用逗号分开的 id (默认全部)')
    parser.add_argument('--seeds', type=seed_list, default=SEEDS, help='用逗号分开的种子 (默认 7,8,9,10,11)')
    parser.add_argument('--epochs', type=positive_int, help='每次训练的轮数 (默认讲义的: 字母 100, 股票 50)')
    parser.add_argument('--out', type=Path, help='结果写到这个 JSON 文件 (完整的默认运行写 docs/try_it_results.json)')
    parser.add_argument('--logs', type=Path, help='把每次运行的控制台保存到这个文件夹')
    parser.add_argument('--render', nargs='?', const=RESULTS, type=Path, metavar='FILE',
                        help='不运行: 把结果文件 (默认 docs/try_it_results.json) 写成文档里的 diff 和表格')
    parser.add_argument('--lang', choices=['zh', 'en'], default='zh', help='--render 的语言 (默认 zh)')
    args = parser.parse_args()

    if args.list:
        for exercise in EXERCISES:
            print(f'{exercise.id:13} {exercise.script:28} {exercise.title}: {exercise.question}')
        return
    if args.render is not None:
        print(render(json.loads(args.render.read_text(encoding='utf-8')), args.lang, args.only))
        return
    chosen = [BY_ID[i] for i in (args.only or BY_ID)]
    try:  # every edit before any training: a stale exercise stops here
        sources = {exercise.id: edited(exercise) for exercise in chosen}
    except ValueError as error:
        sys.exit(f'try_it.py: {error}; 脚本改过了, 这个练习要跟着改')
    for exercise in chosen:
        sources.setdefault(lecture_config(exercise.script), (ROOT / exercise.script).read_text(encoding='utf-8'))
    scripts = {lecture_config(e.script): e.script for e in chosen} | {e.id: e.script for e in chosen}
    configs = []  # the unedited script of each before its exercises
    for exercise in chosen:
        for config in (lecture_config(exercise.script), exercise.id):
            if config not in configs:
                configs.append(config)
    out = args.out
    if out is None and args.only is None and args.seeds == SEEDS and args.epochs is None:
        out = RESULTS
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)

    about, started, runs = machine(), time.perf_counter(), []
    total = len(configs) * len(args.seeds)
    print(f'{about}\n{len(chosen)} 个练习和 {len(configs) - len(chosen)} 个讲义原样的脚本 × {len(args.seeds)} 个种子: '
          f'{total} 次训练, 按种子交错', flush=True)
    for seed in args.seeds:
        for config in configs:
            script = scripts[config]
            epochs = args.epochs or LECTURE_EPOCHS[kind_of(script)]
            print(f'[{len(runs) + 1}/{total}] {config} 种子 {seed}, {epochs} 轮 ...', file=sys.stderr, flush=True)
            runs.append(run_one(config, script, sources[config], seed, epochs, args.logs))
            print(f'[{len(runs)}/{total}] {run_line(runs[-1])}', flush=True)
    results = dict(machine=about, versions=versions(), python=sys.version.split()[0],
                   command=' '.join(['python', 'tests/try_it.py', *sys.argv[1:]]),
                   date=datetime.date.today().isoformat(), seconds=round(time.perf_counter() - started),
                   seeds=args.seeds, runs=runs)
    results['summary'] = summarise(runs)
    print(f'\n共 {results["seconds"]} 秒\n')
    print(render(results))
    if out is not None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
        print(f'\n结果已写入 {out}')


if __name__ == '__main__':
    main()
