"""中文优先 and plain statements (issue 23; CONVENTIONS.md, "Language: 中文优先"): every comment, help text and printed
line that the project added is Chinese, and no line is clever where a plain statement reads better.

The rule for "English-only" is the issue's: three or more English words and no Chinese character. Identifiers, file
names, paths and the lecture's function names (tanh, softmax) are not words. Exempt: the course's own prints and
prompts, Keras' lines (progress bars, model.summary), and Python's, argparse's and Keras' messages.

Static checks read the scripts' source (comments, argparse help, the strings given to print, input, sys.exit,
parser.error, assert and raise); the console checks read what real runs print, from a folder whose name has Chinese
characters and a space, as the course's students name theirs (`人工智能 实践/第六讲`), resuming there too."""
import ast
import io
import re
import subprocess
import tokenize

import pytest

from conftest import LOADED, ROOT, STOCK_SCRIPTS, Project, after_start_up

SCRIPTS = sorted(path.name for path in ROOT.glob('p*.py'))
CJK = re.compile(r'[\u3400-\u9fff]')
# the course's own prints and prompts, which stay in the course's English (CONVENTIONS.md)
COURSE_LINES = (LOADED, 'input the number of test alphabet:', 'input test alphabet:', 'input the number of test days:',
                'input test date (YYYY-MM-DD) or next:')


def english_only(text):
    """Three or more English words and no Chinese character. Not words: identifiers (with _), paths and file names,
    the lecture's tanh/softmax/sigmoid/exp."""
    text = re.sub(r'\S*[/\\]\S*|\S+\.(py|png|csv|h5|txt)\b|\w*_\w*|\b(tanh|softmax|sigmoid|exp)\b', ' ', text)
    return not CJK.search(text) and len(re.findall(r'[A-Za-z]{2,}', text)) >= 3


def test_the_rule_itself():
    """The rule flags what the issue calls a defect and nothing of what it exempts."""
    assert english_only('# the saved weights: a new checkpoint must beat it')
    assert english_only('figure saved to figures/p15_rnn_onehot_1pre1.png')
    assert not english_only('# 先建好 Adam: 它的动量和权重存在同一个文件里')
    assert not english_only("# Keras 3 的 v.name 只是 'kernel'; v.path 是 'sequential/simple_rnn/...'")
    assert not english_only('y = softmax(h_1·w_hy + by)')  # a formula
    assert not english_only('# calculate MSE')  # two words


def strings_in(node):
    """The literal text of a string node: a constant, or an f-string's literal parts joined by spaces."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return ' '.join(part.value for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):  # 'a' + 'b', 'x %s' % y
        return ' '.join(filter(None, (strings_in(node.left), strings_in(node.right))))
    return ''


PRINTING = {'print', 'input', 'exit', 'error', 'ArgumentParser', 'add_argument'}


def printed_texts(source):
    """(line, text) of every string a script prints or shows: print, input, sys.exit, parser.error, argparse's
    description and help, assert messages and raised exceptions' messages."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, 'id', '')
            if name in PRINTING:
                arguments = list(node.args) + [k.value for k in node.keywords if k.arg in ('help', 'description')]
                found += [(node.lineno, strings_in(argument)) for argument in arguments]
        elif isinstance(node, ast.Assert) and node.msg is not None:
            found.append((node.lineno, strings_in(node.msg)))
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            found += [(node.lineno, strings_in(argument)) for argument in node.exc.args]
    return [(line, text) for line, text in found if text.strip()]


@pytest.mark.parametrize('script', SCRIPTS)
def test_no_english_only_comment(script):
    source = (ROOT / script).read_text(encoding='utf-8')
    comments = [(token.start[0], token.string) for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT]
    english = [f'line {line}: {text}' for line, text in comments if english_only(text)]
    assert not english, f'{script}: English-only comments:\n' + '\n'.join(english)


@pytest.mark.parametrize('script', SCRIPTS)
def test_no_english_only_help_or_printed_text(script):
    texts = printed_texts((ROOT / script).read_text(encoding='utf-8'))
    assert any(CJK.search(text) for _, text in texts), f'{script}: the parser found no printed text at all'
    english = [f'line {line}: {text!r}' for line, text in texts
               if english_only(text) and text.strip() not in COURSE_LINES]
    assert not english, f'{script}: English-only help or printed text:\n' + '\n'.join(english)


def clever(source):
    """The constructs CONVENTIONS.md calls clever: a walrus; `a and f()` or `f() if c else g()` as a statement, or
    as the body of a lambda whose value nobody reads (a callback); a conditional expression nested in a print."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.NamedExpr):
            found.append(f'line {node.lineno}: a walrus')
        elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.BoolOp, ast.IfExp)):
            found.append(f'line {node.lineno}: {type(node.value).__name__} used as a statement')
        elif isinstance(node, ast.Lambda) and isinstance(node.body, (ast.BoolOp, ast.IfExp)) and any(
                isinstance(part, ast.Call) for part in ast.walk(node.body)):
            found.append(f'line {node.lineno}: a lambda whose {type(node.body).__name__} calls something')
        elif isinstance(node, ast.Call) and getattr(node.func, 'id', '') == 'print':
            nested = [inner for outer in ast.walk(node) if isinstance(outer, ast.IfExp)
                      for inner in ast.walk(outer) if inner is not outer and isinstance(inner, ast.IfExp)]
            if nested:
                found.append(f'line {node.lineno}: a nested conditional expression in a print')
    return found


def test_the_clever_finder_finds_the_old_clever_lines():
    """Each of the lines issue 23's read found, as they were, is found."""
    for line in ['if (answer := input()) == "": pass',
                 'renamed = C(on_epoch_end=lambda epoch, logs: os.path.exists(f) and os.replace(f, path))',
                 'plt.show() if show else plt.close()',
                 "print('x' + ('a' if k == 0 else 'b' if k == 1 else 'c'))"]:
        assert clever(line), line
    assert not clever('if show: plt.show()\nx = 1 if a else 2\nprint(f"{1 if a else 2}")')


@pytest.mark.parametrize('script', SCRIPTS)
def test_plain_statements(script):
    found = clever((ROOT / script).read_text(encoding='utf-8'))
    assert not found, f'{script}:\n' + '\n'.join(found)


# ---- the console, from a folder named as the course's students name theirs -----------------------------------------

KERAS_LINE = re.compile(r'.*━|Epoch \d+/\d+$|Model: "sequential"|[┏┃┡│├└]|\s*(Total|Trainable|Non-trainable|Optimizer) '
                        r'params:|[|+].*[|+]$')  # model.summary's box, drawn in ASCII where the output cannot take ┏


def english_console_lines(stdout):
    """stdout's lines of ours that are English-only (Keras' and the course's lines left out). Piped input is not
    echoed, so an answer follows its prompt on the prompt's line: the prompts are cut off first."""
    for prompt in COURSE_LINES[1:]:
        stdout = stdout.replace(prompt, '\n')
    return [line for line in stdout.splitlines()
            if line.strip() and line != LOADED and not KERAS_LINE.match(line) and english_only(line)]


@pytest.fixture(scope='module')
def chinese_folder(tmp_path_factory):
    """A project in `<tmp>/人工智能 实践/第六讲`, the runs started from the folder above it."""
    top = tmp_path_factory.mktemp('course')
    folder = top / '人工智能 实践' / '第六讲'
    folder.mkdir(parents=True)
    return Project(folder), top


def test_a_letter_script_trains_and_resumes_in_a_chinese_folder_and_speaks_chinese(chinese_folder):
    """p15 from `人工智能 实践/第六讲`: a first run saves its checkpoint there, a second one loads it (the lecture's
    line), trains on and saves again; bad input at the prompts is asked again in Chinese; every line of ours on the
    console is Chinese."""
    project, top = chinese_folder
    script, name = 'p15_rnn_onehot_1pre1.py', 'rnn_onehot_1pre1'
    first = project.run(script, '--epochs', '2', '--no-show', stdin='', cwd=top)
    assert first.returncode == 0 and after_start_up(first.stderr) == '', first.stderr[-3000:]
    saved = project.checkpoint(name).read_bytes()
    again = project.run(script, '--epochs', '1', '--no-show', stdin='x\n1\nq\nb\n', cwd=top)
    assert again.returncode == 0 and after_start_up(again.stderr) == '', again.stderr[-3000:]
    assert again.stdout.startswith(LOADED + '\n'), again.stdout[:500]
    assert f'已把最优权重保存到 ./checkpoint/{name}.weights.h5' in again.stdout.splitlines()
    assert project.checkpoint(name).read_bytes() != saved
    assert '请输入 0 或正整数' in again.stdout and '请输入 abcde 中的一个字母' in again.stdout
    assert re.search(r'input test alphabet:请输入 abcde 中的一个字母\ninput test alphabet:b->[a-e]\n$', again.stdout), \
        again.stdout[-500:]
    assert (project.path / 'figures' / 'p15_rnn_onehot_1pre1.png').exists() and (project.path / 'weights.txt').exists()
    for result in (first, again):
        assert not english_console_lines(result.stdout), english_console_lines(result.stdout)


def test_a_stock_script_trains_and_shows_in_a_chinese_folder_speaks_chinese_and_survives_gbk(chinese_folder):
    """p38 from `人工智能 实践/第六讲`: one epoch with bad and good entries at the date prompt, then `--epochs 0` from
    the checkpoint it saved there (with `next 2`). Every line of ours on both consoles is Chinese. The second run's
    output is GBK, as a file or a pipe is on a Chinese Windows (PYTHONIOENCODING does here what the locale does
    there): GBK has no ∂ (the 记忆跨度 head) and no C̃, so those are written as \\u2202 and the run reaches the prompt
    instead of stopping with UnicodeEncodeError."""
    project, top = chinese_folder
    script = 'p38_rnn_stock.py'
    trained = project.run(script, '--epochs', '1', '--no-show', stdin='two\n2\n1999-01-01\n2020-03-02\nnext\n', cwd=top)
    assert trained.returncode == 0 and after_start_up(trained.stderr) == '', trained.stderr[-3000:]
    command, env = project.command(script, '--epochs', '0', '--no-show')
    env['PYTHONIOENCODING'] = 'gbk'
    shown = subprocess.run(command, input='1\nnext 2\n'.encode('gbk'), capture_output=True, cwd=top, env=env, timeout=300)
    assert shown.returncode == 0 and b'Traceback' not in shown.stderr, shown.stderr.decode('utf-8', 'replace')[-3000:]
    shown_stdout = shown.stdout.decode('gbk')
    assert LOADED in shown_stdout and project.checkpoint(STOCK_SCRIPTS[script]).exists()
    assert re.search(r'or next:2020-03-02 -> 预测开盘价 \d+\.\d\d, 真实开盘价 1050\.11$', trained.stdout, re.M)
    assert '请输入 2019-05-06 到 2020-04-24 之间的一个交易日 (YYYY-MM-DD), 或 next, 或 next N (N 为 1-30)' in trained.stdout
    assert '2020-04-24 之后的第 2 个交易日 -> 预测开盘价 ' in shown_stdout
    assert '记忆跨度: 预测对前 60 天每天开盘价的平均敏感度 |∂y/∂x_t| (240 个测试窗口), 占比:' in trained.stdout
    assert '记忆跨度: 预测对前 60 天每天开盘价的平均敏感度 |\\u2202y/\\u2202x_t| (240 个测试窗口), 占比:' in shown_stdout
    for stdout in (trained.stdout, shown_stdout):
        assert not english_console_lines(stdout), english_console_lines(stdout)
