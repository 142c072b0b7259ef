"""The lecture's forward pass of the stock models, in float64 NumPy, from weights.txt and the CSV: written here from
the lecture's formulas in Keras 3's layout of the weights, never from the scripts' code. A helper module (not a test
file) shared by test_stock_explain.py (the walkthrough of one window) and test_stock_forecast.py (the lag check, the
n-day forecast and `next N`, over all 240 test windows at once).

Every cell function takes one window, 60 × features, or a batch of them, windows × 60 × features, and returns its
steps with the same leading shape (60 × units, or windows × 60 × units)."""
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # comes with scikit-learn

from conftest import read_weights_txt


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lecture_weights(path, cell):
    """weights.txt read back with conftest's reader: [(kernel, recurrent_kernel, bias) of layer 1 and 2], w, b."""
    layer = {'SimpleRNN': 'simple_rnn', 'LSTM': 'lstm', 'GRU': 'gru'}[cell]
    weights = {name: array.astype(np.float64) for name, array in read_weights_txt(path).items()}
    parts = ('kernel', 'recurrent_kernel', 'bias')
    layers = [tuple(weights[f'sequential/{name}/{layer}_cell/{part}'] for part in parts)
              for name in (layer, layer + '_1')]  # layer 1, layer 2
    return layers, weights['sequential/dense/kernel'][:, 0], weights['sequential/dense/bias'][0]


def gate_matrices(kernel, recurrent_kernel, gates):
    """The lecture's W_g acting on the concatenation [h_{t-1}, x_t], one per gate: Keras 3 keeps the gates side by
    side in its kernel (x_t's rows) and recurrent kernel (h_{t-1}'s rows), in the order `gates`."""
    units = recurrent_kernel.shape[0]
    stacked = np.vstack([recurrent_kernel, kernel])  # rows: h_{t-1} first, then x_t, as [h_{t-1}, x_t]
    return {g: stacked[:, k * units:(k + 1) * units] for k, g in enumerate(gates)}


def _steps(xs, names):
    """(the time steps of xs: x_1..x_60, each windows × features or features; a dict of empty lists per name)."""
    xs = np.asarray(xs, dtype=np.float64)
    return [xs[..., t, :] for t in range(xs.shape[-2])], {name: [] for name in names}


def _stacked(steps):
    """The steps' lists as arrays with time as the second-to-last axis: 60 × units, or windows × 60 × units."""
    return {name: np.stack(values, axis=-2) for name, values in steps.items()}


def simple_rnn(xs, kernel, recurrent_kernel, bias):
    """h_t = tanh(x_t·w_xh + h_{t-1}·w_hh + bh), h_0 = 0: {'a': pre-activations, 'h': memories}, 60 × units."""
    times, steps = _steps(xs, ('a', 'h'))
    h = np.zeros(times[0].shape[:-1] + (recurrent_kernel.shape[0],))
    for x in times:
        a = x @ kernel + h @ recurrent_kernel + bias
        h = np.tanh(a)
        steps['a'].append(a)
        steps['h'].append(h)
    return _stacked(steps)


def lstm(xs, kernel, recurrent_kernel, bias):
    """The lecture's LSTM (图 2.2.1): i, f, o = σ(W·[h_{t-1}, x_t] + b), C̃ = tanh(W_c·[h_{t-1}, x_t] + b_c),
    C_t = f_t*C_{t-1} + i_t*C̃_t, h_t = o_t*tanh(C_t); Keras 3 orders the gates i, f, C̃ (its 'c'), o."""
    W = gate_matrices(kernel, recurrent_kernel, 'ifco')
    b = {g: bias[k * len(bias) // 4:(k + 1) * len(bias) // 4] for k, g in enumerate('ifco')}
    W_all, b_all = np.hstack([W[g] for g in 'ifco']), np.concatenate([b[g] for g in 'ifco'])  # one product, 4 gates
    times, steps = _steps(xs, ('a_i', 'a_f', 'a_c', 'a_o', 'i', 'f', 'c', 'o', 'C', 'h'))
    h = C = np.zeros(times[0].shape[:-1] + (recurrent_kernel.shape[0],))
    for x in times:
        a = dict(zip('ifco', np.split(np.concatenate([h, x], axis=-1) @ W_all + b_all, 4, axis=-1)))  # W_g·[h, x] + b_g
        i, f, candidate, o = sigmoid(a['i']), sigmoid(a['f']), np.tanh(a['c']), sigmoid(a['o'])
        C = f * C + i * candidate
        h = o * np.tanh(C)
        for name, value in (('a_i', a['i']), ('a_f', a['f']), ('a_c', a['c']), ('a_o', a['o']), ('i', i), ('f', f),
                            ('c', candidate), ('o', o), ('C', C), ('h', h)):
            steps[name].append(value)
    return _stacked(steps)


def gru(xs, kernel, recurrent_kernel, bias):
    """The lecture's GRU (图 2.3.1) as Keras computes it: h_t = (1-z_t)*h_{t-1} + z_t*h̃_t, z_t and r_t = σ(...).
    Keras' gates are z, r, h̃ side by side; its z is the lecture's 1 - z (Keras: h_t = z*h_{t-1} + (1-z)*h̃), so the
    lecture's z_t = σ(-a) where a is Keras' pre-activation. reset_after=True, bias (2, 3u): row 0 for x_t, row 1 for
    h_{t-1}, and h̃_t = tanh(x_t·W_h + b_x,h + r_t*(h_{t-1}·U_h + b_h,h)) (the lecture's W·[r_t*h_{t-1}, x_t] resets
    h_{t-1} before the product)."""
    units = recurrent_kernel.shape[0]
    times, steps = _steps(xs, ('a_z', 'a_r', 'a_h', 'z', 'r', 'candidate', 'h'))
    h = np.zeros(times[0].shape[:-1] + (units,))
    for x in times:  # the gates' columns side by side: units each, in the order z, r, h̃
        from_x = dict(zip('zrh', np.split(x @ kernel + bias[0], 3, axis=-1)))
        from_h = dict(zip('zrh', np.split(h @ recurrent_kernel + bias[1], 3, axis=-1)))
        a_z = -(from_x['z'] + from_h['z'])  # minus Keras' pre-activation: the lecture's z
        a_r = from_x['r'] + from_h['r']
        z, r = sigmoid(a_z), sigmoid(a_r)
        a_h = from_x['h'] + r * from_h['h']
        candidate = np.tanh(a_h)
        h = (1 - z) * h + z * candidate
        for name, value in (('a_z', a_z), ('a_r', a_r), ('a_h', a_h), ('z', z), ('r', r), ('candidate', candidate),
                            ('h', h)):
            steps[name].append(value)
    return _stacked(steps)


CELLS = {'SimpleRNN': simple_rnn, 'LSTM': lstm, 'GRU': gru}


def windows(csv):
    """{typed entry: (scaled window of 60 opens, 60 × 1; the window's last date; the real open of day 61 or None)}:
    MinMaxScaler's (x - min) / (max - min) fitted on the opens before the last 300 days."""
    frame = pd.read_csv(csv)
    opens, dates = frame['open'].to_numpy(np.float64), list(frame['date'].astype(str))
    low, high = opens[:-300].min(), opens[:-300].max()
    scaled = (opens - low) / (high - low)
    found = {'next': (scaled[-60:, None], dates[-1], None)}
    for row in range(len(opens) - 240, len(opens)):
        found[dates[row]] = (scaled[row - 60:row, None], dates[row - 1], opens[row])
    return found, low, high


# ---- the whole model on many windows, and the forecast that feeds on itself ----------------------------------------

def predict(weights, cell, batch):
    """The scaled output y = h_60·w + b of the two-layer model for each window of `batch` (windows × 60 × 1): the
    second layer reads the first one's whole sequence (return_sequences=True); Dropout is off when predicting."""
    (layer1, layer2), w, b = weights
    h = CELLS[cell](CELLS[cell](batch, *layer1)['h'], *layer2)['h']
    return h[:, -1] @ w + b


def forecast(weights, cell, batch, days):
    """The scaled predictions for `days` trading days after each window (windows × days): each day's scaled
    prediction becomes the newest of the 60 days and the oldest is dropped. Column 0 is `predict`."""
    batch, ahead = np.asarray(batch, dtype=np.float64), []
    with threadpool_limits(1):  # small products: BLAS threads only wait for each other on a busy 2-core machine
        for _ in range(days):
            ahead.append(predict(weights, cell, batch))
            batch = np.concatenate([batch[:, 1:], ahead[-1][:, None, None]], axis=1)
    return np.stack(ahead, axis=1)


def influence_shares(weights, cell, batch, step=1e-6):
    """记忆跨度 without TensorFlow: for each input day t = 1..60 the mean over the windows of |∂y/∂x_t|, each by a
    forward difference of `predict` (float64 leaves ~1e-10 of round-off, the curvature ~1e-6 of the slope), as shares
    that sum to 1. Index 59 is the day just before the predicted one."""
    batch = np.asarray(batch, dtype=np.float64)
    with threadpool_limits(1):
        base = predict(weights, cell, batch)
        influence = []
        for t in range(batch.shape[1]):
            moved = batch.copy()
            moved[:, t, 0] += step
            influence.append(np.mean(np.abs(predict(weights, cell, moved) - base)) / step)
    return np.array(influence) / np.sum(influence)
