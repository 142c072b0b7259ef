# %% flags · p15_rnn_onehot_1pre1.py: 字母预测 1pre1, 用独热编码 (第六讲 图 1.2.9-1.2.13); 不加参数时与讲义的运行相同
import argparse, glob, os, sys, time
parser = argparse.ArgumentParser(prog='p15_rnn_onehot_1pre1.py', description='字母预测 1pre1: SimpleRNN(3) 学会 a->b .. e->a')
parser.add_argument('--epochs', type=int, default=100, help='训练轮数 (讲义: 100; 0: 不训练, 用保存的 checkpoint)')
parser.add_argument('--fresh', action='store_true', help='从头训练; 只有 loss 比保存的 checkpoint 低, 才替换它')
parser.add_argument('--no-show', action='store_true', help='图只保存到 figures/, 不打开窗口')
parser.add_argument('--explain', action='store_true', help='每次预测时打印循环计算过程')
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
from tensorflow.keras.layers import Dense, SimpleRNN
import matplotlib.pyplot as plt
import os

# %% 2. 训练集: 输入 a 对应的标签是 b, 输入 b 对应的标签是 c, ...
input_word = "abcde"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}  # 单词映射到数值id的词典
id_to_onehot = {0: [1., 0., 0., 0., 0.], 1: [0., 1., 0., 0., 0.], 2: [0., 0., 1., 0., 0.], 3: [0., 0., 0., 1., 0.],
                4: [0., 0., 0., 0., 1.]}  # id编码为one-hot
x_train = [id_to_onehot[w_to_id['a']], id_to_onehot[w_to_id['b']], id_to_onehot[w_to_id['c']],
           id_to_onehot[w_to_id['d']], id_to_onehot[w_to_id['e']]]
y_train = [w_to_id['b'], w_to_id['c'], w_to_id['d'], w_to_id['e'], w_to_id['a']]
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
tf.keras.utils.set_random_seed(7)  # Keras 3 的初始权重也取自 Python 的 random: 三个随机数生成器都要设种子
# 使x_train符合SimpleRNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
# 此处整个数据集送入, 送入样本数为len(x_train); 输入1个字母出结果, 循环核时间展开步数为1; 表示为独热码有5个输入特征, 每个时间步输入特征个数为5
x_train = np.reshape(x_train, (len(x_train), 1, 5))
y_train = np.array(y_train)

# %% 3. model: 一个具有3个记忆体的循环核 + 一层全连接
model = tf.keras.Sequential([
    tf.keras.Input(shape=(1, 5)),  # Keras 3 只有给了 Input 才在 fit 之前建好模型: 这样才能载入 checkpoint
    SimpleRNN(3),
    Dense(5, activation='softmax')
])

# %% 4. compile
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])

# %% 5. fit, 断点续训 (由于fit没有给出测试集, 不计算测试集准确率, 根据loss, 保存最优模型)
checkpoint_save_path = "./checkpoint/rnn_onehot_1pre1.weights.h5"  # Keras 3 的权重文件名以 .weights.h5 结尾
model.optimizer.build(model.trainable_variables)  # 先建好 Adam: 它的动量和权重存在同一个文件里, 一起载入
untrained = [v.numpy() for v in model.weights + model.optimizer.variables]  # 没有 checkpoint 时训练的起点
saved_loss = np.inf  # 已保存的权重的 loss (还没有时是无穷大): 新的权重不能比它差
if os.path.exists(checkpoint_save_path) or args.epochs == 0:
    if not args.fresh:
        print('-------------load the model-----------------')
    try:
        model.load_weights(checkpoint_save_path)  # 损坏的文件或别的模型的文件会报错 (报错前已载入对得上的部分)
        saved_loss = model.evaluate(x_train, y_train, verbose=0)[0]
    except (OSError, ValueError) as error:
        if args.epochs == 0:  # 没有模型可用: 什么都不改名, 告诉学生怎样先得到一个
            sys.exit(f'--epochs 0 无法载入 {checkpoint_save_path} ({type(error).__name__}); 请先训练: python {parser.prog}')
        aside = f'{checkpoint_save_path}.unloadable-{time.strftime("%Y%m%d-%H%M%S")}'  # 留着, 从不删除
        os.replace(checkpoint_save_path, aside)
        print(f'无法载入 {checkpoint_save_path} ({type(error).__name__}): 已改名为 {aside}, 从头训练')
if args.fresh or saved_loss == np.inf:  # 从头训练: 未训练的权重和新的 Adam, 和没有 checkpoint 时完全一样
    for variable, value in zip(model.weights + model.optimizer.variables, untrained):
        variable.assign(value)
# fit 记下的每轮 loss 是这一轮更新之前的: 续训的第一轮记下的就是 saved_loss (差在 float32 的舍入内), 不比它差就保存
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path.replace('.weights', '.saving.weights'),
                                                 save_weights_only=True, save_best_only=True, monitor='loss',
                                                 initial_value_threshold=saved_loss * 1.000001)
if os.path.exists(cp_callback.filepath):  # 新的最优权重先写到临时文件: 删掉上次按 Ctrl-C 时没写完的
    os.remove(cp_callback.filepath)
renamed = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: [  # 这一轮写了新的最优权重: 马上改名覆盖
    os.replace(new_best, checkpoint_save_path) for new_best in glob.glob(cp_callback.filepath)])
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, callbacks=[cp_callback, renamed])
if args.epochs > 0 and cp_callback.best < saved_loss * 1.000001:
    print(f'已把最优权重保存到 {checkpoint_save_path}')
elif args.epochs > 0:
    print(f'保留 {checkpoint_save_path}: 这次训练每一轮的 loss 都比它的 {saved_loss:.6f} 高')

# %% 6. summary
model.summary()

# %% 参数提取: 每个可训练变量的路径、形状和全部数值 (float32 全精度)
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)  # 否则 NumPy 会省略长数组的中间部分
file = open('./weights.txt', 'w')  # 参数提取
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3 的 v.name 只是 'kernel'; v.path 是 'sequential/simple_rnn/...'
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()

# %% acc/loss 可视化 (--epochs 0 没有训练, 没有曲线可画)
if history.history:
    acc = history.history['sparse_categorical_accuracy']
    loss = history.history['loss']
    epochs = range(1, len(acc) + 1)  # 轮数从 1 数起, 和控制台一样
    plt.subplot(1, 2, 1)
    plt.plot(epochs, acc, label='Training Accuracy')
    plt.title('Training Accuracy')
    plt.legend()
    plt.subplot(1, 2, 2)
    plt.plot(epochs, loss, label='Training Loss')
    plt.title('Training Loss')
    plt.legend()
    for axes in plt.gcf().axes:  # 横轴只标整数轮, 训练很短时也一样
        axes.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    os.makedirs('./figures', exist_ok=True)  # 图总是保存下来, 1280 像素宽, 适合投影; 有屏幕时也显示
    plt.savefig('./figures/p15_rnn_onehot_1pre1.png', dpi=200)
    print('图已保存: figures/p15_rnn_onehot_1pre1.png')
    if not args.no_show and plt.get_backend().lower() != 'agg':  # 没有屏幕 (或 DISPLAY 失效) 时 matplotlib 选 agg
        plt.show()

# %% predict: 输入字母, 预测下一个字母 (--explain: 用这个模型的权重演示图 1.2.8 的循环计算过程)
def explain(letters, predicted):
    """用 NumPy 和模型的权重重算 model.predict 刚做的前向计算, 打印每一步."""
    w_xh, w_hh, bh, w_hy, by = model.get_weights()
    h = np.zeros_like(bh)
    with np.printoptions(linewidth=sys.maxsize, formatter={'float': lambda v: f'{round(v, 2) + 0.0:.2f}'}):  # 不打印 -0.00
        print(f'h_0 = {h}   (初始时刻记忆体内的记忆是 0)')
        for t, letter in enumerate(letters, start=1):
            x = np.array(id_to_onehot[w_to_id[letter]], dtype=np.float32)
            terms = [x @ w_xh, h @ w_hh, bh]
            h = np.tanh(sum(terms))
            print(f't={t}  x_{t} = {letter} 的独热码 {x}\n     h_{t} = tanh(x_{t}·w_xh + h_{t - 1}·w_hh + bh)')
            print(f'         = tanh({terms[0]} + {terms[1]} + {terms[2]})\n         = tanh({sum(terms)}) = {h}')
        terms = [h @ w_hy, by]
        y = np.exp(sum(terms)) / np.exp(sum(terms)).sum()
        assert np.allclose(y, predicted, rtol=1e-5, atol=1e-6), '这里的计算应当就是 model.predict 的计算'
        print(f'y = softmax(h_{t}·w_hy + by)\n  = softmax({terms[0]} + {terms[1]})')
        print(f'  = softmax({sum(terms)}) = {y}\n  最大概率 {y.max():.2f}: {input_word[y.argmax()]}')

try:  # 输入结束 (Ctrl-D, Windows 上 Ctrl-Z 回车, 管道关闭) 或 Ctrl-C: 打印 再见, 结束
    preNum = input("input the number of test alphabet:").strip()
    while not preNum.isdecimal():
        preNum = input('请输入 0 或正整数\ninput the number of test alphabet:').strip()
    for i in range(int(preNum)):
        alphabet1 = input("input test alphabet:").strip().lower()
        while alphabet1 not in w_to_id:
            alphabet1 = input(f'请输入 {input_word} 中的一个字母\ninput test alphabet:').strip().lower()
        alphabet = [id_to_onehot[w_to_id[alphabet1]]]
        # 使alphabet符合SimpleRNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
        # 此处验证效果送入了1个样本, 送入样本数为1; 输入1个字母出结果, 所以循环核时间展开步数为1; 表示为独热码有5个输入特征, 每个时间步输入特征个数为5
        alphabet = np.reshape(alphabet, (1, 1, 5))
        result = model.predict(alphabet, verbose=0)  # Keras 3 直接传数组, 不用 [alphabet]; verbose=0: 同讲义的 TF 2.1, 不显示进度条
        if args.explain:
            explain(alphabet1, result[0])
        pred = tf.argmax(result, axis=1)
        pred = int(pred[0])  # 先取 [0] 再 int(): 新版 NumPy 不把一维数组转成 int
        print(alphabet1 + '->' + input_word[pred])  # 用 print 而不是 tf.print: tf.print 写到 stderr, 顺序会乱
except (EOFError, KeyboardInterrupt):
    print('\n再见')
