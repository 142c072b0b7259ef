"""The four letter-prediction scripts (p15, p27, p21, p31), run as a student runs them."""
import re
import signal
import string

import numpy as np
import pytest

from conftest import assert_png, checkpoint_layers, read_weights_txt

# script -> (checkpoint name, {input: the letter the lecture predicts})
CYCLE, ALPHABET = 'abcde', string.ascii_lowercase
ONE_PRE_ONE = {CYCLE[i]: CYCLE[(i + 1) % 5] for i in range(5)}  # a->b ... e->a
LETTER_SCRIPTS = {
    'p15_rnn_onehot_1pre1.py': ('rnn_onehot_1pre1', ONE_PRE_ONE),
    'p27_rnn_embedding_1pre1.py': ('rnn_embedding_1pre1', ONE_PRE_ONE),
    'p21_rnn_onehot_4pre1.py': ('rnn_onehot_4pre1', {(CYCLE * 2)[i:i + 4]: CYCLE[(i + 4) % 5] for i in range(5)}),
    'p31_rnn_embedding_4pre1.py': ('rnn_embedding_4pre1', {ALPHABET[i:i + 4]: ALPHABET[i + 4] for i in range(22)}),
}
NOISE = ('Traceback', 'I0000', 'absl::InitializeLog', 'cuInit', 'UserWarning', 'non-interactive')


def epoch_losses(stdout):
    """The loss Keras' progress bar shows last in each epoch."""
    return [float(re.findall(r'- loss: ([0-9.e+-]+)', epoch)[-1]) for epoch in re.split(r'Epoch \d+/', stdout)[1:]]


def final_accuracy(stdout):
    return float(re.findall(r'sparse_categorical_accuracy: ([0-9.e+-]+)', stdout)[-1])


def answers(stdout):
    return dict(re.findall(r'([a-z]+)->([a-z])\n', stdout))


@pytest.mark.parametrize('script', LETTER_SCRIPTS)
def test_lecture_run_learns_every_pair_and_answers_at_the_prompt(project, script):
    name, pairs = LETTER_SCRIPTS[script]
    typed = [f'  {x.upper()} ' if i % 2 else x for i, x in enumerate(pairs)]  # upper case and spaces are accepted
    result = project.run(script, '--no-show', stdin='\n'.join([str(len(pairs))] + typed) + '\n')

    assert result.returncode == 0, result.stderr
    assert not any(word in result.stderr for word in NOISE), result.stderr
    assert len(epoch_losses(result.stdout)) == 100
    assert final_accuracy(result.stdout) == 1.0
    assert answers(result.stdout) == pairs  # every training pair, as in the lecture's figures
    assert 'input the number of test alphabet:' in result.stdout
    assert 'saved the best weights' in result.stdout and project.checkpoint(name).exists()

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
    assert_png(project.path / 'figures' / script.replace('.py', '.png'))


def test_resume_trains_on_and_never_replaces_a_better_checkpoint(project):
    script, name = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
    first = project.run(script, '--epochs', '20', '--no-show')
    from_scratch = epoch_losses(first.stdout)
    assert '-------------load the model-----------------' not in first.stdout

    resumed = project.run(script, '--epochs', '5', '--no-show')
    assert '-------------load the model-----------------' in resumed.stdout
    assert epoch_losses(resumed.stdout)[0] < from_scratch[10]  # it goes on from epoch 20, not from epoch 1
    assert 'saved the best weights' in resumed.stdout
    better = project.checkpoint(name).read_bytes()

    fresh = project.run(script, '--epochs', '2', '--fresh', '--no-show')
    assert fresh.returncode == 0
    assert '-------------load the model-----------------' not in fresh.stdout
    assert epoch_losses(fresh.stdout) == from_scratch[:2]  # --fresh really starts from scratch
    assert 'did not beat it' in fresh.stdout
    assert project.checkpoint(name).read_bytes() == better  # the worse run left the better file alone
    assert sorted(p.name for p in (project.path / 'checkpoint').iterdir()) == [f'{name}.weights.h5']


@pytest.mark.parametrize('bad_file', ['garbage', 'another model'])
def test_an_unloadable_checkpoint_is_kept_aside_and_training_starts_fresh(project, bad_file):
    script, name = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
    if bad_file == 'garbage':
        project.checkpoint(name).write_bytes(b'not an HDF5 file')
    else:
        project.run('p31_rnn_embedding_4pre1.py', '--epochs', '1', '--no-show')
        project.checkpoint('rnn_embedding_4pre1').rename(project.checkpoint(name))
    content = project.checkpoint(name).read_bytes()

    result = project.run(script, '--epochs', '2', '--no-show')
    reference = project.run(script, '--epochs', '2', '--no-show', '--fresh')

    assert result.returncode == 0, result.stderr
    assert 'Traceback' not in result.stderr
    message = [line for line in result.stdout.splitlines() if line.startswith('cannot load')]
    assert len(message) == 1 and 'rnn_onehot_1pre1.weights.h5.unloadable1' in message[0], result.stdout
    aside = project.path / 'checkpoint' / f'{name}.weights.h5.unloadable1'
    assert aside.read_bytes() == content  # renamed aside, not deleted
    assert '-------------load the model-----------------' not in result.stdout
    assert epoch_losses(result.stdout) == epoch_losses(reference.stdout)  # trained from scratch


@pytest.mark.parametrize('script, bad_entries, good_entry', [
    ('p15_rnn_onehot_1pre1.py', ['ab', 'f', '', '1'], 'c'),
    ('p21_rnn_onehot_4pre1.py', ['abc', 'abcf', 'abcde', 'ab d'], 'bcde'),
    ('p31_rnn_embedding_4pre1.py', ['xyz', 'ab1d', 'äbcd'], 'wxyz'),
])
def test_bad_prompt_input_is_asked_again_and_end_of_input_ends_calmly(project, script, bad_entries, good_entry):
    typed = ['x', '-1', '2.5', '', 'two', '2'] + bad_entries + [good_entry] + bad_entries  # then input runs out
    result = project.run(script, '--epochs', '1', '--no-show', stdin='\n'.join(typed) + '\n')

    assert result.returncode == 0
    assert 'Traceback' not in result.stderr
    assert result.stdout.count('please type a whole number') == 5
    expected = 'please type one letter' if '1pre1' in script else 'please type exactly four letters'
    assert result.stdout.count(expected) == 2 * len(bad_entries)  # none of them used up one of the 2
    assert re.findall(r'([a-z]+)->[a-z]\n', result.stdout) == [good_entry]
    assert result.stdout.rstrip().endswith('bye')


def test_zero_predictions_and_no_input_at_all(project):
    zero = project.run('p27_rnn_embedding_1pre1.py', '--epochs', '1', '--no-show', stdin='0\n')
    silent = project.run('p27_rnn_embedding_1pre1.py', '--epochs', '1', '--no-show', stdin='')
    assert zero.returncode == silent.returncode == 0
    assert '->' not in zero.stdout and 'bye' not in zero.stdout
    assert silent.stdout.rstrip().endswith('input the number of test alphabet:\nbye')


def test_two_fresh_runs_are_identical_from_any_folder(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp('elsewhere')
    runs = []
    for cwd in (project.path, elsewhere):
        result = project.run('p31_rnn_embedding_4pre1.py', '--epochs', '3', '--fresh', '--no-show', cwd=cwd)
        assert result.returncode == 0, result.stderr
        runs.append((epoch_losses(result.stdout), (project.path / 'weights.txt').read_text()))
    assert runs[0] == runs[1]
    assert list(elsewhere.iterdir()) == []  # everything went to the script's folder


def test_help_and_bad_flags(project):
    help_text = project.run('p21_rnn_onehot_4pre1.py', '--help').stdout
    for flag in ('--epochs', '--fresh', '--no-show'):
        assert flag in help_text
    for bad in (['--epochs', 'ten'], ['--epochs', '0'], ['--epochs', '-3'], ['--wat']):
        result = project.run('p21_rnn_onehot_4pre1.py', *bad)
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1 and '--help' in result.stderr, result.stderr
        assert not (project.path / 'weights.txt').exists()


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
    assert '-------------load the model-----------------' in resumed.stdout
