# %% flags · p37_tushare.py: 下载股票数据 (第六讲 (1) 数据源, 图 1.2.27), 存为 p38、p47、p56 读的 data/SH600519.csv
import argparse, os, sys
parser = argparse.ArgumentParser(prog='p37_tushare.py', description='下载贵州茅台 (600519) 2010-04-26 至 2020-04-26 '
                                 '的日 k 线 (前复权) 到 data/SH600519.csv: 先检查, 旧文件另存备份. '
                                 '设置了 TUSHARE_TOKEN=<你的 tushare.pro token> 时, 用 tushare 的 Pro 接口代替 get_k_data')
parser.add_argument('--no-show', action='store_true', help='图只保存到 figures/, 不打开窗口')
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # 不读 IPython 内核的 argv
if '__file__' in globals(): os.chdir(os.path.dirname(os.path.abspath(__file__)))  # ./ 是脚本所在的文件夹

# %% tushare 1.4 和新版 pandas: get_k_data 调用的 DataFrame.append 在 pandas 2 中已删除, 这里补上
import pandas as pd


def append(self, other, ignore_index=False):
    """tushare 1.4 的 get_k_data 所调用的 DataFrame.append (某一年没有数据时, other 是 None)."""
    pieces = [piece for piece in (self, other) if piece is not None and len(piece) > 0]
    return pd.concat(pieces, ignore_index=ignore_index) if pieces else self


pd.DataFrame.append = append  # 只在本次运行中生效, 不改动已安装的 pandas 和 tushare

# %% 1. import
import tushare as ts
import matplotlib.pyplot as plt
import contextlib, filecmp, io, time  # 讲义里没有: 用来在替换 CSV 之前检查下载的数据

# %% 2. download: 讲义的 ts.get_k_data; 设置了 TUSHARE_TOKEN 时用 tushare 的 Pro 接口
token = os.environ.get('TUSHARE_TOKEN', '').strip()  # 不用 ts.set_token: 它会把 token 写进你的主目录
print(f'下载 600519 在 2010-04-26 至 2020-04-26 的日 k 线, {"用 tushare 的 Pro 接口" if token else "用讲义的 get_k_data"}')
printed, df1, failure = io.StringIO(), None, ''
with contextlib.redirect_stdout(printed):  # tushare 遇到网络错误只打印出来, 接着下载其余的数据
    try:
        if not token:
            df1 = ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26')
        else:
            df1 = ts.pro_bar(ts_code='600519.SH', api=ts.pro_api(token), adj='qfq',
                             start_date='2010-04-26', end_date='2020-04-26')
    except (OSError, ValueError, LookupError) as error:  # 网络出错或服务器返回出错; pro_bar 先打印原因, 再报错
        failure = f'{type(error).__name__}: {error}'
errors = [line for line in printed.getvalue().splitlines() if line.strip() and '本接口即将停止更新' not in line]
if errors or failure:
    sys.exit(f'{parser.prog}: 下载失败 ({(errors or [failure])[-1]}); data/SH600519.csv 没有改动.'
             f' 请检查网络{"和 TUSHARE_TOKEN" if token else ""}, 再试一次')
if token and df1 is not None:  # 把 Pro 接口的列名、日期格式和顺序 (最新的在前) 改成讲义的
    df1 = df1.rename(columns={'trade_date': 'date', 'vol': 'volume'}).sort_values('date', ignore_index=True)
    df1['date'], df1['code'] = pd.to_datetime(df1['date'], format='%Y%m%d').dt.strftime('%Y-%m-%d'), '600519'

# %% 3. save: 先检查下载的数据, 再用讲义的 df1.to_csv(datapath1) 保存, 旧文件另存备份
columns = ['date', 'open', 'close', 'high', 'low', 'volume', 'code']  # 讲义的 CSV 的列, 在没有名字的序号列之后
if df1 is None or len(df1) == 0 or not set(columns) <= set(df1.columns):
    sys.exit(f'{parser.prog}: 下载的数据是空的或列不对, 不予采用; data/SH600519.csv 没有改动')
df1 = df1[columns]
dates = pd.to_datetime(df1['date'], format='%Y-%m-%d', errors='coerce')  # 不是日期的变成 NaT
good = (df1[['open', 'close', 'high', 'low']].apply(pd.to_numeric, errors='coerce') > 0).all(axis=1)  # NaN > 0 是 False
problem = ''
if dates.isna().any() or not (dates.is_monotonic_increasing and dates.is_unique):
    problem = '日期不全是 YYYY-MM-DD, 或不是严格递增'
elif not good.all():
    problem = f'{df1["date"][~good].iloc[0]} 的价格缺失、不是数字或不是正数'
elif len(df1) < 361:  # 股票预测脚本用最后 300 天做测试集, 训练集至少要 60 天加上第 61 天
    problem = f'只有 {len(df1)} 个交易日, 少于股票预测脚本需要的 361 个'
if problem:
    sys.exit(f'{parser.prog}: 下载的数据不可用: {problem}; data/SH600519.csv 没有改动')
datapath1 = "./data/SH600519.csv"  # 讲义是 "./SH600519.csv"; 放在 data/ 里, p38、p47、p56 从这里读
df1.to_csv(datapath1 + '.part')  # 讲义的 df1.to_csv(datapath1), 先写到 .part 临时文件, 再一次替换 CSV
days = f'{len(df1)} 个交易日, {df1["date"].iloc[0]} 至 {df1["date"].iloc[-1]}'
if os.path.exists(datapath1) and filecmp.cmp(datapath1, datapath1 + '.part', shallow=False):
    os.remove(datapath1 + '.part')  # 内容一样, 连重写也不做
    print(f'data/SH600519.csv 与这次下载的数据相同 ({days}), 未改动')
else:
    if os.path.exists(datapath1):  # 留下被替换的文件, 另起一个名字
        kept = time.strftime('data/SH600519.before-download-%Y%m%d-%H%M%S.csv')
        with open(datapath1, 'rb') as old, open(kept, 'xb') as copy:  # 'x': 不会覆盖以前留下的文件
            copy.write(old.read())
        print(f'被替换的文件留作 {kept}; 要换回去, 把它复制到 data/SH600519.csv')
    os.replace(datapath1 + '.part', datapath1)
    print(f'已写入 data/SH600519.csv: {days}')

# %% 4. 可视化: 开盘价随日期的变化, 分成股票预测脚本的训练集和测试集
dates, opens, split = pd.to_datetime(df1['date']), df1['open'], len(df1) - 300  # 讲义的 2426 - 300 (2426 是随附的 CSV 的交易日数)
plt.plot(dates.iloc[:split], opens.iloc[:split], color='tab:blue', label=f'training set ({split} days)')
plt.plot(dates.iloc[split:], opens.iloc[split:], color='tab:red', label='test set (the last 300 days)')
plt.title('600519 daily opening price (forward-adjusted)')
plt.legend()
os.makedirs('./figures', exist_ok=True)  # 图总是保存下来, 1280 像素宽, 适合投影
plt.savefig('./figures/p37_tushare.png', dpi=200)
print('图已保存: figures/p37_tushare.png')
if not args.no_show and plt.get_backend().lower() != 'agg':  # 没有屏幕 (或 DISPLAY 失效) 时 matplotlib 选 agg
    plt.show()
