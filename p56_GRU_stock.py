"""p56_GRU_stock.py: GRU 实现股票预测 (a GRU predicts Kweichow Moutai's opening price).

Lecture 6, "GRU 股票预测": p38 with the SimpleRNN layers replaced by GRU (门控循环单元: 更新门 and 重置门, the LSTM's
遗忘门 and 输入门 merged into one), 80 and 100 记忆体, Dropout, then Dense(1); 60 days of 贵州茅台 (600519) opening
prices predict the 61st. Prints the lecture's 均方误差 / 均方根误差 / 平均绝对误差 next to the persistence baseline
(tomorrow's open = today's open), then answers for test dates you type, or `next` for the day after the CSV's last row.

    python p56_GRU_stock.py [--epochs N] [--fresh] [--no-show]
"""
import argparse
import datetime
import os
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))  # every path is relative to this file, not to the current folder
NAME = 'GRU_stock'
CSV = os.path.join(HERE, 'data', 'SH600519.csv')


# ---- at the edges: flags, a calm console, errors as one sentence ---------------------------------------------------
def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number >= 1')
    return int(text)


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--epochs', type=positive_int, default=50, help='training epochs (lecture: 50)')
parser.add_argument('--fresh', action='store_true', help='ignore the saved checkpoint in this run')
parser.add_argument('--no-show', action='store_true', help='save the figures but never open a window')
parser.error = lambda message: sys.exit(f'{parser.prog}: {message} (see --help)')
args = parser.parse_args()


def one_line_errors(kind, error, tb):
    if issubclass(kind, KeyboardInterrupt):  # Ctrl-C while training: the saved checkpoint is always complete
        partial = os.path.join(HERE, 'checkpoint', NAME + '.saving.weights.h5')
        if os.path.exists(partial):
            os.remove(partial)
        print(f'\ninterrupted; the last saved checkpoint stays as it was: checkpoint/{NAME}.weights.h5', file=sys.stderr)
        sys.exit(130)
    if issubclass(kind, OSError):
        sys.exit(f'error: {error.filename or ""} {error.strerror or error}; free some space or check permissions')
    sys.__excepthook__(kind, error, tb)


sys.excepthook = one_line_errors


def csv_error(problem):
    """One line on stderr naming the CSV and what is wrong with it; exit 1 before anything is written."""
    if isinstance(problem, FileNotFoundError):
        problem = 'no such file (p37_tushare.py downloads it)'
    elif isinstance(problem, Exception):
        problem = f'cannot be read as a CSV ({type(problem).__name__}: {" ".join(str(problem).split())})'
    sys.exit(f'{parser.prog}: {CSV}: {problem}; nothing was trained or written')


def check_stock_csv(maotai):
    """The lecture's CSV: date and open columns, ascending dates, a positive opening price on every line, and at least
    300 test days plus one 60-day window and the day after it to train on. Turns `open` into numbers, `date` into dates;
    anything else is one line from csv_error."""
    missing = [column for column in ('date', 'open') if column not in maotai.columns]
    if missing:
        csv_error(f'no {" and no ".join(missing)} column (expected the columns p37_tushare.py writes: '
                  f'date, open, close, high, low, volume, code)')
    dates = pd.to_datetime(maotai['date'], format='%Y-%m-%d', errors='coerce')
    opens = pd.to_numeric(maotai['open'], errors='coerce')
    checks = (('date', dates.isna() | (dates <= dates.shift()), 'a YYYY-MM-DD date later than the line above'),
              ('open', ~np.isfinite(opens) | (opens <= 0), 'a positive number'))
    for column, bad, expected in checks:
        if bad.any():
            row = bad.to_numpy().argmax()
            text = '' if pd.isna(maotai[column].iloc[row]) else str(maotai[column].iloc[row])
            csv_error(f'line {row + 2}: {column} is {text!r}, not {expected}')
    if len(maotai) < 300 + 60 + 1:
        csv_error(f'only {len(maotai)} trading days; at least {300 + 60 + 1} are needed (the last 300 to test, '
                  f'and before them 60 days and the one after to train)')
    maotai['open'], maotai['date'] = opens, dates


def import_tensorflow_quietly():
    """TF_CPP_MIN_LOG_LEVEL=2 keeps C++ errors and drops info; abseil prints a few info lines before it reads that
    setting, and CUDA complains when there is no GPU: drop exactly those lines, pass every other one on."""
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    noise = ('All log messages before absl::InitializeLog()', 'I0000 ', 'failed call to cuInit')
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow
            tensorflow.config.list_physical_devices('GPU')
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            log.seek(0)
            for line in log.read().decode(errors='replace').splitlines():
                if not any(n in line for n in noise):
                    print(line, file=sys.stderr)


import_tensorflow_quietly()
import matplotlib

show_window = not args.no_show and (sys.platform in ('win32', 'darwin') or 'DISPLAY' in os.environ
                                    or 'WAYLAND_DISPLAY' in os.environ)
if not show_window:
    matplotlib.use('Agg')

# ---- 1. import -----------------------------------------------------------------------------------------------------
import math

import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow.keras.layers import Dense, Dropout, GRU
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.preprocessing import MinMaxScaler

tf.keras.utils.set_random_seed(7)  # seed 7 for numpy, python and TensorFlow: two runs give the same numbers

# ---- 2. train: x_train, y_train; test: x_test, y_test --------------------------------------------------------------
try:
    maotai = pd.read_csv(CSV)  # 读取股票文件
except (OSError, ValueError) as error:  # missing, a folder, no permission, not a CSV at all
    csv_error(error)
check_stock_csv(maotai)

# 前 len(maotai)-300 天 (2426-300=2126) 的开盘价作为训练集; the lecture's iloc[..., 2:3] is this C 列, 'open'
training_set = maotai[['open']].iloc[0:len(maotai) - 300].values
test_set = maotai[['open']].iloc[len(maotai) - 300:].values  # 后300天的开盘价作为测试集

sc = MinMaxScaler(feature_range=(0, 1))  # 定义归一化: 归一化到(0, 1)之间
training_set_scaled = sc.fit_transform(training_set)  # 求得训练集的最大值, 最小值这些固有属性, 并在训练集上归一化
test_set = sc.transform(test_set)  # 利用训练集的属性对测试集进行归一化

x_train = []
y_train = []

x_test = []
y_test = []

# 训练集: 连续60天的开盘价作为输入特征 x_train, 第61天的数据作为标签 y_train; 2126-60=2066 组数据
for i in range(60, len(training_set_scaled)):
    x_train.append(training_set_scaled[i - 60:i, 0])
    y_train.append(training_set_scaled[i, 0])
# 对训练集进行打乱
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
x_train, y_train = np.array(x_train), np.array(y_train)

# 使x_train符合RNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
# 此处整个数据集送入, 送入样本数为x_train.shape[0]; 输入60个开盘价预测第61天, 循环核时间展开步数为60; 每个时间步1个开盘价
x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))

# 测试集: 同理, 300-60=240 组数据, 不打乱
for i in range(60, len(test_set)):
    x_test.append(test_set[i - 60:i, 0])
    y_test.append(test_set[i, 0])
x_test, y_test = np.array(x_test), np.array(y_test)
x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))
print(f'{x_train.shape[0]} training samples, {x_test.shape[0]} test samples '
      f'(60 days of open predict the 61st; the test set is the last 300 days)')

# ---- 3. model: 两层 GRU (80 和 100 个记忆体) + Dropout + 一层全连接 ------------------------------------------------
# Keras' GRU differs in detail from the lecture's formula: z ↔ 1 − z, reset_after=True; see tests/test_lecture_math.py
model = tf.keras.Sequential([
    tf.keras.Input(shape=(60, 1)),  # 循环核时间展开步数 60, 每个时间步输入特征个数 1
    GRU(80, return_sequences=True),  # 每个时间步推送 h_t 给下一层
    Dropout(0.2),
    GRU(100),  # 仅最后的时间步推送 h_t
    Dropout(0.2),
    Dense(1)  # 第61天的开盘价, 一个数
])

# ---- 4. compile ----------------------------------------------------------------------------------------------------
model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss='mean_squared_error')  # 损失函数用均方误差; 只观测 loss, 不设 metrics

# ---- 5. fit, 断点续训 (resume from the checkpoint) -----------------------------------------------------------------
checkpoint_save_path = os.path.join(HERE, 'checkpoint', NAME + '.weights.h5')
saving_path = os.path.join(HERE, 'checkpoint', NAME + '.saving.weights.h5')  # written first, then renamed
os.makedirs(os.path.dirname(checkpoint_save_path), exist_ok=True)

best_so_far = None  # the saved file's val_loss: a run replaces the file only with better weights
if os.path.exists(checkpoint_save_path):
    saved, initial_weights = model, model.get_weights()
    if args.fresh:  # --fresh trains from scratch, but still reads the file to know the loss it must beat
        saved = tf.keras.models.clone_model(model)
        saved.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss=model.loss)
    saved.optimizer.build(saved.trainable_variables)  # so that Adam's saved state is restored too
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # Keras only warns when variables do not match: that file is not ours
            saved.load_weights(checkpoint_save_path)
        best_so_far = saved.evaluate(x_test, y_test, verbose=0, return_dict=True)['loss']
        if not args.fresh:
            print('-------------load the model-----------------')
    except Exception as error:  # corrupt, or from another model: keep it aside, never delete it
        aside = next(f'{checkpoint_save_path}.unloadable{n}' for n in range(1, 10**6)
                     if not os.path.exists(f'{checkpoint_save_path}.unloadable{n}'))
        os.replace(checkpoint_save_path, aside)
        model.set_weights(initial_weights)
        print(f'cannot load checkpoint/{NAME}.weights.h5 ({type(error).__name__}: it is damaged or from another model);'
              f' kept it as checkpoint/{os.path.basename(aside)}, training from scratch')
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=saving_path, save_weights_only=True, save_best_only=True,
                                                 monitor='val_loss', initial_value_threshold=best_so_far)
rename_when_saved = tf.keras.callbacks.LambdaCallback(  # a Ctrl-C never leaves a half-written checkpoint
    on_epoch_end=lambda epoch, logs: os.path.exists(saving_path) and os.replace(saving_path, checkpoint_save_path))

history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test),
                    validation_freq=1, callbacks=[cp_callback, rename_when_saved])
if cp_callback.best != best_so_far:
    print(f'saved the best weights (val_loss {cp_callback.best:.6f}) to checkpoint/{NAME}.weights.h5')
else:
    print(f'kept checkpoint/{NAME}.weights.h5 (val_loss {best_so_far:.6f}): this run did not beat it')

# ---- 6. summary ----------------------------------------------------------------------------------------------------
model.summary()

# ---- 参数提取: every trainable variable, its path, shape and all values at full float32 precision ------------------
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)
with open(os.path.join(HERE, 'weights.txt'), 'w') as file:
    for v in model.trainable_variables:
        file.write(str(v.path) + '\n')
        file.write(str(v.shape) + '\n')
        file.write(str(v.numpy()) + '\n')


def save_and_show(kind):
    """Always a PNG under figures/; a window too when there is a display and no --no-show."""
    figure_path = os.path.join(HERE, 'figures', f'p56_GRU_stock_{kind}.png')
    os.makedirs(os.path.dirname(figure_path), exist_ok=True)
    plt.savefig(figure_path)
    print(f'figure saved to figures/{os.path.basename(figure_path)}')
    if show_window:
        plt.show()


# ---- loss 可视化 ---------------------------------------------------------------------------------------------------
loss = history.history['loss']
val_loss = history.history['val_loss']

epochs = range(1, len(loss) + 1)  # this run's epochs; a dot on each, so that even one epoch shows

plt.figure()
plt.plot(epochs, loss, marker='.', label='Training Loss')
plt.plot(epochs, val_loss, marker='.', label='Validation Loss')
plt.title('Training and Validation Loss')
plt.xlabel('Epoch')
plt.gca().xaxis.set_major_locator(MaxNLocator(integer=True))
plt.legend()
save_and_show('loss')

# ---- predict: 测试集输入模型进行预测, 反归一化到原始价格 -----------------------------------------------------------
predicted_stock_price = model.predict(x_test)
predicted_stock_price = sc.inverse_transform(predicted_stock_price)  # 对预测数据还原: 从(0, 1)反归一化到原始范围
real_stock_price = sc.inverse_transform(test_set[60:])  # 对真实数据还原
test_days = maotai['date'].iloc[len(maotai) - 240:]  # the 240 test days with a prediction

# 画出真实数据 (红) 和预测数据 (蓝) 的对比曲线
plt.figure(figsize=(10, 5))
plt.plot(test_days, real_stock_price, color='red', label='MaoTai Stock Price')
plt.plot(test_days, predicted_stock_price, color='blue', label='Predicted MaoTai Stock Price')
plt.title('MaoTai Stock Price Prediction')
plt.xlabel('Date')
plt.ylabel('MaoTai Stock Price')
plt.legend()
plt.gcf().autofmt_xdate()  # slanted dates, readable
save_and_show('prediction')


# ---- evaluate: 均方误差, 均方根误差, 平均绝对误差 (in price units) -------------------------------------------------
def print_metrics(predicted_stock_price, real_stock_price):
    mse = mean_squared_error(predicted_stock_price, real_stock_price)  # E[(预测值-真实值)^2]
    rmse = math.sqrt(mean_squared_error(predicted_stock_price, real_stock_price))  # sqrt[MSE]
    mae = mean_absolute_error(predicted_stock_price, real_stock_price)  # E[|预测值-真实值|]
    print('均方误差: %.6f' % mse)
    print('均方根误差: %.6f' % rmse)
    print('平均绝对误差: %.6f' % mae)


print_metrics(predicted_stock_price, real_stock_price)
print(f"persistence baseline (明天开盘价 = 今天开盘价, tomorrow's open = today's open), "
      f'the same {len(real_stock_price)} days:')
print_metrics(sc.inverse_transform(test_set[59:-1]), real_stock_price)  # 前一天的开盘价 as the prediction


# ---- 预测: type test dates at the prompt, or next ------------------------------------------------------------------
def ask(prompt, parse):
    """Ask until parse() accepts the answer; parse raises ValueError with what is expected.
    End of input or Ctrl-C ends the program calmly."""
    while True:
        try:
            text = input(prompt)
        except (EOFError, KeyboardInterrupt):
            print('\nbye')
            sys.exit(0)
        try:
            return parse(text)
        except ValueError as problem:
            print(problem)


def whole_number(text):
    if not text.strip().isdecimal():
        raise ValueError('please type a whole number, 0 or more')
    return int(text)


day_index = {day.date(): i for i, day in enumerate(test_days)}
first_day, last_day = test_days.iloc[0].date(), test_days.iloc[-1].date()


def trading_day(text):
    """'next', or a trading day of the test period as a datetime.date."""
    text = text.strip().lower()
    if text == 'next':
        return text
    expected = f'please type a trading day from {first_day} to {last_day} (YYYY-MM-DD), or next'
    try:
        day = datetime.datetime.strptime(text, '%Y-%m-%d').date()
    except ValueError:
        raise ValueError(f'{text!r} is not a date; {expected}') from None
    if day not in day_index:
        why = 'not a trading day' if first_day < day < last_day else 'outside the test period'
        raise ValueError(f'{day} is {why}; {expected}')
    return day


preNum = ask("input the number of test days:", whole_number)
for i in range(preNum):
    day = ask("input test date (YYYY-MM-DD) or next:", trading_day)
    if day == 'next':
        # 最后60天的开盘价, 归一化后送入模型: [送入样本数 1, 循环核时间展开步数 60, 每个时间步输入特征个数 1]
        last_60 = np.reshape(sc.transform(maotai[['open']].iloc[-60:].values), (1, 60, 1))
        next_price = sc.inverse_transform(model.predict(last_60, verbose=0))[0, 0]
        print(f'next trading day after {last_day} -> predicted open {next_price:.2f}')
    else:
        j = day_index[day]
        print(f'{day} -> predicted open {predicted_stock_price[j, 0]:.2f}, real open {real_stock_price[j, 0]:.2f}')
