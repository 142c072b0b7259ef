"""tests/try_it.py (issue 29, 试一试): every exercise's edits match today's scripts exactly once; one letter and one
stock exercise run end to end (one seed, two epochs), every number the tool reports recomputed here from the logged
consoles with this file's own parser; the summary and Welch's test on made-up runs; and the chapter docs/try_it.md
(and its twin) shows exactly the diffs and tables the tool renders from the committed results file, of one full run
(seeds 7-11, the lecture's epochs)."""
import json
import math
import re
import statistics
import subprocess
import sys

import pytest
import scipy.stats

import try_it
from conftest import ROOT

ISSUE_EXERCISES = {'units1', 'units2', 'lr0001', 'embed1', 'p31units3', 'window20', 'nodropout', 'units10', 'onelayer',
                   'lstmwindow20'}
WINDOW_60 = re.compile(r'range\(60|- 60:|, 60, 1\)|shape=\(60|\[60:\]|\[59:|iloc\[-60:')


# ---- the exercises against today's scripts -------------------------------------------------------------------------

def test_every_exercise_matches_todays_scripts_exactly_once():
    assert ISSUE_EXERCISES <= set(try_it.BY_ID)
    for exercise in try_it.EXERCISES:
        source = (ROOT / exercise.script).read_text(encoding='utf-8')
        assert exercise.edits, exercise.id
        for old, new in exercise.edits:
            assert source.count(old) == 1, (exercise.id, old)
            assert old != new
        assert try_it.edited(exercise) != source
        if exercise.kind == 'letters':
            assert source.count(try_it.LETTER_SEED) == 1, exercise.script
        assert re.search(r'[\u4e00-\u9fff]', exercise.question) and exercise.question_en, exercise.id


def test_a_stale_exercise_stops_and_names_itself():
    exercise = try_it.BY_ID['units1']
    source = (ROOT / exercise.script).read_text(encoding='utf-8')
    with pytest.raises(ValueError, match=r'练习 units1 .*却找到 0 处'):
        try_it.edited(exercise, source.replace('    SimpleRNN(3),', '    SimpleRNN(4),'))
    with pytest.raises(ValueError, match=r'练习 units1 .*却找到 2 处'):
        try_it.edited(exercise, source.replace('    SimpleRNN(3),', '    SimpleRNN(3),\n    SimpleRNN(3),'))


@pytest.mark.parametrize('exercise', ['window20', 'lstmwindow20'])
def test_the_window_exercise_leaves_no_60_outside_explain(exercise):
    """60 → 20 everywhere the window length appears in what a run without --explain executes; --explain (the lecture's
    t=60 formulas) is the only place left with 60."""
    source = try_it.edited(try_it.BY_ID[exercise])
    outside = re.sub(r'\ndef explain\(.*?\n(?=\S)', '\n', source, flags=re.S)
    assert not [line for line in outside.splitlines() if WINDOW_60.search(line) and not line.lstrip().startswith('#')]
    original = (ROOT / try_it.BY_ID[exercise].script).read_text(encoding='utf-8')
    assert len(WINDOW_60.findall(original)) > 8  # the pattern finds the lecture's 60s


# ---- one small run, end to end -------------------------------------------------------------------------------------

def snapshot():
    """The project's own generated files, which the tool must never touch: name → (size, mtime)."""
    paths = [*(ROOT / 'checkpoint').glob('*'), ROOT / 'weights.txt', *(ROOT / 'figures').glob('*')]
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in paths if p.exists()}


@pytest.fixture(scope='module')
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp('try_it')
    before = snapshot()
    result = subprocess.run([sys.executable, str(ROOT / 'tests' / 'try_it.py'), '--only', 'units1,window20',
                             '--seeds', '7', '--epochs', '2', '--logs', str(folder / 'logs'),
                             '--out', str(folder / 'results.json')],
                            capture_output=True, text=True, encoding='utf-8', cwd=folder, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((folder / 'results.json').read_text(encoding='utf-8'))
    return result, results, folder / 'logs', before


def epochs_of(console):
    """This test's own reading of Keras' console: per epoch, the last `- name: value` of its progress bar."""
    parts = re.split(r'Epoch \d+/\d+\n', console)[1:]
    found = []
    for part in parts:
        updates = [line for line in re.split(r'[\n\x08]+', part) if '/step' in line]
        found.append(dict(re.findall(r' - (\w+): ([-+0-9.e]+)', updates[-1])))
    return found


def test_the_runs_are_the_four_expected_and_the_project_is_untouched(small_run):
    result, results, logs, before = small_run
    assert [(r['config'], r['seed'], r['epochs']) for r in results['runs']] == [
        ('p15', 7, 2), ('units1', 7, 2), ('p38', 7, 2), ('window20', 7, 2)]
    assert sorted(p.name for p in logs.iterdir()) == ['p15_seed7.txt', 'p38_seed7.txt', 'units1_seed7.txt',
                                                      'window20_seed7.txt']
    assert snapshot() == before
    assert results['seeds'] == [7]


def test_every_letter_number_is_the_consoles(small_run):
    result, results, logs, _ = small_run
    for run in results['runs'][:2]:
        epochs = epochs_of((logs / f'{run["config"]}_seed7.txt').read_text(encoding='utf-8'))
        assert len(epochs) == 2
        assert run['accuracy'] == epochs[-1]['sparse_categorical_accuracy'] and run['loss'] == epochs[-1]['loss']
        full = [i for i, e in enumerate(epochs, start=1) if float(e['sparse_categorical_accuracy']) == 1]
        assert run['first_full'] == (full[0] if full else None)
        line = re.search(rf'^\[\d/4\] {run["config"]} 种子 7: 准确率 (\S+), loss (\S+), (.*), (\d+\.\d) 秒$',
                         result.stdout, re.M)
        assert line and line.groups()[:2] == (run['accuracy'], run['loss']), result.stdout
        assert f'{run["wall"]:.1f}' == line[4]


def test_every_stock_number_is_the_consoles(small_run):
    result, results, logs, _ = small_run
    for run, days in zip(results['runs'][2:], (60, 20)):
        console = (logs / f'{run["config"]}_seed7.txt').read_text(encoding='utf-8')
        epochs = epochs_of(console)
        model, _, rest = console.partition('基线 (明天的开盘价 = 今天的开盘价), 同样的 ')
        rmse = re.search(r'^均方根误差: (\S+)$', model, re.M)[1]
        baseline = re.search(r'^均方根误差: (\S+)$', rest, re.M)[1]
        lag = int(re.search(r'→ k=(\d) 最接近', rest)[1])
        span = int(re.search(r'90% 的影响来自最近 (\d+) 天', rest)[1])
        train, test = map(int, re.search(r'^(\d+) 个训练样本, (\d+) 个测试样本', console, re.M).groups())
        assert (train, test) == (2426 - 300 - days, 300 - days)  # the window's own sample counts
        assert f'前 {days} 天每天开盘价的平均敏感度' in rest and f'({test} 个测试窗口)' in rest
        expected = dict(rmse=rmse, baseline=baseline, lag=lag, span=span, train=train, test=test,
                        loss=epochs[-1]['loss'], val_loss=epochs[-1]['val_loss'])
        assert {key: run[key] for key in expected} == expected
        line = re.search(rf'^\[\d/4\] {run["config"]} 种子 7: 均方根误差 (\S+) \(基线 (\S+), 差 (\S+), (\d+) 个测试日\), '
                         r'90% 的影响来自最近 (\d+) 天, 最接近的 k=(\d), loss (\S+), val_loss (\S+), (\S+) 秒$',
                         result.stdout, re.M)
        assert line, result.stdout
        assert line.groups()[:8] == (f'{float(rmse):.2f}', f'{float(baseline):.2f}',
                                     f'{float(rmse) - float(baseline):+.2f}', str(test), str(span), str(lag),
                                     expected['loss'], expected['val_loss'])


def test_the_printed_tables_are_the_runs(small_run):
    """The tables the run prints: one seed, so each mean is the run's number and min = max."""
    result, results, _, _ = small_run
    by_config = {r['config']: r for r in results['runs']}
    tables = {}
    for block in re.findall(r'(?:^\|.*\|$\n?)+', result.stdout, re.M):
        rows = [[c.strip() for c in line.strip('|').split('|')] for line in block.strip().splitlines()]
        tables[rows[0][2]] = {row[0]: row[1:] for row in rows[2:]}
    letters, stock = tables['改动后 (units1)'], tables['改动后 (window20)']
    for column, config in enumerate(('p15', 'units1')):
        loss = float(by_config[config]['loss'])
        assert letters['最后一轮的 loss'][column] == f'{try_it.keras_number(loss)} ± — ({try_it.keras_number(loss)} – ' \
                                                  f'{try_it.keras_number(loss)})'
    for column, config in enumerate(('p38', 'window20')):
        run = by_config[config]
        rmse, gap = float(run['rmse']), float(run['rmse']) - float(run['baseline'])
        assert stock['均方根误差 (最后一轮)'][column] == f'{rmse:.2f} ± — ({rmse:.2f} – {rmse:.2f})'
        assert stock['均方根误差 − 基线'][column] == f'{gap:+.2f} ± — ({gap:+.2f} – {gap:+.2f})'
        assert stock['基线的均方根误差 (同样的测试日; 括号里是测试日数)'][column] == f'{float(run["baseline"]):.2f} ({run["test"]})'
        assert stock['90% 的影响来自最近 … 天 (记忆跨度)'][column] == f'{run["span"]:.1f} ± — ({run["span"]} – {run["span"]})'
        assert stock['滞后检查: 最接近的 k'][column] == f'k={run["lag"]}: 1'
    assert stock['Welch t 检验, 均方根误差'] == ['', '—']  # one seed: no test


# ---- the summary and the test on made-up runs ---------------------------------------------------------------------

def made_up(config, script, losses, accuracies=None, first=None):
    runs = []
    for i, loss in enumerate(losses):
        run = dict(config=config, script=script, seed=7 + i, epochs=100, wall=10.0 + i, loss=f'{loss:.4f}')
        if accuracies is not None:
            run.update(accuracy=f'{accuracies[i]:.4f}', first_full=first[i])
        runs.append(run)
    return runs


def test_summary_and_welch_on_made_up_letter_runs():
    lecture = made_up('p15', 'p15_rnn_onehot_1pre1.py', [0.30, 0.35, 0.40], [1, 1, 1], [40, 50, 45])
    changed = made_up('units1', 'p15_rnn_onehot_1pre1.py', [0.90, 1.10, 1.30], [0.6, 1, 0.8], [None, 80, None])
    summary = try_it.summarise(lecture + changed)
    units1 = summary['configs']['units1']
    assert units1['loss']['mean'] == pytest.approx(1.1) and units1['loss']['sd'] == pytest.approx(0.2)
    assert (units1['reached'], units1['full_at_end'], units1['first_full']['mean']) == (1, 1, 80)
    assert summary['configs']['p15']['first_full'] == dict(mean=45, sd=5.0, min=40, max=50, n=3)
    t = (1.1 - 0.35) / math.sqrt(0.2 ** 2 / 3 + 0.05 ** 2 / 3)
    df = (0.2 ** 2 / 3 + 0.05 ** 2 / 3) ** 2 / ((0.2 ** 2 / 3) ** 2 / 2 + (0.05 ** 2 / 3) ** 2 / 2)
    assert summary['welch']['units1']['t'] == pytest.approx(t)
    assert summary['welch']['units1']['p'] == pytest.approx(2 * scipy.stats.t.sf(t, df))
    table = try_it.table(try_it.BY_ID['units1'], dict(summary=summary))
    assert '| 最后一轮 100% 的种子 | 3 / 3 | 1 / 3 |' in table
    assert '| 第一次到 100% 的轮 (到过的种子) | 45.0 ± 5.0 (40 – 50) | 80.0 ± — (80 – 80) |' in table
    assert f'| Welch t 检验, 最后一轮的 loss | | t = {t:.2f}, p = {2 * scipy.stats.t.sf(t, df):.3f} |' in table
    assert statistics.median([10.0, 11.0, 12.0]) == summary['configs']['units1']['wall']['median']


# ---- the chapter --------------------------------------------------------------------------------------------------

RESULTS = json.loads(try_it.RESULTS.read_text(encoding='utf-8'))


def blocks(text):
    """The diff blocks and the tables of a text, in order."""
    return re.findall(r'^```diff\n.*?^```$|(?:^\|[^\n]*\|$\n?)+', text, re.M | re.S)


def test_the_results_file_is_one_full_run():
    runs = RESULTS['runs']
    configs = {r['config'] for r in runs}
    assert set(try_it.BY_ID) <= configs and RESULTS['seeds'] == [7, 8, 9, 10, 11]
    for config in configs:
        mine = [r for r in runs if r['config'] == config]
        assert sorted(r['seed'] for r in mine) == [7, 8, 9, 10, 11], config
        assert {r['epochs'] for r in mine} == {try_it.LECTURE_EPOCHS[try_it.kind_of(mine[0]['script'])]}, config
    assert RESULTS['summary'] == json.loads(json.dumps(try_it.summarise(runs))), 'the summary is not of the runs'


@pytest.mark.parametrize('name, lang', [('try_it.md', 'zh'), ('try_it.en.md', 'en')])
def test_the_chapter_shows_what_the_tool_renders_from_the_results_file(name, lang):
    chapter = (ROOT / 'docs' / name).read_text(encoding='utf-8')
    rendered = try_it.render(RESULTS, lang)
    assert [b.strip() for b in blocks(chapter)] == [b.strip() for b in blocks(rendered)]
    for exercise in try_it.EXERCISES:
        assert f'python tests/try_it.py --only {exercise.id}' in chapter, exercise.id
        assert re.search(rf'^### {exercise.id}:', chapter, re.M), exercise.id
    assert chapter.count('<details>') == chapter.count('</details>') == len(try_it.EXERCISES)
