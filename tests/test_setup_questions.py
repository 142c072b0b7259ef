"""The README's 常见问题 (FAQ), each answer checked here as it is written there: what the scripts do with the course's
old checkpoints. (The other answers have their own tests: the Chinese folder and GBK output in test_language.py,
tushare's Pro API and TUSHARE_TOKEN in test_p37_tushare.py, English figure text in test_stock_forecast.py.)"""
import os
import re

import h5py

from conftest import LOADED, ROOT, after_start_up

P15, NAME = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
# what the course's TF 2.1 code left in checkpoint/: `model.save_weights('./checkpoint/rnn_onehot_1pre1.ckpt')`
OLD_CKPT = {'checkpoint': b'model_checkpoint_path: "rnn_onehot_1pre1.ckpt"\n',
            'rnn_onehot_1pre1.ckpt.index': b'an old TensorFlow index',
            'rnn_onehot_1pre1.ckpt.data-00000-of-00001': b'old TensorFlow weights'}
KERAS_OPTIMIZER_WARNING = re.compile(r".*UserWarning: Skipping variable loading for optimizer .*\n(?:  .*\n)?")


def keras_2_weights_file(path):
    """p15's model saved as TF 2.1's `model.save_weights('x.h5')` wrote it: Keras 2's HDF5 layout (layer_names,
    weight_names), which Keras 3 keeps a writer for."""
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')  # this test process's own TensorFlow start
    import tensorflow as tf
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group
    model = tf.keras.Sequential([tf.keras.Input((1, 5)), tf.keras.layers.SimpleRNN(3),
                                 tf.keras.layers.Dense(5, activation='softmax')])
    with h5py.File(path, 'w') as file:
        save_weights_to_hdf5_group(file, model)
    return path.read_bytes()


def test_old_checkpoints_the_ckpt_files_are_left_alone_and_a_keras_2_file_is_set_aside(project):
    """A checkpoint/ folder as a student brings it from the course's code: the .ckpt files are not read, not renamed,
    not deleted (the scripts look only for <name>.weights.h5), and a Keras 2 weights file given the Keras 3 name cannot
    be loaded: the lecture's load line, our one line, the file kept as .unloadable-<time>, training from scratch and a
    new checkpoint beside the old files. Keras' own warning about the optimizer may come on stderr (Keras' message)."""
    for name, content in OLD_CKPT.items():
        (project.path / 'checkpoint' / name).write_bytes(content)
    legacy = keras_2_weights_file(project.checkpoint(NAME))
    result = project.run(P15, '--epochs', '1', '--no-show')
    assert result.returncode == 0, result.stderr[-3000:]
    assert KERAS_OPTIMIZER_WARNING.sub('', after_start_up(result.stderr)) == '', result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == LOADED
    aside = re.fullmatch(rf'无法载入 \./checkpoint/{NAME}\.weights\.h5 \(ValueError\): 已改名为 '
                         rf'\./checkpoint/({NAME}\.weights\.h5\.unloadable-\d{{8}}-\d{{6}}), 从头训练', lines[1])
    assert aside, lines[:3]
    assert f'已把最优权重保存到 ./checkpoint/{NAME}.weights.h5' in lines
    assert (project.path / 'checkpoint' / aside[1]).read_bytes() == legacy
    for name, content in OLD_CKPT.items():
        assert (project.path / 'checkpoint' / name).read_bytes() == content, name
    assert sorted(path.name for path in (project.path / 'checkpoint').iterdir()) == sorted(
        [*OLD_CKPT, aside[1], f'{NAME}.weights.h5'])


def test_requirements_install_a_tensorflow_that_exists_on_every_system():
    """The README's Intel Mac answer (issue 28): TensorFlow's last macOS x86_64 wheels are 2.16.2, built for NumPy 1,
    so requirements.txt's markers give an Intel Mac tensorflow==2.16.2 and numpy<2, and every other system the
    current stack. Checked by evaluating each line's marker for each system, as pip does on that machine."""
    from packaging.requirements import Requirement
    from packaging.version import Version
    lines = [line.strip() for line in (ROOT / 'requirements.txt').read_text().splitlines()
             if line.strip() and not line.startswith('#')]
    systems = {'Intel Mac': ('darwin', 'x86_64'), 'Apple silicon': ('darwin', 'arm64'), 'Windows': ('win32', 'AMD64'),
               'Linux': ('linux', 'x86_64'), 'Linux ARM': ('linux', 'aarch64')}
    for system, (platform, machine) in systems.items():
        environment = {'sys_platform': platform, 'platform_machine': machine, 'python_version': '3.11'}
        chosen = {}
        for line in lines:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                assert requirement.name not in chosen, f'{system}: two lines for {requirement.name}'
                chosen[requirement.name] = requirement.specifier
        for package in ('tensorflow', 'numpy', 'pandas', 'matplotlib', 'scikit-learn', 'tushare', 'requests'):
            assert package in chosen, (system, package)
        if system == 'Intel Mac':
            assert list(chosen['tensorflow'].filter(['2.16.2', '2.18.0', '2.21.0'])) == ['2.16.2']
            assert Version('1.26.4') in chosen['numpy'] and Version('2.0.0') not in chosen['numpy']
        else:
            assert Version('2.16.2') not in chosen['tensorflow'] and Version('2.21.0') in chosen['tensorflow']
            assert Version('2.0.0') in chosen['numpy'] and Version('1.26.4') not in chosen['numpy']
