"""The README's 常见问题 (FAQ), each answer checked here as it is written there: what the scripts do with the course's
old checkpoints. (The other answers have their own tests: the Chinese folder in test_language.py, tushare's Pro
API and TUSHARE_TOKEN in test_p37_tushare.py, English figure text in test_stock_forecast.py.)"""
import re

import h5py

from conftest import LOADED, Project, after_start_up

P15, NAME = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
# what the course's TF 2.1 code left in checkpoint/: `model.save_weights('./checkpoint/rnn_onehot_1pre1.ckpt')`
OLD_CKPT = {'checkpoint': b'model_checkpoint_path: "rnn_onehot_1pre1.ckpt"\n',
            'rnn_onehot_1pre1.ckpt.index': b'an old TensorFlow index',
            'rnn_onehot_1pre1.ckpt.data-00000-of-00001': b'old TensorFlow weights'}


def test_the_courses_old_ckpt_files_are_left_alone(project):
    """The scripts look only for checkpoint/<name>.weights.h5: the course's .ckpt files are not read, not renamed,
    not deleted, and the run trains from scratch beside them."""
    for name, content in OLD_CKPT.items():
        (project.path / 'checkpoint' / name).write_bytes(content)
    result = project.run(P15, '--epochs', '1', '--no-show')
    assert result.returncode == 0 and after_start_up(result.stderr) == '', result.stderr[-3000:]
    assert LOADED not in result.stdout and '无法载入' not in result.stdout
    assert f'已把最优权重保存到 ./checkpoint/{NAME}.weights.h5' in result.stdout.splitlines()
    for name, content in OLD_CKPT.items():
        assert (project.path / 'checkpoint' / name).read_bytes() == content, name
    assert sorted(path.name for path in (project.path / 'checkpoint').iterdir()) == sorted([*OLD_CKPT,
                                                                                           f'{NAME}.weights.h5'])


def test_a_keras_2_weights_file_under_the_new_name_is_set_aside(tmp_path):
    """A Keras 2 HDF5 weights file (the layout TF 2.1's `model.save_weights('x.h5')` wrote) renamed to the Keras 3
    name cannot be loaded: the lecture's load line, our one line, the file kept as .unloadable-<time>, training from
    scratch. Keras' own warning about the optimizer may come on stderr (it is Keras' message)."""
    import os
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import tensorflow as tf
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group
    project = Project(tmp_path)
    model = tf.keras.Sequential([tf.keras.Input((1, 5)), tf.keras.layers.SimpleRNN(3),
                                 tf.keras.layers.Dense(5, activation='softmax')])
    with h5py.File(project.checkpoint(NAME), 'w') as file:
        save_weights_to_hdf5_group(file, model)
    legacy = project.checkpoint(NAME).read_bytes()
    result = project.run(P15, '--epochs', '1', '--no-show')
    assert result.returncode == 0 and 'Traceback' not in result.stderr, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == LOADED
    aside = re.fullmatch(rf'无法载入 \./checkpoint/{NAME}\.weights\.h5 \(ValueError\): 已改名为 '
                         rf'\./checkpoint/({NAME}\.weights\.h5\.unloadable-\d{{8}}-\d{{6}}), 从头训练', lines[1])
    assert aside, lines[:3]
    assert (project.path / 'checkpoint' / aside[1]).read_bytes() == legacy
    assert f'已把最优权重保存到 ./checkpoint/{NAME}.weights.h5' in lines
