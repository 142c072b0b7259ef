"""Both READMEs (README.md in Chinese, README.en.md in English, issue 23): the same document, so the same code blocks,
numbers and links; and their data-bound numbers checked against the shipped CSV: every real open of an example, the
persistence baseline's three metrics, the sample counts, the pasted horizon lines, the --explain excerpt on a
calculator and compare_models' tables. An invented or mistyped number fails here."""
import collections
import re
import unicodedata

import pandas as pd
import pytest

from conftest import ROOT, persistence

READMES = {'README.md': (ROOT / 'README.md').read_text(encoding='utf-8'),
           'README.en.md': (ROOT / 'README.en.md').read_text(encoding='utf-8')}
README = READMES['README.en.md']  # the English one, for the checks that read its prose; code blocks are both's
MAOTAI = pd.read_csv(ROOT / 'data' / 'SH600519.csv')
FENCE = re.compile(r'^```[^\n]*\n(.*?)^```$', re.M | re.S)


# ---- the pair ------------------------------------------------------------------------------------------------------

def test_each_readme_links_the_other_in_its_first_lines():
    assert '[English](README.en.md)' in '\n'.join(READMES['README.md'].splitlines()[:5])
    assert '[中文](README.md)' in '\n'.join(READMES['README.en.md'].splitlines()[:5])
    assert re.search(r'[\u4e00-\u9fff]', READMES['README.md'].splitlines()[0]), 'README.md is the Chinese one'


def test_both_readmes_hold_the_same_code_blocks_and_numbers():
    """Commands and pasted output are the code blocks: the same, block by block. Every number with a decimal point,
    in prose and tables too, appears in both as often."""
    chinese, english = READMES['README.md'], READMES['README.en.md']
    assert FENCE.findall(chinese) == FENCE.findall(english)
    assert FENCE.findall(english), 'no code block found'
    numbers = [collections.Counter(re.findall(r'\d+\.\d+', text)) for text in (chinese, english)]
    assert numbers[0] == numbers[1], (numbers[0] - numbers[1], numbers[1] - numbers[0])
    assert not re.findall(r'@@\w+@@', chinese + english), 'a placeholder is left'


def anchor(heading):
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped (letters, digits, marks, spaces, - and _
    kept), spaces to hyphens."""
    kept = ''.join(ch for ch in heading.strip().lower()
                   if ch in ' -_' or unicodedata.category(ch)[0] in 'LNM')
    return kept.replace(' ', '-')


def test_anchor_rule():
    assert anchor('Setup (环境)') == 'setup-环境'
    assert anchor("Is it just yesterday's price?") == 'is-it-just-yesterdays-price'
    assert anchor('GRU: 更新门 z, 重置门 r, 候选隐藏层 h̃') == 'gru-更新门-z-重置门-r-候选隐藏层-h̃'


@pytest.mark.parametrize('name', READMES)
def test_every_link_points_at_a_heading_or_a_file(name):
    text = READMES[name]
    headings = {anchor(h) for h in re.findall(r'^#+ (.*)$', FENCE.sub('', text), re.M)}
    links = re.findall(r'\]\(([^)\s]+)\)', FENCE.sub('', text))
    assert links, 'no link found'
    for link in links:
        if link.startswith('#'):
            assert link[1:] in headings, f'{name}: no heading for {link}'
        elif not link.startswith('http'):
            assert (ROOT / link.split('#')[0]).exists(), f'{name}: {link} does not exist'


def test_the_commands_name_files_that_exist():
    """Every `python <file>` and `pip install -r <file>` of the code blocks names a file of the project."""
    commands = [line for block in FENCE.findall(README) for line in block.splitlines()]
    named = [m for line in commands for m in re.findall(r'(?:^|&& )(?:python3? |pip install -r )(\S+\.(?:py|txt))', line)]
    named += [m for line in commands for m in re.findall(r'^python (tests/\S+\.py)', line)]
    assert {'requirements.txt', 'tests/requirements.txt', 'p38_rnn_stock.py'} <= set(named), named
    for path in named:
        assert (ROOT / path.replace('\\', '/')).exists(), path


def test_every_real_open_in_the_readme_is_the_csvs():
    examples = re.findall(r'(\d{4}-\d{2}-\d{2}) -> 预测开盘价 [\d.]+, 真实开盘价 ([\d.]+)', README)
    assert examples, 'the README shows no date-prompt example'
    open_on = dict(zip(MAOTAI['date'], MAOTAI['open']))
    for day, real in examples:
        assert day in open_on, f'{day} is not a trading day of the CSV'
        assert real == f'{open_on[day]:.2f}', f'{day}: the README says real open {real}, the CSV {open_on[day]:.2f}'


def test_the_readmes_persistence_baseline_is_the_csvs():
    blocks = re.findall(r'基线 \(明天的开盘价 = 今天的开盘价\)[^\n]*\n((?:(?:均方误差|均方根误差|平均绝对误差): [\d.]+\n){3})', README)
    assert blocks, 'the README shows no persistence baseline output'
    expected = persistence(ROOT / 'data' / 'SH600519.csv')
    for block in blocks:
        printed = {label: float(value) for label, value in re.findall(r'^(\S+): ([\d.]+)$', block, re.M)}
        assert printed == pytest.approx(expected, abs=5e-7), block


def test_the_readmes_stock_table_shows_the_csvs_persistence_rmse():
    header, _, *rows = re.findall(r'^\| script \| wall time .*\|$\n(?:^\|.*\|$\n?)+', README, re.M)[0].splitlines()
    column = [cell.strip() for cell in header.strip('|').split('|')].index('persistence RMSE')
    assert len(rows) == 3, rows
    for row in rows:
        assert row.strip('|').split('|')[column].strip() == f"{persistence(ROOT / 'data' / 'SH600519.csv')['均方根误差']:.2f}", row


def test_the_readmes_counts_and_dates_are_the_csvs():
    days, first, last = re.search(r'([\d,]+) trading days from (\S+) to (\S+),', README).groups()
    assert (int(days.replace(',', '')), first, last) == (len(MAOTAI), MAOTAI['date'].iloc[0], MAOTAI['date'].iloc[-1])
    training, test = re.search(r'([\d,]+) training and ([\d,]+) test samples', README).groups()
    assert (int(training.replace(',', '')), int(test)) == (len(MAOTAI) - 300 - 60, 300 - 60)
    assert re.search(r'here (\S+) to (\S+)\)', README).groups() == (MAOTAI['date'].iloc[-240], MAOTAI['date'].iloc[-1])


def test_the_readmes_gates_excerpt_adds_up_by_hand():
    """The pasted --explain block of p47 (a real run) closes on a calculator: σ(a) and tanh(a) give the printed value,
    the products give C_60 and h_60, each within what rounding the printed inputs to two decimals allows, and y's
    反归一化 is the answer line's predicted open."""
    import math
    block = re.search(r'\n(\d{4}-\d{2}-\d{2}) -> 预测开盘价 ([\d.]+), 真实开盘价 [\d.]+\nexplain \1: 第 2 层 LSTM.*?'
                      r'\n(?=图已保存)', README, re.S)
    assert block, 'the README shows no p47 --explain block'
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


def persistence_ahead(h):
    """Persistence h trading days ahead on the 240 test days, from the CSV alone: the real open of the day before test
    day i against the real open of day i+h-1, for every i with i+h-1 < 240 (CONVENTIONS' definition)."""
    import math
    opens = MAOTAI['open'].to_numpy()
    before, real = opens[-241:-1], opens[-240:]
    return math.sqrt(((before[:240 - h + 1] - real[h - 1:]) ** 2).mean())


HORIZON_LINE = re.compile(r'^  1 ([\d.]+) \(基线 ([\d.]+)\) · 2 ([\d.]+) \(([\d.]+)\) · 3 ([\d.]+) \(([\d.]+)\)'
                          r' · 5 ([\d.]+) \(([\d.]+)\) · 10 ([\d.]+) \(([\d.]+)\)$', re.M)


def test_the_readmes_horizon_lines_show_the_csvs_persistence_and_add_up():
    """Every pasted 多日预测 line: its persistence column is the CSV's, and its h=1 is the model's 均方根误差 printed
    above it in the same block (k=0 of the lag line too), as the scripts compute them."""
    found = list(HORIZON_LINE.finditer(README))
    assert found, 'the README shows no 多日预测 line'
    for match in found:
        numbers = [float(n) for n in match.groups()]
        assert numbers[1::2] == pytest.approx([persistence_ahead(h) for h in (1, 2, 3, 5, 10)], abs=0.005 + 1e-9), \
            match.group(0)
        block = README[:match.start()].rsplit('```', 1)[-1]  # the code block the line is in, up to the line
        rmse = re.findall(r'^均方根误差: ([\d.]+)$', block, re.M)
        lag = re.findall(r'^  k=0 ([\d.]+) ·', block, re.M)
        assert rmse and lag, f'no 均方根误差 or lag line above {match.group(0)!r}'
        assert f'{float(rmse[0]):.2f}' == lag[-1] == match.group(1), (rmse[0], lag[-1], match.group(1))


def test_the_readmes_seed_table_shows_the_csvs_persistence():
    """compare_models.py's persistence row, pasted in the README: RMSE, MAE and the 5-day-ahead RMSE of the CSV."""
    rows = re.findall(r'^\| 基线 \(每个种子都一样\)[^|]*\| ([\d.]+), ([\d.]+), ([\d.]+) \|', README, re.M)
    assert rows, 'the README shows no compare_models table'
    expected = persistence(ROOT / 'data' / 'SH600519.csv')
    for rmse, mae, ahead in rows:
        assert (rmse, mae, ahead) == (f"{expected['均方根误差']:.2f}", f"{expected['平均绝对误差']:.2f}",
                                      f'{persistence_ahead(5):.2f}')


def tables(text):
    """Every Markdown table of `text` as {first cell: [the other cells]}."""
    found = []
    for block in re.findall(r'(?:^\|.*\|$\n?)+', text, re.M):
        rows = [[cell.strip() for cell in line.strip().strip('|').split('|')] for line in block.splitlines()]
        found.append({row[0]: row[1:] for row in rows})
    return found


MEAN_SD, LOW_HIGH = re.compile(r'([+-]?\d+\.\d+) ± (\d+\.\d+)'), re.compile(r'([+-]?\d+(?:\.\d+)?) – ([+-]?\d+(?:\.\d+)?)')


def test_the_readmes_checkpoint_tables_add_up():
    """compare_models' comparison of the last epoch and the test-set checkpoint (issue 24), pasted per model: the mean
    of the differences is the difference of the means (each printed to 2 decimals), and the count of runs where the
    checkpoint is lower agrees with the differences' range (all lower when the largest is below 0, none when the
    smallest is 0 or more)."""
    checked = 0
    for table in tables(README):
        for what in ('均方根误差', '5 天后的均方根误差'):
            cells = [table.get(f'{what}: {name}') for name in ('最后一轮', '按测试集挑选的 checkpoint', 'checkpoint − 最后一轮')]
            if not all(cells):
                continue
            last, checkpoint, difference = (float(MEAN_SD.fullmatch(c[0])[1]) for c in cells)
            assert abs(checkpoint - last - difference) <= 0.01 + 1e-9, (what, cells)
            low, high = (float(v) for v in LOW_HIGH.fullmatch(cells[2][1]).groups())
            lower, runs = table[f'{what}: checkpoint 更低 (看起来更好) 的次数'][0].split(' / ')
            if high < 0:
                assert lower == runs, (what, cells, lower)
            if low >= 0:
                assert lower == '0', (what, cells, lower)
            checked += 1
    assert checked >= 2, 'the README shows no checkpoint comparison'
