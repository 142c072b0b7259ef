"""Shared test helpers: every script runs as a subprocess in a temporary copy of the project (script + data),
so no test touches the repository's own checkpoint/, weights.txt or figures/."""
import os
import re
import shutil
import signal
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def student_environment():
    """os.environ as a student's terminal has it: no display (a headless run), and no TF_CPP_MIN_LOG_LEVEL, which the
    scripts set themselves (test_lecture_math sets one for its own process, which a subprocess would inherit)."""
    return {k: v for k, v in os.environ.items()
            if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'MPLBACKEND', 'TF_CPP_MIN_LOG_LEVEL')}


def default_sigint():
    """Runs in a child before the script starts: SIGINT back to its default, so that Python installs its own
    KeyboardInterrupt handler. A shell that starts the suite in the background hands every child an ignored SIGINT;
    a Ctrl-C test's child would then go on training (issue 29)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Project:
    """A throw-away copy of the project: data/ and an empty checkpoint/, plus the scripts a test asks for."""

    def __init__(self, path):
        self.path = path
        shutil.copytree(ROOT / 'data', path / 'data')
        (path / 'checkpoint').mkdir()

    def command(self, script, *args, env=None):
        """The command line and environment that run `script` the way a student does, with no display."""
        if not (self.path / script).exists():
            shutil.copy(ROOT / script, self.path / script)
        full_env = student_environment()
        full_env.update(PYTHONUNBUFFERED='1', **(env or {}))
        return [sys.executable, str(self.path / script), *args], full_env

    def run(self, script, *args, stdin='', env=None, cwd=None, timeout=600, max_file_bytes=None):
        """Run `python script args` with `stdin` typed at its prompts; returns the CompletedProcess.
        max_file_bytes: no file the script writes may grow past this size, as on a full disk (the write that
        crosses it fails with OSError 'File too large'; Python ignores the SIGXFSZ that comes with it)."""
        command, full_env = self.command(script, *args, env=env)
        limit_files = None
        if max_file_bytes is not None:
            import resource  # Unix only, like the tests that ask for it

            def limit_files():  # runs in the child, before the script starts
                resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
        return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=cwd or self.path,
                              env=full_env, timeout=timeout, preexec_fn=limit_files)

    def start(self, script, *args):
        """Start the script without waiting (for Ctrl-C tests); no input, output through pipes."""
        command, full_env = self.command(script, *args)
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=self.path, env=full_env, preexec_fn=default_sigint)

    def checkpoint(self, name):
        return self.path / 'checkpoint' / f'{name}.weights.h5'


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


def read_weights_txt(path):
    """Parse weights.txt (variable path, shape, values) back into {path: float32 array}."""
    import numpy as np
    arrays, lines = {}, Path(path).read_text().splitlines()
    i = 0
    while i < len(lines):
        name, shape = lines[i], tuple(int(n) for n in re.findall(r'\d+', lines[i + 1]))
        i += 2
        text = []
        while i < len(lines) and (lines[i].startswith((' ', '[')) or not text):
            text.append(lines[i])
            i += 1
        values = np.array(re.findall(r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?', ' '.join(text)), dtype=np.float32)
        arrays[name] = values.reshape(shape)
    return arrays


def assert_png(path):
    """A real PNG: the signature and an image matplotlib can read with some size."""
    import matplotlib.image as mpimg
    data = Path(path).read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', f'{path} is not a PNG'
    image = mpimg.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 200, image.shape
    assert image.std() > 0.01, 'the image is blank'


def checkpoint_layers(path):
    """{layer: [arrays]} from a Keras weights file, read with h5py (not Keras): layers/<layer>[/cell]/vars/<n>."""
    import h5py
    with h5py.File(path, 'r') as file:
        layers = {name: group['cell/vars' if 'cell' in group else 'vars'] for name, group in file['layers'].items()}
        return {name: [v[str(n)][()] for n in range(len(v))] for name, v in layers.items() if len(v)}  # no Dropout


LOADED = '-------------load the model-----------------'  # the lecture's line when a checkpoint is loaded
STOCK_SCRIPTS = {'p38_rnn_stock.py': 'rnn_stock', 'p47_LSTM_stock.py': 'LSTM_stock', 'p56_GRU_stock.py': 'GRU_stock'}
DAYS_PROMPT, DATE_PROMPT = 'input the number of test days:', 'input test date (YYYY-MM-DD) or next:'


def cells(path):
    """The script's `# %%` cells as an editor splits it: [(title, code)]; the lines before the first marker (if any)
    are a cell of their own, titled ''."""
    chunks = re.split(r'^(?=# %%)', Path(path).read_text(encoding='utf-8'), flags=re.MULTILINE)
    found = [(re.match(r'# %%(.*)', chunk).group(1).strip() if chunk.startswith('# %%') else '', chunk)
             for chunk in chunks]
    return [(title, code) for title, code in found if title or code.strip()]


METRIC_LABELS = ('均方误差', '均方根误差', '平均绝对误差')  # the lecture's three metrics, as the stock scripts print them


def persistence(csv):
    """The persistence baseline computed from the CSV alone: tomorrow's open = today's open on the last 240 days,
    as {label: value} for the lecture's three metrics."""
    import math

    import numpy as np
    import pandas as pd
    opens = pd.read_csv(csv)['open'].to_numpy()
    error = opens[-240:] - opens[-241:-1]
    mse = float(np.mean(error ** 2))
    return dict(zip(METRIC_LABELS, (mse, math.sqrt(mse), float(np.mean(np.abs(error))))))


# What TensorFlow writes to stderr as it starts, before it reads TF_CPP_MIN_LOG_LEVEL (absl's INFO lines about oneDNN
# and a missing CUDA driver): a student sees them, and the scripts no longer filter them (issue 19). Nothing else may.
TENSORFLOW_START_UP = re.compile(r'WARNING: All log messages before absl::InitializeLog\(\) is called are written to '
                                 r'STDERR|I0000 [\d:. ]+\S+:\d+\] .*')


def after_start_up(stderr):
    """stderr without TensorFlow's start-up lines: what the script itself (or Python, or Keras) wrote there."""
    return ''.join(line for line in stderr.splitlines(keepends=True) if not TENSORFLOW_START_UP.fullmatch(line.rstrip()))


# ---- the letter scripts' lecture runs, made once per session and shared by every test file that needs them ---------

# script -> (checkpoint name, {input: the letter the lecture predicts})
CYCLE, ALPHABET = 'abcde', string.ascii_lowercase
ONE_PRE_ONE = {CYCLE[i]: CYCLE[(i + 1) % 5] for i in range(5)}  # a->b ... e->a
LETTER_SCRIPTS = {
    'p15_rnn_onehot_1pre1.py': ('rnn_onehot_1pre1', ONE_PRE_ONE),
    'p27_rnn_embedding_1pre1.py': ('rnn_embedding_1pre1', ONE_PRE_ONE),
    'p21_rnn_onehot_4pre1.py': ('rnn_onehot_4pre1', {(CYCLE * 2)[i:i + 4]: CYCLE[(i + 4) % 5] for i in range(5)}),
    'p31_rnn_embedding_4pre1.py': ('rnn_embedding_4pre1', {ALPHABET[i:i + 4]: ALPHABET[i + 4] for i in range(22)}),
}
# an SSH session whose X forwarding is gone: DISPLAY names a server that is not there (unless this machine has one)
STALE_DISPLAY = {} if Path('/tmp/.X11-unix/X99').exists() else {'DISPLAY': ':99'}


def typed_lines(entries):
    """stdin for the letter prompts: the count, then the entries."""
    return '\n'.join([str(len(entries)), *entries]) + '\n'


@pytest.fixture(scope='session')
def lecture_run(tmp_path_factory):
    """script -> (project, result) of `python <script>` with no flag, every training pair typed at the prompts
    (upper case and spaces on every other one, which are accepted) and a stale DISPLAY. Made once per session, on
    first use: tests read it or copy its checkpoint into their own project; none changes that project afterwards."""
    runs = {}

    def run(script):
        if script not in runs:
            project = Project(tmp_path_factory.mktemp(script.split('_')[0]))
            typed = [f'  {x.upper()} ' if i % 2 else x for i, x in enumerate(LETTER_SCRIPTS[script][1])]
            runs[script] = project, project.run(script, stdin=typed_lines(typed), env=STALE_DISPLAY, timeout=300)
        return runs[script]
    return run
