"""Is it just yesterday's price? (issue 20; CONVENTIONS.md, "The lag check and the n-day forecast" and `next N`
under "Interactive prediction"): every number of the lag line, the horizon line and the `next N` answers recomputed
from weights.txt and the CSV by tests/lecture_forward.py, the float64 NumPy forward pass written from the lecture's
formulas (shared with test_stock_explain.py), never from the scripts' code. The script predicts in float32 Keras: a
printed value must be the recomputed one rounded, give or take what float32 arithmetic may differ (`within`).

Each script is trained once (--epochs 1 --no-show) in a temporary project and answers `next`, a refused `next 31`,
`next 30` and a test day; weights.txt is written by that run after training, so it holds the model that printed the
numbers. A one-epoch model's lag errors change little from k=0 to k=5 and are smallest at some k > 1 (k=5, 5 and 2
on our machine), so p38 also runs `--epochs 0` (the metrics, the checks and the prompt, no training) from two
checkpoints made by hand (h5py): a model that repeats the last open (a lag of exactly one day; fed back, it forecasts
persistence at every horizon) and the same model 300 higher (closest at k=0: no lag). Issue 20's two mutations (the
unscaled prediction fed back; persistence at h from day i+h-2) are made in a copy of p38 and rejected by the checks.

The figures are checked from the figures themselves: each run starts with a `sitecustomize` module on PYTHONPATH
(written by FIGURE_HOOK below into the temporary project) that, after every Figure.savefig, writes what the figure
holds (the x axis' unit converter, locator and formatter, its tick labels, each line's data, colour and label, the
title and labels) to a JSON file outside figures/. The script itself runs unchanged, as `python <script>`."""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import matplotlib.dates as mdates
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from conftest import (DATE_PROMPT, DAYS_PROMPT, METRIC_LABELS, ROOT, STOCK_SCRIPTS, Project, after_start_up,
                      assert_png)
from lecture_forward import forecast, influence_shares, lecture_weights, windows

SCRIPTS = {'p38_rnn_stock.py': 'SimpleRNN', 'p47_LSTM_stock.py': 'LSTM', 'p56_GRU_stock.py': 'GRU'}
CSV = 'data/SH600519.csv'
# what is typed: the count, then next, next 31 (refused: N is 1..30; a refused entry does not use up the count),
# next 30 and a test day
TYPED = '3\nnext\nnext 31\nnext 30\n2020-03-02\n'
NEXT_DAYS = 30
LAG_HEAD = '滞后检查: 预测的开盘价与 k 个交易日之前的真实开盘价相比的均方根误差'
HORIZON_HEAD = '多日预测 (每个预测值作为最新的一天放回 60 天的窗口), 按预测的交易日数的均方根误差 (括号里是基线的):'
BASELINE = '基线 (明天的开盘价 = 今天的开盘价), 同样的 240 天:'
HORIZONS = (1, 2, 3, 5, 10)  # the horizon line's; the figure has 1..10
TWO = r'(\d+\.\d\d)'
LAG_LINE = re.compile('  ' + ' · '.join(f'k={k} {TWO}' for k in range(6)) + r' → k=(\d) 最接近: (.*)')
MEMORY_HEAD = '记忆跨度: 预测对前 60 天每天开盘价的平均敏感度 |∂y/∂x_t| (240 个测试窗口), 占比:'
PERCENT = r'(\d+\.\d)%'
MEMORY_LINE = re.compile(rf'  前 1 天 {PERCENT} · 前 5 天 {PERCENT} · 前 10 天 {PERCENT} · 前 20 天 {PERCENT} · '
                         rf'最早一天 {PERCENT} → 90% 的影响来自最近 (\d+) 天')
HORIZON_LINE = re.compile(rf'  1 {TWO} \(基线 {TWO}\) · '
                          + ' · '.join(rf'{h} {TWO} \({TWO}\)' for h in HORIZONS[1:]))

FIGURE_HOOK = '''"""Test hook (tests/test_stock_forecast.py), imported by Python at start-up from PYTHONPATH: after each
Figure.savefig, what the figure holds goes to $FIGURE_RECORDS/<file name>.json. It prints nothing."""
import json
import os

import matplotlib.colors
import matplotlib.figure

_savefig = matplotlib.figure.Figure.savefig


def _name(thing):
    return type(thing).__module__ + '.' + type(thing).__qualname__


def _axes(ax):
    converter = ax.xaxis.get_converter() if hasattr(ax.xaxis, 'get_converter') else ax.xaxis.converter
    legend = ax.get_legend()
    return dict(converter_classes=[c.__module__ + '.' + c.__qualname__ for c in type(converter).__mro__]
                if converter is not None else [],
                locator=_name(ax.xaxis.get_major_locator()), formatter=_name(ax.xaxis.get_major_formatter()),
                xticklabels=[t.get_text() for t in ax.get_xticklabels()],
                title=ax.get_title(), xlabel=ax.get_xlabel(), ylabel=ax.get_ylabel(), yscale=ax.get_yscale(),
                legend=[t.get_text() for t in legend.get_texts()] if legend else None,
                lines=[dict(label=line.get_label(), color=matplotlib.colors.to_hex(line.get_color()),
                            linestyle=line.get_linestyle(),
                            x=[float(v) for v in line.get_xdata(orig=False)],
                            y=[float(v) for v in line.get_ydata(orig=False)]) for line in ax.get_lines()])


def savefig(self, fname, *args, **kwargs):
    result = _savefig(self, fname, *args, **kwargs)  # drawn: the ticks and the converted data are there
    record = dict(dpi=kwargs.get('dpi') or self.dpi, size_inches=[float(v) for v in self.get_size_inches()],
                  axes=[_axes(ax) for ax in self.axes])
    with open(os.path.join(os.environ['FIGURE_RECORDS'], os.path.basename(os.fspath(fname)) + '.json'), 'w') as f:
        json.dump(record, f)
    return result


matplotlib.figure.Figure.savefig = savefig
'''


# ---- the runs, made once -------------------------------------------------------------------------------------------

@dataclass
class Run:
    project: Project
    script: str
    result: object  # CompletedProcess
    records: Path = None  # the figure records' folder
    cache: dict = field(default_factory=dict)

    @property
    def cell(self):
        return SCRIPTS[self.script]

    @property
    def stem(self):
        return self.script[:-3]

    def record(self, figure):
        return json.loads((self.records / f'{self.stem}_{figure}.png.json').read_text())


def run_script(project, script, *args, stdin=TYPED):
    """`python <script> args` in `project` with the figure hook: a Run."""
    hook, records = project.path / 'figure_hook', project.path / 'figure_records'
    hook.mkdir(exist_ok=True)
    records.mkdir(exist_ok=True)
    (hook / 'sitecustomize.py').write_text(FIGURE_HOOK)
    result = project.run(script, *args, stdin=stdin, env={'PYTHONPATH': str(hook), 'FIGURE_RECORDS': str(records)},
                         timeout=300)
    return Run(project, script, result, records)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """script -> Run of `--epochs 1 --no-show` in its own temporary project, TYPED at the prompts."""
    runs = {}

    def run(script):
        if script not in runs:
            project = Project(tmp_path_factory.mktemp(script.split('_')[0]))
            runs[script] = run_script(project, script, '--epochs', '1', '--no-show')
        return runs[script]
    return run


def assert_clean(result):
    """Exit 0, and nothing on stderr after TensorFlow's start-up lines but progress: no traceback, no warning."""
    assert result.returncode == 0 and 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert 'warning' not in after_start_up(result.stderr).lower(), after_start_up(result.stderr)[-3000:]


# ---- the recomputation ---------------------------------------------------------------------------------------------

def rms(error):
    return float(np.sqrt(np.mean(np.square(error))))


@dataclass
class Expected:
    predicted: np.ndarray  # the 240 test days' predicted opens
    ahead: np.ndarray  # 240 × 10: from the 60 real opens before test day i, the forecast of day i + h - 1 (column h-1)
    real: np.ndarray  # the 240 test days' real opens
    dates: list  # their dates
    lags: list  # k = 0..5
    horizon: list  # h = 1..10
    persistence: list  # h = 1..10
    next_opens: np.ndarray  # NEXT_DAYS opens after the CSV's last day
    mae: float
    last_date: str


def expected(run):
    """Every number of the lag check, the n-day forecast and `next N`, from run's weights.txt and CSV."""
    if 'expected' not in run.cache:
        weights = lecture_weights(run.project.path / 'weights.txt', run.cell)
        found, low, high = windows(run.project.path / CSV)  # scaled windows by the scaler fitted before the last 300
        frame = pd.read_csv(run.project.path / CSV)
        opens, n = frame['open'].to_numpy(np.float64), len(frame)
        test = n - 240  # the first test day's row
        dates = list(frame['date'].astype(str))[test:]
        batch = np.stack([found[date][0] for date in dates])  # the 60 real opens before each test day
        ahead = forecast(weights, run.cell, batch, 10) * (high - low) + low
        real, predicted = opens[test:], ahead[:, 0]
        run.cache['expected'] = Expected(
            predicted=predicted, ahead=ahead, real=real, dates=dates,
            lags=[rms(predicted - opens[test - k:n - k]) for k in range(6)],  # against the open k trading days earlier
            horizon=[rms(ahead[:241 - h, h - 1] - real[h - 1:]) for h in range(1, 11)],  # i + h - 1 < 240
            persistence=[rms(opens[test - 1:n - h] - real[h - 1:]) for h in range(1, 11)],  # day i - 1 vs i + h - 1
            next_opens=forecast(weights, run.cell, found['next'][0][None], NEXT_DAYS)[0] * (high - low) + low,
            mae=float(np.mean(np.abs(predicted - real))), last_date=str(frame['date'].iloc[-1]))
    return run.cache['expected']


def printed(number, what, digits=None):
    """A printed number, with exactly `digits` decimals where CONVENTIONS.md fixes them: (value, decimals)."""
    decimals = len(number.partition('.')[2])
    assert digits is None or decimals == digits, f'{what} = {number}: not {digits} decimals'
    return float(number), decimals


def within(shown, exact, what):
    """`shown` (value, decimals) is `exact` rounded: within half a unit of its last digit, plus what float32
    arithmetic in the script may differ from this float64 recomputation (as in test_stock_explain.py)."""
    value, decimals = shown
    assert abs(value - exact) <= 0.5 * 10.0 ** -decimals + 1e-5 * max(1.0, abs(exact)), \
        f'{what}: printed {value}, recomputed {exact:.{decimals + 3}f}'


def same_to_the_printed_digits(two_decimals, six_decimals, what):
    """A 2-decimal value printed from the same number as a 6-decimal one: they agree to 2 decimals."""
    assert abs(two_decimals[0] - six_decimals[0]) <= 0.005 + 0.5e-6 + 1e-9, \
        f'{what}: {two_decimals[0]:.2f} is not {six_decimals[0]:.6f} to 2 decimals'


# ---- the printed lines ---------------------------------------------------------------------------------------------

def metrics(stdout):
    """{'model': {label: (value, 6)}, 'persistence': {...}}: the lecture's three metrics and the baseline's."""
    model, found, rest = stdout.partition(BASELINE)
    assert found, f'no persistence baseline: {stdout[-2000:]}'
    baseline = rest.partition(LAG_HEAD)[0]
    parts = {}
    for name, part in (('model', model), ('persistence', baseline)):
        parts[name] = {}
        for label in METRIC_LABELS:
            values = re.findall(rf'^{label}: (\d+\.\d+)$', part, re.M)
            assert len(values) == 1, f'{name}: {label} printed {len(values)} times'
            parts[name][label] = printed(values[0], f'{name} {label}', 6)
    return parts


def lag_and_horizon_lines(stdout):
    """(the lag line's match, the horizon line's match): each under its header, in that order."""
    lines = stdout.splitlines()
    assert lines.count(LAG_HEAD) == 1 and lines.count(HORIZON_HEAD) == 1, stdout[-3000:]
    lag_at, horizon_at = lines.index(LAG_HEAD), lines.index(HORIZON_HEAD)
    assert horizon_at == lag_at + 2, lines[lag_at:horizon_at + 2]
    lag, horizon = LAG_LINE.fullmatch(lines[lag_at + 1]), HORIZON_LINE.fullmatch(lines[horizon_at + 1])
    assert lag, f'{lines[lag_at + 1]!r} is not the lag line of CONVENTIONS.md'
    assert horizon, f'{lines[horizon_at + 1]!r} is not the horizon line of CONVENTIONS.md'
    return lag, horizon


def closest_sentence(k):
    """CONVENTIONS' sentence for the closest lag k; k=5 is the last one checked, so it may mean 5 or more."""
    if k == 0:
        return '没有滞后'
    if k == 5:
        return '预测比真实价格晚 5 天或更多'
    return f'预测比真实价格晚 {k} 天'


def assert_lag_and_horizon(run, stdout=None):
    """Every number of the lag and horizon lines against the recomputation, k=0 and h=1 against the printed
    均方根误差, persistence's h=1 against the baseline's; returns the closest k printed and recomputed ones."""
    stdout = run.result.stdout if stdout is None else stdout
    exp = expected(run)
    shown = metrics(stdout)
    rmse, baseline_rmse = shown['model']['均方根误差'], shown['persistence']['均方根误差']
    within(rmse, exp.lags[0], 'the model 均方根误差')
    within(shown['model']['平均绝对误差'], exp.mae, 'the model 平均绝对误差')
    within(baseline_rmse, exp.persistence[0], 'the persistence 均方根误差')
    lag, horizon = lag_and_horizon_lines(stdout)

    lags = [printed(lag[1 + k], f'lag k={k}', 2) for k in range(6)]
    for k in range(6):
        within(lags[k], exp.lags[k], f'滞后检查 k={k}')
    same_to_the_printed_digits(lags[0], rmse, 'k=0 and the 均方根误差 above')
    k = int(lag[7])
    # the argmin; where two lags lie within float32's reach of each other, either may be printed
    closest = [j for j in range(6) if exp.lags[j] <= min(exp.lags) + 1e-5 * max(exp.lags)]
    assert k in closest, f'closest at k={k}, but the smallest recomputed error is at k={closest}: {exp.lags}'
    assert lag[8] == closest_sentence(k), f'{lag[8]!r} for k={k}'

    model = dict(zip(HORIZONS, [printed(v, 'horizon', 2) for v in horizon.groups()[0::2]]))
    persistence = dict(zip(HORIZONS, [printed(v, 'persistence', 2) for v in horizon.groups()[1::2]]))
    for h in HORIZONS:  # the model first: a wrong feedback shows as 多日预测 h=2
        within(model[h], exp.horizon[h - 1], f'多日预测 h={h}')
    for h in HORIZONS:
        within(persistence[h], exp.persistence[h - 1], f'persistence at h={h}')
    same_to_the_printed_digits(model[1], rmse, 'h=1 and the 均方根误差 above')
    same_to_the_printed_digits(persistence[1], baseline_rmse, "persistence's h=1 and its 均方根误差 above")
    return k, closest


def answers(stdout):
    """[[lines after each date prompt]], from the stdout after the count prompt (piped input is not echoed, so each
    answer follows its prompt on the same line)."""
    head, *chunks = stdout.split(DATE_PROMPT)
    assert head.endswith(DAYS_PROMPT), head[-500:]
    return [chunk.splitlines() for chunk in chunks]


def assert_next(run, stdout=None):
    """`next`, the refused `next 31`, the 30 lines of `next 30` (+1 is next's answer) and a test day's answer."""
    stdout = run.result.stdout if stdout is None else stdout
    exp = expected(run)
    (next_answer,), (refused,), days, (test_day,) = answers(stdout)
    found = re.fullmatch(rf'{exp.last_date} 之后的第 1 个交易日 -> 预测开盘价 (-?\d+\.\d\d)', next_answer)
    assert found, next_answer
    within(printed(found[1], 'next', 2), exp.next_opens[0], 'next')
    assert 'next N' in refused and exp.dates[0] in refused and exp.dates[-1] in refused, refused
    assert len(days) == NEXT_DAYS, days
    for d, line in enumerate(days, start=1):
        day = re.fullmatch(rf'{exp.last_date} 之后的第 {d} 个交易日 -> 预测开盘价 (-?\d+\.\d\d)', line)
        assert day, f'{line!r} is not the answer for day +{d}'
        within(printed(day[1], f'next {NEXT_DAYS}: +{d}', 2), exp.next_opens[d - 1], f'next {NEXT_DAYS}: +{d}')
        if d == 1:
            assert day[1] == found[1], f"+1 {day[1]} is not next's {found[1]}"
    i = exp.dates.index('2020-03-02')
    answer = re.fullmatch(r'2020-03-02 -> 预测开盘价 (-?\d+\.\d\d), 真实开盘价 (\d+\.\d\d)', test_day)
    assert answer and answer[2] == f'{exp.real[i]:.2f}', test_day
    within(printed(answer[1], '2020-03-02', 2), exp.predicted[i], 'the open predicted for 2020-03-02')


# ---- the tests -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('script', SCRIPTS)
def test_lag_and_horizon_recomputed_from_weights_txt(trained, script):
    """Issue 20 Done-when: every lag and horizon number, k=0 = h=1 = the 均方根误差, persistence's h=1 = its 均方根误差,
    and the sentence's k = the recomputed argmin."""
    run = trained(script)
    assert_clean(run.result)
    assert_lag_and_horizon(run)


@pytest.mark.parametrize('script', SCRIPTS)
def test_next_n_recomputed_from_weights_txt(trained, script):
    run = trained(script)
    assert_clean(run.result)
    assert_next(run)


@pytest.mark.parametrize('script', SCRIPTS)
def test_between_the_baseline_and_the_prompt_the_lag_horizon_and_memory_lines(trained, script):
    """Issue 20 and 25 Done-when (line budget): between the persistence baseline's last metric and the first prompt,
    exactly the lag check's two lines, the n-day forecast's two, the horizon figure's line, the two 记忆跨度 lines
    and the memory figure's line."""
    run = trained(script)
    after = run.result.stdout.partition(BASELINE)[2]
    lines = after.partition(DAYS_PROMPT)[0].split('\n')  # the baseline's header ends the first one
    assert lines[0] == '' and lines[-1] == '', lines
    lines = lines[1:-1]
    assert [line.split(':')[0] for line in lines[:3]] == list(METRIC_LABELS), lines[:3]
    added = lines[3:]
    assert len(added) == 8, 'between the baseline and the prompt:\n' + '\n'.join(added)
    assert added[0] == LAG_HEAD and LAG_LINE.fullmatch(added[1]), added[:2]
    assert added[2] == HORIZON_HEAD and HORIZON_LINE.fullmatch(added[3]), added[2:4]
    assert added[4] == f'图已保存: figures/{run.stem}_horizon.png', added[4]
    assert added[5] == MEMORY_HEAD and MEMORY_LINE.fullmatch(added[6]), added[5:7]
    assert added[7] == f'图已保存: figures/{run.stem}_memory.png', added[7]
    assert after.partition(DAYS_PROMPT)[1], 'no prompt after them'


def assert_date_axis(ax):
    """The x axis converts its data with matplotlib's date units and draws date ticks."""
    assert any(c.startswith('matplotlib.dates.') for c in ax['converter_classes']), \
        f'the x axis has no date converter: {ax["converter_classes"]}'
    assert ax['locator'].startswith('matplotlib.dates.') and ax['formatter'].startswith('matplotlib.dates.'), \
        (ax['locator'], ax['formatter'])
    labels = [label for label in ax['xticklabels'] if label]
    assert any('2019' in label for label in labels) and any('2020' in label for label in labels), labels


@pytest.mark.parametrize('script', SCRIPTS)
def test_prediction_figure_is_drawn_against_the_test_days_dates(trained, script):
    """Issue 20 Done-when (figures), from the figure itself: the x axis uses matplotlib's date units and its data are
    the 240 test days' dates (2019-05-06..2020-04-24 for the shipped CSV); the lecture's colours, title and labels;
    red is the CSV's opens, blue the recomputed predictions."""
    run = trained(script)
    assert_clean(run.result)
    exp = expected(run)
    record = run.record('prediction')
    (ax,) = record['axes']
    assert_date_axis(ax)
    assert (ax['title'], ax['xlabel'], ax['ylabel']) == ('MaoTai Stock Price Prediction', 'Time', 'MaoTai Stock Price')
    assert ax['legend'] == ['MaoTai Stock Price', 'Predicted MaoTai Stock Price'], ax['legend']
    real, predicted = ax['lines']
    assert (real['label'], real['color'], predicted['label'], predicted['color']) == \
        ('MaoTai Stock Price', '#ff0000', 'Predicted MaoTai Stock Price', '#0000ff')
    assert exp.dates[0] == '2019-05-06' and exp.dates[-1] == '2020-04-24' and len(exp.dates) == 240
    for line in (real, predicted):
        assert [mdates.num2date(x).date().isoformat() for x in line['x']] == exp.dates, line['label']
    np.testing.assert_allclose(real['y'], exp.real, rtol=0, atol=1e-9)
    for day, drawn, recomputed in zip(exp.dates, predicted['y'], exp.predicted):
        within((drawn, 6), recomputed, f'the blue curve on {day}')
    path = run.project.path / 'figures' / f'{run.stem}_prediction.png'
    assert_png(path)
    assert mpimg.imread(path).shape[1] >= 1280


@pytest.mark.parametrize('script', SCRIPTS)
def test_horizon_figure_draws_both_curves_for_h_1_to_10(trained, script):
    """figures/<script>_horizon.png: at least 1280 px wide, the model's and persistence's 均方根误差 at h = 1..10 (all
    ten, recomputed, not only the five of the console)."""
    run = trained(script)
    assert_clean(run.result)
    exp = expected(run)
    path = run.project.path / 'figures' / f'{run.stem}_horizon.png'
    assert_png(path)
    assert mpimg.imread(path).shape[1] >= 1280, mpimg.imread(path).shape
    (ax,) = run.record('horizon')['axes']
    lines = {('persistence' if 'persistence' in line['label'] else 'model'): line for line in ax['lines']}
    assert len(ax['lines']) == 2 and set(lines) == {'model', 'persistence'}, [line['label'] for line in ax['lines']]
    for name, exact in (('model', exp.horizon), ('persistence', exp.persistence)):
        assert lines[name]['x'] == list(range(1, 11)), lines[name]['x']
        for h, (drawn, recomputed) in enumerate(zip(lines[name]['y'], exact), start=1):
            within((drawn, 6), recomputed, f'the horizon figure, {name} at h={h}')


# ---- p38 from checkpoints made by hand: a lag of exactly one day, and none -------------------------------------------

def repeat_the_last_open(checkpoint, raise_by=0.0):
    """p38's weights by hand (h5py, Keras' own layout) so that y = x_60 + raise_by, in scaled units: layer 1's unit
    #0 is tanh(ε·x_t), layer 2's unit #0 is tanh(that) ≈ ε·x_t (tanh(u) = u to 1e-8 for |u| < 2e-4), Dense reads it
    with 1/ε; every other weight 0. The prediction of day d is the open of day d - 1."""
    epsilon = 1e-4
    with h5py.File(checkpoint, 'r+') as file:
        layers = file['layers']
        first, second = sorted(name for name in layers if 'cell' in layers[name])  # simple_rnn, simple_rnn_1
        for name in (first, second):
            for n in range(3):
                layers[name]['cell']['vars'][str(n)][...] = 0
        layers[first]['cell']['vars']['0'][0, 0] = epsilon
        layers[second]['cell']['vars']['0'][0, 0] = 1
        w, b = layers['dense']['vars']['0'], layers['dense']['vars']['1']
        w[...] = 0
        w[0, 0] = 1 / epsilon
        b[...] = raise_by


BY_HAND = {'late': (0, 1), 'raised': (300, 0)}  # kind: (moved by, in prices; the closest k)


@pytest.fixture(scope='module')
def by_hand(trained, tmp_path_factory):
    """kind -> Run of p38 `--epochs 0 --no-show` from the trained checkpoint made into `repeat_the_last_open`,
    moved by BY_HAND[kind][0] in price units."""
    runs = {}

    def run(kind):
        if kind not in runs:
            source = trained('p38_rnn_stock.py').project
            project = Project(tmp_path_factory.mktemp(f'p38_{kind}'))
            name = STOCK_SCRIPTS['p38_rnn_stock.py']
            project.checkpoint(name).write_bytes(source.checkpoint(name).read_bytes())
            _, low, high = windows(project.path / CSV)
            repeat_the_last_open(project.checkpoint(name), BY_HAND[kind][0] / (high - low))
            runs[kind] = run_script(project, 'p38_rnn_stock.py', '--epochs', '0', '--no-show')
        return runs[kind]
    return run


@pytest.mark.parametrize('kind', BY_HAND)
def test_the_lag_check_of_models_made_by_hand(by_hand, kind):
    """A model that repeats the last open is closest at k=1 ('预测比真实价格晚 1 天'). Raised by 300: the test
    period's prices rise, so a forecast 300 too high is nearest to the same day's open (k=0, '没有滞后'). Each by a
    margin the float32 run cannot blur; every number recomputed."""
    run = by_hand(kind)
    assert_clean(run.result)
    assert 'Epoch 1/' not in run.result.stdout, 'with --epochs 0 nothing is trained'
    k, closest = assert_lag_and_horizon(run)
    lags, want = expected(run).lags, BY_HAND[kind][1]
    assert k == want and closest == [want], (k, lags)
    assert min(lag for j, lag in enumerate(lags) if j != want) - lags[want] > 0.1, lags
    assert_next(run)


def test_a_model_that_repeats_the_last_open_forecasts_persistence(by_hand):
    """Fed back, a model that repeats the last open forecasts that open again at every horizon, so its horizon numbers
    and curve are persistence's, and its lag at k=1 prints 0.00: a check of the two definitions that does not depend
    on this file's forward pass."""
    run = by_hand('late')
    assert_clean(run.result)
    lag, horizon = lag_and_horizon_lines(run.result.stdout)
    assert lag[2] == '0.00', lag[0]
    values = [float(v) for v in horizon.groups()]
    for h, model, persistence in zip(HORIZONS, values[0::2], values[1::2]):
        assert abs(model - persistence) <= 0.011, f'h={h}: the model {model}, persistence {persistence}'
    (ax,) = run.record('horizon')['axes']
    model, persistence = sorted(ax['lines'], key=lambda line: 'persistence' in line['label'])
    np.testing.assert_allclose(model['y'], persistence['y'], rtol=0, atol=0.01)


# ---- issue 20's two mutations: the check rejects them ----------------------------------------------------------------

MUTATIONS = {
    # the feedback loop appends the de-scaled prediction (a price near 1000) instead of the scaled one
    'unscaled feedback': ('windows = np.concatenate([windows[:, 1:], ahead[-1][:, None]], axis=1)',
                          'windows = np.concatenate([windows[:, 1:], sc.inverse_transform(ahead[-1])[:, None]], '
                          'axis=1)'),
    # persistence at h: the real open of day i+h-2 (the day before the one forecast) instead of the day before day i
    'persistence from day i+h-2': ('mean_squared_error(persistence[:n - h + 1, 0], real[h - 1:])',
                                   'mean_squared_error(persistence[h - 1:, 0], real[h - 1:])'),
}


@pytest.mark.parametrize('mutation, complaint, next_complaint', [
    ('unscaled feedback', '多日预测 h=2', r'next 30: \+2'),
    ('persistence from day i+h-2', 'persistence at h=2', None),
], ids=['unscaled-feedback', 'persistence-from-day-i+h-2'])
def test_the_check_rejects_issue_20s_mutations(trained, tmp_path, mutation, complaint, next_complaint):
    """p38 with one of issue 20's mutations (its text changed in a copy, in this test's project), run `--epochs 0`
    from the trained checkpoint: assert_lag_and_horizon fails at h=2 for its reason, and `next 30` also fails where
    the mutation reaches it (the forecast of `next N` feeds back as the horizon's does)."""
    script = 'p38_rnn_stock.py'
    source = trained(script).project
    project = Project(tmp_path)
    name = STOCK_SCRIPTS[script]
    project.checkpoint(name).write_bytes(source.checkpoint(name).read_bytes())
    original, mutated = MUTATIONS[mutation]
    text = (ROOT / script).read_text(encoding='utf-8')
    assert text.count(original) == 1, f'{original!r} is no longer in {script}: update MUTATIONS'
    (project.path / script).write_text(text.replace(original, mutated), encoding='utf-8')
    run = run_script(project, script, '--epochs', '0', '--no-show')
    assert_clean(run.result)
    with pytest.raises(AssertionError, match=complaint):
        assert_lag_and_horizon(run)
    if next_complaint:
        with pytest.raises(AssertionError, match=next_complaint):
            assert_next(run)
    else:
        assert_next(run)


# ---- 记忆跨度 (issue 25): how far back the trained model looks -----------------------------------------------------

def memory_line(stdout):
    """The 记忆跨度 line's numbers under its head: ({k: 前 k 天 in %}, 最早一天 in %, the 90 % span in days)."""
    lines = stdout.splitlines()
    assert lines.count(MEMORY_HEAD) == 1, stdout[-3000:]
    found = MEMORY_LINE.fullmatch(lines[lines.index(MEMORY_HEAD) + 1])
    assert found, f'{lines[lines.index(MEMORY_HEAD) + 1]!r} is not the 记忆跨度 line of CONVENTIONS.md'
    return dict(zip((1, 5, 10, 20), map(float, found.groups()[:4]))), float(found[5]), int(found[6])


def shares(run):
    """share_t for t = 1..60 (t = 60 the day before the predicted day), recomputed without the script's code or
    TensorFlow: finite differences of the float64 forward pass of weights.txt (lecture_forward.influence_shares) over
    the 240 test windows, on the scaled input and output."""
    if 'shares' not in run.cache:
        weights = lecture_weights(run.project.path / 'weights.txt', run.cell)
        found, _, _ = windows(run.project.path / CSV)
        batch = np.stack([found[date][0] for date in expected(run).dates])  # 240 × 60 × 1
        run.cache['shares'] = influence_shares(weights, run.cell, batch)
    return run.cache['shares']


def assert_memory(stdout, share):
    """The printed 记忆跨度 line against share (t = 1..60): each percentage is the recomputed one rounded to one
    decimal (give or take float32's gradient), and the span is the fewest recent days reaching 90 % (where the
    recomputed sum lies within float32's reach of 90 % at two k, either may be printed)."""
    recent, oldest, span = memory_line(stdout)
    cumulative = np.cumsum(share[::-1])  # cumulative[k - 1]: the k days nearest the predicted day
    for k, value in recent.items():
        assert abs(value - 100 * cumulative[k - 1]) <= 0.05 + 0.01, f'前 {k} 天 {value}%, recomputed {cumulative[k - 1]:.4%}'
    assert abs(oldest - 100 * share[0]) <= 0.05 + 0.01, f'最早一天 {oldest}%, recomputed {share[0]:.4%}'
    possible = [k for k in range(1, 61) if cumulative[k - 1] >= 0.9 - 1e-4 and (k == 1 or cumulative[k - 2] < 0.9 + 1e-4)]
    assert span in possible, f'90% from the last {span} days, recomputed {possible}: {cumulative[:span + 1]}'


@pytest.mark.parametrize('script', SCRIPTS)
def test_memory_span_recomputed_by_finite_differences(trained, script):
    """Issue 25 Done-when: the two 记忆跨度 lines of a trained run, every number recomputed from weights.txt."""
    run = trained(script)
    assert_clean(run.result)
    assert_memory(run.result.stdout, shares(run))


@pytest.mark.parametrize('script', SCRIPTS)
def test_memory_figure_is_the_shares_on_a_log_axis(trained, script):
    """figures/<script>_memory.png, read back: at least 1280 px wide; one curve of the 60 shares against the days
    before the predicted day (1 = the day before, 60 = the oldest), recomputed; a logarithmic y axis; the uniform share
    1/60 as a dashed line; English labels (no CJK font needed)."""
    run = trained(script)
    path = run.project.path / 'figures' / f'{run.stem}_memory.png'
    assert_png(path)
    assert mpimg.imread(path).shape[1] >= 1280, mpimg.imread(path).shape
    (ax,) = run.record('memory')['axes']
    assert ax['yscale'] == 'log', ax['yscale']
    assert ax['xlabel'] == 'days before the predicted day' and ax['ylabel'].startswith('share'), ax
    curve, uniform = ax['lines']
    assert curve['x'] == list(range(1, 61)), curve['x']
    np.testing.assert_allclose(curve['y'], shares(run)[::-1], rtol=1e-3, atol=1e-6)
    assert uniform['linestyle'] == '--' and uniform['y'] == [1 / 60, 1 / 60], uniform
    for text in [ax['title'], ax['xlabel'], ax['ylabel'], *ax['legend']]:
        assert text.isascii(), text


def test_memory_span_of_a_model_that_repeats_the_last_open(by_hand):
    """With --epochs 0 the lines describe the loaded model: one made by hand so that y = x_60 has all of its
    sensitivity on the last day, whatever the forward pass (a check that does not depend on this file's)."""
    run = by_hand('late')
    assert_clean(run.result)
    assert 'Epoch 1/' not in run.result.stdout
    assert memory_line(run.result.stdout) == ({1: 100.0, 5: 100.0, 10: 100.0, 20: 100.0}, 0.0, 1)

