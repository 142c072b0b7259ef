# %% flags: the lecture's download by default (in an editor, change a default here, e.g. default='000001' for --code)
"""p37_tushare.py: 下载股票数据 (lecture 6, 实践: RNN 实现股票预测, (1) 数据源, 图 1.2.27): 贵州茅台 (600519) 日 k 线,
前复权, 2010-04-26 .. 2020-04-26, into data/SH600519.csv (which p38, p47, p56 read), checked and written whole. 前复权
prices change with every dividend: a download that changes the CSV keeps the replaced file beside it, and says so.
    python p37_tushare.py [--code 600519] [--start 2010-04-26] [--end 2020-04-26] [--out data/SH600519.csv] [--no-show]
    TUSHARE_TOKEN=<your tushare.pro token> python p37_tushare.py    (tushare's Pro API; the token is never shown)"""
import argparse, contextlib, datetime, errno, io, os, sys, threading  # tools for the lines before step 1


def flag_error(message):
    """A bad flag: one line saying what is wrong, instead of argparse's usage block."""
    sys.exit(f'{parser.prog}: {message} (see --help)')


def day(text):
    """--start, --end: a date like 2010-04-26."""
    with contextlib.suppress(ValueError):
        return datetime.date.fromisoformat(text).isoformat()
    raise argparse.ArgumentTypeError(f'{text!r} is not a date like 2010-04-26')


parser = argparse.ArgumentParser(prog='p37_tushare.py', description='下载股票数据: the lecture\'s tushare download')
parser.add_argument('--code', default='600519', help='六位股票代码, stock code (lecture: %(default)s)')
parser.add_argument('--start', type=day, default='2010-04-26', help='first day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--end', type=day, default='2020-04-26', help='last day, YYYY-MM-DD (lecture: %(default)s)')
parser.add_argument('--out', default='data/SH600519.csv', help='the CSV, relative to this file (default: %(default)s)')
parser.add_argument('--timeout', type=float, default=20, help='give up after so many seconds (default: %(default)s)')
parser.add_argument('--no-show', action='store_true', help='save the figure under figures/, never open a window')
parser.error = flag_error
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # not a kernel's argv
if not (len(args.code) == 6 and args.code.isdigit()):
    flag_error(f'--code {args.code!r} is not a six-digit stock code like 600519')
if args.start > args.end:
    flag_error(f'--start {args.start} is after --end {args.end}')
if not 0 < args.timeout <= 600:
    flag_error(f'--timeout {args.timeout:g} is not a number of seconds between 0 and 600')
start_folder = os.getcwd()  # where the user is: the paths in messages are ones they can open from here
if '__file__' in globals():  # python p37_tushare.py, from any folder: paths are relative to the script's folder
    os.chdir(os.path.dirname(os.path.abspath(__file__)))  # (an editor's kernel has no __file__: ./ is its folder)

# %% 1. import
import tushare as ts
import matplotlib.pyplot as plt
import pandas as pd  # not the lecture's: to check the answer before it replaces the CSV


# %% 2. download: the lecture's ts.get_k_data, or tushare's Pro API when TUSHARE_TOKEN is set
def append(self, other, ignore_index=False):
    """DataFrame.append as tushare 1.4's get_k_data uses it: pandas 2 removed it. tushare appends None for no data."""
    pieces = [piece for piece in (self, other) if piece is not None and len(piece) > 0]
    return pd.concat(pieces, ignore_index=ignore_index) if pieces else self


def shown(path):
    """path as the user can open it from the folder they ran this in: relative when inside it, else absolute."""
    path, start = os.path.abspath(path), os.path.join(start_folder, '')
    return path[len(start):] if path.startswith(start) else path


def disk_full_or_no_permission(error):
    """The OSErrors a user can fix: no permission, a full disk, a file-size limit or a quota."""
    disk_errors = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    return isinstance(error, PermissionError) or getattr(error, 'errno', None) in disk_errors


def errors_as_sentences(kind, error, traceback):
    """sys.excepthook: Ctrl-C, a full disk or no permission is one line; any other error keeps its traceback."""
    if issubclass(kind, KeyboardInterrupt):  # the CSV is whole: it is only ever replaced by a finished file
        print(f'{parser.prog}: interrupted', file=sys.stderr)
        sys.exit(130)
    if disk_full_or_no_permission(error):
        sys.exit(f'{parser.prog}: {error}; free some disk space or check permissions')
    sys.__excepthook__(kind, error, traceback)


def fail(what, todo=''):
    """One line on stderr and exit 1: what failed, and that the CSV was not touched; never the token."""
    if len(token) >= 8:  # real tokens are long: hide one even inside a server's message
        what = what.replace(token, '<TUSHARE_TOKEN>')
    kept = 'was left unchanged' if os.path.exists(args.out) else 'was not written'
    sys.exit(f'{parser.prog}: {" ".join(what.split())}; {shown(args.out)} {kept}.' + (f' {todo}' if todo else ''))


def quietly_within(seconds, function):
    """function() in a thread, its printing captured: tushare prints network errors and goes on without that part
    of the data, so a printed line is a failure. The thread ends the wait after `seconds` (retries take minutes)."""
    answer, printed = {}, io.StringIO()

    def run():
        try:
            answer['data'] = function()
        except Exception as error:  # handed over to the main thread below
            answer['error'] = error

    worker = threading.Thread(target=run, daemon=True)
    with contextlib.redirect_stdout(printed):
        worker.start()
        for _ in range(int(seconds * 10) + 1):  # short waits: Ctrl-C is heard between them, not only at the end
            worker.join(0.1)
    error = answer.get('error')
    if error is not None and not isinstance(error, (OSError, ValueError, LookupError)):  # not network, not the answer
        raise error  # a fault of this script or of tushare: its traceback is for the teacher
    why = [] if error is None else [f'{type(error).__name__}: {error}']  # pro_bar prints the cause, raises 'ERROR.'
    why += [line for line in printed.getvalue().splitlines() if line.strip() and '本接口即将停止更新' not in line]
    if worker.is_alive():
        why.append(f'no complete answer within {seconds:g} s')
    if why:
        todo = 'Check the network and TUSHARE_TOKEN and try again.' if token else 'Check the network and try again.'
        fail(f'the download failed ({why[-1]})', todo)
    return answer['data']


def download():
    """The lecture's df1 = ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26'), with the flags."""
    if not token:  # (tushare prints each failed try: quietly_within sees it)
        return ts.get_k_data(args.code, ktype='D', start=args.start, end=args.end)
    exchange = '.SH' if args.code[0] in '569' else '.BJ' if args.code[0] in '48' else '.SZ'  # 上交所/北交所/深交所
    bars = ts.pro_bar(ts_code=args.code + exchange, api=ts.pro_api(token), adj='qfq', start_date=args.start,
                      end_date=args.end, retry_count=1)  # not ts.set_token: it saves the token in your home folder
    if bars is None or len(bars) == 0:
        return None
    bars = bars.rename(columns={'trade_date': 'date', 'vol': 'volume'}).assign(code=args.code)  # the lecture's names
    bars['date'] = pd.to_datetime(bars['date'], format='%Y%m%d').dt.strftime('%Y-%m-%d')
    return bars.sort_values('date', ignore_index=True)  # oldest first, as get_k_data


token = os.environ.get('TUSHARE_TOKEN', '').strip()  # read from the environment only: never printed, never saved
pd.DataFrame.append = append  # for tushare's get_k_data only: the installed pandas and tushare stay as they are
sys.excepthook = errors_as_sentences
source = 'the Pro API, ts.pro_bar (TUSHARE_TOKEN is set)' if token else \
    "the lecture's ts.get_k_data (set TUSHARE_TOKEN to use the Pro API)"
print(f'downloading {args.code} 日 k 线 前复权 (daily, forward-adjusted) {args.start} .. {args.end} with {source}')
df1 = quietly_within(args.timeout, download)


# %% 3. check, then save: the lecture's df1.to_csv(datapath1), keeping the file it replaces
def read_bytes(path):
    """The bytes of the file at path, or None when there is none."""
    if not os.path.exists(path):
        return None
    with open(path, 'rb') as file:
        return file.read()


def write_new(path, data, mode='xb'):
    """data into a new file (mode 'xb': never over an existing one), on the disk (fsync) before the next step; a
    write that fails part way leaves no file behind. Returns path."""
    file = open(path, mode)  # not inside the try: a file that was there already is not ours to remove
    try:
        with file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # so that even a power cut after the rename below cannot cost a file
    except BaseException:
        os.remove(path)
        raise
    return path


def name_for_replaced(path):
    """A free name beside path that says what the file is: data/SH600519.before-download-2026-11-30.csv, then -2..."""
    stem, extension = os.path.splitext(path)
    name, counter = f'{stem}.before-download-{datetime.date.today()}{extension}', 1
    while os.path.exists(name):
        counter += 1
        name = f'{stem}.before-download-{datetime.date.today()}-{counter}{extension}'
    return name


def replace_keeping_the_old(path, new, old):
    """Write new over path atomically (a whole temporary file renamed over it); old, when there is one, first into a
    new file beside it, whose name is returned. On failure, path and every earlier kept file stay as they were."""
    partial, kept = path + '.part', None
    try:
        write_new(partial, new, 'wb')
        if old is not None:
            kept = write_new(name_for_replaced(path), old)
        os.replace(partial, path)
    except BaseException:  # a full disk, no permission, Ctrl-C: drop the temporary file and the copy, keep the old CSV
        for leftover in (partial, kept):
            if leftover and os.path.exists(leftover):
                os.remove(leftover)
        raise
    return kept


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
datapath1 = args.out  # the lecture's "./SH600519.csv", in data/ (relative to this script's folder): see --out
new, old = df1.to_csv().encode(), read_bytes(datapath1)  # the lecture's df1.to_csv(datapath1), first into memory
days = f'{len(df1)} trading days, {df1["date"].iloc[0]} .. {df1["date"].iloc[-1]}'
if new == old:
    print(f'{shown(datapath1)} already holds exactly this download ({days}): left as it was')
else:
    os.makedirs(os.path.dirname(datapath1) or '.', exist_ok=True)
    try:
        kept = replace_keeping_the_old(datapath1, new, old)
    except OSError as error:
        if not disk_full_or_no_permission(error):
            raise  # not one the script knows (a broken pipe, a network drive gone): keep its traceback
        fail(f'could not write {shown(datapath1)} ({error.strerror or error})', 'Free some space or check permissions.')
    print(f'wrote {days}, to {shown(datapath1)}')
    if kept:
        print(f'kept the file it replaced as {shown(kept)}; to go back, copy it over {shown(datapath1)}')

# %% 4. 可视化: 开盘价 (opening price), and the stock scripts' training and test set
dates, opens, split = pd.to_datetime(df1['date']), df1['open'], len(df1) - 300  # the lecture's 2426 - 300
plt.plot(dates.iloc[:split], opens.iloc[:split], color='tab:blue', label=f'training set ({split} days)')
plt.plot(dates.iloc[split:], opens.iloc[split:], color='tab:red', label='test set (the last 300 days)')
plt.title(f'{args.code} daily opening price (forward-adjusted)')
plt.legend()
os.makedirs('./figures', exist_ok=True)  # always saved, 1280 px wide for a projector; shown where there is a screen
plt.savefig('./figures/p37_tushare.png', dpi=200)
print('figure saved to', shown('./figures/p37_tushare.png'))
if not args.no_show and plt.get_backend().lower() != 'agg':  # no screen (or a stale DISPLAY): matplotlib chose agg
    plt.show()
