"""The four letter-prediction scripts (p15, p27, p21, p31), run as a student runs them."""
import re
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import (ALPHABET, LETTER_SCRIPTS, LOADED, ROOT, STALE_DISPLAY, Project, after_start_up, assert_png,
                      checkpoint_layers, default_sigint, read_weights_txt, typed_lines)

COUNT_PROMPT, LETTER_PROMPT = 'input the number of test alphabet:', 'input test alphabet:'
P15, P15_NAME = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'


# ---- what the console says -----------------------------------------------------------------------------------------

def epoch_losses(stdout):
    """The loss Keras' progress bar shows last in each epoch (a run of one epoch has no 'Epoch 1/1' header)."""
    epochs = re.split(r'Epoch \d+/', stdout)
    return [float(re.findall(r'- loss: ([0-9.e+-]+)', epoch)[-1]) for epoch in epochs[len(epochs) > 1:]]


def final_accuracy(stdout):
    return float(re.findall(r'sparse_categorical_accuracy: ([0-9.e+-]+)', stdout)[-1])


def answers(stdout):
    return dict(re.findall(r'([a-z]+)->([a-z])\n', stdout))


def the_line(pattern, text):
    """The groups of the one line of `text` that matches `pattern` in full."""
    found = [match.groups() for match in re.finditer(f'^{pattern}$', text, re.MULTILINE)]
    assert len(found) == 1, f'{len(found)} lines match {pattern!r} in\n{text}'
    return found[0]


def shown(name):
    """The checkpoint as every message names it: relative to the script's folder, from whatever folder it runs."""
    return f'./checkpoint/{name}.weights.h5'


SAVED, KEPT, UNLOADABLE = '已把最优权重保存到 ', '保留 ', '无法载入 '  # how step 5's lines of ours begin


def says_saved(stdout, name):
    """The one line that says the run saved a new best checkpoint. It names no loss: Keras logs an epoch's loss before
    the epoch's update, and the file holds the weights after it, whose own loss (what the next run must beat) is lower."""
    the_line(rf'{SAVED}{re.escape(shown(name))}', stdout)


def kept_loss(stdout, name):
    """The loss, as printed (6 decimals), of the saved weights the run did not beat."""
    return the_line(rf'{KEPT}{re.escape(shown(name))}: 这次训练每一轮的 loss 都比它的 (\d+\.\d{{6}}) 高', stdout)[0]


def agrees(printed, logged):
    """A loss printed with 6 decimals is the one Keras logged with 4 (or 4 significant digits, for < 1e-3)."""
    return abs(float(printed) - logged) <= 0.5e-4 + 0.5e-6 + 1e-12


def loads_first(stdout):
    """The lecture's load line opens the console (it is printed before load_weights, as the lecture does)."""
    return stdout.splitlines()[:1] == [LOADED]


# Keras' own warning when another model's file has another number of optimizer variables: the warning, then the
# line of Keras' source it points at. It is Keras' line, not the script's: the script's message is its own one line.
KERAS_SKIPPING = re.compile(r".*UserWarning: Skipping variable loading for optimizer .*\n(?:  .*\n)?")


def ours(stderr):
    """stderr without TensorFlow's start-up lines and Keras' optimizer-skipping warning: what the script wrote."""
    return KERAS_SKIPPING.sub('', after_start_up(stderr))


def files_in(folder):
    return sorted(path.name for path in Path(folder).iterdir())


def lecture_checkpoint_in(project, lecture_run, script):
    """Copy the lecture run's trained checkpoint into `project`, for --epochs 0: a model without training. Returns
    the checkpoint's bytes."""
    name, _ = LETTER_SCRIPTS[script]
    saved = lecture_run(script)[0].checkpoint(name).read_bytes()
    project.checkpoint(name).write_bytes(saved)
    return saved


@pytest.fixture(scope='module')
def from_scratch(tmp_path_factory):
    """script -> (project, result) of `python <script> --epochs 2 --no-show` in a project without a checkpoint: what
    training from scratch prints and writes. Made once per script on first use; tests copy from it, none changes it."""
    runs = {}

    def run(script):
        if script not in runs:
            project = Project(tmp_path_factory.mktemp(f"scratch_{script.split('_')[0]}"))
            runs[script] = project, project.run(script, '--epochs', '2', '--no-show')
            assert runs[script][1].returncode == 0, runs[script][1].stderr
        return runs[script]
    return run


# ---- the lecture's default run (conftest's lecture_run: made once per script and session, shared) ----------------

@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_lecture_run_learns_every_pair_and_answers_at_the_prompt(lecture_run, script):
    name, pairs = LETTER_SCRIPTS[script]
    project, result = lecture_run(script)
    figure = f"figures/{script.replace('.py', '.png')}"

    assert result.returncode == 0, result.stderr  # a stale DISPLAY neither blocks nor warns (the timeout above)
    assert after_start_up(result.stderr) == ''  # TensorFlow's start-up lines, and nothing else
    losses = epoch_losses(result.stdout)
    assert len(losses) == 100
    assert final_accuracy(result.stdout) == 1.0
    assert answers(result.stdout) == pairs  # every training pair, as in the lecture's figures
    # the console after the figure is the lecture's, character for character: no walkthrough without --explain
    assert result.stdout.endswith(f'图已保存: {figure}\n{COUNT_PROMPT}'
                                  + ''.join(f'{LETTER_PROMPT}{x}->{y}\n' for x, y in pairs.items())), result.stdout
    assert LOADED not in result.stdout  # no checkpoint yet: nothing to load
    says_saved(result.stdout, name)
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']  # no .saving file left behind

    # weights.txt holds every trainable variable in full: it reads back bit for bit into the saved arrays
    # (the loss falls every epoch, so the best weights saved are the final ones)
    assert losses[-1] <= min(losses), losses
    written = read_weights_txt(project.path / 'weights.txt')
    saved = checkpoint_layers(project.checkpoint(name))
    by_layer = {}
    for path, array in written.items():
        by_layer.setdefault(path.split('/')[1], []).append(array)
    assert by_layer.keys() == saved.keys()
    for layer, arrays in saved.items():
        assert [a.shape for a in by_layer[layer]] == [a.shape for a in arrays]
        assert all(np.array_equal(a, b) for a, b in zip(by_layer[layer], arrays)), layer
    assert any(path.endswith('simple_rnn_cell/recurrent_kernel') for path in written)
    assert_png(project.path / figure)


# ---- --explain: the 循环计算过程, recomputed from weights.txt ------------------------------------------------------

VECTOR = r'\[(-?\d+\.\d+(?: -?\d+\.\d+)*)\]'  # numbers in brackets, separated by single spaces


def lecture_weights(path):
    """weights.txt read back (conftest's reader, not the script's) and named as the lecture names them."""
    names = {'embedding/embeddings': 'embedding', 'simple_rnn_cell/kernel': 'w_xh',
             'simple_rnn_cell/recurrent_kernel': 'w_hh', 'simple_rnn_cell/bias': 'bh', 'dense/kernel': 'w_hy',
             'dense/bias': 'by'}
    weights = {}
    for variable, array in read_weights_txt(path).items():
        (name,) = [name for suffix, name in names.items() if variable.endswith(suffix)]
        weights[name] = array.astype(np.float64)
    assert list(weights) in (list(names.values()), list(names.values())[1:]), list(weights)
    return weights


def rounded(text, digits):
    """The numbers of one printed vector: each with exactly `digits` decimals, and no -0.0."""
    tokens = text.split(' ')
    for token in tokens:
        assert re.fullmatch(rf'-?\d+\.\d{{{digits}}}', token), f'{token!r} in [{text}]: not {digits} decimal(s)'
        assert not (token.startswith('-') and float(token) == 0), f'{token!r} in [{text}]: -0 is printed as 0'
    return np.array([float(token) for token in tokens])


def parse_walkthrough(block, steps, top_three, digits=2):
    """One answered prompt under --explain (what follows `input test alphabet:`), laid out as issue 10 shows it,
    every line matched in full and every number in it parsed: the vectors with `digits` decimals (two since issue
    16), the probabilities with two. Returns a dict of the printed numbers."""
    lines = iter(block.splitlines())

    def take(pattern):
        line = next(lines, '')
        match = re.fullmatch(pattern, line.strip())
        assert match, f'{line!r} is not {pattern!r}, in\n{block}'
        return match.groups()

    printed = {'h_0': rounded(take(rf'h_0 = {VECTOR}\s+\(初始时刻记忆体内的记忆是 0\)')[0], digits), 'steps': []}
    for t in range(1, steps + 1):
        letter, kind, x, dimension = take(rf't={t}\s+x_{t} = ([a-z]) 的\s?(独热码|Embedding 行) {VECTOR}'
                                          r'(?:\s+\(编码维度 (\d+)\))?')
        take(rf'h_{t} = tanh\(x_{t}·w_xh \+ h_{t - 1}·w_hh \+ bh\)')
        terms = take(rf'= tanh\({VECTOR} \+ {VECTOR} \+ {VECTOR}\)')
        total, h = take(rf'= tanh\({VECTOR}\) = {VECTOR}')
        printed['steps'].append(dict(letter=letter, kind=kind, dimension=dimension and int(dimension),
                                     x=rounded(x, digits), terms=[rounded(term, digits) for term in terms],
                                     sum=rounded(total, digits), h=rounded(h, digits)))
    take(rf'y = softmax\(h_{steps}·w_hy \+ by\)')
    printed['y_terms'] = [rounded(term, digits) for term in take(rf'= softmax\({VECTOR} \+ {VECTOR}\)')]
    z, p = take(rf'= softmax\({VECTOR}\) = {VECTOR}')
    printed['z'], printed['p'] = rounded(z, digits), rounded(p, 2)
    top_p, printed['top_letter'] = take(r'最大概率 (\d\.\d\d): ([a-z])')
    printed['top_p'] = float(top_p)
    if top_three:
        found = take(r'概率最大的三个: ([a-z]) (\d\.\d\d), ([a-z]) (\d\.\d\d), ([a-z]) (\d\.\d\d)')
        printed['top_three'] = [(found[i], float(found[i + 1])) for i in range(0, 6, 2)]
    printed['answer'] = take(r'([a-z]+)->([a-z])')  # the lecture's answer line comes last: nothing follows it
    assert next(lines, None) is None, block
    return printed


def assert_printed(printed, exact, digits, what):
    """`printed` is `exact` rounded to `digits` decimals: within half a unit of the last printed digit, plus what
    the script's float32 arithmetic may differ from this float64 recomputation."""
    exact = np.asarray(exact, dtype=np.float64)
    tolerance = 0.5 * 10.0 ** -digits + 1e-5 * np.maximum(1, abs(exact))
    assert np.shape(printed) == exact.shape and np.all(abs(printed - exact) <= tolerance), \
        f'{what}: printed {printed}, recomputed {exact.round(digits + 2)}'


def assert_walkthrough_is_the_forward_pass(printed, letters, weights):
    """Recompute every printed number from the weights, as the lecture's 图 1.2.8 computes it."""
    vocabulary = ALPHABET[:weights['w_hy'].shape[1]]
    h = np.zeros_like(weights['bh'])
    assert_printed(printed['h_0'], h, 2, 'h_0')
    for t, (step, letter) in enumerate(zip(printed['steps'], letters, strict=True), start=1):
        assert step['letter'] == letter
        if 'embedding' in weights:  # the letter's row of the Embedding matrix, and the matrix's 编码维度
            x = weights['embedding'][vocabulary.index(letter)]
            assert (step['kind'], step['dimension']) == ('Embedding 行', len(x))
        else:
            x = np.eye(len(vocabulary))[vocabulary.index(letter)]
            assert (step['kind'], step['dimension']) == ('独热码', None)
        assert_printed(step['x'], x, 2, f'x_{t}')
        terms = [x @ weights['w_xh'], h @ weights['w_hh'], weights['bh']]
        for term, exact, what in zip(step['terms'], terms, ('x·w_xh', 'h·w_hh', 'bh'), strict=True):
            assert_printed(term, exact, 2, f't={t} {what}')
        assert_printed(step['sum'], sum(terms), 2, f't={t} sum')
        h = np.tanh(sum(terms))
        assert_printed(step['h'], h, 2, f'h_{t}')
    terms = [h @ weights['w_hy'], weights['by']]
    for term, exact, what in zip(printed['y_terms'], terms, ('h·w_hy', 'by'), strict=True):
        assert_printed(term, exact, 2, what)
    z = sum(terms)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert_printed(printed['z'], z, 2, 'softmax input')
    assert_printed(printed['p'], p, 2, 'probabilities')
    assert_printed(printed['top_p'], p.max(), 2, '最大概率')
    answer = printed['top_letter']
    assert p[vocabulary.index(answer)] >= p.max() - 1e-6, f'{answer} is not the argmax of {p.round(4)}'
    assert printed['answer'] == (''.join(letters), answer)
    if 'top_three' in printed:
        listed = printed['top_three']
        assert listed[0][0] == answer and len({letter for letter, _ in listed}) == 3
        third_largest = np.sort(p)[-3]
        for letter, probability in listed:
            assert p[vocabulary.index(letter)] >= third_largest - 1e-6, f'{letter} is not among the top three'
            assert_printed(probability, p[vocabulary.index(letter)], 2, f'probability of {letter}')
        assert [probability for _, probability in listed] == sorted((q for _, q in listed), reverse=True)


def sums_close(printed):
    """Issue 16: the printed terms add up to the printed sum, inside tanh and inside softmax (a student's pencil).
    Every printed number is a multiple of 0.01 and each is off its exact value by at most 0.005, so the printed
    terms and the printed sum differ by a multiple of 0.01 below 0.02: by 0.00 or 0.01."""
    for t, step in enumerate(printed['steps'], start=1):
        assert abs(sum(step['terms']) - step['sum']).max() <= 0.01 + 1e-9, f"t={t}: {step['terms']} != {step['sum']}"
    assert abs(sum(printed['y_terms']) - printed['z']).max() <= 0.01 + 1e-9, f"{printed['y_terms']} != {printed['z']}"


def tanh_closes(printed):
    """tanh of the printed sum is the printed h within 0.01: the sum is off by 0.005 at most and tanh' <= 1, and
    the printed h is off tanh of the exact sum by 0.005 at most (a student's calculator)."""
    for t, step in enumerate(printed['steps'], start=1):
        assert abs(np.tanh(step['sum']) - step['h']).max() <= 0.01 + 1e-9, \
            f"t={t}: tanh({step['sum']}) = {np.tanh(step['sum']).round(4)}, printed {step['h']}"


def softmax_closes(printed):
    """softmax of the printed logits is the printed probabilities within 0.0076, tighter than 0.01 because it can
    be: a logit off by 0.005 moves p_i by at most 2*p_i*(1-p_i)*0.005 <= 0.0025, and p_i is rounded by 0.005 at
    most (plus 1e-4 for second order). The one-decimal README block missed by 0.0095 (0.09 printed as 0.10)."""
    z = printed['z']
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert abs(p - printed['p']).max() <= 0.0025 + 0.005 + 1e-4, f"softmax({z}) = {p.round(4)}, printed {printed['p']}"


def assert_arithmetic_closes(printed):
    """Every line of the walkthrough checked by hand from the numbers printed above it, no weights needed."""
    for check in (sums_close, tanh_closes, softmax_closes):
        check(printed)


# the walkthrough README.md pasted before issue 16, from a real p15 run: one decimal, and it did not add up by hand
ONE_DECIMAL_README_BLOCK = '''input test alphabet:b
h_0 = [0.0 0.0 0.0]   (初始时刻记忆体内的记忆是 0)
t=1  x_1 = b 的独热码 [0.0 1.0 0.0 0.0 0.0]
     h_1 = tanh(x_1·w_xh + h_0·w_hh + bh)
         = tanh([1.1 0.0 -1.4] + [0.0 0.0 0.0] + [-0.1 0.0 0.4])
         = tanh([1.0 0.0 -0.9]) = [0.7 0.0 -0.7]
y = softmax(h_1·w_hy + by)
  = softmax([-0.1 0.3 2.1 -0.7 0.1] + [-0.3 -0.2 0.0 0.3 -0.4])
  = softmax([-0.4 0.1 2.2 -0.4 -0.3]) = [0.06 0.10 0.73 0.06 0.06]
  最大概率 0.73: c
b->c
'''


@pytest.mark.parametrize('check', [sums_close, tanh_closes, softmax_closes, assert_arithmetic_closes])
def test_the_hand_check_catches_the_old_one_decimal_walkthrough(check):
    """Each check fails on the block issue 16 found: 2.1 + 0.0 printed as 2.2, tanh(1.0) = 0.76 printed as 0.7,
    softmax of the printed logits 0.09 printed as 0.10. The same parser then reads today's two-decimal output."""
    block = ONE_DECIMAL_README_BLOCK.removeprefix(f'{LETTER_PROMPT}b\n')  # a terminal echoes what was typed
    printed = parse_walkthrough(block, steps=1, top_three=False, digits=1)
    with pytest.raises(AssertionError):
        check(printed)



EXPLAINED = {  # a few inputs per script; upper case and spaces are accepted with --explain too
    'p15_rnn_onehot_1pre1.py': ['b', ' E ', 'a'],
    'p27_rnn_embedding_1pre1.py': ['b', ' E ', 'a'],
    'p21_rnn_onehot_4pre1.py': ['bcde', ' EABC ', 'cdea'],
    'p31_rnn_embedding_4pre1.py': ['bcde', ' WXYZ ', 'hijk'],  # wxyz is no training pair: any answer, if argmax
}


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_epochs_0_explain_walks_through_the_saved_model_and_adds_up_by_hand(project, lecture_run, script):
    """Issue 15: `--epochs 0 --explain` in class, from the lecture run's checkpoint: no training, the walkthrough of
    the saved weights, every number recomputed from weights.txt and checked by hand against the lines above it."""
    name, pairs = LETTER_SCRIPTS[script]
    saved = lecture_checkpoint_in(project, lecture_run, script)  # the lecture's trained model, made before class
    typed = EXPLAINED[script]
    result = project.run(script, '--epochs', '0', '--explain', stdin=typed_lines(typed), env=STALE_DISPLAY)

    assert result.returncode == 0, result.stderr
    assert after_start_up(result.stderr) == ''
    assert loads_first(result.stdout), result.stdout  # the lecture's load line, then the saved weights are used
    assert 'Epoch' not in result.stdout and UNLOADABLE not in result.stdout, result.stdout  # no fit
    assert SAVED not in result.stdout and KEPT not in result.stdout, result.stdout
    assert not (project.path / 'figures').exists()  # no history, no curve
    assert project.checkpoint(name).read_bytes() == saved
    by_layer = {}  # weights.txt holds the saved model's weights, bit for bit
    for path, array in read_weights_txt(project.path / 'weights.txt').items():
        by_layer.setdefault(path.split('/')[1], []).append(array.tolist())
    assert by_layer == {layer: [a.tolist() for a in arrays]
                        for layer, arrays in checkpoint_layers(project.checkpoint(name)).items()}
    weights = lecture_weights(project.path / 'weights.txt')
    before, walkthroughs = result.stdout.split(COUNT_PROMPT)
    first, *blocks = walkthroughs.split(LETTER_PROMPT)  # piped input is not echoed
    assert '图已保存' not in before and first == '', result.stdout
    assert len(blocks) == len(typed), result.stdout
    for block, entry in zip(blocks, typed):
        letters = entry.strip().lower()
        printed = parse_walkthrough(block, steps=len(letters), top_three=script.startswith('p31'))
        assert_walkthrough_is_the_forward_pass(printed, letters, weights)
        assert_arithmetic_closes(printed)
        if letters in pairs:
            assert printed['answer'] == (letters, pairs[letters])  # the saved model answers as it learned


# ---- checkpoint resume, and --epochs 0 without a checkpoint it can use -----------------------------------------------

@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_epochs_0_without_a_checkpoint_says_what_to_run_first(project, script):
    name, _ = LETTER_SCRIPTS[script]
    result = project.run(script, '--epochs', '0')
    assert result.returncode == 1
    assert after_start_up(result.stderr).splitlines() == [
        f'--epochs 0 无法载入 {shown(name)} (FileNotFoundError); 请先训练: python {script}']
    assert result.stdout.strip() in ('', LOADED), result.stdout  # (the lecture prints its line before load_weights)
    assert files_in(project.path) == ['checkpoint', 'data', script]  # no weights.txt, no figures
    assert files_in(project.path / 'checkpoint') == []


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_a_resumed_run_trains_on_from_the_file_and_only_a_better_run_replaces_it(project, from_scratch, script):
    """Four runs, one after the other: 2 epochs from scratch (saved); 2 epochs resumed, which carry on exactly where
    the file left off, Adam's state included (its losses are epochs 3 and 4 of a 4-epoch run) and save; 1 epoch
    resumed, which saves too (issue 23): Keras logs an epoch's loss before that epoch's update, so a resumed run's
    first epoch logs the loss of the loaded weights themselves, a tie with the loss to beat that counts as not worse;
    a --fresh run of 4 epochs, worse than the file, keeps it byte for byte. A leftover .saving file (a Ctrl-C during
    a save) is deleted, never renamed over the checkpoint."""
    name, _ = LETTER_SCRIPTS[script]
    path = project.checkpoint(name)
    leftover = path.with_name(f'{name}.saving.weights.h5')

    scratch, first = from_scratch(script)  # 2 epochs in a project without a checkpoint
    assert after_start_up(first.stderr) == ''
    assert LOADED not in first.stdout
    first_losses = epoch_losses(first.stdout)
    assert len(first_losses) == 2
    says_saved(first.stdout, name)
    path.write_bytes(scratch.checkpoint(name).read_bytes())

    before = path.read_bytes()
    resumed = project.run(script, '--epochs', '2', '--no-show')
    assert resumed.returncode == 0, resumed.stderr
    assert after_start_up(resumed.stderr) == ''
    assert loads_first(resumed.stdout) and UNLOADABLE not in resumed.stdout, resumed.stdout
    resumed_losses = epoch_losses(resumed.stdout)
    assert len(resumed_losses) == 2 and resumed_losses[1] < resumed_losses[0] < first_losses[-1], resumed_losses
    says_saved(resumed.stdout, name)  # it beat the file: saved
    assert path.read_bytes() != before
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']

    before = path.read_bytes()
    leftover.write_bytes(b'half a file, as a Ctrl-C during a save leaves it')
    one_more = project.run(script, '--epochs', '1', '--no-show')
    assert one_more.returncode == 0, one_more.stderr
    assert loads_first(one_more.stdout), one_more.stdout
    (logged,) = epoch_losses(one_more.stdout)  # the loaded weights' own loss (the tie: test_a_tie_...)
    assert logged < resumed_losses[-1]  # the file held the weights after the last update, better than logged
    says_saved(one_more.stdout, name)  # the tie is not worse: saved
    assert path.read_bytes() != before  # the weights after its one update ...
    assert checkpoint_layers(path).keys() == checkpoint_layers(scratch.checkpoint(name)).keys()  # ... not the leftover
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']  # the leftover is gone
    before = path.read_bytes()

    fresh = project.run(script, '--epochs', '4', '--fresh', '--no-show')
    assert fresh.returncode == 0, fresh.stderr
    assert LOADED not in fresh.stdout and UNLOADABLE not in fresh.stdout, fresh.stdout
    # from scratch, the same 4 epochs as the 2 + 2 above: the resumed run went on from the file, weights and Adam
    assert epoch_losses(fresh.stdout) == first_losses + resumed_losses
    # a worse run does not replace the better file, which holds the weights after one_more's update
    assert float(kept_loss(fresh.stdout, name)) < logged < min(epoch_losses(fresh.stdout))
    assert path.read_bytes() == before
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']


@pytest.mark.parametrize('script', [P15, 'p31_rnn_embedding_4pre1.py'])
def test_the_classroom_demo_of_resuming_saves_every_run_and_the_loss_falls(project, script):
    """Issue 23: a teacher shows 断点续训 with `python <script> --epochs 1`, run again and again. After the first run,
    each run loads the last one's checkpoint (the lecture's line), trains one epoch on from it and saves over it: the
    file changes every time, and each run logs a lower loss than the run before."""
    name, _ = LETTER_SCRIPTS[script]
    losses = []
    for run in range(3):
        before = project.checkpoint(name).read_bytes() if run else None
        result = project.run(script, '--epochs', '1')  # as the teacher types it (no display here: nothing blocks)
        assert result.returncode == 0, result.stderr
        assert after_start_up(result.stderr) == ''
        assert loads_first(result.stdout) == (run > 0) and UNLOADABLE not in result.stdout, result.stdout
        says_saved(result.stdout, name)
        assert project.checkpoint(name).read_bytes() != before
        assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']
        losses += epoch_losses(result.stdout)
    assert len(losses) == 3 and all(a > b for a, b in zip(losses, losses[1:])), losses


@pytest.mark.parametrize('script', ['p27_rnn_embedding_1pre1.py', 'p21_rnn_onehot_4pre1.py'])  # p15, p31: the demo
def test_a_fresh_run_keeps_a_better_checkpoint_and_a_resumed_runs_tie_saves(project, lecture_run, script):
    """Against the lecture run's checkpoint (100 epochs), `--fresh --epochs 1` is worse: it keeps the file byte for
    byte and prints the file's loss. A resumed `--epochs 1` then logs that same loss for its one epoch (Keras logs
    the loss before the epoch's update, here of the loaded weights): a tie, which counts as not worse, so it saves."""
    name, _ = LETTER_SCRIPTS[script]
    saved = lecture_checkpoint_in(project, lecture_run, script)
    fresh = project.run(script, '--fresh', '--epochs', '1', '--no-show')
    assert fresh.returncode == 0, fresh.stderr
    assert after_start_up(fresh.stderr) == ''
    assert LOADED not in fresh.stdout and UNLOADABLE not in fresh.stdout and SAVED not in fresh.stdout, fresh.stdout
    file_loss = kept_loss(fresh.stdout, name)
    # the file holds the weights after the lecture run's last update: better than its last logged loss
    assert float(file_loss) < epoch_losses(lecture_run(script)[1].stdout)[-1] < epoch_losses(fresh.stdout)[0]
    assert project.checkpoint(name).read_bytes() == saved
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']

    resumed = project.run(script, '--epochs', '1', '--no-show')
    assert resumed.returncode == 0, resumed.stderr
    assert loads_first(resumed.stdout) and KEPT not in resumed.stdout, resumed.stdout
    (logged,) = epoch_losses(resumed.stdout)
    assert agrees(file_loss, logged)  # the loaded weights' loss (model.evaluate) is the one its epoch logged
    says_saved(resumed.stdout, name)
    assert project.checkpoint(name).read_bytes() != saved


def another_model_in(project, lecture_run):
    """p31's trained checkpoint (another architecture) where p15 looks for its own."""
    project.checkpoint(P15_NAME).write_bytes(
        lecture_run('p31_rnn_embedding_4pre1.py')[0].checkpoint('rnn_embedding_4pre1').read_bytes())


def garbage_in(project, lecture_run):
    project.checkpoint(P15_NAME).write_bytes(b'not an HDF5 file')


def assert_set_aside_and_trained_from_scratch(project, result, content, scratch):
    """`scratch`: from_scratch's (project, result) for p15, the same run without a checkpoint.
    The run with an unloadable checkpoint printed and wrote exactly what a run without a checkpoint did (every
    epoch's loss, weights.txt byte for byte), kept the file aside, unchanged, and said so in one stdout line."""
    scratch_project, scratch_result = scratch
    assert result.returncode == 0, result.stderr
    assert epoch_losses(result.stdout) == epoch_losses(scratch_result.stdout)  # digit for digit, every epoch
    assert (project.path / 'weights.txt').read_bytes() == (scratch_project.path / 'weights.txt').read_bytes()
    assert ours(result.stderr) == '', result.stderr  # (Keras' own warning about the optimizer may come: its line)
    assert sum(UNLOADABLE in line for line in result.stdout.splitlines()) == 1, result.stdout
    error, aside = the_line(rf'{UNLOADABLE}{re.escape(shown(P15_NAME))} \((OSError|ValueError)\): 已改名为 '
                            rf'({re.escape(shown(P15_NAME))}\.unloadable-\d{{8}}-\d{{6}}), 从头训练', result.stdout)
    assert (project.path / aside).read_bytes() == content  # renamed aside, byte for byte, not deleted
    assert files_in(project.path / 'checkpoint') == sorted([f'{P15_NAME}.weights.h5', Path(aside).name])
    says_saved(result.stdout, P15_NAME)  # a new checkpoint


@pytest.mark.parametrize('make_bad_file', [garbage_in, another_model_in], ids=['garbage', 'another model'])
def test_an_unloadable_checkpoint_refuses_epochs_0_and_training_sets_it_aside(project, lecture_run, from_scratch,
                                                                              make_bad_file):
    make_bad_file(project, lecture_run)
    content = project.checkpoint(P15_NAME).read_bytes()

    # --epochs 0 has nothing to use: one line on stderr saying what to run first; nothing renamed or written
    refused = project.run(P15, '--epochs', '0')
    assert refused.returncode == 1
    assert ours(refused.stderr).splitlines() == [f'--epochs 0 无法载入 {shown(P15_NAME)} '
                                                 f'({"OSError" if make_bad_file is garbage_in else "ValueError"}); '
                                                 f'请先训练: python {P15}'], refused.stderr
    assert project.checkpoint(P15_NAME).read_bytes() == content  # where it was, byte for byte
    assert files_in(project.path / 'checkpoint') == [f'{P15_NAME}.weights.h5']
    assert files_in(project.path) == ['checkpoint', 'data', P15]  # no weights.txt, no figures
    assert 'Epoch' not in refused.stdout and COUNT_PROMPT not in refused.stdout

    # training has something to make: the file is set aside, one line says so, training starts from scratch
    result = project.run(P15, '--epochs', '2', '--no-show')
    assert_set_aside_and_trained_from_scratch(project, result, content, from_scratch(P15))


def test_another_models_checkpoint_set_aside_leaves_model_and_adam_as_without_a_checkpoint(tmp_path, from_scratch):
    """Issue 19's bug: a student changes SimpleRNN(3) to SimpleRNN(4) and runs p15 with the old model's checkpoint
    still there. load_weights loads part of that file (Adam's state among it) before it raises ValueError, so the run
    that says 'training from scratch' must put back every weight and every Adam variable: its losses and weights.txt
    are those of a run without a checkpoint, digit for digit. The file also carries the HDF5 attribute `loss` that
    the previous version stamped on its checkpoints, so that version loads it instead of rejecting it unstamped."""
    other = Project(tmp_path / 'four')  # the student's edit: 4 记忆体 instead of 3
    lecture_model = (ROOT / P15).read_text(encoding='utf-8')
    assert lecture_model.count('    SimpleRNN(3),\n') == 1
    (other.path / P15).write_text(lecture_model.replace('    SimpleRNN(3),\n', '    SimpleRNN(4),\n'), encoding='utf-8')
    made = other.run(P15, '--epochs', '2', '--no-show')
    assert made.returncode == 0, made.stderr
    with h5py.File(other.checkpoint(P15_NAME), 'a') as file:
        file.attrs['loss'] = 1.0
    content = other.checkpoint(P15_NAME).read_bytes()

    project = Project(tmp_path / 'three')  # back to the lecture's SimpleRNN(3), the 4-unit file still there
    project.checkpoint(P15_NAME).write_bytes(content)
    result = project.run(P15, '--epochs', '2', '--no-show')
    assert_set_aside_and_trained_from_scratch(project, result, content, from_scratch(P15))
    assert 'ValueError' in result.stdout


# ---- prompts -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('script, bad_entries, good_entry', [
    ('p15_rnn_onehot_1pre1.py', ['ab', 'f', '', '1'], 'c'),
    ('p21_rnn_onehot_4pre1.py', ['abc', 'abcf', 'abcde', 'ab d'], 'bcde'),
    ('p31_rnn_embedding_4pre1.py', ['xyz', 'ab1d', 'äbcd'], 'wxyz'),
])
def test_bad_prompt_input_is_asked_again_and_end_of_input_ends_calmly(project, lecture_run, script, bad_entries,
                                                                      good_entry):
    typed = ['x', '-1', '2.5', '', 'two', '2'] + bad_entries + [good_entry] + bad_entries  # then input runs out
    lecture_checkpoint_in(project, lecture_run, script)  # the prompts need a model, not training
    result = project.run(script, '--epochs', '0', stdin='\n'.join(typed) + '\n')

    assert result.returncode == 0
    assert after_start_up(result.stderr) == ''  # no traceback
    assert result.stdout.count(f'请输入 0 或正整数\n{COUNT_PROMPT}') == 5  # the message, the prompt again
    expected = {'p15': '请输入 abcde 中的一个字母', 'p21': '请输入 abcde 中的四个字母', 'p31': '请输入 a-z 中的四个字母'}
    # none of them used up one of the 2
    assert result.stdout.count(f'{expected[script[:3]]}\n{LETTER_PROMPT}') == 2 * len(bad_entries)
    assert re.findall(r'([a-z]+)->[a-z]\n', result.stdout) == [good_entry]
    assert result.stdout.endswith(f'{LETTER_PROMPT}\n再见\n'), result.stdout[-200:]


def test_zero_predictions_no_input_at_all_and_ctrl_c_at_the_prompt(project, lecture_run):
    script = 'p27_rnn_embedding_1pre1.py'
    lecture_checkpoint_in(project, lecture_run, script)  # the prompt needs a model
    zero = project.run(script, '--epochs', '0', stdin='0\n')
    silent = project.run(script, '--epochs', '0', stdin='')
    assert zero.returncode == silent.returncode == 0
    assert after_start_up(zero.stderr) == after_start_up(silent.stderr) == ''
    assert zero.stdout.endswith(COUNT_PROMPT)  # zero predictions asked for: the lecture's loop ends, no goodbye
    assert silent.stdout.endswith(f'{COUNT_PROMPT}\n再见\n')

    # Ctrl-C while the prompt waits: the same goodbye, exit code 0, no traceback
    command, env = project.command(script, '--epochs', '0')
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=project.path, env=env, preexec_fn=default_sigint)
    seen = ''
    while not seen.endswith(COUNT_PROMPT):
        character = child.stdout.read(1)
        assert character, f'the prompt never came:\n{seen}'
        seen += character
    child.send_signal(signal.SIGINT)
    rest, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    assert rest == '\n再见\n'
    assert after_start_up(stderr) == ''


# ---- from any folder, deterministic --------------------------------------------------------------------------------

def test_two_fresh_runs_are_identical_from_any_folder_and_messages_name_paths_from_the_scripts_folder(
        project, tmp_path_factory):
    script, name = 'p31_rnn_embedding_4pre1.py', 'rnn_embedding_4pre1'
    figure = f"figures/{script.replace('.py', '.png')}"
    elsewhere = tmp_path_factory.mktemp('elsewhere')
    runs = {}
    for cwd in (project.path, elsewhere):
        result = project.run(script, '--epochs', '3', '--fresh', '--no-show', cwd=cwd)
        assert result.returncode == 0, result.stderr
        assert after_start_up(result.stderr) == ''
        assert LOADED not in result.stdout
        assert f'图已保存: {figure}' in result.stdout.splitlines()
        runs[cwd] = result.stdout, epoch_losses(result.stdout), (project.path / 'weights.txt').read_bytes()
    here, there = runs[project.path][0], runs[elsewhere][0]
    assert runs[project.path][1:] == runs[elsewhere][1:]  # the same losses, and weights.txt byte for byte
    assert files_in(elsewhere) == []  # everything went to the script's folder

    says_saved(here, name)  # ./checkpoint/... and figures/... both times: relative to the script's folder
    kept_loss(there, name)  # found from elsewhere: the same losses do not beat the file the first run saved
    assert (project.path / shown(name)).is_file() and (project.path / figure).is_file()


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_help_and_bad_flags(project, script):
    """--help names every flag and what --epochs 0 does; a bad flag gets argparse's usage and one error line, exit
    code 2, before TensorFlow is even imported."""
    helped = project.run(script, '--help')
    assert helped.returncode == 0 and helped.stderr == ''
    for flag in ('--epochs', '--fresh', '--no-show', '--explain'):
        assert flag in helped.stdout
    assert '0: 不训练, 用保存的 checkpoint' in ' '.join(helped.stdout.split()), helped.stdout  # argparse wraps lines
    for bad, message in [(['--epochs', 'ten'], "argument --epochs: invalid int value: 'ten'"),
                         (['--epochs', '-3'], '--epochs 不能小于 0'),
                         (['--wat'], 'unrecognized arguments: --wat'),
                         (['--epochs', '0', '--fresh'], '--epochs 0 只载入 checkpoint, --fresh 要从头训练, 不能同时用')]:
        result = project.run(script, *bad)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ''
        lines = result.stderr.splitlines()  # no TensorFlow start-up line: it was not imported
        assert lines[0].startswith(f'usage: {script} ') and lines[-1] == f'{script}: error: {message}', result.stderr
    assert files_in(project.path) == ['checkpoint', 'data', script]  # nothing written
    assert files_in(project.path / 'checkpoint') == []


def test_ctrl_c_during_training_leaves_a_checkpoint_that_loads(project):
    """Ctrl-C during training: Python's own KeyboardInterrupt (no message of ours), and the checkpoint loads, for a
    new best is written beside it and renamed over it."""
    name = P15_NAME
    child = project.start(P15, '--epochs', '100000', '--no-show')
    seen = ''
    while 'Epoch 30/' not in seen:  # well inside training, checkpoints being written every epoch
        character = child.stdout.read(1)
        assert character, f'training ended early:\n{seen}'
        seen += character
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)

    assert child.returncode != 0
    assert 'KeyboardInterrupt' in after_start_up(stderr), stderr
    # the checkpoint, and at most the half-written new best that the next run deletes
    assert files_in(project.path / 'checkpoint') in ([f'{name}.weights.h5'],
                                                     sorted([f'{name}.weights.h5', f'{name}.saving.weights.h5']))
    resumed = project.run(P15, '--epochs', '0')  # --epochs 0 exits 1 unless the checkpoint loads
    assert resumed.returncode == 0, resumed.stderr
    assert loads_first(resumed.stdout) and UNLOADABLE not in resumed.stdout, resumed.stdout
    assert files_in(project.path / 'checkpoint') == [f'{name}.weights.h5']


def test_the_chapters_walkthrough_adds_up_by_hand():
    """The walkthrough docs/gates.md pastes (from a real p15 run) passes the same hand check as a live run's."""
    chapter = (ROOT / 'docs' / 'gates.md').read_text(encoding='utf-8')
    block = re.search(rf'```\n{re.escape(LETTER_PROMPT)}b\n(h_0 = .*?b->c\n)```', chapter, re.S).group(1)
    assert_arithmetic_closes(parse_walkthrough(block, steps=1, top_three=False))
