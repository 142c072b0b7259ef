"""Time the seven training scripts' default runs, optionally against the lecture's own code on legacy Keras 2.

Every run starts from scratch in a fresh temporary copy of the project (the scripts, data/ and an empty
checkpoint/), with no display and nothing on standard input, so the script ends by itself after training:

    python tests/benchmark.py                      # each script 3 times, default epochs: ~15 min on 2 cores
    python tests/benchmark.py --quick --reference  # smoke test of the harness: 1 run, 2 epochs, ~2 min
    python tests/benchmark.py --scripts p15,p38 --runs 5 --reference   # --reference doubles the time
    python tests/benchmark.py --classroom          # only the classroom recipe, p47 --epochs 0 --explain: ~1 min

--reference also runs, interleaved with ours (A B A B), a minimal version of the lecture's TF 2.1-era program with the
same configuration under the legacy Keras 2 path (TF_USE_LEGACY_KERAS=1; needs `pip install 'tf-keras~=2.21.0'`,
a development tool only, not in requirements.txt). A Markdown table goes to stdout, progress to stderr.

--classroom times instead the lecture's 断点续训 in class (issue 15): `python p47_LSTM_stock.py --epochs 0 --explain
--no-show` answering one date, from a checkpoint that one training epoch made first (untimed; what --epochs 0 costs
does not depend on how well the weights were trained). Every timed run uses that one copy and checkpoint.
Not collected by pytest (the name does not start with test_).
"""
import argparse
import importlib.metadata
import importlib.util
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# ---- the reference: the lecture's code, minimal, for tf-keras 2 (TF_USE_LEGACY_KERAS=1) ----------------------------
HEADER = '''\
import os
import sys
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
{imports}
import tf_keras  # the legacy Keras 2 that TF_USE_LEGACY_KERAS=1 puts behind tf.keras
assert tf.keras.Model is tf_keras.Model and tf_keras.__version__.startswith('2.'), 'not on the legacy Keras 2 path'
tf.keras.utils.set_random_seed(7)  # as ours; Keras 2 seeds unseeded initialisers from Python's random
'''
FIT = '''
checkpoint_save_path = './checkpoint/{name}.ckpt'
if os.path.exists(checkpoint_save_path + '.index'):
    print('-------------load the model-----------------')
    model.load_weights(checkpoint_save_path)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path, save_weights_only=True,
                                                 save_best_only=True, monitor='{monitor}')
history = model.fit(x_train, y_train, batch_size={batch}, epochs={epochs}, {validation}callbacks=[cp_callback])
model.summary()

np.set_printoptions(threshold=sys.maxsize)
file = open('./weights.txt', 'w')
for v in model.trainable_variables:
    file.write(str(v.name) + '\\n')
    file.write(str(v.shape) + '\\n')
    file.write(str(v.numpy()) + '\\n')
file.close()
'''
LETTERS = HEADER + '''
{data}
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
x_train = np.reshape(x_train, {shape})
y_train = np.array(y_train)

model = tf.keras.Sequential([{embedding}SimpleRNN({units}), Dense({classes}, activation='softmax')])
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])
''' + FIT + '''
acc = history.history['sparse_categorical_accuracy']
loss = history.history['loss']
plt.figure(figsize=(10, 4))
plt.subplot(1, 2, 1)
plt.plot(acc, label='Training Accuracy')
plt.title('Training Accuracy')
plt.legend()
plt.subplot(1, 2, 2)
plt.plot(loss, label='Training Loss')
plt.title('Training Loss')
plt.legend()
plt.savefig('./accuracy_loss.png')
'''
STOCK = HEADER + '''
maotai = pd.read_csv('./data/SH600519.csv')
training_set = maotai.iloc[0:2426 - 300, 2:3].values
test_set = maotai.iloc[2426 - 300:, 2:3].values
sc = MinMaxScaler(feature_range=(0, 1))
training_set_scaled = sc.fit_transform(training_set)
test_set = sc.transform(test_set)
x_train, y_train, x_test, y_test = [], [], [], []
for i in range(60, len(training_set_scaled)):
    x_train.append(training_set_scaled[i - 60:i, 0])
    y_train.append(training_set_scaled[i, 0])
np.random.seed(7)
np.random.shuffle(x_train)
np.random.seed(7)
np.random.shuffle(y_train)
tf.random.set_seed(7)
x_train, y_train = np.array(x_train), np.array(y_train)
x_train = np.reshape(x_train, (x_train.shape[0], 60, 1))
for i in range(60, len(test_set)):
    x_test.append(test_set[i - 60:i, 0])
    y_test.append(test_set[i, 0])
x_test, y_test = np.array(x_test), np.array(y_test)
x_test = np.reshape(x_test, (x_test.shape[0], 60, 1))

model = tf.keras.Sequential([{layer}(80, return_sequences=True), Dropout(0.2), {layer}(100), Dropout(0.2), Dense(1)])
model.compile(optimizer=tf.keras.optimizers.Adam(0.001), loss='mean_squared_error')
''' + FIT + '''
plt.figure()
plt.plot(history.history['loss'], label='Training Loss')
plt.plot(history.history['val_loss'], label='Validation Loss')
plt.title('Training and Validation Loss')
plt.legend()
plt.savefig('./loss.png')

predicted_stock_price = sc.inverse_transform(model.predict(x_test))
real_stock_price = sc.inverse_transform(test_set[60:])
plt.figure(figsize=(10, 5))
plt.plot(real_stock_price, color='red', label='MaoTai Stock Price')
plt.plot(predicted_stock_price, color='blue', label='Predicted MaoTai Stock Price')
plt.title('MaoTai Stock Price Prediction')
plt.xlabel('Time')
plt.ylabel('MaoTai Stock Price')
plt.legend()
plt.savefig('./prediction.png')

print('均方误差: %.6f' % mean_squared_error(predicted_stock_price, real_stock_price))
print('均方根误差: %.6f' % math.sqrt(mean_squared_error(predicted_stock_price, real_stock_price)))
print('平均绝对误差: %.6f' % mean_absolute_error(predicted_stock_price, real_stock_price))
'''
KINDS = {  # the fields that all letter scripts, and all stock scripts, share
    'letters': (LETTERS, dict(imports='from tensorflow.keras.layers import Dense, Embedding, SimpleRNN',
                              monitor='loss', batch=32, validation='')),
    'stock': (STOCK, dict(imports='import math\nimport pandas as pd\n'
                                  'from sklearn.metrics import mean_absolute_error, mean_squared_error\n'
                                  'from sklearn.preprocessing import MinMaxScaler\n'
                                  'from tensorflow.keras.layers import GRU, LSTM, Dense, Dropout, SimpleRNN',
                          monitor='val_loss', batch=64,
                          validation='validation_data=(x_test, y_test), validation_freq=1, ')),
}
# script: its kind, default epochs and the fields of its reference program (the same data, layers and sizes as ours)
SCRIPTS = {
    'p15_rnn_onehot_1pre1': ('letters', 100, dict(
        data='x_train = list(np.eye(5))  # a b c d e 的独热码\ny_train = [1, 2, 3, 4, 0]  # b c d e a',
        shape='(len(x_train), 1, 5)', embedding='', units=3, classes=5)),
    'p27_rnn_embedding_1pre1': ('letters', 100, dict(
        data='x_train = [0, 1, 2, 3, 4]  # a b c d e\ny_train = [1, 2, 3, 4, 0]  # b c d e a',
        shape='(len(x_train), 1)', embedding='Embedding(5, 2), ', units=3, classes=5)),
    'p21_rnn_onehot_4pre1': ('letters', 100, dict(
        data='x_train = [[np.eye(5)[(i + t) % 5] for t in range(4)] for i in range(5)]  # abcd bcde cdea deab eabc\n'
             'y_train = [4, 0, 1, 2, 3]  # e a b c d',
        shape='(len(x_train), 4, 5)', embedding='', units=3, classes=5)),
    'p31_rnn_embedding_4pre1': ('letters', 100, dict(
        data='x_train = [list(range(i - 4, i)) for i in range(4, 26)]  # 连续4个字母 (ids 0..25)\n'
             'y_train = list(range(4, 26))  # 第5个字母',
        shape='(len(x_train), 4)', embedding='Embedding(26, 2), ', units=10, classes=26)),
    'p38_rnn_stock': ('stock', 50, dict(layer='SimpleRNN')),
    'p47_LSTM_stock': ('stock', 50, dict(layer='LSTM')),
    'p56_GRU_stock': ('stock', 50, dict(layer='GRU')),
}


def reference_program(script, epochs):
    kind, _, fields = SCRIPTS[script]
    template, shared = KINDS[kind]
    return template.format(name=script.split('_', 1)[1], epochs=epochs, **shared, **fields)


# ---- one run: a fresh copy, timed, its peak memory and its numbers -------------------------------------------------
NUMBER = r'([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)'


def numbers(pattern, text):
    return [float(n) for n in re.findall(pattern + NUMBER, text)]


def run_once(script, reference, epochs):
    """Run the script (or its reference) once; returns wall seconds, peak RSS MB and the numbers it printed."""
    with tempfile.TemporaryDirectory(prefix='benchmark-') as folder:
        folder = Path(folder)
        shutil.copytree(ROOT / 'data', folder / 'data')
        (folder / 'checkpoint').mkdir()
        if reference:
            (folder / 'reference.py').write_text(reference_program(script, epochs or SCRIPTS[script][1]))
            command = [sys.executable, 'reference.py']
        else:
            for program in ROOT.glob('*.py'):  # every top-level module, in case a script imports a shared one
                shutil.copy(program, folder)
            command = [sys.executable, f'{script}.py', '--no-show', '--fresh']
            command += ['--epochs', str(epochs)] if epochs else []
        wall, rss, output = timed(command, folder, reference, f'{script} ({"reference" if reference else "ours"})')
    model_part, _, baseline_part = output.partition('基线 (明天的开盘价')
    metrics = dict(acc=numbers(r'sparse_categorical_accuracy: ', output)[-1:],
                   loss=numbers(r'(?<!\w)loss: ', output)[-1:],
                   rmse=numbers(r'均方根误差: ', model_part)[:1], baseline=numbers(r'均方根误差: ', baseline_part)[:1])
    return dict(wall=wall, rss=rss, **{k: v[0] for k, v in metrics.items() if v})


def timed(command, folder, reference=False, what='', stdin=b''):
    """Run command in folder with no display and `stdin` typed; returns wall seconds, peak RSS MB and its output.
    A run that fails ends the benchmark with its last lines."""
    env = {k: v for k, v in os.environ.items()  # no display: figures are only saved
           if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'MPLBACKEND', 'TF_USE_LEGACY_KERAS')}
    env.update(PYTHONIOENCODING='utf-8', **({'TF_USE_LEGACY_KERAS': '1'} if reference else {}))
    (folder / 'stdin.txt').write_bytes(stdin)  # a file, not a pipe: nothing to feed while we wait4
    with open(folder / 'output.log', 'w+b') as log, open(folder / 'stdin.txt', 'rb') as typed:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=folder, env=env, stdin=typed, stdout=log, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: ru_maxrss is its peak, KB on Linux
        except BaseException:  # Ctrl-C or kill: take the run down with us
            child.kill()
            child.wait()
            raise
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = re.sub(r'\x1b\[[0-9;]*m', '', log.read().decode('utf-8', errors='replace'))
    if child.returncode != 0:
        tail = '\n'.join(output.replace('\b', '').splitlines()[-25:])
        sys.exit(f'{what} exited with {child.returncode}:\n{tail}')
    return wall, usage.ru_maxrss / 1024, output


# ---- the classroom recipe: p47 --epochs 0 --explain from a saved checkpoint ----------------------------------------
CLASSROOM_SCRIPT, CLASSROOM_DATE = 'p47_LSTM_stock.py', '2020-03-02'


def classroom(runs):
    """Time `python p47_LSTM_stock.py --epochs 0 --explain --no-show` answering one date, `runs` times, in one fresh
    copy whose checkpoint one untimed training epoch made. Returns the Markdown lines of the report."""
    command = [sys.executable, CLASSROOM_SCRIPT, '--epochs', '0', '--explain', '--no-show']
    walls, rss = [], []
    with tempfile.TemporaryDirectory(prefix='benchmark-') as folder:
        folder = Path(folder)
        shutil.copytree(ROOT / 'data', folder / 'data')
        (folder / 'checkpoint').mkdir()
        shutil.copy(ROOT / CLASSROOM_SCRIPT, folder)
        print(f'{CLASSROOM_SCRIPT} --epochs 1: making the checkpoint (untimed)', file=sys.stderr, flush=True)
        timed([sys.executable, CLASSROOM_SCRIPT, '--epochs', '1', '--no-show', '--fresh'], folder,
              what=f'{CLASSROOM_SCRIPT} --epochs 1')
        for i in range(1, runs + 1):
            wall, peak, output = timed(command, folder, what=' '.join(command[1:]),
                                       stdin=f'1\n{CLASSROOM_DATE}\n'.encode())
            if f'explain {CLASSROOM_DATE}:' not in output or 'Epoch 1/' in output:
                sys.exit(f'{" ".join(command[1:])} trained or explained nothing; its last lines:\n'
                         + '\n'.join(output.splitlines()[-15:]))
            walls.append(wall)
            rss.append(peak)
            print(f'classroom run {i}/{runs}: {wall:.1f} s', file=sys.stderr, flush=True)
    return [f'`python {CLASSROOM_SCRIPT} --epochs 0 --explain --no-show`, one date ({CLASSROOM_DATE}) answered, '
            f'{runs} run(s) from one checkpoint\n',
            '| command | median wall s | min–max s | peak RSS MB |', '|---|---|---|---|',
            f'| {CLASSROOM_SCRIPT} --epochs 0 --explain | {statistics.median(walls):.1f} | '
            f'{min(walls):.1f}–{max(walls):.1f} | {max(rss):.0f} |']


# ---- the report ----------------------------------------------------------------------------------------------------
def machine():
    cpuinfo = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    cpu = next(iter(re.findall(r'^model name\s*:\s*(.*)$', cpuinfo, re.M)), platform.processor() or 'unknown CPU')

    def version(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return 'not installed'

    return (f'Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; '
            f'load average {os.getloadavg()[0]:.2f} at start\n'
            f'Python {platform.python_version()}, TensorFlow {version("tensorflow")}, Keras {version("keras")}, '
            f'tf-keras {version("tf-keras")} (reference only)')


def spread(values, form):
    """One value if all runs agree to the shown precision, else min–max; '—' when the script prints none."""
    shown = sorted({form.format(v) for v in values}, key=float)
    return '—' if not shown else shown[0] if len(shown) == 1 else f'{shown[0]}–{shown[-1]}'


def final(runs, script):
    """Letters: the last epoch's training accuracy; stock: the last epoch's training loss."""
    key, form = ('acc', '{:.4f}') if SCRIPTS[script][0] == 'letters' else ('loss', '{:.3g}')
    return f'{key} {spread([r[key] for r in runs if key in r], form)}'


def row(script, epochs, ours, refs):
    walls = [r['wall'] for r in ours]
    cells = [script, epochs, f'{statistics.median(walls):.1f}', f'{min(walls):.1f}–{max(walls):.1f}',
             f'{max(r["rss"] for r in ours):.0f}', final(ours, script),
             spread([r['rmse'] for r in ours if 'rmse' in r], '{:.2f}'),
             spread([r['baseline'] for r in ours if 'baseline' in r], '{:.2f}')]
    if refs:
        ratios = [a['wall'] / b['wall'] for a, b in zip(ours, refs)]
        cells += [f'{statistics.median(r["wall"] for r in refs):.1f}', f'{statistics.median(ratios):.2f}',
                  final(refs, script), spread([r['rmse'] for r in refs if 'rmse' in r], '{:.2f}')]
    return '| ' + ' | '.join(map(str, cells)) + ' |'


def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number >= 1')
    return int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('--runs', type=positive_int, help='runs per script (default 3; 1 with --quick)')
    parser.add_argument('--epochs', type=positive_int,
                        help="train N epochs instead of each script's default (2 with --quick)")
    parser.add_argument('--quick', action='store_true', help='smoke test of the harness: --runs 1 --epochs 2')
    parser.add_argument('--scripts', help='comma-separated prefixes, e.g. p15,p38 (default: all seven)')
    parser.add_argument('--reference', action='store_true',
                        help='also time the lecture-style reference on legacy Keras 2, interleaved, with ratios')
    parser.add_argument('--classroom', action='store_true',
                        help=f'time only {CLASSROOM_SCRIPT} --epochs 0 --explain answering one date (default 3 runs)')
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that a killed benchmark also ends its run
    runs = args.runs if args.runs is not None else 1 if args.quick else 3
    if args.classroom:
        if args.reference or args.scripts or args.epochs or args.quick:
            parser.error('--classroom times one command; it takes only --runs')
        about = machine()
        print(about + '\n\n' + '\n'.join(classroom(runs)))
        return
    epochs = args.epochs if args.epochs is not None else 2 if args.quick else None
    prefixes = [p.strip() for p in (args.scripts or '').split(',') if p.strip()]
    scripts = [s for s in SCRIPTS if args.scripts is None or any(s.startswith(p) for p in prefixes)]
    if not scripts:
        parser.error(f'no script starts with {args.scripts!r}; the scripts are {", ".join(SCRIPTS)}')
    if args.reference and importlib.util.find_spec('tf_keras') is None:
        sys.exit(f"--reference needs tf-keras (legacy Keras 2): {sys.executable} -m pip install 'tf-keras~=2.21.0'")

    about = machine()  # the load average before we add to it
    header = ['script', 'epochs', 'median wall s', 'min–max s', 'peak RSS MB', 'final acc / loss', 'RMSE',
              'persistence RMSE']
    header += ['ref median s', 'ours/ref', 'ref acc / loss', 'ref RMSE'] if args.reference else []
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for script in scripts:
        ours, refs = [], []
        for i in range(1, runs + 1):
            for reference, results in ((False, ours), (True, refs))[:1 + args.reference]:  # A B A B
                results.append(run_once(script, reference, epochs))
                print(f'{script} {"reference" if reference else "ours"} run {i}/{runs}: {results[-1]["wall"]:.1f} s',
                      file=sys.stderr, flush=True)
        lines.append(row(script, epochs or SCRIPTS[script][1], ours, refs))
    pairs = ('interleaved with the reference (A B A B); ours/ref = median of the per-pair ratios; '
             if args.reference else '')
    print(f'{about}\n{runs} run(s) per script, {pairs}each from scratch in a fresh temporary copy '
          f'(--no-show --fresh, empty stdin)\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
