# %% flags: the lecture's run by default (in an editor, change a default here, e.g. default=0 for --epochs)
"""p56_GRU_stock.py: GRU 实现股票预测 (lecture 6, 图 2.3.2-2.3.5): p38 with two GRU layers (80, 100 记忆体) instead of
SimpleRNN; GRU 将LSTM中遗忘门与输入门合二为一为更新门 z_t, and its 重置门 r_t lets h_{t-1} into the 候选隐藏层 h̃_t.
    python p56_GRU_stock.py [--epochs N] [--fresh] [--no-show] [--explain]    (or cell by cell in an editor)"""
import argparse, contextlib, errno, itertools, os, re, sys, tempfile, h5py  # for the flags and the helpers


def flag_error(message):
    """A bad flag: one line saying what is wrong, instead of argparse's usage block."""
    sys.exit(f'{parser.prog}: {message} (see --help)')


@contextlib.contextmanager
def tensorflow_start_up_lines_dropped():
    """Drop the INFO lines TensorFlow logs before it reads TF_CPP_MIN_LOG_LEVEL, and its no-GPU cuInit error."""
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    held, real_stderr = tempfile.TemporaryFile('w+', errors='replace'), os.dup(2)
    os.dup2(held.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(real_stderr, 2)
        held.seek(0)
        sys.stderr.writelines(line for line in held if not re.match(r'WARNING: All log messages|I0000 |.*cuInit', line))


parser = argparse.ArgumentParser(prog='p56_GRU_stock.py', description='GRU 股票预测: two GRU layers on 贵州茅台 opens')
parser.add_argument('--epochs', type=int, default=50, help='training epochs (lecture: 50; 0: use the checkpoint)')
parser.add_argument('--fresh', action='store_true', help='train from scratch; the saved checkpoint stays unless beaten')
parser.add_argument('--no-show', action='store_true', help='save the figures under figures/, never open a window')
parser.add_argument('--explain', action='store_true', help='open the gates (更新门, 重置门) behind each predicted open')
parser.error = flag_error
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # not a kernel's argv
if args.epochs < 0:
    flag_error(f"argument --epochs: '{args.epochs}' is not a whole number >= 0")
if args.epochs == 0 and args.fresh:
    flag_error('--epochs 0 uses the saved checkpoint and --fresh ignores it: give one or the other')
start_folder = os.getcwd()  # where the user is: the paths in messages are ones they can open from here
if '__file__' in globals():  # python p56_...py, from any folder: the lecture's ./ paths mean the script's folder
    os.chdir(os.path.dirname(os.path.abspath(__file__)))  # (an editor's kernel has no __file__: ./ is its folder)

# %% 1. import
import numpy as np
with tensorflow_start_up_lines_dropped():
    import tensorflow as tf
    tf.config.list_physical_devices()  # TensorFlow looks for a GPU here: all its start-up lines fall in the filter
from tensorflow.keras.layers import Dropout, Dense, GRU
import matplotlib.pyplot as plt
import os
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.metrics import mean_squared_error, mean_absolute_error
import math


# %% 2. 训练集和测试集: 连续60天的开盘价作为输入特征, 第61天的开盘价作为标签
def shown(path):
    """path as the user can open it: relative from the script's folder, absolute from any other."""
    return os.path.normpath(path) if os.getcwd() == start_folder else os.path.abspath(path)


def read_stock_csv(path):
    """pd.read_csv, checked: B 列 date, C 列 open, rising dates, opens > 0, 361 days or more (Excel/WPS copies too)."""
    def fail(problem):
        sys.exit(f'{parser.prog}: {shown(path)}: {problem}; nothing was trained or written')
    try:
        maotai = pd.read_csv(path, keep_default_na=False)  # an empty cell stays '', to be named as such
    except FileNotFoundError:
        fail('no such file (python p37_tushare.py downloads it)')
    except (OSError, ValueError) as error:  # a folder, no permission, not a CSV at all
        fail(f'cannot be read as a CSV ({type(error).__name__}: {" ".join(str(error).split())})')
    if list(maotai.columns[1:3]) != ['date', 'open']:
        fail(f"no open column in C 列 (its columns are {', '.join(map(str, maotai.columns))}; p37 writes ,date,open,...)")
    dates = pd.to_datetime(maotai['date'].astype(str).str.replace('/', '-'), format='%Y-%m-%d', errors='coerce')
    opens = pd.to_numeric(maotai['open'], errors='coerce')
    for column, bad, expected in (('date', dates.isna() | (dates <= dates.shift()), 'a date later than the line above'),
                                  ('open', ~np.isfinite(opens) | (opens <= 0), 'a positive number')):
        if bad.any():  # name the first bad line (the header is line 1, row 0 is line 2)
            fail(f'line {bad.idxmax() + 2}: {column} is {str(maotai[column][bad.idxmax()])!r}, not {expected}')
    if len(maotai) < 300 + 60 + 1:
        fail(f'only {len(maotai)} trading days; at least {300 + 60 + 1} are needed (the last 300 to test, 60 + 1 to train)')
    return maotai.assign(date=dates, open=opens)


maotai = read_stock_csv('./data/SH600519.csv')  # 读取股票文件 (pd.read_csv, checked); the lecture's 2426 is len(maotai)
training_set = maotai.iloc[0:len(maotai) - 300, 2:3].values  # 前(2426-300=2126)天的开盘价作为训练集, 表格从0开始计数, 2:3 是提取(2:3)列, 前闭后开, 故提取出C列开盘价
test_set = maotai.iloc[len(maotai) - 300:, 2:3].values  # 后300天的开盘价作为测试集
# 归一化
sc = MinMaxScaler(feature_range=(0, 1))  # 定义归一化: 归一化到(0, 1)之间
training_set_scaled = sc.fit_transform(training_set)  # 求得训练集的最大值, 最小值这些训练集固有的属性, 并在训练集上进行归一化
test_set = sc.transform(test_set)  # 利用训练集的属性对测试集进行归一化
x_train = []
y_train = []
x_test = []
y_test = []
# 训练集: csv表格中前2426-300=2126天数据
# 利用for循环, 遍历整个训练集, 提取训练集中连续60天的开盘价作为输入特征x_train, 第61天的数据作为标签, for循环共构建2426-300-60=2066组数据
for i in range(60, len(training_set_scaled)):
    x_train.append(training_set_scaled[i - 60:i, 0])
    y_train.append(training_set_scaled[i, 0])
# 对训练集进行打乱
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
tf.keras.utils.set_random_seed(7)  # Keras 3 seeds its initial weights from Python's random too: seed all three
# 将训练集由list格式变为array格式
x_train, y_train = np.array(x_train), np.array(y_train)
# 使x_train符合RNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
# 此处整个数据集送入, 送入样本数为x_train.shape[0]即2066组数据; 输入60个开盘价, 预测出第61天的开盘价, 循环核时间展开步数为60; 每个时间步送入的特征是某一天的开盘价, 只有1个数据, 故每个时间步输入特征个数为1
x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))
# 测试集: csv表格中后300天数据
# 利用for循环, 遍历整个测试集, 提取测试集中连续60天的开盘价作为输入特征x_test (课程此处误写作x_train), 第61天的数据作为标签, for循环共构建300-60=240组数据
for i in range(60, len(test_set)):
    x_test.append(test_set[i - 60:i, 0])
    y_test.append(test_set[i, 0])
# 测试集变array并reshape为符合RNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
x_test, y_test = np.array(x_test), np.array(y_test)
x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))
print(f'{x_train.shape[0]} training samples, {x_test.shape[0]} test samples: x_train {x_train.shape}, x_test {x_test.shape}')

# %% 3. model: sequential 搭建网络, 两层循环计算层各接 0.2 的 Dropout, Dense(1) 输出第61天的开盘价
model = tf.keras.Sequential([
    tf.keras.Input(shape=(60, 1)),  # Keras 3 builds a model before fit only from an Input: the checkpoint can load
    GRU(80, return_sequences=True),  # 第一层记忆体 80 个, 每个时间步推送 h_t 给下一层
    Dropout(0.2),
    GRU(100),  # 第二层记忆体 100 个, 仅最后的时间步推送 h_t 给下一层
    Dropout(0.2),
    Dense(1)  # 输出值是第61天的开盘价, 只有一个数
])

# %% 4. compile
model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss='mean_squared_error')  # 损失函数用均方误差
# 该应用只观测loss数值, 不观测准确率, 所以删去metrics选项, 一会在每个epoch迭代显示时只显示loss值


# %% 5. fit, 断点续训 (根据测试集的 val_loss 保存最优模型)
def errors_as_sentences(kind, error, traceback):
    """sys.excepthook: Ctrl-C, a full disk or no permission is one line; any other error keeps its traceback."""
    if issubclass(kind, KeyboardInterrupt):  # the checkpoint is whole, for only finished files are renamed over it
        print('\ninterrupted; the last saved checkpoint stays as it was:', shown(checkpoint_save_path), file=sys.stderr)
        sys.exit(130)
    if isinstance(error, PermissionError) or getattr(error, 'errno', None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        sys.exit(f"error: {' '.join(str(error).split())}; free some disk space or check permissions")  # one line
    sys.__excepthook__(kind, error, traceback)


def load_checkpoint(path, monitor):
    """断点续训 made safe: load weights and Adam's state (not with --fresh), return the val_loss to beat; else set aside."""
    untrained = model.get_weights()
    try:
        with h5py.File(path, 'r') as saved:
            saved_value = float(saved.attrs[monitor])  # stamped by stamp_and_rename when it was saved
        if not args.fresh:
            model.optimizer.build(model.trainable_variables)  # Adam's moments are in the file too
            model.load_weights(path)  # a file of another model raises ValueError, after loading what did fit
            print(f'-------------load the model-----------------\n{shown(path)}: {monitor} {saved_value:.6f}')
        return saved_value
    except Exception as error:
        model.set_weights(untrained)
        if args.epochs == 0:  # nothing to use: rename nothing, say how to make a checkpoint
            sys.exit(f'--epochs 0 cannot load {shown(path)} ({type(error).__name__}); make one first: python {parser.prog}')
        aside = next(f'{path}.unloadable{n}' for n in itertools.count(1) if not os.path.exists(f'{path}.unloadable{n}'))
        os.replace(path, aside)
        print(f'cannot load {shown(path)} ({type(error).__name__}); kept it as {shown(aside)}, training from scratch')


def stamp_and_rename(epoch, logs):
    """Stamp the file ModelCheckpoint just wrote with its val_loss, then rename it over the checkpoint in one step."""
    if cp_callback.best != saved_val_loss and os.path.exists(cp_callback.filepath):  # this run's file, no leftover
        with h5py.File(cp_callback.filepath, 'a') as saved:
            saved.attrs[cp_callback.monitor] = cp_callback.best
        os.replace(cp_callback.filepath, checkpoint_save_path)


sys.excepthook = errors_as_sentences
checkpoint_save_path = "./checkpoint/GRU_stock.weights.h5"  # Keras 3 names weight files .weights.h5
saved_val_loss = None
if os.path.exists(checkpoint_save_path) or args.epochs == 0:
    saved_val_loss = load_checkpoint(checkpoint_save_path, 'val_loss')  # prints the lecture's -----load the model-----
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path.replace('.weights', '.saving.weights'),
                                                 save_weights_only=True, save_best_only=True, monitor='val_loss',
                                                 initial_value_threshold=saved_val_loss)  # a worse run keeps the file
history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test), validation_freq=1,
                    callbacks=[cp_callback, tf.keras.callbacks.LambdaCallback(on_epoch_end=stamp_and_rename)])
if args.epochs > 0:  # --epochs 0 trained nothing: the load line above said which weights these are
    print(f'saved the best weights (val_loss {cp_callback.best:.6f}) to {shown(checkpoint_save_path)}'
          if cp_callback.best != saved_val_loss else f'kept {shown(checkpoint_save_path)}: this run did not beat its val_loss')

# %% 6. summary
model.summary()

# %% 参数提取: every trainable variable, its path, shape and all values at full float32 precision
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)  # else NumPy elides long arrays
file = open('./weights.txt', 'w')  # 参数提取
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3: v.name is only 'kernel'; v.path is 'sequential/gru/...'
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()


# %% loss 可视化 (--epochs 0 trained nothing, so there is no curve to draw)
def save_and_show(figure_name, dpi=200):
    """Save the figure under figures/ (dpi 200: 1280 px wide, for a projector); show it where there is a screen."""
    os.makedirs('./figures', exist_ok=True)
    plt.savefig('./figures/' + figure_name, dpi=dpi)
    print('figure saved to', shown('./figures/' + figure_name))
    if not args.no_show and plt.get_backend().lower() != 'agg':  # no screen (or a stale DISPLAY): matplotlib chose agg
        plt.show()
    plt.close()  # the next plt.plot starts a new figure, as after the lecture's plt.show()


if history.history:
    loss = history.history['loss']
    val_loss = history.history['val_loss']
    epochs = range(1, len(loss) + 1)  # epochs counted from 1, as on the console
    plt.plot(epochs, loss, label='Training Loss')
    plt.plot(epochs, val_loss, label='Validation Loss')
    plt.title('Training and Validation Loss')
    plt.gca().xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # whole epochs, even after a short run
    plt.legend()
    save_and_show('p56_GRU_stock_loss.png')

# %% predict: 测试集输入模型进行预测
predicted_stock_price = model.predict(x_test, verbose=0)  # verbose=0: TF 2.1 printed no progress bar here
# 对预测数据还原---从(0, 1)反归一化到原始范围
predicted_stock_price = sc.inverse_transform(predicted_stock_price)
# 对真实数据还原---从(0, 1)反归一化到原始范围
real_stock_price = sc.inverse_transform(test_set[60:])
# 画出真实数据和预测数据的对比曲线
plt.plot(real_stock_price, color='red', label='MaoTai Stock Price')
plt.plot(predicted_stock_price, color='blue', label='Predicted MaoTai Stock Price')
plt.title('MaoTai Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel('MaoTai Stock Price')
plt.legend()
save_and_show('p56_GRU_stock_prediction.png')

# %% evaluate
# calculate MSE 均方误差 ---> E[(预测值-真实值)^2] (预测值减真实值求平方后求均值)
mse = mean_squared_error(predicted_stock_price, real_stock_price)
# calculate RMSE 均方根误差--->sqrt[MSE]    (对均方误差开方)
rmse = math.sqrt(mean_squared_error(predicted_stock_price, real_stock_price))
# calculate MAE 平均绝对误差----->E[|预测值-真实值|](预测值减真实值求绝对值后求均值)
mae = mean_absolute_error(predicted_stock_price, real_stock_price)
print('均方误差: %.6f' % mse)
print('均方根误差: %.6f' % rmse)
print('平均绝对误差: %.6f' % mae)

# %% persistence baseline on the same days, to see what the model is worth: 明天的开盘价 = 今天的开盘价
persistence = sc.inverse_transform(test_set[59:-1])
print(f"persistence baseline (tomorrow's open = today's open), the same {len(real_stock_price)} days:")
print('均方误差: %.6f' % mean_squared_error(persistence, real_stock_price))
print('均方根误差: %.6f' % math.sqrt(mean_squared_error(persistence, real_stock_price)))
print('平均绝对误差: %.6f' % mean_absolute_error(persistence, real_stock_price))


# %% 预测: type a test day and see the model's open next to the real one, or next for the day after the CSV
def ask(prompt, is_valid, expected):
    """input(prompt), stripped and in lower case, until is_valid(answer). End of input or Ctrl-C ends calmly."""
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        while not is_valid(answer := input(prompt).strip().lower()):
            print(expected)
        return answer
    print('\nbye')
    sys.exit(0)


def explain(day, predicted_open):
    """model.predict's forward pass on the 60 opens before `day`, in NumPy: layer 2's unit #j printed, all drawn."""
    row = len(maotai) if day == 'next' else len(maotai) - len(test_days) + test_days.index(day)  # day 61's row
    opens, days = maotai['open'].iloc[row - 60:row + 1], list(maotai['date'].iloc[row - 60:row].dt.strftime('%Y-%m-%d'))
    weights, xs = [v.astype(np.float64) for v in model.get_weights()], sc.transform(opens.values[:60, None])
    for kernel, recurrent_kernel, bias in (weights[0:3], weights[3:6]):  # 第二层的输入 x_t 就是第一层的输出 h_t
        h, steps = np.zeros(len(recurrent_kernel)), []  # h_0 = 0
        for x in xs:  # Keras 3 keeps z, r, h̃ side by side; bias row 0 goes with x_t, row 1 with h_t-1
            x_z, x_r, x_h = np.split(x @ kernel + bias[0], 3)
            h_z, h_r, h_h = np.split(h @ recurrent_kernel + bias[1], 3)
            a_z, a_r = -(x_z + h_z), x_r + h_r  # the lecture's z_t is Keras' 1 - z_t = σ(-(Keras' sum))
            z, r = 1 / (1 + np.exp(-np.array([a_z, a_r])))  # σ, the sigmoid
            a_h = x_h + r * h_h  # Keras' reset_after=True: r_t scales U_h·h_t-1 + b_hh (lecture: W·[r_t*h_t-1, x_t])
            h = (1 - z) * h + z * np.tanh(a_h)
            steps.append([a_z, a_r, a_h, z, r, np.tanh(a_h), h])
        s = dict(zip(['a_z', 'a_r', 'a_h', 'z', 'r', 'h̃', 'h'], np.array(steps).transpose(1, 0, 2)))
        xs = s['h']  # this layer's h_1..h_60
    w, y = weights[6][:, 0], xs[59] @ weights[6][:, 0] + weights[7][0]
    assert abs(sc.inverse_transform([[y]])[0, 0] - predicted_open) < 0.01, \
        'not what model.predict gave: after training again, run the predict cell again'  # (an editor's kernel)
    j = np.abs(w * xs[59]).argmax()
    v = {name: values[59, j] for name, values in s.items()}  # unit j at t=60
    print(f'explain {day}: 第 2 层 GRU, 记忆体 #{j} (对预测贡献最大: w_{j}·h_60,{j} = {w[j] * v["h"]:.2f}), t=60 是 {days[59]}\n'
          f'  z_60 = σ(W_z·[h_59, x_60] + b_z) = σ({v["a_z"]:.2f}) = {v["z"]:.2f}\n'
          f'  r_60 = σ(W_r·[h_59, x_60] + b_r) = σ({v["a_r"]:.2f}) = {v["r"]:.2f}\n'
          f'  h̃_60 = tanh(W_h·x_60 + b_xh + r_60*(U_h·h_59 + b_hh)) = tanh({v["a_h"]:.2f}) = {v["h̃"]:.2f}\n'
          f'  h_60 = (1-z_60)*h_59 + z_60*h̃_60 = (1-{v["z"]:.2f})*{xs[58, j]:.2f} + {v["z"]:.2f}*{v["h̃"]:.2f} = {v["h"]:.2f}\n'
          f'  y = h_60·w + b = {y:.4f}, 反归一化: {predicted_open:.2f}')
    for g, name in (('z', '更新门'), ('r', '重置门')):
        print(f'  {g} {name}: 均值 {s[g].mean():.2f}, <0.1 占 {np.mean(s[g] < 0.1):.1%}, >0.9 占 {np.mean(s[g] > 0.9):.1%}')
    figure, axes = plt.subplot_mosaic('PPP;zrh', figsize=(9.6, 5.4), height_ratios=[2, 3], layout='constrained')
    axes['P'].plot(range(1, len(opens) + 1), opens, 'r.-', [60, 61], [opens.iloc[59], predicted_open], 'bo--', ms=8)
    axes['P'].set(title=f'GRU, {day}: opens (red), predicted {predicted_open:.2f} (blue); below: layer 2 by w_j·h_60,j',
                  xticks=[1, 21, 41, 61], xticklabels=[*days[::20], day])
    order = list(np.argsort(-w * xs[59]))  # layer 2's units, from raising y the most (top) to lowering it the most
    for g, title, colours, low in (('z', "z: update gate (lecture's)", 'viridis', 0), ('r', 'r: reset gate', 'viridis', 0),
                                   ('h', 'h: memory', 'RdBu_r', -1)):
        image = axes[g].imshow(s[g][:, order].T, colours, vmin=low, vmax=1, aspect='auto')
        figure.colorbar(image, ax=axes[g], label=title)
        axes[g].set(xticks=[0, 29, 59], xticklabels=['t=1', 30, 60], yticks=[order.index(j)], yticklabels=[f'#{j} →'])
    save_and_show(f'p56_GRU_stock_explain_{day}.png')


test_days = list(maotai['date'].iloc[-len(real_stock_price):].dt.strftime('%Y-%m-%d'))  # the days with a prediction
date_help = f'please type a trading day from {test_days[0]} to {test_days[-1]} (YYYY-MM-DD), or next'
preNum = int(ask("input the number of test days:", str.isdecimal, 'please type a whole number, 0 or more'))
for i in range(preNum):
    day = ask("input test date (YYYY-MM-DD) or next:", lambda text: text == 'next' or text in test_days, date_help)
    if day == 'next':  # 最后60天的开盘价 -> [送入样本数 1, 循环核时间展开步数 60, 每个时间步输入特征个数 1]
        last_60 = np.reshape(sc.transform(maotai.iloc[-60:, 2:3].values), (1, 60, 1))
        next_open = sc.inverse_transform(model.predict(last_60, verbose=0))[0, 0]
        print(f"next trading day after {maotai['date'].iloc[-1]:%Y-%m-%d} -> predicted open {next_open:.2f}")
    else:
        j = test_days.index(day)
        print(f'{day} -> predicted open {predicted_stock_price[j, 0]:.2f}, real open {real_stock_price[j, 0]:.2f}')
    if args.explain:  # the 循环计算过程 behind the open just printed
        explain(day, next_open if day == 'next' else predicted_stock_price[j, 0])
if preNum == 0 and not sys.stdin.isatty():
    print()  # piped input is not echoed: end the prompt's line
