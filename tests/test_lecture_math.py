"""The lecture's formulas, written in NumPy, against the Keras layers the scripts use.

Each NumPy function follows the lecture line by line (the formula is quoted beside the code); each test gives a
real Keras layer the same weights and checks that both compute the same numbers, or, for Keras' GRU, exactly
where they differ. The code writes vectors as rows, as Keras does and as the lecture does for the SimpleRNN
(x_t·w_xh). The lecture's LSTM and GRU gates, W·[h_{t-1}, x_t], put the matrix on the left: the lecture's W is the
transpose of the W built here from Keras' kernel and recurrent_kernel (see lecture_W).
Nothing is trained; every model is a few units wide.
"""
import ast
import os
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.keras.layers import GRU, LSTM, Dense, Dropout, Embedding, SimpleRNN

ROOT = Path(__file__).resolve().parents[1]
LETTERS = 'abcde'
rng = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def same_random_weights():
    """Every test draws the same weights, whichever tests run."""
    rng.bit_generator.state = np.random.default_rng(7).bit_generator.state


# ---------------------------------------------------------------- helpers

def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def uniform(*shape):
    """Float32 numbers in [-1, 1): inputs and weights for the comparisons."""
    return rng.uniform(-1, 1, shape).astype('float32')


def with_weights(layer, input_shape, *weights):
    """Build a Keras layer for inputs shaped (batch, ...) and give it our weights, in Keras' order."""
    layer.build((None, *input_shape))
    layer.set_weights([np.asarray(w, 'float32') for w in weights])
    return layer


def lecture_W(kernel, recurrent_kernel, gate, units):
    """W for the row vector [h_{t-1}, x_t] (hx @ W): its h rows are Keras' recurrent_kernel, its x rows the kernel.

    The lecture writes W_gate·[h_{t-1}, x_t], a column vector with the matrix on the left: its W_gate is this W's
    transpose; both give the same numbers."""
    cols = slice(gate * units, (gate + 1) * units)
    return np.concatenate([recurrent_kernel[:, cols], kernel[:, cols]])


def onehot(word):
    """'bcde' -> shape (1, 4, 5): one sample, 4 time steps (时间展开步数), 5 input features (图 1.2.7)."""
    return np.eye(len(LETTERS), dtype='float32')[[LETTERS.index(c) for c in word]][None]


# ---------------------------------------------------------------- SimpleRNN and Dense

def simple_rnn(x, w_xh, w_hh, b_h):
    """All memory states (记忆体) h_1..h_T of a batch x shaped (batch, T, features); h_0 = 0."""
    h, states = np.zeros((x.shape[0], w_hh.shape[0])), []
    for x_t in x.swapaxes(0, 1):
        h = np.tanh(x_t @ w_xh + h @ w_hh + b_h)  # h_t = tanh(x_t w_xh + h_{t-1} w_hh + bh)
        states.append(h)
    return np.stack(states, axis=1)


def output(h, w_hy, b_y):
    return softmax(h @ w_hy + b_y)  # y_t = softmax(h_t w_hy + by)


@pytest.mark.parametrize('return_sequences', [False, True])
def test_simple_rnn_is_the_lectures_update(return_sequences):
    """SimpleRNN: kernel = w_xh, recurrent_kernel = w_hh, bias = bh; False returns only h_T, True every h_t."""
    x, w_xh, w_hh, b_h = uniform(2, 4, 5), uniform(5, 3), uniform(3, 3), uniform(3)
    layer = with_weights(SimpleRNN(3, return_sequences=return_sequences), x.shape[1:], w_xh, w_hh, b_h)
    states = simple_rnn(x, w_xh, w_hh, b_h)
    np.testing.assert_allclose(layer(x), states if return_sequences else states[:, -1], atol=1e-6)


def test_dense_softmax_is_the_lectures_output():
    """Dense(softmax): kernel = w_hy, bias = by."""
    h, w_hy, b_y = uniform(2, 3), uniform(3, 5), uniform(5)
    layer = with_weights(Dense(5, activation='softmax'), (3,), w_hy, b_y)
    np.testing.assert_allclose(layer(h), output(h, w_hy, b_y), atol=1e-6)


@pytest.mark.parametrize('return_sequences', [True, False])
@pytest.mark.parametrize('shape', [(2, 1, 3), (1, 4, 2)])
def test_input_shapes_of_figure_1_2_6(shape, return_sequences):
    """(3)输入维度 [输入样本数, 循环核时间展开步数, 每个时间步输入特征个数], 图 1.2.6: [2, 1, 3] is two samples of one time
    step with three numbers each, [1, 4, 2] one sample of four steps with two numbers each. The steps go through the
    update one after the other, the samples each on their own, as simple_rnn reads the axes (and set_weights takes
    w_xh only with one row per input number of a step). (4)输出维度: True gives [输入样本数, 循环核时间展开步数,
    本层的神经元个数], False [输入样本数, 本层的神经元个数]."""
    samples, steps, features = shape
    x, w_xh, w_hh, b_h = uniform(*shape), uniform(features, 3), uniform(3, 3), uniform(3)
    layer = with_weights(SimpleRNN(3, return_sequences=return_sequences), shape[1:], w_xh, w_hh, b_h)
    out = layer(x).numpy()
    assert out.shape == ((samples, steps, 3) if return_sequences else (samples, 3))
    states = simple_rnn(x, w_xh, w_hh, b_h)
    np.testing.assert_allclose(out, states if return_sequences else states[:, -1], atol=1e-6)


# ---------------------------------------------------------------- the two worked examples (字母预测)

def letter_model(steps, w_xh, w_hh, b_h, w_hy, b_y):
    """The lecture's letter network (p15 / p21): SimpleRNN(3) -> Dense(5, softmax), weights set by hand."""
    model = tf.keras.Sequential([tf.keras.Input(shape=(steps, 5)), SimpleRNN(3), Dense(5, activation='softmax')])
    model.set_weights([np.asarray(w, 'float32') for w in (w_xh, w_hh, b_h, w_hy, b_y)])
    return model


def w_hy_for(h_T, product):
    """The smallest w_hy with h_T·w_hy = product (the lecture prints only the product): w_hy = h_Tᵀ·product/|h_T|²."""
    return np.outer(h_T, product) / (h_T @ h_T)


def assert_prediction(model, word, softmax_input, probabilities, letter):
    """The output side of a worked example, through the model: what goes into its softmax is the lecture's sum
    h_T·w_hy + by (softmax ignores a constant added to all: log y = z − log Σ exp z), its probabilities rounded as
    printed, and the predicted letter."""
    y = model(onehot(word)).numpy()[0].astype('float64')
    z = np.float64(softmax_input)
    np.testing.assert_allclose(np.log(y) - np.log(y).mean(), z - z.mean(), atol=1e-4)
    np.testing.assert_array_equal(y.round(2), probabilities)  # printed to 2 decimals
    assert LETTERS[y.argmax()] == letter


def test_worked_example_1pre1():
    """图 1.2.8, input b (the pair b -> c), h_0 = 0:
        h_1 = tanh([-2.3 0.8 1.1] + [0.0 0.0 0.0] + [0.5 0.3 -0.2]) = tanh([-1.8 1.1 0.9]) = [-0.9 0.8 0.7]
        y = softmax([-0.7 -0.6 2.9 0.7 -0.8] + [0.0 0.1 0.4 -0.7 0.1]) = softmax([-0.7 -0.5 3.3 0.0 -0.7])
          = [0.02 0.02 0.91 0.03 0.02] -> c
    The slide prints both halves; the text file kept only the output side. Our choice: the rows of w_xh for the
    other letters, w_hh (random: with h_0 = 0 it must play no part in one step) and w_hy (only h_1·w_hy is printed).
    Rounding: tanh gives [-0.947 0.800 0.716]; the exact softmax is [0.0167 0.0204 0.9125 0.0337 0.0167].
    """
    w_xh = uniform(5, 3)
    w_xh[LETTERS.index('b')] = [-2.3, 0.8, 1.1]  # x_1·w_xh: b's one-hot code picks b's row
    b_h = [0.5, 0.3, -0.2]
    product, b_y = [-0.7, -0.6, 2.9, 0.7, -0.8], [0.0, 0.1, 0.4, -0.7, 0.1]
    model = letter_model(1, w_xh, uniform(3, 3), b_h, w_hy_for(np.tanh([-1.8, 1.1, 0.9]), product), b_y)

    h_1 = model.layers[0](onehot('b')).numpy()[0].astype('float64')
    np.testing.assert_allclose(np.arctanh(h_1), [-1.8, 1.1, 0.9], atol=1e-5)  # Keras' sum inside tanh
    np.testing.assert_array_equal(h_1.round(1), [-0.9, 0.8, 0.7])           # the state, to the printed decimal
    assert_prediction(model, 'b', [-0.7, -0.5, 3.3, 0.0, -0.7], [0.02, 0.02, 0.91, 0.03, 0.02], 'c')


# 4pre1 (图 1.2.17), input bcde. The lecture prints, for t = 1..4, x_t·w_xh (= the row of w_xh for that letter),
# h_{t-1}·w_hh, bh, their sum, and h_t = tanh(sum) rounded to one decimal.
W_XH_ROWS = {'b': [-1.5, 0.2, 0.3], 'c': [-0.3, 1.7, 0.7], 'd': [-0.1, 0.1, -0.1], 'e': [-1.2, -1.5, 0.3]}
B_H = [0.2, 0.0, -0.1]
RECURRENT_PRODUCTS = [[0.0, 0.0, 0.0], [1.1, 1.1, 0.5], [0.6, 0.4, -2.2], [-1.3, -0.4, 0.8]]  # h_{t-1}·w_hh
SUMS = [[-1.3, 0.2, 0.2], [1.0, 2.8, 1.1], [0.7, 0.5, -2.4], [-2.3, -1.9, 1.0]]
STATES = [[-0.9, 0.2, 0.2], [0.8, 1.0, 0.8], [0.6, 0.5, -1.0], [-1.0, -1.0, 0.8]]


def test_worked_example_4pre1():
    """bcde -> four memory states -> softmax([3.3 1.2 0.9 0.3 -3.1] + [-0.3 0.2 0.1 0.1 -0.3]) -> a.

    Where the lecture's rounding shows: its sums are exact, its states are tanh(sum) to one decimal:
    tanh(-1.3) = -0.862 -> -0.9, tanh(2.8) = 0.993 -> 1.0, tanh(0.5) = 0.462 -> 0.5, tanh(-2.4) = -0.984 -> -1.0,
    tanh(-1.9) = -0.956 -> -1.0; and in the output 0.708 -> 0.71 and 0.0012 -> 0.00 (e is unlikely, never impossible).
    """
    w_xh = np.float32([[0.0, 0.0, 0.0]] + [W_XH_ROWS[c] for c in 'bcde'])  # row a: not in the lecture, unused
    # w_hh: the lecture prints h_1·w_hh, h_2·w_hh, h_3·w_hh: three equations H·w_hh = P, H's rows h_1, h_2, h_3.
    # We take the unrounded states tanh(sum) (the states rounded to one decimal would give a w_hh whose products
    # miss the printed ones by up to 0.04) and solve the 3x3 system.
    exact_states = np.tanh(np.float64(SUMS))
    w_hh = np.linalg.solve(exact_states[:3], RECURRENT_PRODUCTS[1:])
    product, b_y = np.float32([3.3, 1.2, 0.9, 0.3, -3.1]), np.float32([-0.3, 0.2, 0.1, 0.1, -0.3])
    model = letter_model(4, w_xh, w_hh, B_H, w_hy_for(exact_states[3], product), b_y)

    every_state = with_weights(SimpleRNN(3, return_sequences=True), (4, 5), *model.layers[0].get_weights())
    states = every_state(onehot('bcde')).numpy()[0].astype('float64')
    np.testing.assert_allclose(np.arctanh(states), SUMS, atol=1e-4)  # Keras' sums are the lecture's, exactly
    np.testing.assert_array_equal(states.round(1), STATES)          # its states, to the printed decimal
    assert_prediction(model, 'bcde', [3.0, 1.4, 1.0, 0.4, -3.4], [0.71, 0.14, 0.10, 0.05, 0.00], 'a')


# ---------------------------------------------------------------- Embedding (为什么使用 Embedding)

@pytest.mark.parametrize('vocab, dim, samples, steps', [(100, 3, 2, 4), (5, 2, 5, 1), (26, 2, 3, 4)])
def test_embedding_is_a_row_lookup(vocab, dim, samples, steps):
    """Embedding(词汇表大小, 编码维度) holds a trainable matrix, one row of 编码维度 numbers per word: the code of id k is
    row k, the row that k's 独热码 times the matrix would pick. 输入维度 [送入样本数, 循环核时间展开步数] gives
    输出维度 [送入样本数, 循环核时间展开步数, 编码维度]. Cases: the lecture's Embedding(100, 3); p27's Embedding(5, 2)
    on [5, 1] (five letters, one step each); p31's Embedding(26, 2) on four steps."""
    matrix = uniform(vocab, dim)
    ids = rng.integers(0, vocab, (samples, steps))
    ids.flat[:2] = 0, vocab - 1  # the first and the last row are read too
    codes = with_weights(Embedding(vocab, dim), (steps,), matrix)(ids).numpy()
    assert codes.shape == (samples, steps, dim)
    for (i, t), k in np.ndenumerate(ids):
        np.testing.assert_array_equal(codes[i, t], matrix[k])
    np.testing.assert_allclose(codes, np.eye(vocab)[ids] @ matrix, atol=1e-6)  # 独热码 · matrix


def test_the_lectures_embedding_example():
    """例: Embedding(100, 3) codes 100 numbers with 3 numbers each; 数字[4] embedding 为 [0.25, 0.1, 0.11]. With row 4
    set so, [[4]] (one sample, one time step) comes out [[[0.25 0.1 0.11]]], and the layer trains 100 × 3 numbers.
    Keras numbers the rows 0..99: the lecture's 1..100 would need Embedding(101, 3) (or each number minus 1)."""
    matrix = uniform(100, 3)
    matrix[4] = [0.25, 0.1, 0.11]
    layer = with_weights(Embedding(100, 3), (1,), matrix)
    code = layer(np.array([[4]])).numpy()
    np.testing.assert_array_equal(code, np.float32([[[0.25, 0.1, 0.11]]]))
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(100, 3)]


# ---------------------------------------------------------------- the total loss (RNN 训练)

def test_total_loss_is_the_sum_over_time_steps():
    """RNN 训练: 每个时刻的节点都可能有一个输出, 所以 RNN 的总损失为所有时刻上的损失和. SimpleRNN(3, return_sequences=True)
    -> Dense(1) gives a y_t at every step, loss_t = ½(y_t − y_true_t)². The gradient of their sum through the layer
    (tf.GradientTape) is the sum of the gradients of each loss_t, each taken on its own from a layer that sees only
    x_1..x_t and returns its last state. loss_1 gives w_hh no gradient: h_1 = tanh(x_1·w_xh + h_0·w_hh + bh), h_0 = 0.
    """
    T = 4
    x, y_true = uniform(2, T, 5), uniform(2, T, 1)
    rnn_weights, dense_weights = (uniform(5, 3), uniform(3, 3), uniform(3)), (uniform(3, 1), uniform(1))

    def gradients(steps, return_sequences, targets):
        rnn = with_weights(SimpleRNN(3, return_sequences=return_sequences), (steps, 5), *rnn_weights)
        dense = with_weights(Dense(1), (3,), *dense_weights)  # y_t = h_t·w_hy + by, at every step it is given
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_sum((dense(rnn(x[:, :steps])) - targets) ** 2)
        return [g.numpy() for g in tape.gradient(loss, rnn.trainable_weights + dense.trainable_weights)]

    total = gradients(T, True, y_true)  # loss_1 + ... + loss_T
    per_step = [gradients(t, False, y_true[:, t - 1]) for t in range(1, T + 1)]  # loss_t alone
    for name, g_total, *g_steps in zip(['w_xh', 'w_hh', 'bh', 'w_hy', 'by'], total, *per_step):
        np.testing.assert_allclose(g_total, sum(g_steps), atol=1e-6, err_msg=name)
    _, dloss1_dw_hh, *_ = per_step[0]
    np.testing.assert_array_equal(dloss1_dw_hh, 0)
    assert all(np.abs(g[1]).max() > 1e-3 for g in per_step[1:])  # loss_2.. reach w_hh through h_1..


# ---------------------------------------------------------------- the gradient (梯度消失与梯度爆炸)
# The lecture's linear RNN without activation or bias: h_t = w_xh x_t + w_hh h_{t-1}, y_t = w_hy h_t,
# loss = ½(y_T - y_true)², all scalars; h_0 is given.

W_XH, W_HY, Y_TRUE = 0.8, 1.3, 2.0


def linear_states(w_hh, xs, h_0):
    hs = [h_0]
    for x in xs:
        hs.append(W_XH * x + w_hh * hs[-1])  # h_t = w_xh x_t + w_hh h_{t-1}
    return hs


def keras_dloss_dw_hh(w_hh, xs, h_0):
    """∂loss/∂w_hh through a real SimpleRNN(1, no activation, no bias), by tf.GradientTape."""
    x = np.float32(xs).reshape(1, -1, 1)
    rnn = with_weights(SimpleRNN(1, activation=None, use_bias=False), x.shape[1:], [[W_XH]], [[w_hh]])
    with tf.GradientTape() as tape:
        y_T = W_HY * rnn(x, initial_state=[tf.constant([[h_0]])])  # y_t = w_hy h_t
        loss = 0.5 * (y_T - Y_TRUE) ** 2                              # loss_t = ½(y_t - y_true_t)²
    return float(tape.gradient(loss, rnn.cell.recurrent_kernel)[0, 0])


def test_gradient_3_steps_is_the_lectures_closed_form():
    """tf.GradientTape through SimpleRNN gives the lecture's ∂loss/∂w_hh for T = 3, loss = loss_3."""
    w_hh, xs, h_0 = 0.7, [1.0, -2.0, 0.5], 0.5
    h_0, h_1, h_2, h_3 = linear_states(w_hh, xs, h_0)
    dloss_dy3 = W_HY * h_3 - Y_TRUE
    closed_form = dloss_dy3 * W_HY * (h_2 + w_hh * (h_1 + w_hh * h_0))  # ∂loss/∂y3 * w_hy * (h2 + w_hh(h1 + w_hh h0))
    assert keras_dloss_dw_hh(w_hh, xs, h_0) == pytest.approx(closed_form, rel=1e-5)


def closed_form_over_T(w_hh, xs, h_0):
    """The lecture's recursion ∂h_t/∂w_hh = h_{t-1} + w_hh ∂h_{t-1}/∂w_hh (∂h_0/∂w_hh = 0), for any T."""
    hs, dh = linear_states(w_hh, xs, h_0), 0.0
    for h_prev in hs[:-1]:
        dh = h_prev + w_hh * dh
    return (W_HY * hs[-1] - Y_TRUE) * W_HY * dh


@pytest.mark.parametrize('w_hh', [0.5, -0.5, 1.5, -1.5])
def test_gradient_vanishes_or_explodes_over_T(w_hh):
    """No inputs, only h_0 = 1, which must cross T steps: ∂h_T/∂w_hh = T·w_hh^(T−1), so the gradient -> 0 when
    |w_hh| < 1 (梯度消失) and -> ∞ when |w_hh| > 1 (梯度爆炸). The stock scripts unroll T = 60 steps."""
    T = [3, 10, 30, 60]
    grads = [keras_dloss_dw_hh(w_hh, [0.0] * t, 1.0) for t in T]
    np.testing.assert_allclose(grads, [closed_form_over_T(w_hh, [0.0] * t, 1.0) for t in T], rtol=1e-4)
    sizes = np.abs(grads)
    if abs(w_hh) < 1:
        assert np.all(np.diff(sizes) < 0) and sizes[-1] < 1e-12, sizes
    else:
        assert np.all(np.diff(sizes) > 0) and sizes[-1] > 1e12, sizes


# ---------------------------------------------------------------- LSTM

def lstm(x, kernel, recurrent_kernel, bias):
    """All h_t of a batch, and the last cell state C_T. Keras' gate order in every weight is i, f, c, o."""
    units = recurrent_kernel.shape[0]
    (W_i, b_i), (W_f, b_f), (W_c, b_c), (W_o, b_o) = [
        (lecture_W(kernel, recurrent_kernel, g, units), bias[g * units:(g + 1) * units]) for g in range(4)]
    h = C = np.zeros((x.shape[0], units))
    states = []
    for x_t in x.swapaxes(0, 1):
        hx = np.concatenate([h, x_t], axis=1)  # [h_{t-1}, x_t]
        i = sigmoid(hx @ W_i + b_i)            # 输入门 i_t = σ(W_i·[h_{t-1}, x_t] + b_i)
        f = sigmoid(hx @ W_f + b_f)            # 遗忘门 f_t = σ(W_f·[h_{t-1}, x_t] + b_f)
        o = sigmoid(hx @ W_o + b_o)            # 输出门 o_t = σ(W_o·[h_{t-1}, x_t] + b_o)
        C_tilde = np.tanh(hx @ W_c + b_c)      # 候选态 C̃_t = tanh(W_c·[h_{t-1}, x_t] + b_c)
        C = f * C + i * C_tilde                # 细胞态 C_t = f_t * C_{t-1} + i_t * C̃_t
        h = o * np.tanh(C)                     # 记忆体 h_t = o_t * tanh(C_t)
        states.append(h)
    return np.stack(states, axis=1), C


def test_lstm_is_the_lectures_six_equations():
    """LSTM(4): every h_t, and the last cell state C_T (return_state), from the six equations."""
    x, kernel, recurrent_kernel, bias = uniform(2, 5, 3), uniform(3, 16), uniform(4, 16), uniform(16)
    layer = with_weights(LSTM(4, return_sequences=True, return_state=True), x.shape[1:],
                         kernel, recurrent_kernel, bias)
    states, h_T, C_T = layer(x)
    expected_states, expected_C = lstm(x, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(states, expected_states, atol=1e-6)
    np.testing.assert_allclose(h_T, expected_states[:, -1], atol=1e-6)
    np.testing.assert_allclose(C_T, expected_C, atol=1e-6)


# ---------------------------------------------------------------- GRU
# Keras' gate order in every weight is z, r, h̃. With reset_after=False the bias is one vector (3·units);
# with reset_after=True (Keras' default) it is two rows: bias[0] added to the x part, bias[1] to the h part.

def gru(x, kernel, recurrent_kernel, bias, *, flip_z, reset_after):
    """All h_t of a batch. The lecture's GRU has no bias terms; Keras adds them (zeros reproduce the lecture)."""
    units = recurrent_kernel.shape[0]
    W_z, W_r, W = (lecture_W(kernel, recurrent_kernel, g, units) for g in range(3))
    b_x, b_h = bias if reset_after else (bias, np.zeros_like(bias))
    b_z, b_r, b = (b_x + b_h).reshape(3, units)
    h, states = np.zeros((x.shape[0], units)), []
    for x_t in x.swapaxes(0, 1):
        hx = np.concatenate([h, x_t], axis=1)
        z = sigmoid(hx @ W_z + b_z)                        # 更新门 z_t = σ(W_z·[h_{t-1}, x_t])
        r = sigmoid(hx @ W_r + b_r)                        # 重置门 r_t = σ(W_r·[h_{t-1}, x_t])
        if reset_after:                                    # Keras' default: r_t times the product h_{t-1}·U + b
            U_h, W_x = W[:units], W[units:]
            h_tilde = np.tanh(x_t @ W_x + b_x[2 * units:] + r * (h @ U_h + b_h[2 * units:]))
        else:                                              # 候选隐藏层 h̃_t = tanh(W·[r_t * h_{t-1}, x_t])
            h_tilde = np.tanh(np.concatenate([r * h, x_t], axis=1) @ W + b)
        if flip_z:
            z = 1 - z                                      # the lecture's z_t is Keras' 1 − z
        h = (1 - z) * h + z * h_tilde                      # 记忆体 h_t = (1 − z_t) * h_{t-1} + z_t * h̃_t
        states.append(h)
    return np.stack(states, axis=1)


def keras_gru(x, reset_after, use_bias=True):
    """A Keras GRU(4) with random weights; returns its outputs for every step and its weights."""
    bias = uniform(2, 12) if reset_after else uniform(12)
    weights = [uniform(x.shape[2], 12), uniform(4, 12), bias if use_bias else np.zeros_like(bias)]
    layer = with_weights(GRU(4, return_sequences=True, reset_after=reset_after), x.shape[1:], *weights)
    return layer(x).numpy(), weights


def max_difference(a, b):
    return np.abs(a - b).max()


@pytest.mark.parametrize('use_bias', [False, True])
def test_gru_reset_after_false_is_the_lecture_with_z_flipped(use_bias):
    """Difference 1: Keras keeps its z on the old state, h_t = z*h_{t-1} + (1−z)*h̃_t; the lecture puts z on h̃_t.
    The lecture's equations (bias zero: literally; with Keras' bias added to each gate) equal GRU(reset_after=False)
    once the lecture's z_t is Keras' 1 − z, and do not with z taken as it is."""
    x = uniform(2, 5, 3)
    out, weights = keras_gru(x, reset_after=False, use_bias=use_bias)
    np.testing.assert_allclose(out, gru(x, *weights, flip_z=True, reset_after=False), atol=1e-6)
    assert max_difference(out, gru(x, *weights, flip_z=False, reset_after=False)) > 0.05


def test_gru_default_resets_after_the_recurrent_product():
    """Difference 2: Keras' default reset_after=True computes h̃_t = tanh(x_t·W_x + b_x + r_t * (h_{t-1}·U + b_h))
    with two bias rows, not the lecture's tanh(W·[r_t * h_{t-1}, x_t]); z is flipped as above."""
    x = uniform(2, 5, 3)
    out, weights = keras_gru(x, reset_after=True)
    default = GRU(4)
    default.build((None, 5, 3))
    assert default.reset_after and default.cell.bias.shape == (2, 12)  # Keras' default, and its two bias rows
    np.testing.assert_allclose(out, gru(x, *weights, flip_z=True, reset_after=True), atol=1e-6)
    lecture_order = gru(x, weights[0], weights[1], weights[2].sum(axis=0), flip_z=True, reset_after=False)
    assert max_difference(out, lecture_order) > 0.05


# ---------------------------------------------------------------- stacked layers (循环计算层: 向输出方向生长)

def keras_weights(kind, n_in, units):
    """Random weights of a Keras layer in its order (kernel, recurrent_kernel, bias), and its NumPy every-h_t."""
    gates = {'SimpleRNN': 1, 'LSTM': 4, 'GRU': 3}[kind]
    bias = uniform(2, 3 * units) if kind == 'GRU' else uniform(gates * units)  # GRU: reset_after=True, two rows
    weights = (uniform(n_in, gates * units), uniform(units, gates * units), bias)
    every_h = {'SimpleRNN': simple_rnn,
               'LSTM': lambda x, *w: lstm(x, *w)[0],
               'GRU': lambda x, *w: gru(x, *w, flip_z=True, reset_after=True)}[kind]
    return weights, lambda x: every_h(x, *weights)


@pytest.mark.parametrize('kind', ['SimpleRNN', 'LSTM', 'GRU'])
def test_stacked_layers_feed_every_h_t_to_the_next_layer(kind):
    """图 1.2.3: every 循环核 is one more 循环计算层, toward the output. The stock scripts stack two:
    [Layer](80, return_sequences=True) -> Dropout(0.2) -> [Layer](100) -> Dropout(0.2) -> Dense(1). The first layer
    hands every h_t on (return_sequences=True), and the second layer's x_t is the first layer's h_t; Dropout does
    nothing outside training. Recomputed by hand with 4 and 3 units over 6 steps of 1 number."""
    layer = {'SimpleRNN': SimpleRNN, 'LSTM': LSTM, 'GRU': GRU}[kind]
    x = uniform(2, 6, 1)
    first, first_h = keras_weights(kind, 1, 4)
    second, second_h = keras_weights(kind, 4, 3)
    w_d, b_d = uniform(3, 1), uniform(1)
    model = tf.keras.Sequential([tf.keras.Input((6, 1)), layer(4, return_sequences=True), Dropout(0.2),
                                 layer(3), Dropout(0.2), Dense(1)])
    model.set_weights([*first, *second, w_d, b_d])
    h1 = first_h(x)              # (2, 6, 4): h_1..h_6 of the first layer
    h2 = second_h(h1)[:, -1]     # the second layer reads them as its x_1..x_6, returns only its last h_t
    np.testing.assert_allclose(model(x), h2 @ w_d + b_d, atol=1e-6)


# ---------------------------------------------------------------- parameter counts of the project's models
# Counted from the formulas above, for a layer fed `n_in` features per time step:

def simple_rnn_params(n_in, units):
    return units * (n_in + units + 1)  # w_xh (n_in×units), w_hh (units×units), bh; SimpleRNN(80) on 1: 6,560


def lstm_params(n_in, units):
    return 4 * simple_rnn_params(n_in, units)  # the same shapes for i, f, C̃, o


def gru_params(n_in, units):
    return 3 * units * (n_in + units + 2)  # z, r, h̃; reset_after=True: two bias vectors


def dense_params(n_in, n_out):
    return n_in * n_out + n_out  # w_hy, by


def embedding_params(vocab, dim):
    return vocab * dim  # one trainable row of `dim` numbers per word


def stock(rnn, rnn_params):
    """[Layer](80, return_sequences=True) -> Dropout(0.2) -> [Layer](100) -> Dropout(0.2) -> Dense(1), on (60, 1)."""
    return (60, 1), [(rnn, rnn_params(1, 80)), ('Dropout', 0), (rnn, rnn_params(80, 100)), ('Dropout', 0),
                     ('Dense', dense_params(100, 1))]


# script: (input shape, [(layer, parameters)]) as the lecture builds it
MODELS = {
    'p15_rnn_onehot_1pre1.py': ((1, 5), [('SimpleRNN', simple_rnn_params(5, 3)), ('Dense', dense_params(3, 5))]),
    'p27_rnn_embedding_1pre1.py': ((1,), [('Embedding', embedding_params(5, 2)), ('SimpleRNN', simple_rnn_params(2, 3)),
                                          ('Dense', dense_params(3, 5))]),
    'p21_rnn_onehot_4pre1.py': ((4, 5), [('SimpleRNN', simple_rnn_params(5, 3)), ('Dense', dense_params(3, 5))]),
    'p31_rnn_embedding_4pre1.py': ((4,), [('Embedding', embedding_params(26, 2)),
                                          ('SimpleRNN', simple_rnn_params(2, 10)), ('Dense', dense_params(10, 26))]),
    'p38_rnn_stock.py': stock('SimpleRNN', simple_rnn_params),
    'p47_LSTM_stock.py': stock('LSTM', lstm_params),
    'p56_GRU_stock.py': stock('GRU', gru_params),
}


def model_from_script(path):
    """Build the model of a script from its one `model = tf.keras.Sequential([...])`, without running the script:
    the statement is found with `ast` and evaluated with tf, the script's `from tensorflow.keras.layers import ...`
    names and its module-level literal constants."""
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    statements = [node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ['model']
                  and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == 'tf.keras.Sequential']
    assert len(statements) == 1, f'{path.name}: expected one `model = tf.keras.Sequential([...])`, ' \
                                 f'found {len(statements)}'
    namespace = {'tf': tf}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == 'tensorflow.keras.layers':
            namespace.update({a.asname or a.name: getattr(tf.keras.layers, a.name) for a in node.names})
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                namespace[node.targets[0].id] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError):
                pass  # not a literal: left out
    return eval(compile(ast.Expression(statements[0]), str(path), 'eval'), namespace)


def assert_counts(model, input_shape, layers):
    assert tuple(model.inputs[0].shape) == (None, *input_shape)
    assert [(type(layer).__name__, layer.count_params()) for layer in model.layers] == layers


@pytest.mark.parametrize('script', MODELS)
def test_parameter_counts_of_the_scripts_models(script):
    path = ROOT / script
    assert path.exists(), f'{script} is missing'
    assert_counts(model_from_script(path), *MODELS[script])
