# %% flags · p47_LSTM_stock.py: LSTM 实现股票预测 (第六讲 图 2.2.2-2.2.5), 把 p38 的循环计算层换成 LSTM; 不加参数时与讲义的运行相同
import argparse, glob, os, sys, time
parser = argparse.ArgumentParser(prog='p47_LSTM_stock.py', description='LSTM 实现股票预测: 两层 LSTM, 贵州茅台的开盘价')
parser.add_argument('--epochs', type=int, default=50, help='训练轮数 (讲义: 50; 0: 不训练, 用保存的 checkpoint)')
parser.add_argument('--seed', type=int, default=7, help='初始权重、Dropout 和 fit 打乱顺序的随机数种子 (讲义: 7)')
parser.add_argument('--fresh', action='store_true', help='从头训练; 只有 val_loss 比保存的 checkpoint 低, 才替换它')
parser.add_argument('--no-show', action='store_true', help='图只保存到 figures/, 不打开窗口')
parser.add_argument('--explain', action='store_true', help='对输入的每个日期, 打印并画出门控的计算 (输入门, 遗忘门, 输出门)')
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # 在编辑器里: 改 default=
if args.epochs < 0:
    parser.error('--epochs 不能小于 0')
if args.epochs == 0 and args.fresh:
    parser.error('--epochs 0 只载入 checkpoint, --fresh 要从头训练, 不能同时用')
if '__file__' in globals(): os.chdir(os.path.dirname(os.path.abspath(__file__)))  # ./ 是脚本所在的文件夹
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')  # TensorFlow 的 C++ 日志: 只显示致命错误
# %% 1. import
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dropout, Dense, LSTM
import matplotlib.pyplot as plt
import os
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.metrics import mean_squared_error, mean_absolute_error
import math

# %% 2. 训练集和测试集: 连续60天的开盘价作为输入特征, 第61天的开盘价作为标签
try:  # CSV 缺失或格式不对时只打印一行说明 (可用 p37_tushare.py 重新下载); Excel 或 WPS 另存的 CSV 照样能读
    maotai = pd.read_csv('./data/SH600519.csv')  # 读取股票文件
    maotai['date'] = pd.to_datetime(maotai['date'], format='mixed')
    if not (maotai.columns[2] == 'open' and pd.to_numeric(maotai['open']).gt(0).all() and len(maotai) > 300 + 60
            and maotai['date'].is_monotonic_increasing):
        raise ValueError('需要 C 列是 open 且全部大于 0, 日期从早到晚, 至少 361 个交易日')
except (OSError, LookupError, ValueError) as error:
    sys.exit(f'{parser.prog}: 无法使用 data/SH600519.csv ({type(error).__name__}: {error}); 可运行 p37_tushare.py 重新下载')
training_set = maotai.iloc[0:len(maotai) - 300, 2:3].values  # 前(2426-300=2126)天的开盘价作为训练集, 表格从0开始计数, 2:3 是提取[2:3)列, 前闭后开, 故提取出C列开盘价 (2426 是课程的 CSV 的行数: 这里用 len(maotai), 重新下载的 CSV 也能用)
test_set = maotai.iloc[len(maotai) - 300:, 2:3].values  # 后300天的开盘价作为测试集
# 归一化
sc = MinMaxScaler(feature_range=(0, 1))  # 定义归一化: 归一化到(0, 1)之间
training_set_scaled = sc.fit_transform(training_set)  # 求得训练集的最大值, 最小值这些训练集固有的属性, 并在训练集上进行归一化
test_set = sc.transform(test_set)  # 利用训练集的属性对测试集进行归一化
x_train = []
y_train = []
x_test = []
y_test = []
# 训练集: csv表格中前2426-300=2126天数据 (课程此处误写作测试集)
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
tf.keras.utils.set_random_seed(args.seed)  # Keras 3 的初始权重也取自 Python 的 random; 种子由 --seed 给出 (讲义: 7)
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
print(f'{x_train.shape[0]} 个训练样本, {x_test.shape[0]} 个测试样本: x_train {x_train.shape}, x_test {x_test.shape}')

# %% 3. model: sequential 搭建网络, 两层循环计算层各接 0.2 的 Dropout, Dense(1) 输出第61天的开盘价
model = tf.keras.Sequential([
    tf.keras.Input(shape=(60, 1)),  # Keras 3 只有给了 Input 才在 fit 之前建好模型: 这样才能载入 checkpoint
    LSTM(80, return_sequences=True),  # 第一层记忆体 80 个, 每个时间步推送 h_t 给下一层
    Dropout(0.2),
    LSTM(100),  # 第二层记忆体 100 个, 仅最后的时间步推送 h_t 给下一层
    Dropout(0.2),
    Dense(1)  # 输出值是第61天的开盘价, 只有一个数
])

# %% 4. compile
model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss='mean_squared_error')  # 损失函数用均方误差
# 该应用只观测loss数值, 不观测准确率, 所以删去metrics选项, 一会在每个epoch迭代显示时只显示loss值

# %% 5. fit, 断点续训 (根据测试集的 val_loss 保存最优模型)
checkpoint_save_path = "./checkpoint/LSTM_stock.weights.h5"  # Keras 3 的权重文件名以 .weights.h5 结尾
model.optimizer.build(model.trainable_variables)  # 先建好 Adam: 它的动量和权重存在同一个文件里, 一起载入
untrained = [v.numpy() for v in model.weights + model.optimizer.variables]  # 没有 checkpoint 时训练的起点
saved_val_loss = None  # 已保存的权重的 val_loss: 新的 checkpoint 要比它好
if os.path.exists(checkpoint_save_path) or args.epochs == 0:
    if not args.fresh:
        print('-------------load the model-----------------')
    try:
        model.load_weights(checkpoint_save_path)  # 损坏的文件或别的模型的文件会报错 (报错前已载入对得上的部分)
        saved_val_loss = model.evaluate(x_test, y_test, verbose=0)
    except (OSError, ValueError) as error:
        if args.epochs == 0:  # 没有模型可用: 什么都不改名, 告诉学生怎样先得到一个
            sys.exit(f'--epochs 0 无法载入 {checkpoint_save_path} ({type(error).__name__}); 请先训练: python {parser.prog}')
        aside = f'{checkpoint_save_path}.unloadable-{time.strftime("%Y%m%d-%H%M%S")}'  # 留着, 从不删除
        os.replace(checkpoint_save_path, aside)
        print(f'无法载入 {checkpoint_save_path} ({type(error).__name__}): 已改名为 {aside}, 从头训练')
if args.fresh or saved_val_loss is None:  # 从头训练: 未训练的权重和新的 Adam, 和没有 checkpoint 时完全一样
    for variable, value in zip(model.weights + model.optimizer.variables, untrained):
        variable.assign(value)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path.replace('.weights', '.saving.weights'),
                                                 save_weights_only=True, save_best_only=True, monitor='val_loss',
                                                 initial_value_threshold=saved_val_loss)  # 更差的训练不会覆盖它
if os.path.exists(cp_callback.filepath):  # 新的最优权重先写到临时文件: 删掉上次按 Ctrl-C 时没写完的
    os.remove(cp_callback.filepath)
renamed = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: [  # 这一轮写了新的最优权重: 马上改名覆盖
    os.replace(new_best, checkpoint_save_path) for new_best in glob.glob(cp_callback.filepath)])
history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_data=(x_test, y_test), validation_freq=1,
                    callbacks=[cp_callback, renamed])
if args.epochs > 0 and cp_callback.best != saved_val_loss:
    print(f'已把最优权重 (val_loss {cp_callback.best:.6f}) 保存到 {checkpoint_save_path}')
elif args.epochs > 0:
    print(f'保留 {checkpoint_save_path}: 这次训练没有一轮的 val_loss 比它的 {saved_val_loss:.6f} 低')

# %% 6. summary
model.summary()

# %% 参数提取: 每个可训练变量的路径、形状和全部数值 (float32 全精度)
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)  # 否则 NumPy 会省略长数组的中间部分
file = open('./weights.txt', 'w')  # 参数提取
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3 的 v.name 只是 'kernel'; v.path 是 'sequential/lstm/...'
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()

# %% loss 可视化 (--epochs 0 没有训练, 没有曲线可画)
os.makedirs('./figures', exist_ok=True)  # 每张图都保存下来, 1280 像素宽, 适合投影; 有屏幕时也显示
show = not args.no_show and plt.get_backend().lower() != 'agg'  # 没有屏幕 (或 DISPLAY 失效) 时 matplotlib 选 agg
if history.history:
    loss = history.history['loss']
    val_loss = history.history['val_loss']
    epochs = range(1, len(loss) + 1)  # 轮数从 1 数起, 和控制台一样
    plt.plot(epochs, loss, label='Training Loss')
    plt.plot(epochs, val_loss, label='Validation Loss')
    plt.title('Training and Validation Loss')
    plt.gca().xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # 横轴只标整数轮, 训练很短时也一样
    plt.legend()
    plt.savefig('./figures/p47_LSTM_stock_loss.png', dpi=200)
    print('图已保存: figures/p47_LSTM_stock_loss.png')
    if show: plt.show()
    plt.close()

# %% predict: 测试集输入模型进行预测
predicted_stock_price = model.predict(x_test, verbose=0)  # verbose=0: 同讲义的 TF 2.1, 不显示进度条
# 对预测数据还原---从(0, 1)反归一化到原始范围
predicted_stock_price = sc.inverse_transform(predicted_stock_price)
# 对真实数据还原---从(0, 1)反归一化到原始范围
real_stock_price = sc.inverse_transform(test_set[60:])
# 画出真实数据和预测数据的对比曲线
test_dates = maotai['date'].iloc[-len(real_stock_price):]  # 横轴是日期 (讲义用的是样本序号)
plt.plot(test_dates, real_stock_price, color='red', label='MaoTai Stock Price')
plt.plot(test_dates, predicted_stock_price, color='blue', label='Predicted MaoTai Stock Price')
plt.title('MaoTai Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel('MaoTai Stock Price')
plt.legend()
plt.savefig('./figures/p47_LSTM_stock_prediction.png', dpi=200)
print('图已保存: figures/p47_LSTM_stock_prediction.png')
if show: plt.show()
plt.close()

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
if args.epochs == 0:  # 载入的 checkpoint 是 val_loss 最小的那一轮, 而 val_loss 就是在这些测试日上算的
    print('注意: 这个 checkpoint 是按测试集的 val_loss 挑出来的, 上面三个误差因此偏乐观 (训练结束时打印的是最后一轮的误差, 没有经过挑选)')

# %% baseline: 明天的开盘价 = 今天的开盘价, 同样的测试日, 看模型是否比它好
persistence = sc.inverse_transform(test_set[-len(real_stock_price) - 1:-1])  # 每个测试日的前一天
print(f'基线 (明天的开盘价 = 今天的开盘价), 同样的 {len(real_stock_price)} 天:')
print('均方误差: %.6f' % mean_squared_error(persistence, real_stock_price))
print('均方根误差: %.6f' % math.sqrt(mean_squared_error(persistence, real_stock_price)))
print('平均绝对误差: %.6f' % mean_absolute_error(persistence, real_stock_price))

# %% 滞后检查 和 多日预测: 预测是不是只是晚几天的真实价格? 往后多预测几天, 误差增长得多快?
def forecast(windows, days):
    """每个归一化的 60 天窗口之后 days 个交易日的开盘价 (反归一化, 窗口数 × days), 每个预测值放回窗口作为最新的一天."""
    ahead = []
    for _ in range(days):
        ahead.append(model.predict(windows, verbose=0))
        windows = np.concatenate([windows[:, 1:], ahead[-1][:, None]], axis=1)
    return sc.inverse_transform(np.hstack(ahead).reshape(-1, 1)).reshape(-1, days)

csv_opens, n = maotai['open'].values, len(real_stock_price)  # 测试日是 CSV 的最后 n 行
lags = [math.sqrt(mean_squared_error(predicted_stock_price[:, 0], csv_opens[-n - k:len(csv_opens) - k]))
        for k in range(6)]  # 预测的开盘价对比 k 个交易日之前的真实开盘价; k=0 就是上面的均方根误差
closest = int(np.argmin(lags))
verdict = f'预测比真实价格晚 {closest} 天'
if closest == 0:
    verdict = '没有滞后'
elif closest == 5:  # 只检查到 k=5
    verdict = '预测比真实价格晚 5 天或更多'
print('滞后检查: 预测的开盘价与 k 个交易日之前的真实开盘价相比的均方根误差')
print(f'  k=0 {lags[0]:.2f}', end='')
for k in range(1, 6):
    print(f' · k={k} {lags[k]:.2f}', end='')
print(f' → k={closest} 最接近: {verdict}')
ahead, real = forecast(x_test, 10), real_stock_price[:, 0]  # 从测试日 i 之前的 60 天出发, 预测到第 i+h-1 天
horizon = [math.sqrt(mean_squared_error(ahead[:n - h + 1, h - 1], real[h - 1:])) for h in range(1, 11)]
horizon_persistence = [math.sqrt(mean_squared_error(persistence[:n - h + 1, 0], real[h - 1:])) for h in range(1, 11)]
print('多日预测 (每个预测值作为最新的一天放回 60 天的窗口), 按预测的交易日数的均方根误差 (括号里是基线的):')
print(f'  1 {horizon[0]:.2f} (基线 {horizon_persistence[0]:.2f})', end='')
for h in (2, 3, 5, 10):
    print(f' · {h} {horizon[h - 1]:.2f} ({horizon_persistence[h - 1]:.2f})', end='')
print()
plt.plot(range(1, 11), horizon, 'bo-', label='LSTM, predictions fed back')
plt.plot(range(1, 11), horizon_persistence, 'rs--', label="persistence: the last real open")
plt.gca().set(title='RMSE of the predicted open, by trading days ahead', xlabel='trading days ahead', ylabel='RMSE (yuan)')
plt.legend()
plt.savefig('./figures/p47_LSTM_stock_horizon.png', dpi=200)
print('图已保存: figures/p47_LSTM_stock_horizon.png')
plt.close()

# %% 记忆跨度: 预测对前 60 天每一天的开盘价有多敏感? 240 个测试窗口, 一次 GradientTape
windows = tf.Variable(x_test, dtype=tf.float32)  # 做成 Variable: GradientTape 记录对它的运算, 才能求 ∂y/∂x
with tf.GradientTape() as tape:
    y = model(windows, training=False)  # training=False: Dropout 不起作用, 和 predict 一样
influence = np.abs(tape.gradient(y, windows).numpy()[:, :, 0]).mean(axis=0)  # 每一天 t=1..60 的平均 |∂y/∂x_t|
share = influence / influence.sum()  # 占比, 加起来是 100%
recent = np.cumsum(share[::-1])  # recent[k-1]: 最近 k 天 (t=61-k..60) 的占比之和
span = int(np.argmax(recent >= 0.9)) + 1  # 从最近一天往前数, 占比累计到 90% 所需的天数
if hasattr(sys.stdout, 'reconfigure'): sys.stdout.reconfigure(errors='backslashreplace')  # GBK 里没有 ∂ 和 C̃: 写成 \u2202, 不报错
print(f'记忆跨度: 预测对前 {len(share)} 天每天开盘价的平均敏感度 |∂y/∂x_t| ({len(x_test)} 个测试窗口), 占比:')
print(f'  前 1 天 {recent[0]:.1%} · 前 5 天 {recent[4]:.1%} · 前 10 天 {recent[9]:.1%} · 前 20 天 {recent[19]:.1%} · '
      f'最早一天 {share[0]:.1%} → 90% 的影响来自最近 {span} 天')
plt.semilogy(range(1, len(share) + 1), share[::-1], 'bo-', ms=4, label='LSTM: share of the mean |dy/dx|')
plt.axhline(1 / len(share), color='gray', linestyle='--', label=f'uniform: 1/{len(share)}')
plt.gca().set(title='How far back the trained model looks', xlabel='days before the predicted day', ylabel='share')
plt.legend()
plt.savefig('./figures/p47_LSTM_stock_memory.png', dpi=200)
print('图已保存: figures/p47_LSTM_stock_memory.png')
plt.close()

# %% 预测: 输入一个测试日, 看模型的开盘价和真实的开盘价; 或 next [N]: CSV 最后一天之后的交易日
def explain(day, predicted_open):
    """用 NumPy 重算 model.predict 对 day 之前 60 天开盘价的前向计算: 打印第 2 层的记忆体 #j, 画出全部记忆体."""
    row = len(maotai) if day == 'next' else len(maotai) - len(test_days) + test_days.index(day)  # 第 61 天所在的行
    opens, days = maotai['open'].iloc[row - 60:row + 1], list(maotai['date'].iloc[row - 60:row].dt.strftime('%Y-%m-%d'))
    weights, xs = [v.astype(np.float64) for v in model.get_weights()], sc.transform(opens.values[:60, None])
    for kernel, recurrent_kernel, bias in (weights[0:3], weights[3:6]):  # 第二层的输入 x_t 就是第一层的输出 h_t
        h, C, steps = np.zeros(len(recurrent_kernel)), 0, []  # h_0 = C_0 = 0
        for x in xs:
            a = np.split(x @ kernel + h @ recurrent_kernel + bias, 4)  # W·[h_t-1, x_t] + b; Keras 3 的顺序: i, f, C̃, o
            i, f, o = 1 / (1 + np.exp(-np.array([a[0], a[1], a[3]])))  # σ, 即 sigmoid
            C = f * C + i * np.tanh(a[2])
            h = o * np.tanh(C)
            steps.append([*a, i, f, np.tanh(a[2]), C, o, h])
        s = dict(zip(['a_i', 'a_f', 'a_c', 'a_o', 'i', 'f', 'C̃', 'C', 'o', 'h'], np.array(steps).transpose(1, 0, 2)))
        xs = s['h']  # 这一层的 h_1..h_60
    w, y = weights[6][:, 0], xs[59] @ weights[6][:, 0] + weights[7][0]
    assert abs(sc.inverse_transform([[y]])[0, 0] - predicted_open) < 0.01, '模型又训练过了? 请重新运行 predict 那个单元格'
    j = np.abs(w * xs[59]).argmax()
    v = {name: values[59, j] for name, values in s.items()}  # 记忆体 j 在 t=60 的值
    print(f'explain {day}: 第 2 层 LSTM, 记忆体 #{j} (对预测贡献最大: w_{j}·h_60,{j} = {w[j] * v["h"]:.2f}), t=60 是 {days[59]}\n'
          f'  i_60 = σ(W_i·[h_59, x_60] + b_i) = σ({v["a_i"]:.2f}) = {v["i"]:.2f}\n'
          f'  f_60 = σ(W_f·[h_59, x_60] + b_f) = σ({v["a_f"]:.2f}) = {v["f"]:.2f}\n'
          f'  C̃_60 = tanh(W_c·[h_59, x_60] + b_c) = tanh({v["a_c"]:.2f}) = {v["C̃"]:.2f}\n'
          f'  C_60 = f_60*C_59 + i_60*C̃_60 = {v["f"]:.2f}*{s["C"][58, j]:.2f} + {v["i"]:.2f}*{v["C̃"]:.2f} = {v["C"]:.2f}\n'
          f'  o_60 = σ(W_o·[h_59, x_60] + b_o) = σ({v["a_o"]:.2f}) = {v["o"]:.2f}\n'
          f'  h_60 = o_60*tanh(C_60) = {v["o"]:.2f}*{np.tanh(v["C"]):.2f} = {v["h"]:.2f}\n'
          f'  y = h_60·w + b = {y:.4f}, 反归一化: {predicted_open:.2f}')
    for g, name in (('i', '输入门'), ('f', '遗忘门'), ('o', '输出门')):
        print(f'  {g} {name}: 均值 {s[g].mean():.2f}, <0.1 占 {np.mean(s[g] < 0.1):.1%}, >0.9 占 {np.mean(s[g] > 0.9):.1%}')
    figure, axes = plt.subplot_mosaic('PPPP;ifoC', figsize=(9.6, 5.4), height_ratios=[2, 3], layout='constrained')
    axes['P'].plot(range(1, len(opens) + 1), opens, 'r.-', [60, 61], [opens.iloc[59], predicted_open], 'bo--', ms=8)
    axes['P'].set(title=f'LSTM, {day}: opens (red), predicted {predicted_open:.2f} (blue); below: layer 2 by w_j·h_60,j',
                  xticks=[1, 21, 41, 61], xticklabels=[*days[::20], day])
    order, limit = list(np.argsort(-w * xs[59])), np.abs(s['C']).max()  # 最上面的记忆体让 y 升得最多
    for g, title, low, high in (('i', 'i: input gate', 0, 1), ('f', 'f: forget gate', 0, 1),
                                ('o', 'o: output gate', 0, 1), ('C', 'C: cell state', -limit, limit)):
        image = axes[g].imshow(s[g][:, order].T, 'RdBu_r' if g == 'C' else 'viridis', vmin=low, vmax=high, aspect='auto')
        figure.colorbar(image, ax=axes[g], label=title)
        axes[g].set(xticks=[0, 29, 59], xticklabels=['t=1', 30, 60], yticks=[order.index(j)], yticklabels=[f'#{j} →'])
    figure.savefig(f'./figures/p47_LSTM_stock_explain_{day}.png', dpi=200)
    print(f'图已保存: figures/p47_LSTM_stock_explain_{day}.png')
    if show: plt.show()
    plt.close()

test_days = list(test_dates.dt.strftime('%Y-%m-%d'))  # 有预测的测试日
next_days = {'next': 1} | {f'next {N}': N for N in range(1, 31)}  # CSV 最后一天之后的 1 个或 N 个交易日
try:  # 输入结束 (Ctrl-D, Windows 上 Ctrl-Z 回车, 管道关闭) 或 Ctrl-C: 打印 再见, 结束
    preNum = input("input the number of test days:").strip()
    while not preNum.isdecimal():
        preNum = input('请输入 0 或正整数\ninput the number of test days:').strip()
    for i in range(int(preNum)):
        day = input("input test date (YYYY-MM-DD) or next:").strip().lower()
        while day not in test_days and day not in next_days:
            day = input(f'请输入 {test_days[0]} 到 {test_days[-1]} 之间的一个交易日 (YYYY-MM-DD), 或 next, 或 next N (N 为 1-30)'
                        '\ninput test date (YYYY-MM-DD) or next:').strip().lower()
        if day in next_days:  # 最后60天的开盘价 -> [送入样本数 1, 循环核时间展开步数 60, 每个时间步输入特征个数 1]
            last_window = np.reshape(sc.transform(maotai.iloc[-60:, 2:3].values), (1, 60, 1))
            next_opens = forecast(last_window, next_days[day])[0]  # 每个预测值作为最新的一天放回 60 天的窗口
            for d, next_open in enumerate(next_opens, start=1):
                print(f'{test_days[-1]} 之后的第 {d} 个交易日 -> 预测开盘价 {next_open:.2f}')
            if args.explain:  # 演示第 1 个交易日的预测是怎样算出来的
                explain('next', next_opens[0])
        else:
            j = test_days.index(day)
            print(f'{day} -> 预测开盘价 {predicted_stock_price[j, 0]:.2f}, 真实开盘价 {real_stock_price[j, 0]:.2f}')
            if args.explain:  # 演示刚才这个开盘价是怎样算出来的
                explain(day, predicted_stock_price[j, 0])
except (EOFError, KeyboardInterrupt):
    print('\n再见')
