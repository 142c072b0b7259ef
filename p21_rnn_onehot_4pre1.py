"""p21_rnn_onehot_4pre1.py: 字母预测 4pre1, 独热编码 (one-hot letter prediction, four letters in).

Lecture 6, "循环计算过程之 4pre1": four consecutive letters of the cycle abcde enter the SimpleRNN 循环核 (3 记忆体)
one per time step (循环核时间展开步数 4), and a Dense softmax names the fifth: abcd->e, bcde->a, cdea->b, deab->c,
eabc->d. Then type four letters at the prompt.

    python p21_rnn_onehot_4pre1.py [--epochs N] [--fresh] [--no-show]
"""
import argparse
import os
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))  # every path is relative to this file, not to the current folder
NAME = 'rnn_onehot_4pre1'


# ---- at the edges: flags, a calm console, errors as one sentence -------------------------------------------------
def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number >= 1')
    return int(text)


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--epochs', type=positive_int, default=100, help='training epochs (lecture: 100)')
parser.add_argument('--fresh', action='store_true', help='ignore the saved checkpoint in this run')
parser.add_argument('--no-show', action='store_true', help='save the figure but never open a window')
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
import tensorflow as tf
from tensorflow.keras.layers import Dense, SimpleRNN
import matplotlib.pyplot as plt

tf.keras.utils.set_random_seed(7)  # seed 7 for numpy, python and TensorFlow: two runs give the same numbers

# ---- 2. train: x_train, y_train ------------------------------------------------------------------------------------
input_word = "abcde"
w_to_id = {'a': 0, 'b': 1, 'c': 2, 'd': 3, 'e': 4}  # 单词映射到数值id的词典
id_to_onehot = {0: [1., 0., 0., 0., 0.], 1: [0., 1., 0., 0., 0.], 2: [0., 0., 1., 0., 0.], 3: [0., 0., 0., 1., 0.],
                4: [0., 0., 0., 0., 1.]}  # id编码为one-hot

x_train = [
    [id_to_onehot[w_to_id['a']], id_to_onehot[w_to_id['b']], id_to_onehot[w_to_id['c']], id_to_onehot[w_to_id['d']]],
    [id_to_onehot[w_to_id['b']], id_to_onehot[w_to_id['c']], id_to_onehot[w_to_id['d']], id_to_onehot[w_to_id['e']]],
    [id_to_onehot[w_to_id['c']], id_to_onehot[w_to_id['d']], id_to_onehot[w_to_id['e']], id_to_onehot[w_to_id['a']]],
    [id_to_onehot[w_to_id['d']], id_to_onehot[w_to_id['e']], id_to_onehot[w_to_id['a']], id_to_onehot[w_to_id['b']]],
    [id_to_onehot[w_to_id['e']], id_to_onehot[w_to_id['a']], id_to_onehot[w_to_id['b']], id_to_onehot[w_to_id['c']]],
]
y_train = [w_to_id['e'], w_to_id['a'], w_to_id['b'], w_to_id['c'], w_to_id['d']]

np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)

# 使x_train符合SimpleRNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
# 此处整个数据集送入, 送入样本数为len(x_train); 输入4个字母出结果, 循环核时间展开步数为4; 独热码有5位, 每个时间步输入特征个数为5
x_train = np.reshape(x_train, (len(x_train), 4, 5))
y_train = np.array(y_train)

# ---- 3. model: 一个具有3个记忆体的循环核 + 一层全连接 ----------------------------------------------------------------
model = tf.keras.Sequential([
    tf.keras.Input(shape=(4, 5)),  # 循环核时间展开步数 4, 每个时间步输入特征个数 5
    SimpleRNN(3),
    Dense(5, activation='softmax')
])

# ---- 4. compile ----------------------------------------------------------------------------------------------------
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])

# ---- 5. fit, 断点续训 (resume from the checkpoint) -----------------------------------------------------------------
checkpoint_save_path = os.path.join(HERE, 'checkpoint', NAME + '.weights.h5')
saving_path = os.path.join(HERE, 'checkpoint', NAME + '.saving.weights.h5')  # written first, then renamed
os.makedirs(os.path.dirname(checkpoint_save_path), exist_ok=True)


best_so_far = None  # the saved file's loss: a run replaces the file only with better weights
if os.path.exists(checkpoint_save_path):
    saved, initial_weights = model, model.get_weights()
    if args.fresh:  # --fresh trains from scratch, but still reads the file to know the loss it must beat
        saved = tf.keras.models.clone_model(model)
        saved.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=model.loss)
    saved.optimizer.build(saved.trainable_variables)  # so that Adam's saved state is restored too
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # Keras only warns when variables do not match: that file is not ours
            saved.load_weights(checkpoint_save_path)
        best_so_far = saved.evaluate(x_train, y_train, verbose=0, return_dict=True)['loss']
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
                                                 monitor='loss', initial_value_threshold=best_so_far)
rename_when_saved = tf.keras.callbacks.LambdaCallback(  # a Ctrl-C never leaves a half-written checkpoint
    on_epoch_end=lambda epoch, logs: os.path.exists(saving_path) and os.replace(saving_path, checkpoint_save_path))

# the lecture's fit(x_train, y_train, batch_size=32): here as a tf.data 数据集 built once and repeated, because Keras 3
# rebuilds its input pipeline from NumPy arrays every epoch, which costs more than training on these few samples
train_db = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(x_train)).batch(32).repeat()
history = model.fit(train_db, epochs=args.epochs, steps_per_epoch=math.ceil(len(x_train) / 32),
                    shuffle=False, callbacks=[cp_callback, rename_when_saved])  # train_db shuffles itself
if cp_callback.best != best_so_far:
    print(f'saved the best weights (loss {cp_callback.best:.6f}) to checkpoint/{NAME}.weights.h5')
else:
    print(f'kept checkpoint/{NAME}.weights.h5 (loss {best_so_far:.6f}): this run did not beat it')

# ---- 6. summary ----------------------------------------------------------------------------------------------------
model.summary()

# ---- 参数提取: every trainable variable, its path, shape and all values at full float32 precision ------------------
np.set_printoptions(threshold=sys.maxsize, floatmode='unique', linewidth=120)
with open(os.path.join(HERE, 'weights.txt'), 'w') as file:
    for v in model.trainable_variables:
        file.write(str(v.path) + '\n')
        file.write(str(v.shape) + '\n')
        file.write(str(v.numpy()) + '\n')

# ---- acc/loss 可视化 -----------------------------------------------------------------------------------------------
acc = history.history['sparse_categorical_accuracy']
loss = history.history['loss']

plt.figure(figsize=(10, 4))
plt.subplot(1, 2, 1)
plt.plot(acc, label='Training Accuracy')
plt.title('Training Accuracy')
plt.xlabel('Epoch')
plt.legend()
plt.subplot(1, 2, 2)
plt.plot(loss, label='Training Loss')
plt.title('Training Loss')
plt.xlabel('Epoch')
plt.legend()
figure_path = os.path.join(HERE, 'figures', 'p21_rnn_onehot_4pre1.png')
os.makedirs(os.path.dirname(figure_path), exist_ok=True)
plt.savefig(figure_path)
print(f'figure saved to figures/{os.path.basename(figure_path)}')
if show_window:
    plt.show()


# ---- 预测: type letters at the prompt ------------------------------------------------------------------------------
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


def four_letters(text):
    letters = text.strip().lower()
    if len(letters) != 4 or any(letter not in w_to_id for letter in letters):
        raise ValueError(f'please type exactly four letters of {input_word}, for example abcd')
    return letters


preNum = ask("input the number of test alphabet:", whole_number)
for i in range(preNum):
    alphabet1 = ask("input test alphabet:", four_letters)
    alphabet = [id_to_onehot[w_to_id[a]] for a in alphabet1]
    # 使alphabet符合SimpleRNN输入要求: [送入样本数, 循环核时间展开步数, 每个时间步输入特征个数]
    # 此处验证效果送入了1个样本, 送入样本数为1; 输入4个字母出结果, 所以循环核时间展开步数为4; 独热码有5个输入特征
    alphabet = np.reshape(alphabet, (1, 4, 5))
    result = model.predict(alphabet, verbose=0)
    pred = int(tf.argmax(result, axis=1)[0])  # [0]: NumPy 2 turns only a single number into an int
    print(alphabet1 + '->' + input_word[pred])
