"""Train the three stock scripts from scratch for several seeds and compare them (issue 20).

Which differences between SimpleRNN, LSTM and GRU are larger than a seed's noise, and does any of them beat
persistence (tomorrow's open = today's open)?

    python tests/compare_models.py                        # seeds 7..11, 50 epochs (the lecture's): ~25 min on 2 cores
    python tests/compare_models.py --seeds 2 --epochs 1   # smoke test of the harness: ~1 min
    python tests/compare_models.py --scripts p38,p56 --seeds 3

Each run is `python <script> --fresh --no-show --seed N --epochs E` with nothing on stdin (the script ends by
itself at the date prompt), in its own temporary copy of the project (the script, data/ and an empty checkpoint/),
with no display, timed (wall). Seeds start at the lecture's 7. The runs are interleaved, p38 seed 7, p47 seed 7,
p56 seed 7, p38 seed 8, ..., so that the machine's noise spreads evenly over the models; --jobs 1 by default (the
runs use the cores they find: two at a time only make each slower). From each run's console: its 均方根误差 and
平均绝对误差, the lag check's closest k and the 多日预测's 5-days-ahead 均方根误差, and the persistence baseline's.

One Markdown table per model, then a short comparison, go to stdout; progress goes to stderr.
Not collected by pytest (the name does not start with test_); tests/test_stock_forecast.py runs it once, small.
"""
import argparse
import collections
import concurrent.futures
import itertools
import math
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
NUMBER = r'(\d+\.\d+)'
BASELINE = "persistence baseline (tomorrow's open = today's open)"
LAG_HEAD, HORIZON_HEAD = '滞后检查 (lag check)', '多日预测 (each prediction fed back'
AHEAD = 5  # the horizon in the table: trading days ahead


# ---- one run: a fresh copy, timed, and the numbers it printed -------------------------------------------------------

def run_once(script, seed, epochs):
    """Train `script` from scratch in a temporary copy; returns the numbers its console printed and the wall time."""
    with tempfile.TemporaryDirectory(prefix='compare-models-') as folder:
        folder = Path(folder)
        shutil.copytree(ROOT / 'data', folder / 'data')
        (folder / 'checkpoint').mkdir()
        shutil.copy(ROOT / script, folder)
        command = [sys.executable, script, '--fresh', '--no-show', '--seed', str(seed)]
        command += ['--epochs', str(epochs)] if epochs is not None else []
        env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'MPLBACKEND')}
        env.update(PYTHONIOENCODING='utf-8')
        start = time.perf_counter()
        result = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, encoding='utf-8', errors='replace')
        wall = time.perf_counter() - start
    what = f'{script} --seed {seed}'
    if result.returncode != 0:
        sys.exit(f'{what} exited with {result.returncode}:\n' + '\n'.join(
            (result.stdout + result.stderr).splitlines()[-25:]))
    try:
        return dict(script=script, seed=seed, wall=wall, **parse(result.stdout))
    except ValueError as error:
        sys.exit(f'{what}: {error}; its last lines:\n' + '\n'.join(result.stdout.splitlines()[-15:]))


def parse(stdout):
    """The model's and the persistence baseline's 均方根误差 and 平均绝对误差, the lag check's closest k, and the
    model's and persistence's 均方根误差 AHEAD trading days ahead, from one run's console."""
    model, found, rest = stdout.partition(BASELINE)
    baseline, _, checks = rest.partition(LAG_HEAD)
    if not found or not checks:
        raise ValueError('no persistence baseline or lag check in the output')

    def metric(label, part):
        values = re.findall(rf'^{label}: {NUMBER}$', part, re.M)
        if len(values) != 1:
            raise ValueError(f'{len(values)} lines {label}: x where one was expected')
        return float(values[0])

    closest = re.search(r'→ closest at k=(\d+)', checks)
    horizon = re.search(rf'^  1 {NUMBER} \(persistence {NUMBER}\)(.*)$', checks, re.M)
    ahead = horizon and re.search(rf' · {AHEAD} {NUMBER} \({NUMBER}\)', horizon[3])
    if not (closest and ahead):
        raise ValueError('the lag line or the horizon line is not in the format of CONVENTIONS.md')
    return dict(rmse=metric('均方根误差', model), mae=metric('平均绝对误差', model), lag=int(closest[1]),
                ahead=float(ahead[1]), persistence=dict(rmse=metric('均方根误差', baseline),
                                                       mae=metric('平均绝对误差', baseline),
                                                       ahead=float(ahead[2])))


# ---- the report -----------------------------------------------------------------------------------------------------

def mean_sd(values):
    """mean ± the sample standard deviation (n - 1), or the one value with ± — when there is one run."""
    sd = f'{statistics.stdev(values):.2f}' if len(values) > 1 else '—'
    return f'{statistics.mean(values):.2f} ± {sd}'


def min_max(values, form='{:.2f}'):
    return f'{form.format(min(values))}–{form.format(max(values))}'


def lag_counts(runs):
    """'k=1 in 4 runs, k=2 in 1': the lag with the smallest error, most frequent first."""
    counts = sorted(collections.Counter(r['lag'] for r in runs).items(), key=lambda kv: (-kv[1], kv[0]))
    return ', '.join(f'k={k} in {n}' + (f' run{"s" * (n > 1)}' if i == 0 else '') for i, (k, n) in enumerate(counts))


def table(script, runs, epochs):
    """One model's Markdown table."""
    seeds = sorted(r['seed'] for r in runs)
    baseline = runs[0]['persistence']
    if any(r['persistence'] != baseline for r in runs):  # it reads only the CSV: a difference is a bug
        sys.exit(f'{script}: the persistence baseline differs between seeds: {[r["persistence"] for r in runs]}')
    rows = [('均方根误差 (RMSE)', mean_sd([r['rmse'] for r in runs]), min_max([r['rmse'] for r in runs])),
            ('平均绝对误差 (MAE)', mean_sd([r['mae'] for r in runs]), min_max([r['mae'] for r in runs])),
            ('lag with the smallest error (滞后检查)', lag_counts(runs), ''),
            (f'{AHEAD}-day-ahead 均方根误差 (多日预测)', mean_sd([r['ahead'] for r in runs]),
             min_max([r['ahead'] for r in runs])),
            ('wall time, s', f'median {statistics.median(r["wall"] for r in runs):.1f}',
             min_max([r['wall'] for r in runs], '{:.1f}')),
            ('persistence (the same for every seed): RMSE, MAE, '
             f'{AHEAD}-day-ahead RMSE', f'{baseline["rmse"]:.2f}, {baseline["mae"]:.2f}, {baseline["ahead"]:.2f}', '')]
    seed_text = f'seed {seeds[0]}' if len(seeds) == 1 else f'seeds {seeds[0]}–{seeds[-1]}'
    return '\n'.join([f'### {SCRIPTS[script]} ({script}): {len(runs)} run{"s" * (len(runs) > 1)}, {seed_text}, '
                      f'{epochs} epoch{"s" * (epochs != 1)} each',
                      '', '| | mean ± sd | min–max |', '|---|---|---|']
                     + [f'| {name} | {middle} | {last} |' for name, middle, last in rows])


def summary(by_script):
    """Which pairwise differences in mean 均方根误差 exceed the spread (the sum of the two standard deviations), and
    whether any run of any model beats persistence."""
    lines = ['### Comparison', '']
    names = {s: SCRIPTS[s] for s in by_script}
    means = {s: statistics.mean(r['rmse'] for r in runs) for s, runs in by_script.items()}
    sds = {s: statistics.stdev([r['rmse'] for r in runs]) if len(runs) > 1 else math.nan
           for s, runs in by_script.items()}
    if len(by_script) < 2:
        lines.append(f'- One model ({", ".join(names.values())}): nothing to compare.')
    for a, b in itertools.combinations(by_script, 2):
        low, high = sorted((a, b), key=means.get)
        difference, spread = means[high] - means[low], sds[a] + sds[b]
        if math.isnan(spread):
            verdict = 'one run each: no spread between seeds to compare it with'
        else:
            verdict = ('larger than' if difference > spread else 'within') + \
                      f' the spread (sd {sds[low]:.2f} + {sds[high]:.2f} = {spread:.2f})'
        lines.append(f'- {names[low]} vs {names[high]}: mean 均方根误差 {means[low]:.2f} vs {means[high]:.2f}, '
                     f'{names[low]} lower by {difference:.2f}, {verdict}.')
    baseline = next(iter(by_script.values()))[0]['persistence']
    for key, what in (('rmse', '均方根误差'), ('ahead', f'{AHEAD}-day-ahead 均方根误差')):
        beaten = [f'{names[r["script"]]} seed {r["seed"]} ({r[key]:.2f})'
                  for runs in by_script.values() for r in runs if r[key] < r['persistence'][key]]
        total = sum(len(runs) for runs in by_script.values())
        runs = f'{total} run{"s" * (total > 1)}'
        lines.append(f'- Persistence {what} {baseline[key]:.2f}: beaten in '
                     + (f'{len(beaten)} of {runs}: {", ".join(beaten)}.' if beaten else f'none of the {runs}.'))
    return '\n'.join(lines)


def machine():
    cpuinfo = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    cpu = next(iter(re.findall(r'^model name\s*:\s*(.*)$', cpuinfo, re.M)), platform.processor() or 'unknown CPU')
    load = f'; load average {os.getloadavg()[0]:.2f} at start' if hasattr(os, 'getloadavg') else ''
    return f'Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}{load}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--seeds', type=positive_int, default=5,
                        help=f'runs per script, seeds {FIRST_SEED}, {FIRST_SEED + 1}, ... (default 5)')
    parser.add_argument('--epochs', type=positive_int, default=LECTURE_EPOCHS,
                        help=f"epochs per run (default {LECTURE_EPOCHS}, the lecture's)")
    parser.add_argument('--scripts', default='p38,p47,p56',
                        help='comma-separated prefixes of the stock scripts (default: p38,p47,p56)')
    parser.add_argument('--jobs', type=positive_int, default=1, help='runs at a time (default 1)')
    args = parser.parse_args()
    prefixes = [p.strip() for p in args.scripts.split(',') if p.strip()]
    scripts = [s for s in SCRIPTS if any(s.startswith(p) for p in prefixes)]
    if not scripts:
        parser.error(f'no stock script starts with {args.scripts!r}; they are {", ".join(SCRIPTS)}')
    about = machine()  # the load average before we add to it
    seeds = range(FIRST_SEED, FIRST_SEED + args.seeds)
    order = [(script, seed) for seed in seeds for script in scripts]  # interleaved: p38 s7, p47 s7, p56 s7, p38 s8
    started = time.perf_counter()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_once, script, seed, args.epochs) for script, seed in order]
        for done, future in enumerate(futures, start=1):
            run = future.result()
            results.append(run)
            print(f'[{done}/{len(order)}] {run["script"]} seed {run["seed"]}: {run["wall"]:.1f} s, '
                  f'均方根误差 {run["rmse"]:.2f}, closest lag k={run["lag"]}', file=sys.stderr, flush=True)
    by_script = {s: [r for r in results if r['script'] == s] for s in scripts}
    print(f'{about}\n{len(order)} runs, {args.jobs} at a time, in {time.perf_counter() - started:.0f} s: each from '
          f'scratch in a fresh temporary copy (--fresh --no-show --seed N --epochs {args.epochs}, nothing on stdin), '
          f'interleaved by seed; sd is the sample standard deviation over the seeds.\n')
    print('\n\n'.join([table(s, runs, args.epochs) for s, runs in by_script.items()] + [summary(by_script)]))


if __name__ == '__main__':
    main()
