"""README.md, README.en.md and the chapters in docs/ (issue 28): each Chinese page with its English twin, the same code
blocks and numbers, links that resolve, commands that run on the shell they are given for, the student's guide within
its 200 lines with the Windows path first; and every data-bound number, wherever it moved, checked against the shipped
CSV or on a calculator: every real open of an example, the persistence baseline, the n-day forecast's persistence
column, the seed tables' baseline, the checkpoint tables' differences, the Welch tests computed from the seed table,
the --explain excerpt. An invented or mistyped number fails here."""
import collections
import math
import re
import unicodedata

import pandas as pd
import pytest

from conftest import ROOT, persistence

CHINESE_PAGES = ['README.md'] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / 'docs').glob('*.md')
                                       if not p.name.endswith('.en.md'))
PAGES = {name: (ROOT / name).read_text(encoding='utf-8') for name in CHINESE_PAGES}
PAGES.update({twin: (ROOT / twin).read_text(encoding='utf-8')
              for twin in (name.replace('.md', '.en.md') for name in CHINESE_PAGES) if (ROOT / twin).exists()})
README, DOCS = PAGES['README.md'], {name: text for name, text in PAGES.items() if name.startswith('docs/')}
MAOTAI = pd.read_csv(ROOT / 'data' / 'SH600519.csv')
FENCE = re.compile(r'^```[^\n]*\n(.*?)^```$', re.M | re.S)
CHAPTERS = ['stock', 'checkpoint', 'memory', 'gates', 'formulas', 'try_it']  # issues 28 and 29
# the course's terms (issue 28: README.md used 六步法, 送入样本数, 参数矩阵 and 偏置项 0 times)
COURSE_TERMS = ['六步法', '送入样本数', '循环核', '记忆体', '循环计算层', '时间展开步数', '参数矩阵', '偏置项', '断点续训',
                '参数提取', '独热码']


def page(name):
    return PAGES[name]


def twin(name):
    return name.replace('.md', '.en.md')


# ---- the pairs -----------------------------------------------------------------------------------------------------

def test_every_chapter_of_the_issue_is_there_with_its_twin_and_linked_from_the_readmes():
    for chapter in CHAPTERS:
        assert f'docs/{chapter}.md' in PAGES and f'docs/{chapter}.en.md' in PAGES, chapter
        assert f'](docs/{chapter}.md)' in README, f'README.md does not link docs/{chapter}.md'
        assert f'](docs/{chapter}.en.md)' in PAGES['README.en.md'], f'README.en.md does not link docs/{chapter}.en.md'
    for name in CHINESE_PAGES:
        assert twin(name) in PAGES, f'{name} has no English twin'


@pytest.mark.parametrize('name', CHINESE_PAGES)
def test_each_page_links_its_twin_in_its_first_lines(name):
    chinese, english = page(name), page(twin(name))
    base = name.split('/')[-1]
    assert f'[English]({twin(base)})' in '\n'.join(chinese.splitlines()[:3]), name
    assert f'[中文]({base})' in '\n'.join(english.splitlines()[:3]), twin(name)
    assert re.search(r'[\u4e00-\u9fff]', chinese.splitlines()[0]), f'{name} opens in Chinese'


@pytest.mark.parametrize('name', CHINESE_PAGES)
def test_twins_hold_the_same_code_blocks_and_numbers(name):
    """Commands and pasted output are the code blocks: the same, block by block. Every number with a decimal point,
    in prose and tables too, appears in both as often."""
    chinese, english = page(name), page(twin(name))
    assert FENCE.findall(chinese) == FENCE.findall(english)
    numbers = [collections.Counter(re.findall(r'\d+\.\d+', text)) for text in (chinese, english)]
    assert numbers[0] == numbers[1], (numbers[0] - numbers[1], numbers[1] - numbers[0])


def anchor(heading):
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped (letters, digits, marks, spaces, - and _
    kept), spaces to hyphens."""
    kept = ''.join(ch for ch in heading.strip().lower() if ch in ' -_' or unicodedata.category(ch)[0] in 'LNM')
    return kept.replace(' ', '-')


def test_anchor_rule():
    assert anchor('Setup (环境)') == 'setup-环境'
    assert anchor("Is it just yesterday's price?") == 'is-it-just-yesterdays-price'


@pytest.mark.parametrize('name', sorted(PAGES))
def test_every_link_points_at_a_heading_or_a_file(name):
    text = FENCE.sub('', page(name))
    folder = (ROOT / name).parent
    headings = {anchor(h) for h in re.findall(r'^#+ (.*)$', text, re.M)}
    links = re.findall(r'\]\(([^)\s]+)\)', text)
    assert links, 'no link found'
    for link in links:
        if link.startswith('#'):
            assert link[1:] in headings, f'{name}: no heading for {link}'
        elif not link.startswith('http'):
            assert (folder / link.split('#')[0]).exists(), f'{name}: {link} does not exist'


# ---- the student's guide -------------------------------------------------------------------------------------------

def test_the_readme_is_a_guide_of_at_most_200_lines_that_starts_on_windows():
    """Issue 28: at most 200 lines; its first 60 take a Windows + Anaconda student to p38's prompt: cd /d, the conda
    lines, the run, the figure windows that hold the script, and what to type."""
    lines = README.splitlines()
    assert len(lines) <= 200, len(lines)
    first = '\n'.join(lines[:60])
    for needed in ('cd /d D:\\tf6', 'conda create -n tf2 python=3.11', 'conda activate tf2',
                   'pip install -r requirements.txt', 'python p38_rnn_stock.py', 'input the number of test days:',
                   'input test date (YYYY-MM-DD) or next:', 'Anaconda Prompt'):
        assert needed in first, needed
    assert re.search(r'图窗口开着时，程序会停下来等待', first), 'nothing says that a figure window holds the script'
    assert len(PAGES['README.en.md'].splitlines()) == len(lines), 'README.en.md mirrors README.md line by line'


def test_the_readme_speaks_the_courses_terms():
    """Each of the lecture's terms appears in the Chinese README, the term the lecture uses for it."""
    missing = [term for term in COURSE_TERMS if term not in README]
    assert not missing, missing


def test_chinese_prose_has_full_width_punctuation():
    """In the Chinese pages' sentences (code, inline code and tables aside: they hold the scripts' and the tools'
    own output), no half-width comma, semicolon, colon or question mark follows a Chinese character."""
    for name in CHINESE_PAGES:
        prose = FENCE.sub('', page(name))
        prose = '\n'.join(line for line in prose.splitlines() if not line.startswith('|'))
        prose = re.sub(r'`[^`]*`', '', prose)
        found = re.findall(r'.{0,8}[\u4e00-\u9fff][,;?](?:\s|$).{0,8}', prose, re.M)
        found += re.findall(r'.{0,8}[\u4e00-\u9fff]: .{0,8}', prose)
        assert not found, (name, found)


COMMAND = re.compile(r'^(python3?|py|pip|conda|cd|set|export|\$env:|\.|jupytext|start|open|xdg-open)\b')


def commands():
    """Every command line of every page: the lines of the code blocks that start with a command, and the inline
    code spans that do."""
    found = []
    for name, text in PAGES.items():
        for block in FENCE.findall(text):
            found += [(name, line) for line in block.splitlines() if COMMAND.match(line)]
        found += [(name, span) for span in re.findall(r'`([^`\n]+)`', FENCE.sub('', text)) if COMMAND.match(span)]
    return found


def test_commands_run_as_written_on_their_shell():
    """No <placeholder> that cmd, PowerShell or bash reads as a redirection; `< /dev/null` always beside `< NUL`; each
    system its own activation line; every file a command names is the project's."""
    found = commands()
    assert len(found) > 30, found
    for name, line in found:
        assert not re.search(r'<(?!\s*(NUL|/dev/null)\b)|(?<!-)>', line), f'{name}: {line}'
        for path in re.findall(r'(?:^|\s)((?:tests/)?[\w.]+\.(?:py|txt))\b', line):
            assert (ROOT / path).exists(), f'{name}: {line} names {path}'
    for name, text in PAGES.items():
        for paragraph in text.split('\n\n'):
            if '< /dev/null' in paragraph:
                assert '< NUL' in paragraph, f'{name}: < /dev/null without < NUL: {paragraph[:80]}'
    for activation in ('conda activate tf2', '.venv\\Scripts\\activate', '.venv\\Scripts\\Activate.ps1',
                       '. .venv/bin/activate'):
        assert activation in README, activation


def test_the_readmes_dates_are_the_csvs_test_period():
    first, last = re.search(r'输入 (\S+) 到 (\S+) 之间的一个交易日', README).groups()
    assert (first, last) == (MAOTAI['date'].iloc[-240], MAOTAI['date'].iloc[-1])


# ---- numbers bound to the data -------------------------------------------------------------------------------------

def test_every_real_open_is_the_csvs():
    found = 0
    open_on = dict(zip(MAOTAI['date'], MAOTAI['open']))
    for name, text in PAGES.items():
        for day, real in re.findall(r'(\d{4}-\d{2}-\d{2}) -> 预测开盘价 [\d.]+, 真实开盘价 ([\d.]+)', text):
            assert day in open_on, f'{name}: {day} is not a trading day of the CSV'
            assert real == f'{open_on[day]:.2f}', f'{name}: {day} real open {real}, the CSV {open_on[day]:.2f}'
            found += 1
    assert found >= 3, 'the pages show too few date-prompt examples'


def test_every_persistence_baseline_is_the_csvs():
    expected = persistence(ROOT / 'data' / 'SH600519.csv')
    found = 0
    for name, text in PAGES.items():
        for block in re.findall(r'基线 \(明天的开盘价 = 今天的开盘价\)[^\n]*\n((?:(?:均方误差|均方根误差|平均绝对误差): [\d.]+\n){3})',
                                text):
            printed = {label: float(value) for label, value in re.findall(r'^(\S+): ([\d.]+)$', block, re.M)}
            assert printed == pytest.approx(expected, abs=5e-7), (name, block)
            found += 1
    assert found >= 4, found  # both READMEs and both stock chapters


def persistence_ahead(h):
    """Persistence h trading days ahead on the 240 test days, from the CSV alone: the real open of the day before test
    day i against the real open of day i+h-1, for every i with i+h-1 < 240 (CONVENTIONS' definition)."""
    opens = MAOTAI['open'].to_numpy()
    before, real = opens[-241:-1], opens[-240:]
    return math.sqrt(((before[:240 - h + 1] - real[h - 1:]) ** 2).mean())


HORIZON_LINE = re.compile(r'^  1 ([\d.]+) \(基线 ([\d.]+)\) · 2 ([\d.]+) \(([\d.]+)\) · 3 ([\d.]+) \(([\d.]+)\)'
                          r' · 5 ([\d.]+) \(([\d.]+)\) · 10 ([\d.]+) \(([\d.]+)\)$', re.M)


def test_the_horizon_lines_show_the_csvs_persistence_and_add_up():
    """Every pasted 多日预测 line: its persistence column is the CSV's, and its h=1 is the model's 均方根误差 printed
    above it in the same block (k=0 of the lag line too)."""
    found = 0
    for name, text in PAGES.items():
        for match in HORIZON_LINE.finditer(text):
            numbers = [float(n) for n in match.groups()]
            assert numbers[1::2] == pytest.approx([persistence_ahead(h) for h in (1, 2, 3, 5, 10)], abs=0.005 + 1e-9)
            block = text[:match.start()].rsplit('```', 1)[-1]
            rmse, lag = re.findall(r'^均方根误差: ([\d.]+)$', block, re.M), re.findall(r'^  k=0 ([\d.]+) ·', block, re.M)
            assert rmse and lag, f'{name}: no 均方根误差 or lag line above {match.group(0)!r}'
            assert f'{float(rmse[0]):.2f}' == lag[-1] == match.group(1), (name, rmse[0], lag[-1], match.group(1))
            found += 1
    assert found >= 2, found


def test_the_seed_comparisons_baseline_is_the_csvs():
    """docs/stock's sentence under the seed table: compare_models' persistence RMSE, MAE and 5-day-ahead RMSE."""
    expected = persistence(ROOT / 'data' / 'SH600519.csv')
    numbers = (f"{expected['均方根误差']:.2f}", f"{expected['平均绝对误差']:.2f}", f'{persistence_ahead(5):.2f}')
    found = re.search(r'基线对每个种子都一样：均方根误差 ([\d.]+)，平均绝对误差 ([\d.]+)，5 天后的均方根误差 ([\d.]+)。',
                      page('docs/stock.md'))
    assert found and found.groups() == numbers
    assert (f'The baseline is the same for every seed: RMSE {numbers[0]}, mean absolute error {numbers[1]}, RMSE 5 days '
            f'ahead {numbers[2]}.') in page('docs/stock.en.md')


def tables(text):
    """Every Markdown table of `text` as {first cell: [the other cells]}."""
    found = []
    for block in re.findall(r'(?:^\|.*\|$\n?)+', text, re.M):
        rows = [[cell.strip() for cell in line.strip().strip('|').split('|')] for line in block.splitlines()]
        found.append({row[0]: row[1:] for row in rows})
    return found


MEAN_SD = re.compile(r'([+-]?\d+\.\d+) ± (\d+\.\d+) \(([+-]?\d+(?:\.\d+)?) – ([+-]?\d+(?:\.\d+)?)\)')


def test_the_checkpoint_table_adds_up():
    """docs/checkpoint's table (issue 24's comparison, per model): the mean of the differences is the difference of
    the means (each printed to 2 decimals), and the count of lower checkpoints agrees with the differences' range
    (all lower when the largest is below 0, none when the smallest is 0 or more)."""
    for name in ('docs/checkpoint.md', 'docs/checkpoint.en.md'):
        table = next(t for t in tables(page(name)) if '均方根误差: checkpoint − 最后一轮' in t)
        for column in range(3):
            last, checkpoint, difference = (MEAN_SD.fullmatch(table[f'均方根误差: {row}'][column]) for row in
                                            ('最后一轮', '按测试集挑选的 checkpoint', 'checkpoint − 最后一轮'))
            assert abs(float(checkpoint[1]) - float(last[1]) - float(difference[1])) <= 0.01 + 1e-9, (name, column)
            lower, runs = table['均方根误差: checkpoint 更低 (看起来更好) 的次数'][column].split(' / ')
            if float(difference[4]) < 0:
                assert lower == runs, (name, column)
            if float(difference[3]) >= 0:
                assert lower == '0', (name, column)
            assert runs == '5'
        stock = tables(page(name.replace('checkpoint', 'stock')))[0]
        key = '均方根误差'
        if name.endswith('.en.md'):
            key = 'RMSE'
        assert table['均方根误差: 最后一轮'] == stock[key], 'the last epoch is the stock chapter seed table'


def test_the_welch_tests_are_those_of_the_seed_table():
    """docs/stock: each pair's t, degrees of freedom and p are Welch's test computed from the table's mean ± sd with
    5 seeds a side, within what rounding the table to 2 decimals allows; the verdict follows p and Bonferroni's 0.05/3."""
    from scipy import stats
    text = page('docs/stock.md')
    table = next(t for t in tables(text) if '均方根误差' in t)
    models = dict(zip(['SimpleRNN', 'LSTM', 'GRU'], (MEAN_SD.fullmatch(cell) for cell in table['均方根误差'])))
    lines = re.findall(r'^- (\w+) 对 (\w+)：.*?(\d+\.\d\d) 对 (\d+\.\d\d)，\1 低 (\d+\.\d\d)；t = (\d+\.\d\d)，自由度 '
                       r'(\d+\.\d)，p = (\d\.\d{3})[，。](.*)$', text, re.M)
    assert len(lines) == 3, lines
    for low, high, mean_low, mean_high, difference, t, df, p, verdict in lines:
        a, b = models[low], models[high]
        assert (mean_low, mean_high) == (a[1], b[1])
        assert abs(float(b[1]) - float(a[1]) - float(difference)) <= 0.01 + 1e-9
        result = stats.ttest_ind_from_stats(float(b[1]), float(b[2]), 5, float(a[1]), float(a[2]), 5, equal_var=False)
        variances = [float(m[2]) ** 2 / 5 for m in (a, b)]
        degrees = sum(variances) ** 2 / sum(v ** 2 / 4 for v in variances)
        assert abs(result.statistic - float(t)) <= 0.01, (low, high, result.statistic)
        assert abs(degrees - float(df)) <= 0.1, (low, high, degrees)
        assert abs(result.pvalue - float(p)) <= 0.002, (low, high, result.pvalue)
        if float(p) < 0.05 / 3:
            assert '显著' in verdict and '不算显著' not in verdict, verdict
        elif float(p) < 0.05:
            assert '校正后不算显著' in verdict, verdict
        else:
            assert '5 个种子分不出差别' in verdict, verdict


def test_the_gates_excerpt_adds_up_by_hand():
    """The pasted --explain block of p47 (a real run) closes on a calculator: σ(a) and tanh(a) give the printed value,
    the products give C_60 and h_60, each within what rounding the printed inputs to two decimals allows, and y's
    反归一化 is the answer line's predicted open."""
    for name in ('docs/gates.md', 'docs/gates.en.md'):
        block = re.search(r'\n(\d{4}-\d{2}-\d{2}) -> 预测开盘价 ([\d.]+), 真实开盘价 [\d.]+\nexplain \1: 第 2 层 LSTM.*?'
                          r'\n(?=图已保存)', page(name), re.S)
        assert block, f'{name} shows no p47 --explain block'
        text, answer = block.group(0), block.group(2)
        activations = {'σ': lambda a: 1 / (1 + math.exp(-a)), 'tanh': math.tanh}
        checked = 0
        for function, a, v in re.findall(r'= (σ|tanh)\((-?\d+\.\d\d)\) = (-?\d+\.\d\d)$', text, re.M):
            assert abs(activations[function](float(a)) - float(v)) <= 0.005 + 0.005 + 1e-9, f'{function}({a}) != {v}'
            checked += 1
        assert checked == 4, text  # i, f, C̃, o
        f, c59, i, c_tilde, c60 = map(float, re.search(
            r'C_60 = f_60\*C_59 \+ i_60\*C̃_60 = (\S+)\*(\S+) \+ (\S+)\*(\S+) = (\S+)$', text, re.M).groups())
        assert abs(f * c59 + i * c_tilde - c60) <= 0.005 * (abs(f) + abs(c59) + abs(i) + abs(c_tilde)) + 0.005 + 1e-4
        o, tanh_c, h = map(float, re.search(r'h_60 = o_60\*tanh\(C_60\) = (\S+)\*(\S+) = (\S+)$', text, re.M).groups())
        assert abs(math.tanh(c60) - tanh_c) <= 0.01 + 1e-9 and abs(o * tanh_c - h) <= 0.005 * (o + abs(tanh_c)) + 0.0051
        assert re.search(rf'^  y = h_60·w \+ b = \d\.\d{{4}}, 反归一化: {re.escape(answer)}$', text, re.M), text
