"""p37_tushare.py: 下载股票数据 (download the lecture's stock data) with tushare into data/SH600519.csv.

Lecture 6, 实践: RNN 实现股票预测, (1) 数据源, 图 1.2.27: 贵州茅台 (600519) 日 k 线, 前复权 (forward-adjusted), from
2010-04-26 to 2020-04-26. The lecture starts at step 1 below; around it the answer is checked, written atomically (a
failed download leaves your CSV as it was) and plotted. 前复权 prices change with each dividend: keep the shipped CSV.

    python p37_tushare.py [--code 600519] [--start 2010-04-26] [--end 2020-04-26] [--out data/SH600519.csv] [--no-show]
    TUSHARE_TOKEN=<your tushare.pro token> python p37_tushare.py      (tushare's Pro API; the token is never shown)
"""
import argparse
import contextlib
import datetime
import io
import os
import signal
import sys
import threading

signal.signal(signal.SIGINT, lambda signum, frame: sys.exit('p37_tushare.py: interrupted'))  # Ctrl-C: one line

# ---- 1. import: the lecture's two lines, and pandas to check the answer -----------------------------------------
import tushare as ts
import matplotlib.pyplot as plt
import pandas as pd

# tushare 1.4's get_k_data joins its pieces with DataFrame.append, which pandas 2 removed: put back what it uses
pd.DataFrame.append = lambda self, other, ignore_index=False: pd.concat(  # tushare appends None for "no data"
    [df for df in (self, other) if df is not None and len(df)] or [self], ignore_index=ignore_index)

# ---- the flags: their defaults are the lecture's values ---------------------------------------------------------
HERE = os.path.dirname(os.path.abspath(__file__))  # every path is relative to this file, not to the current folder


def day(text):
    with contextlib.suppress(ValueError):
        return datetime.date.fromisoformat(text).isoformat()
    raise argparse.ArgumentTypeError(f'{text!r} is not a date like 2010-04-26')


def stock_code(text):
    if len(text) == 6 and text.isdigit():
        return text
    raise argparse.ArgumentTypeError(f'{text!r} is not a six-digit stock code like 600519')


def seconds(text):
    with contextlib.suppress(ValueError):
        if 0 < float(text) <= 600:
            return float(text)
    raise argparse.ArgumentTypeError(f'{text!r} is not a number of seconds between 0 and 600')


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--code', type=stock_code, default='600519', help='六位股票代码, stock code (lecture: %(default)s)')
parser.add_argument('--start', type=day, default='2010-04-26', help='first day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--end', type=day, default='2020-04-26', help='last day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--out', default='data/SH600519.csv', help='the CSV, relative to this file (default: %(default)s)')
parser.add_argument('--timeout', type=seconds, default=20, help='give up after so many seconds (default: %(default)s)')
parser.add_argument('--no-show', action='store_true', help='save the figure but never open a window')
parser.error = lambda message: sys.exit(f'{parser.prog}: {message} (see --help)')
args = parser.parse_args()
if args.start > args.end:
    parser.error(f'--start {args.start} is after --end {args.end}')
token = os.environ.get('TUSHARE_TOKEN', '').strip()  # read from the environment only: never printed, never saved


# ---- 2. download: the lecture's ts.get_k_data, or tushare's Pro API when TUSHARE_TOKEN is set --------------------
def download():
    """The lecture's df1 = ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26'), with the flags."""
    if not token:  # retry_count=1: a failed request is reported (see below), not skipped after silent retries
        return ts.get_k_data(args.code, ktype='D', start=args.start, end=args.end, retry_count=1)
    exchange = '.SH' if args.code[0] in '569' else '.BJ' if args.code[0] in '48' else '.SZ'  # 上交所/北交所/深交所
    bars = ts.pro_bar(ts_code=args.code + exchange, api=ts.pro_api(token), adj='qfq', start_date=args.start,
                      end_date=args.end, retry_count=1)  # not ts.set_token: it saves the token in your home folder
    if bars is None or len(bars) == 0:
        return None
    bars = bars.rename(columns={'trade_date': 'date', 'vol': 'volume'}).assign(code=args.code)  # the lecture's names
    bars['date'] = pd.to_datetime(bars['date'], format='%Y%m%d').dt.strftime('%Y-%m-%d')
    return bars.sort_values('date', ignore_index=True)  # oldest first, as get_k_data


def shown(path):
    """path as the user can open it from the folder they ran this in: relative when inside it, else absolute."""
    path, cwd = os.path.abspath(path), os.path.join(os.getcwd(), '')
    return path[len(cwd):] if path.startswith(cwd) else path


def fail(what, todo=''):
    """One line on stderr and exit 1: what failed, and that the CSV was not touched; never the token."""
    if len(token) >= 8:  # real tokens are long: hide one even inside a server's message
        what = what.replace(token, '<TUSHARE_TOKEN>')
    csv = os.path.join(HERE, args.out)
    kept = 'was left unchanged' if os.path.exists(csv) else 'was not written'
    sys.exit(f'{parser.prog}: {" ".join(what.split())}; {shown(csv)} {kept}.' + (f' {todo}' if todo else ''))


def quietly_within(seconds, function):
    """function() in a thread, its printing captured: tushare prints network errors and goes on without that part
    of the data, so a printed line is a failure. The thread ends the wait after `seconds` (retries take minutes)."""
    answer, printed = {}, io.StringIO()

    def run():
        try:
            answer['data'] = function()
        except Exception as error:
            answer['error'] = f'{type(error).__name__}: {error}'

    worker = threading.Thread(target=run, daemon=True)
    with contextlib.redirect_stdout(printed):
        worker.start()
        for _ in range(int(seconds * 10) + 1):  # short waits: Ctrl-C is handled between them, not only at the end
            worker.join(0.1)
    printed = [line for line in printed.getvalue().splitlines() if line.strip() and '本接口即将停止更新' not in line]
    if worker.is_alive() or printed or 'error' in answer:  # get_k_data's notice 本接口即将停止更新 is not an error
        why = f'no complete answer within {seconds:g} s' if worker.is_alive() else (printed or [answer['error']])[-1]
        fail(f'the download failed ({why})', f'Check the network{" and TUSHARE_TOKEN" if token else ""} and try again.')
    return answer['data']


source = 'the Pro API, ts.pro_bar (TUSHARE_TOKEN is set)' if token else \
    "the lecture's ts.get_k_data (set TUSHARE_TOKEN to use the Pro API)"
print(f'downloading {args.code} 日 k 线 前复权 (daily, forward-adjusted) {args.start} .. {args.end} with {source}')
df1 = quietly_within(args.timeout, download)

# ---- 3. save: the lecture's df1.to_csv(datapath1), once the stock scripts can train on the answer ---------------
COLUMNS = ['date', 'open', 'close', 'high', 'low', 'volume', 'code']  # the lecture's CSV, after its unnamed index
if df1 is None or len(df1) == 0:
    fail('refused the download: the answer was empty (no trading days in that range, or an unknown --code)')
if not set(COLUMNS) <= set(df1.columns):
    fail(f'refused the download: it has not all the columns {", ".join(COLUMNS)}')
dates = pd.to_datetime(df1['date'], format='%Y-%m-%d', errors='coerce')
if dates.isna().any() or not (dates.is_monotonic_increasing and dates.is_unique):
    fail('refused the download: its dates are not ascending, unique YYYY-MM-DD dates')
bad = ~(df1[['open', 'close', 'high', 'low']].apply(pd.to_numeric, errors='coerce') > 0).all(axis=1)  # NaN: not > 0
if bad.any():
    fail(f'refused the download: a price on {df1["date"][bad].iloc[0]} is missing, not a number or not positive')
if len(df1) < 361:  # the stock scripts test on the last 300 days, and train on at least 60 days and the next one
    fail(f'refused the download: only {len(df1)} trading days, fewer than the 361 the stock scripts need')
df1 = df1[COLUMNS]
datapath1 = os.path.join(HERE, args.out)  # the lecture's "./SH600519.csv", relative to this script: see --out
partial = datapath1 + '.part'  # written first, then renamed over the old CSV: a reader sees one or the other, whole
try:
    os.makedirs(os.path.dirname(datapath1), exist_ok=True)
    with open(partial, 'w', newline='') as file:
        df1.to_csv(file)  # the lecture's df1.to_csv(datapath1), into the temporary file
        file.flush()
        os.fsync(file.fileno())  # on the disk before the rename, so that even a power cut cannot cost the old file
    os.replace(partial, datapath1)
except OSError as error:
    fail(f'could not write {shown(datapath1)} ({error.strerror or error})', 'Free some space or check permissions.')
finally:  # a full disk, no permission, Ctrl-C: drop the partial file, keep the old CSV
    if os.path.exists(partial):
        os.remove(partial)
print(f'wrote {len(df1)} trading days, {df1["date"].iloc[0]} .. {df1["date"].iloc[-1]}, to {shown(datapath1)}')

# ---- 4. plot: 开盘价 (opening price), and the stock scripts' training and test set ---------------------------------
dates, opens, split = pd.to_datetime(df1['date']), df1['open'], len(df1) - 300  # the lecture's 2426 - 300
plt.plot(dates.iloc[:split], opens.iloc[:split], color='tab:blue', label=f'training set ({split} days)')
plt.plot(dates.iloc[split:], opens.iloc[split:], color='tab:red', label='test set (the last 300 days)')
plt.title(f'{args.code} daily opening price (forward-adjusted)')
plt.legend()
figure_path = os.path.join(HERE, 'figures', 'p37_tushare.png')
try:
    os.makedirs(os.path.dirname(figure_path), exist_ok=True)
    plt.savefig(figure_path)
except OSError as error:
    sys.exit(f'{parser.prog}: could not write {shown(figure_path)} ({error.strerror or error})')
print(f'figure saved to {shown(figure_path)}')
if not args.no_show and plt.get_backend().lower() not in ('agg', 'cairo', 'pdf', 'pgf', 'ps', 'svg', 'template'):
    plt.show()  # only where matplotlib found a display: without one (or with a stale DISPLAY) it chose agg, files only
