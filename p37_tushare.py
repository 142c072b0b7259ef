# %% flags: the header, the one flag, and this script's folder as ./
"""p37_tushare.py: 下载股票数据 (lecture 6, (1) 数据源, 图 1.2.27): 贵州茅台 (600519) 日 k 线, 前复权, 2010-04-26 ..
2020-04-26, into data/SH600519.csv for p38, p47 and p56: checked first, and a file it changes is kept beside it.
    TUSHARE_TOKEN=<your tushare.pro token> python p37_tushare.py    (tushare's Pro API instead of get_k_data)"""
import argparse, os, sys
parser = argparse.ArgumentParser(prog='p37_tushare.py', description="下载股票数据: the lecture's tushare download")
parser.add_argument('--no-show', action='store_true', help='save the figure under figures/, never open a window')
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # not a kernel's argv
os.chdir(os.path.dirname(os.path.abspath(__file__)) if '__file__' in globals() else '.')  # ./ = the script's folder

# %% tushare 1.4 on today's pandas: its get_k_data calls DataFrame.append, which pandas 2 removed
import pandas as pd


def append(self, other, ignore_index=False):
    """DataFrame.append as tushare 1.4's get_k_data calls it (with None for a year without data)."""
    pieces = [piece for piece in (self, other) if piece is not None and len(piece) > 0]
    return pd.concat(pieces, ignore_index=ignore_index) if pieces else self


pd.DataFrame.append = append  # for this run only: the installed pandas and tushare stay as they are

# %% 1. import
import tushare as ts
import matplotlib.pyplot as plt
import contextlib, filecmp, io, time  # not the lecture's: to check the download before it replaces the CSV

# %% 2. download: the lecture's ts.get_k_data, or tushare's Pro API when TUSHARE_TOKEN is set
token = os.environ.get('TUSHARE_TOKEN', '').strip()  # not ts.set_token: it writes the token into your home folder
print('downloading 600519 日 k 线 2010-04-26 .. 2020-04-26 with', 'the Pro API' if token else "the lecture's get_k_data")
printed, df1, failure = io.StringIO(), None, ''
with contextlib.redirect_stdout(printed):  # tushare prints a network error and goes on with the rest of the data
    try:
        if not token:
            df1 = ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26')
        else:
            df1 = ts.pro_bar(ts_code='600519.SH', api=ts.pro_api(token), adj='qfq',
                             start_date='2010-04-26', end_date='2020-04-26')
    except (OSError, ValueError, LookupError) as error:  # the network or the answer; pro_bar prints why, then raises
        failure = f'{type(error).__name__}: {error}'
errors = [line for line in printed.getvalue().splitlines() if line.strip() and '本接口即将停止更新' not in line]
if errors or failure:
    sys.exit(f'{parser.prog}: the download failed ({(errors or [failure])[-1]}); data/SH600519.csv was left unchanged.'
             f' Check the network{" and TUSHARE_TOKEN" if token else ""} and try again.')
if token and df1 is not None:  # the Pro API's names, dates and order (newest first) made the lecture's
    df1 = df1.rename(columns={'trade_date': 'date', 'vol': 'volume'}).sort_values('date', ignore_index=True)
    df1['date'], df1['code'] = pd.to_datetime(df1['date'], format='%Y%m%d').dt.strftime('%Y-%m-%d'), '600519'

# %% 3. check, then save: the lecture's df1.to_csv(datapath1), keeping the file it replaces
columns = ['date', 'open', 'close', 'high', 'low', 'volume', 'code']  # the lecture's CSV, after its unnamed index
if df1 is None or len(df1) == 0 or not set(columns) <= set(df1.columns):
    sys.exit(f"{parser.prog}: refused the download: empty or other columns; data/SH600519.csv was left unchanged")
df1 = df1[columns]
dates = pd.to_datetime(df1['date'], format='%Y-%m-%d', errors='coerce')  # NaT: not a date
good = (df1[['open', 'close', 'high', 'low']].apply(pd.to_numeric, errors='coerce') > 0).all(axis=1)  # NaN is not > 0
problem = ''
if dates.isna().any() or not (dates.is_monotonic_increasing and dates.is_unique):
    problem = 'its dates are not ascending, unique YYYY-MM-DD dates'
elif not good.all():
    problem = f'a price on {df1["date"][~good].iloc[0]} is missing, not a number or not positive'
elif len(df1) < 361:  # the stock scripts test on the last 300 days, and train on at least 60 days and the next one
    problem = f'only {len(df1)} trading days, fewer than the 361 the stock scripts need'
if problem:
    sys.exit(f'{parser.prog}: refused the download: {problem}; data/SH600519.csv was left unchanged')
datapath1 = "./data/SH600519.csv"  # the lecture's "./SH600519.csv", in data/, where p38, p47 and p56 read it
df1.to_csv(datapath1 + '.part')  # the lecture's df1.to_csv(datapath1), first beside it: the CSV is replaced whole
days = f'{len(df1)} trading days, {df1["date"].iloc[0]} .. {df1["date"].iloc[-1]}'
if os.path.exists(datapath1) and filecmp.cmp(datapath1, datapath1 + '.part', shallow=False):
    os.remove(datapath1 + '.part')  # not even rewritten with the same bytes
    print(f'data/SH600519.csv already holds exactly this download ({days}): left as it was')
else:
    if os.path.exists(datapath1):  # keep the file this download replaces, under a name of its own
        kept = time.strftime('data/SH600519.before-download-%Y%m%d-%H%M%S.csv')
        with open(datapath1, 'rb') as old, open(kept, 'xb') as copy:  # 'x': never over an earlier kept file
            copy.write(old.read())
        print(f'kept the file it replaces as {kept}; to go back, copy it over data/SH600519.csv')
    os.replace(datapath1 + '.part', datapath1)
    print(f'wrote {days}, to data/SH600519.csv')

# %% 4. 可视化: 开盘价 (opening price) against the dates, and the stock scripts' training and test set
dates, opens, split = pd.to_datetime(df1['date']), df1['open'], len(df1) - 300  # the lecture's 2426 - 300
plt.plot(dates.iloc[:split], opens.iloc[:split], color='tab:blue', label=f'training set ({split} days)')
plt.plot(dates.iloc[split:], opens.iloc[split:], color='tab:red', label='test set (the last 300 days)')
plt.title('600519 daily opening price (forward-adjusted)')
plt.legend()
os.makedirs('./figures', exist_ok=True)  # always saved, 1280 px wide for a projector
plt.savefig('./figures/p37_tushare.png', dpi=200)
print('figure saved to figures/p37_tushare.png')
if not args.no_show and plt.get_backend().lower() != 'agg':  # no screen (or a stale DISPLAY): matplotlib chose agg
    plt.show()
