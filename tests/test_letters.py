"""The four letter-prediction scripts (p15, p27, p21, p31), run as a student runs them."""
import re
import signal
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import (ALPHABET, LETTER_SCRIPTS, LOADED, STALE_DISPLAY, assert_png, checkpoint_layers, read_weights_txt,
                      stamp, typed_lines)

NOISE = ('Traceback', 'I0000', 'absl::InitializeLog', 'cuInit', 'UserWarning', 'non-interactive')
COUNT_PROMPT, LETTER_PROMPT = 'input the number of test alphabet:', 'input test alphabet:'


# ---- what the console says -----------------------------------------------------------------------------------------

def epoch_losses(stdout):
    """The loss Keras' progress bar shows last in each epoch (a run of one epoch has no 'Epoch 1/1' header)."""
    epochs = re.split(r'Epoch \d+/', stdout)
    return [float(re.findall(r'- loss: ([0-9.e+-]+)', epoch)[-1]) for epoch in epochs[len(epochs) > 1:]]


def final_accuracy(stdout):
    return float(re.findall(r'sparse_categorical_accuracy: ([0-9.e+-]+)', stdout)[-1])


def answers(stdout):
    return dict(re.findall(r'([a-z]+)->([a-z])\n', stdout))


def the_line(pattern, stdout):
    """The groups of the one console line that matches `pattern` in full."""
    found = [match.groups() for match in re.finditer(f'^{pattern}$', stdout, re.MULTILINE)]
    assert len(found) == 1, f'{len(found)} lines match {pattern!r} in\n{stdout}'
    return found[0]


def saved_loss(stdout, shown):
    """The loss, as printed, that the run says it saved the checkpoint (`shown` as printed) for."""
    return the_line(rf'saved the best weights \(loss (\d+\.\d{{6}})\) to {re.escape(str(shown))}', stdout)[0]


def loaded_loss(stdout, shown):
    """The loss, as printed under the lecture's load line, of the checkpoint the run loaded."""
    return the_line(rf'{LOADED}\n{re.escape(str(shown))}: loss (\d+\.\d{{6}})', stdout)[0]


def kept(shown):
    return f'kept {shown}: this run did not beat its loss'


def lecture_checkpoint_in(project, lecture_run, script):
    """Copy the lecture run's trained checkpoint into `project`, for --epochs 0: a model without training. Returns
    the checkpoint's bytes."""
    name, _ = LETTER_SCRIPTS[script]
    saved = lecture_run(script)[0].checkpoint(name).read_bytes()
    project.checkpoint(name).write_bytes(saved)
    return saved


# ---- the lecture's default run (conftest's lecture_run: made once per script and session, shared) ----------------

@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_lecture_run_learns_every_pair_and_answers_at_the_prompt(lecture_run, script):
    name, pairs = LETTER_SCRIPTS[script]
    project, result = lecture_run(script)
    figure = f"figures/{script.replace('.py', '.png')}"

    assert result.returncode == 0, result.stderr  # a stale DISPLAY neither blocks nor warns (the timeout above)
    assert not any(word in result.stderr for word in NOISE), result.stderr
    assert len(epoch_losses(result.stdout)) == 100
    assert final_accuracy(result.stdout) == 1.0
    assert answers(result.stdout) == pairs  # every training pair, as in the lecture's figures
    # the console after the figure is the lecture's, character for character: no walkthrough without --explain
    assert result.stdout.endswith(f'figure saved to {figure}\n{COUNT_PROMPT}'
                                  + ''.join(f'{LETTER_PROMPT}{x}->{y}\n' for x, y in pairs.items())), result.stdout
    saved_loss(result.stdout, f'checkpoint/{name}.weights.h5')
    assert project.checkpoint(name).exists()

    # weights.txt holds every trainable variable in full: it reads back bit for bit into the saved arrays
    # (the loss falls every epoch, so the best weights saved are the final ones)
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
    assert not any(word in result.stderr for word in NOISE), result.stderr
    assert 'Epoch' not in result.stdout and 'saved the best weights' not in result.stdout, result.stdout  # no fit
    loaded_loss(result.stdout, f'checkpoint/{name}.weights.h5')  # the lecture's load line, and whose weights
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
    assert 'figure saved to' not in before and 'kept' not in before and first == '', result.stdout
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
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f'--epochs 0 cannot load checkpoint/{name}.weights.h5 (FileNotFoundError); make one first: python {script}']
    assert LOADED not in result.stdout and 'Epoch' not in result.stdout and COUNT_PROMPT not in result.stdout
    assert sorted(path.name for path in project.path.iterdir()) == ['checkpoint', 'data', script]
    assert list((project.path / 'checkpoint').iterdir()) == []


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_each_resumed_run_that_improves_the_model_saves_it_stamped_with_its_loss(project, script):
    """Issue 9: a resumed run of one epoch trained on from the file but never saved, for the threshold was another
    measure of loss than the one Keras logs. The file's stamp is the logged loss it was saved for, and the threshold."""
    name, _ = LETTER_SCRIPTS[script]
    path, shown = project.checkpoint(name), f'checkpoint/{name}.weights.h5'
    first = project.run(script, '--epochs', '2', '--no-show')
    assert first.returncode == 0, first.stderr
    assert LOADED not in first.stdout
    printed = saved_loss(first.stdout, shown)
    assert printed == f"{stamp(path, 'loss'):.6f}"
    assert stamp(path, 'loss') == pytest.approx(min(epoch_losses(first.stdout)), rel=1e-3)  # the loss Keras logged

    for _ in range(2):
        before, threshold = path.read_bytes(), stamp(path, 'loss')
        resumed = project.run(script, '--epochs', '1', '--no-show')
        assert resumed.returncode == 0, resumed.stderr
        assert loaded_loss(resumed.stdout, shown) == printed  # the loss the last run printed for the file it saved
        assert epoch_losses(resumed.stdout)[0] < threshold  # it trained on from the file, and beat it
        printed = saved_loss(resumed.stdout, shown)
        assert path.read_bytes() != before and stamp(path, 'loss') < threshold  # replaced, with better weights
        assert printed == f"{stamp(path, 'loss'):.6f}"
        assert stamp(path, 'loss') == pytest.approx(epoch_losses(resumed.stdout)[0], rel=1e-3)
    assert sorted(p.name for p in (project.path / 'checkpoint').iterdir()) == [f'{name}.weights.h5']


@pytest.mark.parametrize('bad_file', ['garbage', 'another model', 'older version'])
def test_an_unloadable_checkpoint_refuses_epochs_0_and_training_keeps_it_aside(project, lecture_run, bad_file):
    script, name = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
    path, shown = project.checkpoint(name), f'checkpoint/{name}.weights.h5'
    if bad_file == 'garbage':
        path.write_bytes(b'not an HDF5 file')
    elif bad_file == 'another model':  # p31's trained checkpoint: stamped, valid, of another architecture
        path.write_bytes(lecture_run('p31_rnn_embedding_4pre1.py')[0].checkpoint('rnn_embedding_4pre1').read_bytes())
    else:  # a valid weights file of this very model, as a version before the loss stamp wrote it
        path.write_bytes(lecture_run(script)[0].checkpoint(name).read_bytes())
        with h5py.File(path, 'a') as file:
            del file.attrs['loss']
    content = path.read_bytes()

    # --epochs 0 has nothing to use: one line on stderr saying what to run first; nothing renamed or written
    refused = project.run(script, '--epochs', '0')
    assert refused.returncode != 0
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    the_line(rf'--epochs 0 cannot load {re.escape(shown)} \((OSError|ValueError|KeyError)\); '
             rf'make one first: python {re.escape(script)}', refused.stderr)
    assert path.read_bytes() == content  # where it was, byte for byte: no .unloadable copy
    assert sorted(p.name for p in (project.path / 'checkpoint').iterdir()) == [f'{name}.weights.h5']
    assert sorted(p.name for p in project.path.iterdir()) == ['checkpoint', 'data', script]  # no weights.txt, figures
    assert LOADED not in refused.stdout and 'Epoch' not in refused.stdout

    # training has something to make: the file is kept aside, one line says so, training starts from scratch
    result = project.run(script, '--epochs', '2', '--no-show')
    assert result.returncode == 0, result.stderr
    assert not any(word in result.stderr for word in NOISE), result.stderr  # Keras' own warning too: our line says it
    assert sum(line.startswith('cannot load') for line in result.stdout.splitlines()) == 1, result.stdout
    the_line(rf'cannot load {re.escape(shown)} \(\w+\); kept it as {re.escape(shown)}\.unloadable1, '
             'training from scratch', result.stdout)  # one line, naming the error and where the file went
    aside = project.path / 'checkpoint' / f'{name}.weights.h5.unloadable1'
    assert aside.read_bytes() == content  # renamed aside, not deleted
    assert LOADED not in result.stdout
    if bad_file != 'garbage':
        return
    saved = path.read_bytes()  # (what follows does not depend on the file set aside: checked once)

    # --fresh reads only the stamp: it loads nothing, trains from scratch, and its worse loss keeps the saved file
    fresh = project.run(script, '--epochs', '1', '--no-show', '--fresh')
    assert fresh.returncode == 0, fresh.stderr
    assert LOADED not in fresh.stdout
    assert epoch_losses(fresh.stdout) == epoch_losses(result.stdout)[:1]  # both trained from scratch
    assert kept(shown) in fresh.stdout.splitlines()
    assert path.read_bytes() == saved
    assert sorted(p.name for p in (project.path / 'checkpoint').iterdir()) == [
        f'{name}.weights.h5', f'{name}.weights.h5.unloadable1']


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
    assert 'Traceback' not in result.stderr
    assert result.stdout.count('please type a whole number') == 5
    expected = 'please type one letter' if '1pre1' in script else 'please type four letters'
    assert result.stdout.count(expected) == 2 * len(bad_entries)  # none of them used up one of the 2
    assert re.findall(r'([a-z]+)->[a-z]\n', result.stdout) == [good_entry]
    assert result.stdout.rstrip().endswith('bye')


def test_zero_predictions_and_no_input_at_all(project, lecture_run):
    lecture_checkpoint_in(project, lecture_run, 'p27_rnn_embedding_1pre1.py')  # the prompt needs a model
    zero = project.run('p27_rnn_embedding_1pre1.py', '--epochs', '0', stdin='0\n')
    silent = project.run('p27_rnn_embedding_1pre1.py', '--epochs', '0', stdin='')
    assert zero.returncode == silent.returncode == 0
    assert '->' not in zero.stdout and 'bye' not in zero.stdout
    assert zero.stdout.endswith(f'{COUNT_PROMPT}\n')  # piped input is not echoed: the program ends the line
    assert silent.stdout.endswith(f'{COUNT_PROMPT}\nbye\n')


# ---- from any folder, deterministic --------------------------------------------------------------------------------

def test_two_fresh_runs_are_identical_from_any_folder_and_messages_name_paths_openable_there(project,
                                                                                              tmp_path_factory):
    script, name = 'p31_rnn_embedding_4pre1.py', 'rnn_embedding_4pre1'
    figure, checkpoint = f"figures/{script.replace('.py', '.png')}", f'checkpoint/{name}.weights.h5'
    elsewhere = tmp_path_factory.mktemp('elsewhere')
    runs = {}
    for cwd in (project.path, elsewhere):
        result = project.run(script, '--epochs', '3', '--fresh', '--no-show', cwd=cwd)
        assert result.returncode == 0, result.stderr
        runs[cwd] = result, epoch_losses(result.stdout), (project.path / 'weights.txt').read_text()
    assert runs[project.path][1:] == runs[elsewhere][1:]
    assert list(elsewhere.iterdir()) == []  # everything went to the script's folder

    # from the script's folder the paths are the short relative ones; from elsewhere, absolute ones
    here, there = runs[project.path][0].stdout, runs[elsewhere][0].stdout
    assert f'figure saved to {figure}' in here.splitlines()
    first_loss = saved_loss(here, checkpoint)
    (printed_figure,) = the_line('figure saved to (.*)', there)
    assert Path(printed_figure).is_absolute() and Path(printed_figure).samefile(project.path / figure)
    assert kept(project.path / checkpoint) in there.splitlines()  # the same losses do not beat the saved file
    resumed = project.run(script, '--epochs', '1', '--no-show', cwd=elsewhere)
    assert loaded_loss(resumed.stdout, project.path / checkpoint) == first_loss
    saved_loss(resumed.stdout, project.path / checkpoint)


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_help_and_bad_flags(project, script):
    """--help names every flag and what --epochs 0 does; a bad flag is one line, before TensorFlow is imported."""
    help_text = project.run(script, '--help').stdout
    for flag in ('--epochs', '--fresh', '--no-show', '--explain'):
        assert flag in help_text
    assert '0: use the checkpoint' in ' '.join(help_text.split()), help_text  # argparse wraps the help lines
    for bad in (['--epochs', 'ten'], ['--epochs', '-3'], ['--wat'], ['--epochs', '0', '--fresh']):
        result = project.run(script, *bad)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1 and '--help' in result.stderr, result.stderr
        assert result.stdout == ''
    assert 'give one or the other' in result.stderr  # --epochs 0 uses the checkpoint that --fresh ignores
    assert sorted(path.name for path in project.path.iterdir()) == ['checkpoint', 'data', script]  # nothing written


def test_ctrl_c_during_training_stops_with_one_line_and_the_checkpoint_still_loads(project):
    script, name = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
    child = project.start(script, '--epochs', '100000', '--no-show')
    seen = ''
    while 'Epoch 30/' not in seen:  # well inside training, checkpoints being written every epoch
        seen += child.stdout.read(1)
        assert child.poll() is None
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)

    assert child.returncode == 130
    assert stderr.strip().splitlines() == [
        f'interrupted; the last saved checkpoint stays as it was: checkpoint/{name}.weights.h5']
    assert sorted(p.name for p in (project.path / 'checkpoint').iterdir()) == [f'{name}.weights.h5']
    resumed = project.run(script, '--epochs', '1', '--no-show')
    assert LOADED in resumed.stdout


def test_the_readmes_walkthrough_adds_up_by_hand():
    """The walkthrough README.md pastes (from a real p15 run) passes the same hand check as a live run's."""
    readme = (Path(__file__).resolve().parents[1] / 'README.md').read_text(encoding='utf-8')
    block = re.search(rf'```\n{re.escape(LETTER_PROMPT)}b\n(h_0 = .*?b->c\n)```', readme, re.S).group(1)
    assert_arithmetic_closes(parse_walkthrough(block, steps=1, top_three=False))
