# %% flags: the lecture's run by default (in an editor, change a default here, e.g. default=0 for --epochs)
"""p56_GRU_stock.py: GRU 实现股票预测 (lecture 6, 图 2.3.2-2.3.5): p38 with GRU 循环计算层 (更新门, 重置门); flags: --help."""
import argparse, os, sys, time
parser = argparse.ArgumentParser(prog='p56_GRU_stock.py', description='GRU 股票预测: two GRU layers on 贵州茅台 opens')
parser.add_argument('--epochs', type=int, default=50, help='training epochs (lecture: 50; 0: use the checkpoint)')
parser.add_argument('--seed', type=int, default=7, help="random seed of the weights, Dropout and fit (lecture: 7)")
parser.add_argument('--fresh', action='store_true', help='train from scratch; the saved checkpoint stays unless beaten')
parser.add_argument('--no-show', action='store_true', help='save the figures under figures/, never open a window')
parser.add_argument('--explain', action='store_true', help='open the gates (更新门, 重置门) behind each predicted open')
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # not a kernel's argv
if args.epochs < 0 or args.epochs == 0 and args.fresh:
    parser.error('--epochs 0 uses the checkpoint, which --fresh ignores' if args.epochs == 0 else '--epochs: 0 or more')
os.chdir(os.path.dirname(os.path.abspath(__file__)) if '__file__' in globals() else '.')  # ./ = the script's folder
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')  # TensorFlow's C++ log: fatal errors only

# %% 1. import
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dropout, Dense, GRU
import matplotlib.pyplot as plt
import os
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.metrics import mean_squared_error, mean_absolute_error
import math

# %% 2. 训练集和测试集: 连续60天的开盘价作为输入特征, 第61天的开盘价作为标签
try:  # p37_tushare.py writes data/: a missing or malformed CSV is one line; an Excel or WPS copy reads as the original
    maotai = pd.read_csv('./data/SH600519.csv')  # 读取股票文件
    maotai['date'] = pd.to_datetime(maotai['date'], format='mixed')
    if not (maotai.columns[2] == 'open' and pd.to_numeric(maotai['open']).gt(0).all() and len(maotai) > 300 + 60
            and maotai['date'].is_monotonic_increasing):
        raise ValueError('the lecture needs C 列 open > 0, dates in order, 361 days or more')
except (OSError, LookupError, ValueError) as error:
    sys.exit(f'{parser.prog}: cannot use data/SH600519.csv ({type(error).__name__}: {error}); p37_tushare.py writes it')
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
tf.keras.utils.set_random_seed(args.seed)  # Keras 3 seeds the weights from Python's random too; --seed (lecture: 7)
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
checkpoint_save_path = "./checkpoint/GRU_stock.weights.h5"  # Keras 3 names weight files .weights.h5
model.optimizer.build(model.trainable_variables)  # Adam's moments are saved with the weights: built, they load too
untrained = [v.numpy() for v in model.weights + model.optimizer.variables]  # where a run without a checkpoint starts
saved_val_loss = None  # the saved weights' val_loss: a new checkpoint must beat it
if os.path.exists(checkpoint_save_path) or args.epochs == 0:
    if not args.fresh:
        print('-------------load the model-----------------')
    try:
        model.load_weights(checkpoint_save_path)  # a damaged file or another model's raises (after loading what fits)
        saved_val_loss = model.evaluate(x_test, y_test, verbose=0)
    except (OSError, ValueError) as error:
        if args.epochs == 0:  # nothing to show: rename nothing, say how to make a checkpoint
            sys.exit(f'--epochs 0 cannot load {checkpoint_save_path} ({type(error).__name__}); '
                     f'make one first: python {parser.prog}')
        aside = f'{checkpoint_save_path}.unloadable-{time.strftime("%Y%m%d-%H%M%S")}'  # kept, never deleted
        os.replace(checkpoint_save_path, aside)
        print(f'cannot load {checkpoint_save_path} ({type(error).__name__}): kept it as {aside}, training from scratch')
if args.fresh or saved_val_loss is None:  # from scratch: the untrained weights and a new Adam, as without a checkpoint
    for variable, value in zip(model.weights + model.optimizer.variables, untrained):
        variable.assign(value)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path.replace('.weights', '.saving.weights'),
                                                 save_weights_only=True, save_best_only=True, monitor='val_loss',
                                                 initial_value_threshold=saved_val_loss)  # a worse run keeps the file
if os.path.exists(cp_callback.filepath):  # a new best is saved beside the checkpoint: drop half a one a Ctrl-C left
    os.remove(cp_callback.filepath)
renamed = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: os.path.exists(cp_callback.filepath)
                                            and os.replace(cp_callback.filepath, checkpoint_save_path))  # at once
history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test), validation_freq=1,
                    callbacks=[cp_callback, renamed])
if args.epochs > 0:
    print(f'saved the best weights (val_loss {cp_callback.best:.6f}) to {checkpoint_save_path}' if cp_callback.best !=
          saved_val_loss else f'kept {checkpoint_save_path}: this run did not beat its val_loss {saved_val_loss:.6f}')

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
os.makedirs('./figures', exist_ok=True)  # every figure is saved, 1280 px wide for a projector; shown on a screen
show = not args.no_show and plt.get_backend().lower() != 'agg'  # no screen (or a stale DISPLAY): matplotlib chose agg
if history.history:
    loss = history.history['loss']
    val_loss = history.history['val_loss']
    epochs = range(1, len(loss) + 1)  # epochs counted from 1, as on the console
    plt.plot(epochs, loss, label='Training Loss')
    plt.plot(epochs, val_loss, label='Validation Loss')
    plt.title('Training and Validation Loss')
    plt.gca().xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # whole epochs, even after a short run
    plt.legend()
    plt.savefig('./figures/p56_GRU_stock_loss.png', dpi=200)
    print('figure saved to figures/p56_GRU_stock_loss.png')
    plt.show() if show else plt.close()

# %% predict: 测试集输入模型进行预测
predicted_stock_price = model.predict(x_test, verbose=0)  # verbose=0: TF 2.1 printed no progress bar here
# 对预测数据还原---从(0, 1)反归一化到原始范围
predicted_stock_price = sc.inverse_transform(predicted_stock_price)
# 对真实数据还原---从(0, 1)反归一化到原始范围
real_stock_price = sc.inverse_transform(test_set[60:])
# 画出真实数据和预测数据的对比曲线
test_dates = maotai['date'].iloc[-len(real_stock_price):]  # on the x axis, where the lecture counted the samples
plt.plot(test_dates, real_stock_price, color='red', label='MaoTai Stock Price')
plt.plot(test_dates, predicted_stock_price, color='blue', label='Predicted MaoTai Stock Price')
plt.title('MaoTai Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel('MaoTai Stock Price')
plt.legend()
plt.savefig('./figures/p56_GRU_stock_prediction.png', dpi=200)
print('figure saved to figures/p56_GRU_stock_prediction.png')
plt.show() if show else plt.close()

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


# %% 滞后检查 and 多日预测: is the prediction just the last real price? How fast does the error grow days ahead?
def forecast(windows, days):
    """Opens predicted for `days` trading days after each scaled 60-day window, each prediction fed back as the
    newest day (the oldest dropped): (windows, days), de-scaled. Column 0 is model.predict's own answer."""
    ahead = []
    for _ in range(days):
        ahead.append(model.predict(windows, verbose=0))
        windows = np.concatenate([windows[:, 1:], ahead[-1][:, None]], axis=1)
    return sc.inverse_transform(np.hstack(ahead).reshape(-1, 1)).reshape(-1, days)


csv_opens, n = maotai['open'].values, len(real_stock_price)  # the test days are the CSV's last n rows
lags = [math.sqrt(mean_squared_error(predicted_stock_price[:, 0], csv_opens[-n - k:len(csv_opens) - k]))
        for k in range(6)]  # k=0: the 均方根误差 above
closest = int(np.argmin(lags))  # k=5, the last one checked, may mean 5 or more
print('滞后检查 (lag check), 均方根误差 of the predicted opens against the real opens k trading days earlier:\n  '
      + ' · '.join(f'k={k} {lag:.2f}' for k, lag in enumerate(lags)) + f' → closest at k={closest}: ' + (
          'no lag' if closest == 0 else 'the prediction follows the real price 1 day late' if closest == 1 else
          f'the prediction follows the real price {closest}{" or more" if closest == 5 else ""} days late'))
ahead, real = forecast(x_test, 10), real_stock_price[:, 0]  # day i+h-1 forecast h days ahead from the 60 before day i
horizon = [math.sqrt(mean_squared_error(ahead[:n - h + 1, h - 1], real[h - 1:])) for h in range(1, 11)]
horizon_persistence = [math.sqrt(mean_squared_error(persistence[:n - h + 1, 0], real[h - 1:])) for h in range(1, 11)]
print('多日预测 (each prediction fed back as the newest of the 60 days), 均方根误差 by trading days ahead:\n  '
      + f'1 {horizon[0]:.2f} (persistence {horizon_persistence[0]:.2f}) · '
      + ' · '.join(f'{h} {horizon[h - 1]:.2f} ({horizon_persistence[h - 1]:.2f})' for h in (2, 3, 5, 10)))
plt.plot(range(1, 11), horizon, 'bo-', label='GRU, predictions fed back')
plt.plot(range(1, 11), horizon_persistence, 'rs--', label="persistence: the last real open")
plt.title('RMSE of the predicted open, by trading days ahead')
plt.xlabel('trading days ahead')
plt.ylabel('RMSE (yuan)')
plt.legend()
plt.savefig('./figures/p56_GRU_stock_horizon.png', dpi=200)
print('figure saved to figures/p56_GRU_stock_horizon.png')
plt.show() if show else plt.close()


# %% 预测: type a test day and see the model's open next to the real one, or next [N] for the days after the CSV
def ask(prompt, is_valid, expected):
    """input(prompt), stripped and in lower case, until is_valid(answer). End of input or Ctrl-C ends calmly."""
    try:
        while not is_valid(answer := input(prompt).strip().lower()):
            print(expected)
        return answer
    except (EOFError, KeyboardInterrupt):  # Ctrl-D (Windows: Ctrl-Z), a closed pipe, or Ctrl-C: a calm goodbye
        print('\nbye')
        sys.exit()


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
    assert abs(sc.inverse_transform([[y]])[0, 0] - predicted_open) < 0.01, 'trained again? run the predict cell again'
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
    figure.savefig(f'./figures/p56_GRU_stock_explain_{day}.png', dpi=200)
    print(f'figure saved to figures/p56_GRU_stock_explain_{day}.png')
    plt.show() if show else plt.close()


test_days = list(test_dates.dt.strftime('%Y-%m-%d'))  # the days with a prediction
next_days = ['next'] + [f'next {n}' for n in range(1, 31)]  # next: the day after the CSV; next N: N days
date_help = f'please type a trading day from {test_days[0]} to {test_days[-1]} (YYYY-MM-DD), next, or next N (1-30)'
preNum = int(ask("input the number of test days:", str.isdecimal, 'please type a whole number, 0 or more'))
for i in range(preNum):
    day = ask("input test date (YYYY-MM-DD) or next:", lambda text: text in test_days + next_days, date_help)
    if day.startswith('next'):  # 最后60天的开盘价 -> [送入样本数 1, 循环核时间展开步数 60, 每个时间步输入特征个数 1]
        last_60 = np.reshape(sc.transform(maotai.iloc[-60:, 2:3].values), (1, 60, 1))
        next_opens = forecast(last_60, int(day[5:] or 1))[0]
        if day == 'next':
            print(f'next trading day after {test_days[-1]} -> predicted open {next_opens[0]:.2f}')
        else:  # each prediction fed back as the newest of the 60 days
            for d, next_open in enumerate(next_opens, start=1):
                print(f'trading day +{d} after {test_days[-1]} -> predicted open {next_open:.2f}')
    else:
        j = test_days.index(day)
        print(f'{day} -> predicted open {predicted_stock_price[j, 0]:.2f}, real open {real_stock_price[j, 0]:.2f}')
    if args.explain:  # the 循环计算过程 behind the open just printed (for next N: behind the first day)
        explain('next' if day.startswith('next') else day, next_opens[0] if day.startswith('next') else
                predicted_stock_price[j, 0])
