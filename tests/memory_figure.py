"""docs/memory.md's 长跨度依赖 figure (issue 25): how far back each trained cell looks, the three curves on one axis.

    python tests/memory_figure.py RUN38 RUN47 RUN56 --out docs/memory_span.png

Each RUN is a folder where `python p38_rnn_stock.py` (p47, p56) ran: its weights.txt (the model after the last epoch,
the one whose metrics that run printed) and data/SH600519.csv. The shares are recomputed as the tests recompute them
(lecture_forward.influence_shares: finite differences of the float64 forward pass, no TensorFlow, never the scripts'
code), so the curves are the per-script figures' `figures/<script>_memory.png`, drawn together. The summary printed
for each model is the script's own 记忆跨度 line, from the same shares.

Not collected by pytest (the name does not start with test_); tests/test_stock_forecast.py checks the same shares.
"""
import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lecture_forward import influence_shares, lecture_weights, windows

CELLS = {'p38': ('SimpleRNN', 'bo-'), 'p47': ('LSTM', 'rs-'), 'p56': ('GRU', 'g^-')}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('runs', nargs=3, type=Path, help='the folders where p38, p47 and p56 ran, in that order')
    parser.add_argument('--out', type=Path, default=Path('memory_span.png'), help='the PNG to write')
    args = parser.parse_args()
    plt.figure(figsize=(9.6, 5.4))
    for (prefix, (cell, style)), run in zip(CELLS.items(), args.runs):
        found, _, _ = windows(run / 'data' / 'SH600519.csv')
        dates = list(found)[1:]  # the 240 test days ('next' first)
        batch = np.stack([found[date][0] for date in dates])
        share = influence_shares(lecture_weights(run / 'weights.txt', cell), cell, batch)
        recent = np.cumsum(share[::-1])
        span = int(np.argmax(recent >= 0.9)) + 1
        print(f'{prefix} {cell}: 前 1 天 {recent[0]:.1%} · 前 5 天 {recent[4]:.1%} · 前 10 天 {recent[9]:.1%} · '
              f'前 20 天 {recent[19]:.1%} · 最早一天 {share[0]:.1%} → 90% 的影响来自最近 {span} 天')
        plt.semilogy(range(1, 61), share[::-1], style, ms=4, label=f'{cell} ({prefix}): 90% from the last {span} days')
    plt.axhline(1 / 60, color='gray', linestyle='--', label='uniform: 1/60')
    plt.gca().set(title='How far back each trained model looks (seed 7, 50 epochs, the 240 test windows)',
                  xlabel='days before the predicted day', ylabel='share of the mean |dy/dx_t| (log scale)')
    plt.legend()
    plt.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    plt.savefig(args.out, dpi=200)
    plt.close()
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
