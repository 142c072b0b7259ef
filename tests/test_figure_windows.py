"""Figure windows (issue 28, CONVENTIONS.md "Figures"): before the first prompt a student closes no more windows than
the lecture's file opens: 2 for a stock script (the loss and the prediction), 1 for a letter script. The figures
beyond the lecture (多日预测, 记忆跨度) are saved and named on the console, not shown; --explain's figure at the prompt
still is. Each script runs with matplotlib's interactive backend replaced by tests/show_recorder.py, which prints a
line where a window would open."""
import re

from conftest import ROOT, Project, after_start_up
from show_recorder import WINDOW

RECORDER = {'MPLBACKEND': 'module://show_recorder', 'PYTHONPATH': str(ROOT / 'tests')}


def windows(stdout):
    return re.findall(rf'^{re.escape(WINDOW)}(.*)$', stdout, re.M)


def test_a_stock_run_opens_the_lectures_two_windows_before_the_prompt_and_explain_one_at_it(tmp_path):
    project = Project(tmp_path)
    result = project.run('p38_rnn_stock.py', '--epochs', '1', '--explain', stdin='1\n2020-03-02\n', env=RECORDER)
    assert result.returncode == 0, after_start_up(result.stderr)
    before, prompt, after = result.stdout.partition('input the number of test days:')
    assert prompt, result.stdout[-2000:]
    assert windows(before) == ['Training and Validation Loss', 'MaoTai Stock Price Prediction'], windows(before)
    for kind in ('loss', 'prediction', 'horizon', 'memory'):  # every figure saved and named, shown or not
        assert f'图已保存: figures/p38_rnn_stock_{kind}.png' in before
        assert (project.path / 'figures' / f'p38_rnn_stock_{kind}.png').is_file()
    shown_at_prompt = windows(after)
    assert len(shown_at_prompt) == 1 and shown_at_prompt[0].startswith('SimpleRNN, 2020-03-02'), shown_at_prompt
    assert after.index('explain 2020-03-02') < after.index(WINDOW)


def test_a_letter_run_opens_one_window_and_no_show_none(tmp_path):
    project = Project(tmp_path)
    result = project.run('p15_rnn_onehot_1pre1.py', '--epochs', '2', stdin='', env=RECORDER)
    assert result.returncode == 0, after_start_up(result.stderr)
    before, prompt, _ = result.stdout.partition('input the number of test alphabet:')
    assert prompt and windows(before) == ['Training Accuracy | Training Loss'], windows(result.stdout)
    quiet = project.run('p15_rnn_onehot_1pre1.py', '--epochs', '1', '--no-show', stdin='', env=RECORDER)
    assert quiet.returncode == 0 and windows(quiet.stdout) == [], quiet.stdout[-500:]
