"""p37_tushare.py: 下载股票数据 (download the lecture's stock data) with tushare and save it as data/SH600519.csv.

Lecture 6, "实践: RNN 实现股票预测, (1) 数据源": 贵州茅台 (Kweichow Moutai, 600519), 日 k 线 (daily bars), 前复权
(forward-adjusted), 2010-04-26 .. 2020-04-26, in the columns that p38/p47/p56 read (C 列 is the opening price).
The answer is checked before anything is written, and written atomically: a failed or bad download leaves the CSV
you have exactly as it was. A figure shows the opening prices and the stock scripts' training/test split.

    python p37_tushare.py [--code 600519] [--start 2010-04-26] [--end 2020-04-26] [--out data/SH600519.csv]
                          [--timeout 20] [--no-show]

Source: the lecture's ts.get_k_data; or, when the environment variable TUSHARE_TOKEN holds your tushare.pro token,
tushare's maintained Pro API (ts.pro_bar). 前复权 prices are recomputed after every dividend, so a fresh download
differs from the shipped file: the shipped data/SH600519.csv is the one that reproduces the lecture's figures.
"""
import argparse
import contextlib
import datetime
import io
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))  # every path is relative to this file, not to the current folder
COLUMNS = ['date', 'open', 'close', 'high', 'low', 'volume', 'code']  # the lecture's CSV, after its unnamed index
TEST_DAYS, WINDOW = 300, 60  # stock scripts: the last 300 days are the test set; 60 days of open predict the 61st


# ---- at the edges: flags, errors as one sentence, a time limit on tushare --------------------------------------
def day(text):
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a date like 2010-04-26') from None


def stock_code(text):
    if len(text) != 6 or not text.isdigit():
        raise argparse.ArgumentTypeError(f'{text!r} is not a six-digit stock code like 600519')
    return text


def seconds(text):
    try:
        if 0 < float(text) <= 600:
            return float(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f'{text!r} is not a number of seconds between 0 and 600')


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--code', type=stock_code, default='600519', help='六位股票代码, six-digit stock code '
                    '(lecture: 600519, 贵州茅台)')
parser.add_argument('--start', type=day, default='2010-04-26', help='first day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--end', type=day, default='2020-04-26', help='last day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--out', default='data/SH600519.csv', help="CSV to write, relative to this script's folder "
                    '(default: %(default)s, the file the stock scripts read)')
parser.add_argument('--timeout', type=seconds, default=20, help='give up the download after this many seconds '
                    '(default: %(default)s)')
parser.add_argument('--no-show', action='store_true', help='save the figure but never open a window')
parser.error = lambda message: sys.exit(f'{parser.prog}: {message} (see --help)')
args = parser.parse_args()
if args.start > args.end:
    parser.error(f'--start {args.start} is after --end {args.end}')

out = os.path.join(HERE, args.out)
token = os.environ.get('TUSHARE_TOKEN', '').strip()  # read from the environment only: never printed, never saved


def fail(what, todo=''):
    """One line on stderr and exit 1: what failed, and that the CSV was not touched."""
    if len(token) >= 8:  # real tokens are long: hide one even inside a server's message
        what = what.replace(token, '<TUSHARE_TOKEN>')
    what = ' '.join(what.split())
    kept = f'{args.out} was left unchanged' if os.path.exists(out) else f'{args.out} was not written'
    sys.exit(f'{parser.prog}: {what}; {kept}.' + (f' {todo}' if todo else ''))


def one_line_errors(kind, error, tb):
    if issubclass(kind, KeyboardInterrupt):
        fail('interrupted')
    if issubclass(kind, OSError):
        sys.exit(f'{parser.prog}: could not write {error.filename or "a file"} ({error.strerror or error}); '
                 'free some space or check permissions')
    sys.__excepthook__(kind, error, tb)


sys.excepthook = one_line_errors


def quietly_within(seconds, function):
    """function() in a thread, with what tushare prints captured. tushare prints network errors instead of raising
    them and carries on without that piece of the data, so anything it prints counts as a failure. The thread
    lets us stop waiting after `seconds`: its own timeouts and retries can add up to minutes."""
    answer = {}

    def run():
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            try:
                answer['data'] = function()
            except Exception as error:
                answer['error'] = f'{type(error).__name__}: {error}'
        answer['printed'] = [line for line in printed.getvalue().splitlines()
                             if line.strip() and '本接口即将停止更新' not in line]  # get_k_data's own notice is fine

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    todo = 'Check the network' + (' and TUSHARE_TOKEN' if token else '') + ', then try again.'
    if worker.is_alive():
        fail(f'the download failed (no complete answer within {seconds:g} s)', todo)
    if answer['printed'] or 'error' in answer:
        fail(f'the download failed ({(answer["printed"] or [answer.get("error")])[-1]})', todo)
    return answer['data']


def problem_with(df1):
    """Why the stock scripts could not train on df1, or None when they can."""
    if df1 is None or len(df1) == 0:
        return 'the answer was empty (no trading days in that range, or an unknown --code)'
    missing = [column for column in COLUMNS if column not in df1.columns]
    if missing:
        return f'the answer has no {", ".join(missing)} column'
    dates = pd.to_datetime(df1['date'], format='%Y-%m-%d', errors='coerce')
    if dates.isna().any() or not (dates.is_monotonic_increasing and dates.is_unique):
        return 'its dates are not ascending, unique YYYY-MM-DD dates'
    prices = df1[['open', 'close', 'high', 'low']].apply(pd.to_numeric, errors='coerce')
    bad = prices.isna().any(axis=1) | (prices <= 0).any(axis=1)
    if bad.any():
        return f'a price on {df1["date"][bad].iloc[0]} is missing, not a number or not positive'
    if len(df1) < TEST_DAYS + WINDOW + 1:
        return (f'only {len(df1)} trading days, fewer than the {TEST_DAYS + WINDOW + 1} the stock scripts need (the '
                f'last {TEST_DAYS} to test, and before them at least {WINDOW} days and the next one to train)')
    return None


import matplotlib

show_window = not args.no_show and (sys.platform in ('win32', 'darwin') or 'DISPLAY' in os.environ
                                    or 'WAYLAND_DISPLAY' in os.environ)
if not show_window:
    matplotlib.use('Agg')

# ---- 1. import -------------------------------------------------------------------------------------------------
import matplotlib.pyplot as plt
import pandas as pd
import tushare as ts

# tushare 1.4's get_k_data joins its pieces with DataFrame.append, which pandas 2 removed. Put back the little of it
# that tushare uses, built on pd.concat, in this program only (the installed tushare stays as it is).
if not hasattr(pd.DataFrame, 'append'):
    def append(self, other, ignore_index=False):
        pieces = [df for df in (self, other) if df is not None and len(df)]  # tushare appends None for "no data"
        return pd.concat(pieces, ignore_index=ignore_index) if pieces else self

    pd.DataFrame.append = append


# ---- 2. download: the lecture's ts.get_k_data, or the Pro API when TUSHARE_TOKEN is set ------------------------
def download():
    if not token:
        # the lecture: ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26'), 前复权 by default;
        # retry_count=1: a failed request is reported (see quietly_within), not skipped after silent retries
        return ts.get_k_data(args.code, ktype='D', start=args.start, end=args.end, retry_count=1)
    # Pro API: the token goes to pro_api only (ts.set_token would save it in a file in your home folder)
    exchange = '.SH' if args.code[0] in '569' else '.BJ' if args.code[0] in '48' else '.SZ'  # 上交所/北交所/深交所
    bars = ts.pro_bar(ts_code=args.code + exchange, api=ts.pro_api(token), adj='qfq',
                      start_date=args.start, end_date=args.end, retry_count=1)
    if bars is None or len(bars) == 0:
        return None
    return pd.DataFrame({  # Pro's columns and newest-first order -> the lecture's columns, oldest first
        'date': pd.to_datetime(bars['trade_date'], format='%Y%m%d').dt.strftime('%Y-%m-%d'),
        'open': bars['open'], 'close': bars['close'], 'high': bars['high'], 'low': bars['low'],
        'volume': bars['vol'], 'code': args.code}).sort_values('date', ignore_index=True)


source = 'the Pro API, ts.pro_bar (TUSHARE_TOKEN is set)' if token else \
    "the lecture's ts.get_k_data (set TUSHARE_TOKEN to use the Pro API)"
print(f'downloading {args.code} 日 k 线 前复权 (daily, forward-adjusted) {args.start} .. {args.end} with {source}')
df1 = quietly_within(args.timeout, download)
problem = problem_with(df1)
if problem:
    fail(f'refused the download: {problem}')
df1 = df1[COLUMNS]

# ---- 3. save: the lecture's df1.to_csv(datapath1), into a temporary file that then replaces the old CSV ---------
partial = out + '.part'
try:
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(partial, 'w', newline='') as file:
        df1.to_csv(file)
        file.flush()
        os.fsync(file.fileno())  # on the disk before the rename, so that even a power cut cannot cost the old file
    os.replace(partial, out)  # atomic: a reader sees the old file or the new one, never half of one
except BaseException as error:  # a full disk, no permission, Ctrl-C: drop the partial file, keep the old CSV
    if os.path.exists(partial):
        os.remove(partial)
    if isinstance(error, OSError):
        fail(f'could not write {args.out} ({error.strerror or error})', 'Free some space or check permissions.')
    raise
first, last = df1['date'].iloc[0], df1['date'].iloc[-1]
print(f'wrote {len(df1)} trading days, {first} .. {last}, to {args.out}')

# ---- 4. plot: 开盘价 (opening price), and where the stock scripts split it into training and test set -----------
dates, opens = pd.to_datetime(df1['date']), df1['open']
split = len(df1) - TEST_DAYS  # the lecture's 2426 - 300
plt.figure(figsize=(10, 4.5))
plt.plot(dates.iloc[:split], opens.iloc[:split], color='tab:blue', label=f'training set ({split} days)')
plt.plot(dates.iloc[split:], opens.iloc[split:], color='tab:red', label=f'test set (the last {TEST_DAYS} days)')
plt.axvline(dates.iloc[split], color='gray', linestyle='--', linewidth=1)
plt.title(f'{args.code} daily opening price, {first} .. {last}')
plt.xlabel('date')
plt.ylabel('open (forward-adjusted)')
plt.legend()
plt.tight_layout()
figure_path = os.path.join(HERE, 'figures', 'p37_tushare.png')
os.makedirs(os.path.dirname(figure_path), exist_ok=True)
plt.savefig(figure_path)
print(f'figure saved to figures/{os.path.basename(figure_path)}')
if show_window:
    plt.show()
