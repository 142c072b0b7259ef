# %% flags: the lecture's run by default (in an editor, change a default here, e.g. default=0 for --epochs)
"""p31_rnn_embedding_4pre1.py: 字母预测 4pre1, Embedding, a-z (lecture 6, 图 1.2.22-1.2.25): abcd->e .. vwxy->z
    python p31_rnn_embedding_4pre1.py [--epochs N] [--fresh] [--no-show] [--explain]  (or cell by cell in an editor)"""
import argparse, os, sys, time
parser = argparse.ArgumentParser(prog='p31_rnn_embedding_4pre1.py', description='字母预测 4pre1 of a-z, Embedding letters')
parser.add_argument('--epochs', type=int, default=100, help='training epochs (lecture: 100; 0: use the checkpoint)')
parser.add_argument('--fresh', action='store_true', help='train from scratch; the saved checkpoint stays unless beaten')
parser.add_argument('--no-show', action='store_true', help='save the figure under figures/, never open a window')
parser.add_argument('--explain', action='store_true', help='print the 循环计算过程 behind each answer')
args = parser.parse_args(sys.argv[1:] if os.path.basename(sys.argv[0]) == parser.prog else [])  # not a kernel's argv
if args.epochs < 0 or args.epochs == 0 and args.fresh:
    parser.error('--epochs 0 uses the checkpoint, which --fresh ignores' if args.epochs == 0 else '--epochs: 0 or more')
os.chdir(os.path.dirname(os.path.abspath(__file__)) if '__file__' in globals() else '.')  # ./ = the script's folder
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')  # TensorFlow's C++ log: fatal errors only

# %% 1. import
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Dense, SimpleRNN, Embedding
import matplotlib.pyplot as plt
import os

# %% 2. 训练集: 把字母用数字表示为 0 到 25, 连续 4 个数作为输入特征, 第 5 个数作为标签
input_word = "abcdefghijklmnopqrstuvwxyz"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4, 'f': 5, 'g': 6, 'h': 7, 'i': 8, 'j': 9, 'k': 10, 'l': 11, 'm': 12,
           'n': 13, 'o': 14, 'p': 15, 'q': 16, 'r': 17, 's': 18, 't': 19, 'u': 20, 'v': 21, 'w': 22, 'x': 23, 'y': 24,
           'z': 25}  # 单词映射到数值id的词典
training_set_scaled = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]
x_train = []
y_train = []
for i in range(4, 26):
    x_train.append(training_set_scaled[i - 4:i])
    y_train.append(training_set_scaled[i])
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
tf.keras.utils.set_random_seed(7)  # Keras 3 seeds its initial weights from Python's random too: seed all three
# 使x_train符合Embedding输入要求: [送入样本数, 循环核时间展开步数]
# 此处整个数据集送入所以送入, 送入样本数为len(x_train); 输入4个字母出结果, 循环核时间展开步数为4
x_train = np.reshape(x_train, (len(x_train), 4))
y_train = np.array(y_train)

# %% 3. model: Embedding 层 (26 行 2 列的可训练参数矩阵) + 具有十个记忆体的循环层 + 一层全连接
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),  # Keras 3 builds a model before fit only from an Input: the checkpoint can load
    Embedding(26, 2),
    SimpleRNN(10),
    Dense(26, activation='softmax')
])

# %% 4. compile
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])

# %% 5. fit, 断点续训 (由于fit没有给出测试集, 不计算测试集准确率, 根据loss, 保存最优模型)
checkpoint_save_path = "./checkpoint/rnn_embedding_4pre1.weights.h5"  # Keras 3 names weight files .weights.h5
model.optimizer.build(model.trainable_variables)  # Adam's moments are saved with the weights: built, they load too
untrained = [v.numpy() for v in model.weights + model.optimizer.variables]  # where a run without a checkpoint starts
saved_loss = None  # the saved weights' loss: a new checkpoint must beat it
if os.path.exists(checkpoint_save_path) or args.epochs == 0:
    if not args.fresh:
        print('-------------load the model-----------------')
    try:
        model.load_weights(checkpoint_save_path)  # a damaged file or another model's raises (after loading what fits)
        saved_loss = model.evaluate(x_train, y_train, verbose=0)[0]
    except (OSError, ValueError) as error:
        if args.epochs == 0:  # nothing to show: rename nothing, say how to make a checkpoint
            sys.exit(f'--epochs 0 cannot load {checkpoint_save_path} ({type(error).__name__}); '
                     f'make one first: python {parser.prog}')
        aside = f'{checkpoint_save_path}.unloadable-{time.strftime("%Y%m%d-%H%M%S")}'  # kept, never deleted
        os.replace(checkpoint_save_path, aside)
        print(f'cannot load {checkpoint_save_path} ({type(error).__name__}): kept it as {aside}, training from scratch')
if args.fresh or saved_loss is None:  # from scratch: the untrained weights and a new Adam, as without a checkpoint
    for variable, value in zip(model.weights + model.optimizer.variables, untrained):
        variable.assign(value)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path.replace('.weights', '.saving.weights'),
                                                 save_weights_only=True, save_best_only=True, monitor='loss',
                                                 initial_value_threshold=saved_loss)  # a worse run keeps the saved file
if os.path.exists(cp_callback.filepath):  # a new best is saved beside the checkpoint: drop half a one a Ctrl-C left
    os.remove(cp_callback.filepath)
renamed = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: os.path.exists(cp_callback.filepath)
                                            and os.replace(cp_callback.filepath, checkpoint_save_path))  # at once
history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, callbacks=[cp_callback, renamed])
if args.epochs > 0:  # (Keras logs an epoch's loss before the epoch's update: the saved weights' own loss is lower)
    print(f'saved the best weights to {checkpoint_save_path}' if cp_callback.best != saved_loss else
          f"kept {checkpoint_save_path}: this run did not beat the saved weights' loss {saved_loss:.6f}")

# %% 6. summary
model.summary()

# %% 参数提取: every trainable variable, its path, shape and all values at full float32 precision
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)  # else NumPy elides long arrays
file = open('./weights.txt', 'w')  # 参数提取
for v in model.trainable_variables:
    file.write(str(v.path) + '\n')  # Keras 3: v.name is only 'kernel'; v.path is 'sequential/simple_rnn/...'
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()

# %% acc/loss 可视化 (--epochs 0 trained nothing, so there is no curve to draw)
if history.history:
    acc = history.history['sparse_categorical_accuracy']
    loss = history.history['loss']
    epochs = range(1, len(acc) + 1)  # epochs counted from 1, as on the console
    plt.subplot(1, 2, 1)
    plt.plot(epochs, acc, label='Training Accuracy')
    plt.title('Training Accuracy')
    plt.legend()
    plt.subplot(1, 2, 2)
    plt.plot(epochs, loss, label='Training Loss')
    plt.title('Training Loss')
    plt.legend()
    for axes in plt.gcf().axes:  # whole epochs on the x axis, even after a short run
        axes.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    os.makedirs('./figures', exist_ok=True)  # always saved, 1280 px wide for a projector; shown where there is a screen
    plt.savefig('./figures/p31_rnn_embedding_4pre1.png', dpi=200)
    print('figure saved to figures/p31_rnn_embedding_4pre1.png')
    if not args.no_show and plt.get_backend().lower() != 'agg':  # no screen (or a stale DISPLAY): matplotlib chose agg
        plt.show()


# %% predict: 输入字母, 预测下一个字母 (--explain: the 循环计算过程 of 图 1.2.17 with this model's weights)
def ask(prompt, is_valid, expected):
    """input(prompt), stripped and in lower case, until is_valid(answer). End of input or Ctrl-C ends calmly."""
    try:
        while not is_valid(answer := input(prompt).strip().lower()):
            print(expected)
        return answer
    except (EOFError, KeyboardInterrupt):  # Ctrl-D (Windows: Ctrl-Z), a closed pipe, or Ctrl-C: a calm goodbye
        print('\nbye')
        sys.exit()


def explain(letters, predicted):
    """Recompute, in NumPy from the model's weights, the forward pass model.predict just ran and print each step."""
    embedding, w_xh, w_hh, bh, w_hy, by = model.get_weights()
    h = np.zeros_like(bh)
    with np.printoptions(linewidth=sys.maxsize, formatter={'float': lambda v: f'{round(v, 2) + 0.0:.2f}'}):  # not -0.00
        print(f'h_0 = {h}   (初始时刻记忆体内的记忆是 0)')
        for t, letter in enumerate(letters, start=1):
            x = embedding[w_to_id[letter]]  # Embedding 是查表: 字母的 id 选出矩阵的一行
            terms = [x @ w_xh, h @ w_hh, bh]
            h = np.tanh(sum(terms))
            print(f't={t}  x_{t} = {letter} 的 Embedding 行 {x}   (编码维度 {len(x)})\n'
                  f'     h_{t} = tanh(x_{t}·w_xh + h_{t - 1}·w_hh + bh)')
            print(f'         = tanh({terms[0]} + {terms[1]} + {terms[2]})\n         = tanh({sum(terms)}) = {h}')
        terms = [h @ w_hy, by]
        y = np.exp(sum(terms)) / np.exp(sum(terms)).sum()
        assert np.allclose(y, predicted, rtol=1e-5, atol=1e-6), 'the walkthrough must be what model.predict computed'
        print(f'y = softmax(h_{t}·w_hy + by)\n  = softmax({terms[0]} + {terms[1]})')
        print(f'  = softmax({sum(terms)}) = {y}\n  最大概率 {y.max():.2f}: {input_word[y.argmax()]}')
        print('  概率最大的三个:', ', '.join(f'{input_word[k]} {y[k]:.2f}' for k in np.argsort(-y)[:3]))


preNum = int(ask("input the number of test alphabet:", str.isdecimal, 'please type a whole number, 0 or more'))
for i in range(preNum):
    alphabet1 = ask("input test alphabet:", lambda text: len(text) == 4 and set(text) <= set(w_to_id),
                    'please type four letters of a-z')
    alphabet = [w_to_id[a] for a in alphabet1]
    # 使alphabet符合Embedding输入要求: [送入样本数, 时间展开步数]
    # 此处验证效果送入了1个样本, 送入样本数为1; 输入4个字母出结果, 循环核时间展开步数为4
    alphabet = np.reshape(alphabet, (1, 4))
    result = model.predict(alphabet, verbose=0)  # Keras 3: one array, not [alphabet]; TF 2.1 printed no progress bar
    if args.explain:
        explain(alphabet1, result[0])
    pred = tf.argmax(result, axis=1)
    pred = int(pred[0])  # NumPy 2 turns only a single number into an int
    print(alphabet1 + '->' + input_word[pred])  # print, not tf.print: tf.print writes to stderr, out of turn
