"""--explain on the stock scripts (issue 15; CONVENTIONS.md, "--explain on the stock scripts"): every number of the
walkthrough recomputed from weights.txt and the CSV by a float64 NumPy forward pass written from the lecture's
formulas, in Keras 3's layout of the weights, never from the scripts' code (tests/lecture_forward.py, which
test_stock_forecast.py shares).

Each script is trained once (--epochs 1) in a temporary project; then `--epochs 0 --explain` answers two test days
and `next` from that checkpoint. Every test of this file reads those two runs per script."""
import re
from dataclasses import dataclass

import h5py
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from conftest import DATE_PROMPT, DAYS_PROMPT, STOCK_SCRIPTS, Project, after_start_up, assert_png
from lecture_forward import CELLS, lecture_weights, windows

# script -> (the second layer's name as printed, the statistics lines: gate letter -> its lecture name)
SCRIPTS = {'p38_rnn_stock.py': ('SimpleRNN', {}),
           'p47_LSTM_stock.py': ('LSTM', {'i': '输入门', 'f': '遗忘门', 'o': '输出门'}),
           'p56_GRU_stock.py': ('GRU', {'z': '更新门', 'r': '重置门'})}
CSV = 'data/SH600519.csv'
TILDE = '\u0303'  # the combining tilde of C̃ and h̃, as CONVENTIONS.md spells them
NUMBER = r'-?\d+\.\d+'
TWO_DECIMALS = r'-?\d+\.\d\d'


def typed_days(csv):
    """The entries answered under --explain: the lecture's example day, the first test day (its window is the first
    60 days of the test set, and the day before it is no calendar neighbour: 2019-04-30 before 2019-05-06), next."""
    return ['2020-03-02', str(pd.read_csv(csv)['date'].iloc[-240]), 'next']


# ---- the two runs per script, made once ----------------------------------------------------------------------------

@dataclass
class Explained:
    project: Project
    trained: object  # CompletedProcess of the one-epoch training run, one date answered without --explain
    figures_after_training: list
    result: object  # CompletedProcess of --epochs 0 --explain --no-show, the typed days answered
    typed: list


@pytest.fixture(scope='module')
def explained(tmp_path_factory):
    """script -> Explained: a one-epoch training run (the checkpoint), then `--epochs 0 --explain` from it."""
    runs = {}

    def run(script):
        if script not in runs:
            project = Project(tmp_path_factory.mktemp(script.split('_')[0]))
            typed = typed_days(project.path / CSV)
            trained = project.run(script, '--epochs', '1', '--no-show', stdin=f'1\n{typed[0]}\n', timeout=300)
            assert_clean(trained)
            figures = sorted(path.name for path in (project.path / 'figures').iterdir())
            result = project.run(script, '--epochs', '0', '--explain', '--no-show',
                                 stdin='\n'.join([str(len(typed)), *typed]) + '\n', timeout=300)
            runs[script] = Explained(project, trained, figures, result, typed)
        return runs[script]
    return run




@pytest.fixture(scope='module')
def sharpened(explained, tmp_path_factory):
    """script -> Explained: `--epochs 0 --explain` in a second project, from the trained checkpoint with layer 2's
    gates pushed towards 0 and 1 (sharpen). A one-epoch model's gates all sit near 0.5 and hardly move in 60 days,
    so its statistics print 0.0 % twice and a mean of 0.50 that a wrong gate (Keras' z, a wrong day) prints too."""
    runs = {}

    def run(script):
        if script not in runs:
            trained = explained(script)
            project = Project(tmp_path_factory.mktemp(script.split('_')[0] + '_sharpened'))
            name = STOCK_SCRIPTS[script]
            project.checkpoint(name).write_bytes(trained.project.checkpoint(name).read_bytes())
            first_window = windows(project.path / CSV)[0][trained.typed[0]][0]
            sharpen(project.checkpoint(name), SCRIPTS[script][0], first_window)
            result = project.run(script, '--epochs', '0', '--explain', '--no-show',
                                 stdin='\n'.join([str(len(trained.typed)), *trained.typed]) + '\n', timeout=300)
            runs[script] = Explained(project, None, None, result, trained.typed)
        return runs[script]
    return run


def sharpen(checkpoint, cell, window):
    """Layer 2's input weights times 6 and its biases moved by N(0, 1.5) (seed 7), in the Keras weights file, read
    and written with h5py: gates that open and close, still a model the script loads. Then Dense's w and b change
    sign where needed so that the largest contribution w_j·h_60,j to `window`'s prediction is negative: a unit
    chosen by the largest w_j·h_60,j without abs() is another one."""
    rng = np.random.default_rng(7)
    with h5py.File(checkpoint, 'r+') as file:
        layers = file['layers']
        first, second = sorted(name for name in layers if 'cell' in layers[name])  # e.g. lstm, lstm_1
        kernel, _, bias = (layers[second]['cell']['vars'][str(n)] for n in range(3))
        kernel[...] = kernel[...] * 6
        bias[...] = bias[...] + rng.normal(0, 1.5, bias.shape).astype(bias.dtype)
        cells = [[layers[name]['cell']['vars'][str(n)][()].astype(np.float64) for n in range(3)]
                 for name in (first, second)]
        h_60 = CELLS[cell](CELLS[cell](window, *cells[0])['h'], *cells[1])['h'][59]
        w, b = layers['dense']['vars']['0'], layers['dense']['vars']['1']
        contributions = w[:, 0] * h_60
        if contributions[np.abs(contributions).argmax()] > 0:
            w[...], b[...] = -w[...], -b[...]


def assert_clean(result):
    """Exit 0, no traceback and no warning (a missing glyph in a figure, say) after TensorFlow's start-up lines: a
    walkthrough that disagrees with model.predict trips the script's own assert."""
    assert result.returncode == 0 and 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert 'warning' not in after_start_up(result.stderr).lower(), after_start_up(result.stderr)[-3000:]


# ---- the printed walkthrough ---------------------------------------------------------------------------------------

def answers(stdout):
    """[(answer line, [the lines after it])] for each answered date, from the stdout after the count prompt (piped
    input is not echoed, so each answer follows its prompt on the same line)."""
    head, *chunks = stdout.split(DATE_PROMPT)
    assert head.endswith(DAYS_PROMPT), head[-500:]
    return [(lines[0], lines[1:]) for lines in (chunk.splitlines() for chunk in chunks)]


def printed(number, what, digits=None):
    """A printed number, with exactly `digits` decimals where CONVENTIONS.md fixes them: (value, decimals)."""
    decimals = len(number.partition('.')[2])
    assert digits is None or decimals == digits, f'{what} = {number}: not {digits} decimals'
    return float(number), decimals


def within(shown, exact, what):
    """`shown` (value, decimals) is `exact` rounded: within half a unit of its last digit, plus what float32
    arithmetic in the script may differ from this float64 recomputation."""
    value, decimals = shown
    assert abs(value - exact) <= 0.5 * 10.0 ** -decimals + 1e-5 * max(1.0, abs(exact)), \
        f'{what}: printed {value}, recomputed {exact:.{decimals + 3}f}'


# the lines of the hand calculation, in order: (quantity, formula exactly as CONVENTIONS.md spells it, or the
# activation its line ends with where CONVENTIONS gives no formula)
HAND = {
    'SimpleRNN': [('h', 'tanh(x_60·w_xh + h_59·w_hh + bh)')],
    'LSTM': [('i', 'σ(W_i·[h_59, x_60] + b_i)'), ('f', 'σ(W_f·[h_59, x_60] + b_f)'),
             ('C' + TILDE, 'tanh(W_c·[h_59, x_60] + b_c)'), ('C', f'f_60*C_59 + i_60*C{TILDE}_60'),
             ('o', 'σ(W_o·[h_59, x_60] + b_o)'), ('h', 'o_60*tanh(C_60)')],
    'GRU': [('z', 'σ'), ('r', 'σ'), ('h' + TILDE, 'tanh'), ('h', f'(1-z_60)*h_59 + z_60*h{TILDE}_60')],
}
ACTIVATED = re.compile(rf'(σ|tanh)\(({NUMBER})\)')
FACTOR = rf'\(?({NUMBER})\)?'  # a factor, a negative one perhaps in parentheses
PRODUCTS = {  # the numbers of the expression lines
    f'f_60*C_59 + i_60*C{TILDE}_60': re.compile(rf'{FACTOR} ?\* ?{FACTOR} \+ {FACTOR} ?\* ?{FACTOR}'),
    'o_60*tanh(C_60)': re.compile(rf'{FACTOR} ?\* ?{FACTOR}'),
    f'(1-z_60)*h_59 + z_60*h{TILDE}_60':  # (1-z) printed as (1-0.45) or as 0.55
        re.compile(rf'(?:\(1 ?- ?({NUMBER})\)|{FACTOR}) ?\* ?{FACTOR} \+ {FACTOR} ?\* ?{FACTOR}'),
}


def parse_hand_line(line, name, formula):
    """`name_60 = formula = computed = v`: (the computed part's numbers as (value, decimals), v).
    A formula given only as its activation must hold no number of its own: each printed number gets checked."""
    parts = line.split(' = ')
    assert len(parts) >= 4 and parts[0] == f'{name}_60', f'{line!r} is not {name}_60 = <formula> = ... = v'
    value = printed(parts[-1], f'{name}_60', 2)
    said, computed = ' = '.join(parts[1:-2]), parts[-2]
    if formula in ('σ', 'tanh'):
        assert said.startswith(formula + '(') and not re.search(r'\d\.\d', said), f'{name}_60: {said!r}'
    else:
        assert said == formula, f'{name}_60: {said!r} is not {formula!r}'
    if formula in PRODUCTS:
        match = PRODUCTS[formula].fullmatch(computed)
        assert match, f'{name}_60: {computed!r} is not the numbers of {formula}'
        return [printed(n, f'a factor of {name}_60', 2) if n else None for n in match.groups()], value
    match = ACTIVATED.fullmatch(computed)
    assert match and match[1] == formula.split('(')[0], f'{name}_60: {computed!r} is not {formula.split("(")[0]}(a)'
    return [printed(match[2], f'the pre-activation of {name}_60', 2)], value


def parse_walkthrough(lines, cell, gates):
    """The walkthrough after one answer line, each line matched in full (CONVENTIONS.md's layout): the header, the
    hand calculation, the y line, one statistics line per gate. A `图已保存: ` line may follow."""
    lines = [line.strip() for line in lines]
    figure_lines = [line for line in lines if line.startswith('图已保存: ')]
    lines = [line for line in lines if not line.startswith('图已保存: ')]
    assert len(lines) == 1 + len(HAND[cell]) + 1 + len(gates), 'the walkthrough has other lines:\n' + '\n'.join(lines)
    header = re.fullmatch(rf'explain (\S+): 第 2 层 {cell}, 记忆体 #(\d+) \(对预测贡献最大: w_(\d+)·h_60,(\d+) = '
                          rf'({NUMBER})\), t=60 是 (\d{{4}}-\d\d-\d\d)', lines[0])
    assert header, f'{lines[0]!r} is not the header of CONVENTIONS.md'
    assert header[2] == header[3] == header[4], f'{lines[0]!r}: the unit is named three times'
    walk = dict(label=header[1], unit=int(header[2]), contribution=printed(header[5], 'w_j·h_60,j', 2),
                last_day=header[6], figures=figure_lines, hand={})
    for line, (name, formula) in zip(lines[1:], HAND[cell]):
        walk['hand'][name] = parse_hand_line(line, name, formula)
    y = re.fullmatch(rf'y = h_60·w \+ b = ({NUMBER}), 反归一化: ({TWO_DECIMALS})', lines[1 + len(HAND[cell])])
    assert y, f'{lines[1 + len(HAND[cell])]!r} is not the y line'
    walk['y'], walk['price'] = printed(y[1], 'y'), y[2]
    walk['statistics'] = {}
    for line, (gate, title) in zip(lines[2 + len(HAND[cell]):], gates.items()):
        found = re.fullmatch(rf'{gate} {title}: 均值 ({NUMBER}), <0\.1 占 (\d+(?:\.\d+)?)%, >0\.9 占 (\d+(?:\.\d+)?)%',
                             line)
        assert found, f'{line!r} is not the statistics line of {gate} {title}'
        walk['statistics'][gate] = printed(found[1], f'{gate} mean', 2), printed(found[2], f'{gate} <0.1'), \
            printed(found[3], f'{gate} >0.9')
    return walk


# ---- the checks ----------------------------------------------------------------------------------------------------

def expected_hand(cell, steps, j):
    """What each line of the hand calculation must print for unit j at t=60 (index 59): [numbers], value."""
    at = {name: values[:, j] for name, values in steps.items()}
    if cell == 'SimpleRNN':
        return {'h': ([at['a'][59]], at['h'][59])}
    if cell == 'LSTM':
        return {'i': ([at['a_i'][59]], at['i'][59]), 'f': ([at['a_f'][59]], at['f'][59]),
                'C' + TILDE: ([at['a_c'][59]], at['c'][59]),
                'C': ([at['f'][59], at['C'][58], at['i'][59], at['c'][59]], at['C'][59]),
                'o': ([at['a_o'][59]], at['o'][59]), 'h': ([at['o'][59], np.tanh(at['C'][59])], at['h'][59])}
    return {'z': ([at['a_z'][59]], at['z'][59]), 'r': ([at['a_r'][59]], at['r'][59]),
            'h' + TILDE: ([at['a_h'][59]], at['candidate'][59]),
            'h': ([at['z'][59], 1 - at['z'][59], at['h'][58], at['z'][59], at['candidate'][59]], at['h'][59])}


def assert_share(shown, values, below, what):
    """A printed percentage of the values below (or above) a threshold: the count may differ by the values that lie
    within float32's reach of the threshold."""
    threshold, eps = (0.1, 1e-5) if below else (0.9, 1e-5)
    strict = np.mean(values < threshold - eps) if below else np.mean(values > threshold + eps)
    loose = np.mean(values < threshold + eps) if below else np.mean(values > threshold - eps)
    value, decimals = shown
    half = 0.5 * 10.0 ** -decimals
    assert 100 * strict - half - 1e-9 <= value <= 100 * loose + half + 1e-9, \
        f'{what}: printed {value}%, recomputed {100 * strict:.3f}%..{100 * loose:.3f}%'


def assert_walkthrough(walk, entry, answer, cell, weights, window, low, high):
    """Every printed number of one walkthrough against this file's forward pass of the window."""
    (layer1, layer2), w, b = weights
    xs, last_day, real = window
    assert walk['label'] == entry and walk['last_day'] == last_day, (walk['label'], walk['last_day'], entry, last_day)
    first = CELLS[cell](xs, *layer1)
    steps = CELLS[cell](first['h'], *layer2)  # layer 2 reads layer 1's whole sequence (return_sequences=True)
    h_60 = steps['h'][59]
    contributions = w * h_60
    j = walk['unit']
    assert 0 <= j < len(w), j
    assert abs(contributions[j]) >= np.abs(contributions).max() - 1e-5, \
        f'#{j} (w_j·h_60,j = {contributions[j]:.4f}) is not the largest contributor, ' \
        f'#{np.abs(contributions).argmax()} is ({contributions[np.abs(contributions).argmax()]:.4f})'
    within(walk['contribution'], contributions[j], f'w_{j}·h_60,{j}')

    for name, (numbers, value) in expected_hand(cell, steps, j).items():
        shown_numbers, shown_value = walk['hand'][name]
        for k, (shown, exact) in enumerate(zip(shown_numbers, numbers, strict=True)):
            if shown is not None:
                within(shown, exact, f'{name}_60, number {k + 1} of its line')
        within(shown_value, value, f'{name}_60')

    y = h_60 @ w + b
    within(walk['y'], y, 'y = h_60·w + b')
    within(printed(walk['price'], '反归一化', 2), y * (high - low) + low, '反归一化')
    if real is None:
        found = re.fullmatch(r'(\S+) 之后的第 1 个交易日 -> 预测开盘价 (-?\d+\.\d\d)', answer)
        assert found and found[1] == last_day, answer
    else:
        found = re.fullmatch(rf'{entry} -> 预测开盘价 (-?\d+\.\d\d), 真实开盘价 (\d+\.\d\d)', answer)
        assert found and found[2] == f'{real:.2f}', answer
    assert walk['price'] == found[2 if real is None else 1], f'反归一化 {walk["price"]} is not the answer: {answer}'

    for gate, (mean, below, above) in walk['statistics'].items():
        values = steps[gate]  # 60 days × all units of layer 2; for the GRU, the lecture's z
        assert values.shape == (60, len(w))
        within(mean, values.mean(), f'{gate} mean')
        assert_share(below, values, True, f'{gate} <0.1')
        assert_share(above, values, False, f'{gate} >0.9')


def assert_explained(run, script, stdout):
    """Every walkthrough of `stdout` (the --epochs 0 --explain run's, or a doctored copy) against the forward pass."""
    cell, gates = SCRIPTS[script]
    weights = lecture_weights(run.project.path / 'weights.txt', cell)  # written by the --epochs 0 run: the model's
    found, low, high = windows(run.project.path / CSV)
    answered = answers(stdout)
    assert len(answered) == len(run.typed), stdout[-3000:]
    for entry, (answer, lines) in zip(run.typed, answered):
        walk = parse_walkthrough(lines, cell, gates)
        assert_walkthrough(walk, entry, answer, cell, weights, found[entry], low, high)
        for line in walk['figures']:
            assert line == f'图已保存: figures/{script[:-3]}_explain_{entry}.png', line


@pytest.mark.parametrize('script', SCRIPTS)
def test_explain_recomputes_from_weights_txt(explained, script):
    """Issue 15 Done-when: every printed number of the hand calculation and the statistics, the chosen unit, and y
    equal to the answer line, for an answered day, the first test day and next."""
    run = explained(script)
    assert_clean(run.result)
    assert 'Epoch 1/' not in run.result.stdout, 'with --epochs 0 nothing is trained'
    assert_explained(run, script, run.result.stdout)


@pytest.mark.parametrize('script', SCRIPTS)
def test_explain_recomputes_a_sharpened_checkpoint(sharpened, script):
    """The same check where it can tell more: on the sharpened checkpoint the largest contributor on the first day
    pulls the prediction down, and the gates (by this file's forward pass) fall below 0.1 and above 0.9 on some days
    and units, with z's statistics unlike 1 - z's: the statistics have something to count."""
    cell, gates = SCRIPTS[script]
    run = sharpened(script)
    assert_clean(run.result)
    (layer1, layer2), w, _ = lecture_weights(run.project.path / 'weights.txt', cell)
    xs = windows(run.project.path / CSV)[0][run.typed[0]][0]
    steps = CELLS[cell](CELLS[cell](xs, *layer1)['h'], *layer2)
    contributions = w * steps['h'][59]
    assert contributions[np.abs(contributions).argmax()] < 0, 'the largest contribution is the largest signed one'
    for gate in gates:
        below, above = np.mean(steps[gate] < 0.1), np.mean(steps[gate] > 0.9)
        assert below > 0.01 and above > 0.01, f'{gate}: nothing to count'
        assert abs(below - above) > 0.01 or abs(steps[gate].mean() - 0.5) > 0.01, f'{gate} and 1 - {gate} print alike'
    assert_explained(run, script, run.result.stdout)


def another_unit(stdout, script):
    """The first header names the next unit (its contribution kept): not the largest contributor."""
    def renamed(match):
        j = (int(match[1]) + 1) % 100
        return f'记忆体 #{j} (对预测贡献最大: w_{j}·h_60,{j} ='
    return re.sub(r'记忆体 #(\d+) \(对预测贡献最大: w_\d+·h_60,\d+ =', renamed, stdout, count=1)


def i_and_f_swapped(stdout, script):
    """The LSTM's first i_60 and f_60 lines print each other's numbers (the gate slices swapped)."""
    i_line = re.search(r'i_60 = σ\(W_i·\[h_59, x_60\] \+ b_i\) = (.*)', stdout)
    f_line = re.search(r'f_60 = σ\(W_f·\[h_59, x_60\] \+ b_f\) = (.*)', stdout)
    assert i_line[1] != f_line[1], 'i and f print the same numbers: swapping them cannot be seen'
    return (stdout[:i_line.start(1)] + f_line[1] + stdout[i_line.end(1):f_line.start(1)] + i_line[1]
            + stdout[f_line.end(1):])


def keras_z(stdout, script):
    """The GRU's first z_60 line prints Keras' z: σ(-a) = 1 - v instead of the lecture's σ(a) = v."""
    z_line = re.search(rf'(z_60 = .*σ\()({NUMBER})\) = ({NUMBER})', stdout)
    a, v = float(z_line[2]), float(z_line[3])
    assert abs(a) >= 0.01, f'a = {a}: Keras z and the lecture z print alike'
    return stdout[:z_line.start()] + f'{z_line[1]}{-a + 0.0:.2f}) = {1 - v + 0.0:.2f}' + stdout[z_line.end():]


@pytest.mark.parametrize('script, doctor, complaint',
                         [(script, another_unit, 'not the largest contributor') for script in SCRIPTS]
                         + [('p47_LSTM_stock.py', i_and_f_swapped, 'i_60'), ('p56_GRU_stock.py', keras_z, 'z_60')])
def test_a_doctored_walkthrough_fails_the_check(explained, script, doctor, complaint):
    """Three of issue 15's mutations, made on the printed text: the check above rejects each, for its reason."""
    run = explained(script)
    assert_clean(run.result)
    assert_explained(run, script, run.result.stdout)  # as it was printed, it passes (else the first test says why)
    doctored = doctor(run.result.stdout, script)
    assert doctored != run.result.stdout
    with pytest.raises(AssertionError, match=complaint):
        assert_explained(run, script, doctored)


@pytest.mark.parametrize('script', SCRIPTS)
def test_explain_figures_are_16_9_and_projector_sized(explained, script):
    run = explained(script)
    assert_clean(run.result)
    for entry in run.typed:
        path = run.project.path / 'figures' / f'{script[:-3]}_explain_{entry}.png'
        assert path.exists(), sorted(p.name for p in path.parent.iterdir())
        assert_png(path)
        height, width = mpimg.imread(path).shape[:2]
        assert width >= 1280 and height >= 720, (width, height)
        assert abs(width / height - 16 / 9) < 0.01, f'{width}×{height} is not 16:9'


@pytest.mark.parametrize('script', SCRIPTS)
def test_without_explain_no_walkthrough_and_no_explain_figure(explained, script):
    """CONVENTIONS: without --explain the console and the files are as before: the answer line ends the output."""
    run = explained(script)
    (answer, after), = answers(run.trained.stdout)
    assert after == [], f'lines after the answer without --explain: {after}'
    assert re.fullmatch(rf'{run.typed[0]} -> 预测开盘价 \d+\.\d\d, 真实开盘价 \d+\.\d\d', answer), answer
    assert not re.search(r'^\s*explain |σ\(|均值', run.trained.stdout, re.M)
    assert run.figures_after_training == [f'{script[:-3]}_{name}.png' for name in ('horizon', 'loss', 'memory', 'prediction')]
    # the --epochs 0 run uses the checkpoint the one epoch saved: the same model, so the same open for that day
    assert answers(run.result.stdout)[0][0] == answer
