"""The README's data-bound numbers, checked against the shipped CSV: every `real open` of an example, the persistence
baseline's three metrics, and the sample counts. An invented example fails here."""
import re

import pandas as pd
import pytest

from conftest import ROOT, persistence

README = (ROOT / 'README.md').read_text(encoding='utf-8')
MAOTAI = pd.read_csv(ROOT / 'data' / 'SH600519.csv')


def test_every_real_open_in_the_readme_is_the_csvs():
    examples = re.findall(r'(\d{4}-\d{2}-\d{2}) -> predicted open [\d.]+, real open ([\d.]+)', README)
    assert examples, 'the README shows no date-prompt example'
    open_on = dict(zip(MAOTAI['date'], MAOTAI['open']))
    for day, real in examples:
        assert day in open_on, f'{day} is not a trading day of the CSV'
        assert real == f'{open_on[day]:.2f}', f'{day}: the README says real open {real}, the CSV {open_on[day]:.2f}'


def test_the_readmes_persistence_baseline_is_the_csvs():
    blocks = re.findall(r'persistence baseline[^\n]*\n((?:(?:均方误差|均方根误差|平均绝对误差): [\d.]+\n){3})', README)
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
    block = re.search(r'\n(\d{4}-\d{2}-\d{2}) -> predicted open ([\d.]+), real open [\d.]+\nexplain \1: 第 2 层 LSTM.*?'
                      r'\n(?=figure saved)', README, re.S)
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


HORIZON_LINE = re.compile(r'^  1 ([\d.]+) \(persistence ([\d.]+)\) · 2 ([\d.]+) \(([\d.]+)\) · 3 ([\d.]+) \(([\d.]+)\)'
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
    rows = re.findall(r'^\| persistence[^|]*\| ([\d.]+), ([\d.]+), ([\d.]+) \|', README, re.M)
    assert rows, 'the README shows no compare_models table'
    expected = persistence(ROOT / 'data' / 'SH600519.csv')
    for rmse, mae, ahead in rows:
        assert (rmse, mae, ahead) == (f"{expected['均方根误差']:.2f}", f"{expected['平均绝对误差']:.2f}",
                                      f'{persistence_ahead(5):.2f}')
