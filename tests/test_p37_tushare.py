"""p37_tushare.py: the lecture's download works today, a failed or bad one never costs the CSV you have, and one
that changes the CSV keeps the file it replaced.

No stock data server is reachable from here: tests/tushare_stub.py fakes the network below tushare (urllib's
urlopen, requests' HTTP adapter) with answers in each service's real format, so tushare's own parsing runs."""
import ast
import os
import re
import time
from pathlib import Path

import matplotlib
import matplotlib.image as mpimg
import pandas as pd
import pytest

from conftest import ROOT, assert_png, cells, student_environment

SCRIPT = 'p37_tushare.py'
CSV = 'data/SH600519.csv'
FIGURE = 'figures/p37_tushare.png'
SHIPPED = ROOT / CSV
TOKEN = 'pytest0123456789abcdef0123456789abcdef0123456789abcdef'  # made up, as long as a real one
PRICES = ['open', 'close', 'high', 'low']
LECTURE_HEADER = ['Unnamed: 0', 'date', 'open', 'close', 'high', 'low', 'volume', 'code']  # unnamed index first
NO_NETWORK = {'http_proxy': 'http://127.0.0.1:9', 'HTTP_PROXY': 'http://127.0.0.1:9', 'no_proxy': '', 'NO_PROXY': ''}


# ---- helpers -------------------------------------------------------------------------------------------------------
def p37_env(project, stub='ok', token='', **more):
    """p37's environment: the fake network answering as `stub` says (None: no stub, and every HTTP request goes to a
    closed port, as with no network). A token selects the Pro API. HOME is an empty folder, so that a token saved
    there (ts.set_token writes ~/tk.csv) would be seen."""
    home = project.path / 'home'
    home.mkdir(exist_ok=True)
    env = {'TUSHARE_TOKEN': token, 'HOME': str(home), 'MPLCONFIGDIR': matplotlib.get_cachedir()}
    if stub:
        site = project.path / 'stub_site'
        site.mkdir(exist_ok=True)
        (site / 'sitecustomize.py').write_text('import tushare_stub\ntushare_stub.install()\n')
        env.update(PYTHONPATH=os.pathsep.join([str(site), str(ROOT / 'tests')]), TUSHARE_STUB=stub,
                   TUSHARE_STUB_TOKEN=TOKEN, TUSHARE_STUB_LOG=str(project.path / 'requests.log'))
    else:
        env.update(NO_NETWORK)
    return {**env, **more}


def run_p37(project, *args, stub='ok', token='', show=False, env=None, **run_options):
    """Run p37 as a user would, in `project` (with --no-show unless `show`), in p37_env plus `env`."""
    started = time.monotonic()
    result = project.run(SCRIPT, *args if show else ('--no-show', *args),
                         env=p37_env(project, stub, token, **(env or {})), **run_options)
    result.seconds = time.monotonic() - started
    return result


def requests_made(project):
    log = project.path / 'requests.log'
    return log.read_text().splitlines() if log.exists() else []


def plant_older_csv(project):
    """Put a CSV that differs from any download in place (the shipped one without its last 10 days), so that
    'unchanged' means something; returns its bytes."""
    lines = SHIPPED.read_bytes().splitlines(keepends=True)
    older = b''.join(lines[:-10])
    (project.path / CSV).write_bytes(older)
    return older


def data_files(project):
    return sorted(os.listdir(project.path / 'data'))


def one_line_error(result):
    """Exit non-zero with one line on stderr, no traceback; returns the line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('p37_tushare.py: '), result.stderr
    return lines[0]


def assert_refused(result, project, older):
    """One line that says the CSV was left unchanged; the CSV byte for byte as it was, no .part file beside it, no
    figure. Returns the line."""
    message = one_line_error(result)
    assert f'{CSV} 没有改动' in message
    assert (project.path / CSV).read_bytes() == older
    assert data_files(project) == ['SH600519.csv']
    assert not (project.path / 'figures').exists()
    return message


def read_lecture_csv(path, expected):
    """The CSV at `path`, after checking it has the lecture's columns and exactly `expected`'s trading days."""
    written = pd.read_csv(path)
    assert list(written.columns) == LECTURE_HEADER
    assert list(written['date']) == list(expected['date'])
    return written


def assert_success(result, project, source, changed=True):
    """Success, with the CSV and the figure named relative to the script's folder. changed=False: the CSV already
    held exactly this download."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''  # no warnings, no tushare chatter
    assert result.stdout.startswith(f'下载 600519 在 2010-04-26 至 2020-04-26 的日 k 线, {source}\n')
    days = '2426 个交易日, 2010-04-26 至 2020-04-24'
    if changed:
        assert f'已写入 {CSV}: {days}\n' in result.stdout
    else:
        assert f'{CSV} 与这次下载的数据相同 ({days}), 未改动\n' in result.stdout
        assert '已写入' not in result.stdout and '留作' not in result.stdout
    assert result.stdout.endswith(f'图已保存: {FIGURE}\n')
    assert '本接口即将停止更新' not in result.stdout
    assert_png(project.path / FIGURE)


# ---- the script: the lecture's statements, one flag -----------------------------------------------------------------
def test_the_lectures_statements_are_there_and_the_token_is_never_saved():
    """The lecture's five lines stay visible (the CSV moves to data/); ts.set_token, which writes the token into the
    home folder, is never called."""
    source = (ROOT / SCRIPT).read_text(encoding='utf-8')
    code = [line.strip() for line in source.splitlines() if not line.lstrip().startswith('#')]
    for statement in ("df1 = ts.get_k_data('600519', ktype='D', start='2010-04-26', end='2020-04-26')",
                      'datapath1 = "./data/SH600519.csv"', 'df1.to_csv(datapath1'):
        assert any(line.startswith(statement) for line in code), statement
    calls = {ast.unparse(node.func) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)}
    assert 'ts.set_token' not in calls and 'ts.pro_bar' in calls


def test_no_show_is_the_only_flag(project):
    result = project.run(SCRIPT, '--help')
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r'--[a-z][-a-z]*', result.stdout)) == {'--help', '--no-show'}, result.stdout
    result = run_p37(project, '--code', '000001')  # a flag that went: argparse's own message, nothing downloaded
    assert result.returncode == 2 and 'unrecognized arguments: --code 000001' in result.stderr, result.stderr
    assert requests_made(project) == [] and (project.path / CSV).read_bytes() == SHIPPED.read_bytes()


# ---- the lecture's download ----------------------------------------------------------------------------------------
def test_legacy_get_k_data_reproduces_the_shipped_file_from_any_folder(project, tmp_path):
    plant_older_csv(project)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    result = run_p37(project, cwd=elsewhere)
    assert_success(result, project, '用讲义的 get_k_data')
    assert requests_made(project) == [f'legacy kline_dayqfq{year} sh600519,day,{year}-01-01,{year + 1}-12-31,640,qfq'
                                      for year in range(2010, 2021, 2)]
    shipped = pd.read_csv(SHIPPED)
    assert list(read_lecture_csv(project.path / CSV, shipped)['open']) == list(shipped['open'])
    assert (project.path / CSV).read_bytes() == SHIPPED.read_bytes()  # index 74.., every digit: the lecture's file
    assert os.listdir(elsewhere) == []  # nothing written where the user was


def test_pro_api_with_tushare_token_gives_the_same_days_and_saves_no_token(project):
    plant_older_csv(project)
    result = run_p37(project, token=TOKEN)
    assert_success(result, project, '用 tushare 的 Pro 接口')
    assert requests_made(project) == ['pro daily', 'pro adj_factor']
    shipped = pd.read_csv(SHIPPED)
    written = read_lecture_csv(project.path / CSV, shipped)  # the lecture's columns, YYYY-MM-DD, oldest first
    for column in PRICES:  # pro_bar rounds 前复权 prices to 2 decimals
        assert written[column].values == pytest.approx(shipped[column].values, abs=0.005 + 1e-9), column
    assert list(written['volume']) == list(shipped['volume']) and set(written['code']) == {600519}
    assert os.listdir(project.path / 'home') == []  # no ~/tk.csv: ts.set_token was not called


def test_the_figure_shows_the_training_and_the_test_set(project):
    """1280 px wide (dpi=200); the last 300 days in red, the others in blue."""
    result = run_p37(project)
    assert result.returncode == 0, result.stderr
    image = mpimg.imread(project.path / FIGURE)[:, :, :3]
    assert image.shape[1] == 1280, image.shape
    red = (image[:, :, 0] > 0.7) & (image[:, :, 1] < 0.3) & (image[:, :, 2] < 0.3)  # tab:red
    blue = (image[:, :, 0] < 0.3) & (image[:, :, 1] > 0.35) & (image[:, :, 2] > 0.6)  # tab:blue
    red_columns, blue_columns = red.any(axis=0).nonzero()[0], blue.any(axis=0).nonzero()[0]
    assert len(red_columns) > 50 and len(blue_columns) > 300
    red_width = red_columns.max() - blue_columns.max()  # the red curve goes on where the blue one ends
    assert 6 < (blue_columns.max() - blue_columns.min()) / red_width < 8.5  # 2126 days, then 300 (the legend: left)


def test_a_stale_display_saves_the_figure_without_a_backend_warning(project):
    """An SSH session whose X forwarding is gone: DISPLAY is set, but nothing answers there. Without --no-show,
    matplotlib falls back to agg; p37 must not call plt.show() then (it warns 'FigureCanvasAgg is non-interactive')."""
    if Path('/tmp/.X11-unix/X99').exists():
        pytest.skip('this machine has an X server on :99')
    result = run_p37(project, show=True, env={'DISPLAY': ':99'}, timeout=120)  # a window would block past this
    assert_success(result, project, '用讲义的 get_k_data', changed=False)


def test_cell_by_cell_in_a_kernel(project):
    """Every # %% cell in a real IPython kernel started in the project's folder (no __file__, the kernel's own argv
    ignored): the download, the kept file, the figure saved and shown inline."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    env = student_environment()
    env.update(p37_env(project, stub='new-dividend'))
    manager = KernelManager(kernel_name='python3', kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    manager.start_kernel(cwd=str(project.path), env=env)
    client = manager.client()
    client.start_channels()
    outputs = []

    def collect(message):
        """Keep what the cell printed and the images it showed."""
        if message['msg_type'] == 'stream':
            outputs[-1]['text'] += message['content']['text']
        elif message['msg_type'] == 'display_data':
            outputs[-1]['images'] += 'image/png' in message['content']['data']
    try:
        client.wait_for_ready(timeout=120)
        for title, code in cells(ROOT / SCRIPT):
            outputs.append({'title': title, 'text': '', 'images': 0})
            reply = client.execute_interactive(code, timeout=120, output_hook=collect)
            assert reply['content']['status'] == 'ok', (title, reply['content'], outputs[-1])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    titles = [output['title'][:2] for output in outputs]
    assert titles == ['fl', 'tu', '1.', '2.', '3.', '4.'], titles  # 'tu': tushare's pandas shim, before step 1
    text = {output['title'][:2]: output['text'] for output in outputs}
    assert text['fl'] == text['tu'] == text['1.'] == '', text  # they print nothing
    assert text['2.'] == '下载 600519 在 2010-04-26 至 2020-04-26 的日 k 线, 用讲义的 get_k_data\n'
    kept = re.fullmatch(r'被替换的文件留作 (data/SH600519\.before-download-\d{8}-\d{6}\.csv); 要换回去, 把它复制到 '
                        r'data/SH600519\.csv\n已写入 data/SH600519\.csv: 2426 个交易日, 2010-04-26 至 2020-04-24\n',
                        text['3.'])
    assert kept, text['3.']
    assert (project.path / kept[1]).read_bytes() == SHIPPED.read_bytes()
    assert text['4.'] == f'图已保存: {FIGURE}\n' and outputs[-1]['images'] == 1
    assert_png(project.path / FIGURE)


# ---- a download that changes the CSV keeps the file it replaced (前复权 prices change with every dividend) ------------
KEPT_LINE = re.compile(r'^被替换的文件留作 (\S+); 要换回去, 把它复制到 (\S+)$', re.MULTILINE)


def kept_file(result, project):
    """The file the console says it kept, after checking that the line names it beside the CSV (relative to the
    script's folder) under a name that says what it is, and says to copy it over the CSV to go back."""
    assert result.returncode == 0, result.stderr
    lines = KEPT_LINE.findall(result.stdout)
    assert len(lines) == 1, result.stdout
    kept, back_over = lines[0]
    assert back_over == CSV
    assert re.fullmatch(r'data/SH600519\.before-download-\d{8}-\d{6}\.csv', kept), kept
    return project.path / kept


def test_an_identical_download_keeps_nothing_and_leaves_the_file_alone(project):
    before = (project.path / CSV).stat().st_mtime_ns
    result = run_p37(project)  # the stub answers the shipped data: the CSV already holds it, byte for byte
    assert_success(result, project, '用讲义的 get_k_data', changed=False)
    assert data_files(project) == ['SH600519.csv']  # no kept file, no .part
    assert (project.path / CSV).read_bytes() == SHIPPED.read_bytes()
    assert (project.path / CSV).stat().st_mtime_ns == before  # not even rewritten with the same bytes


def test_a_changing_download_keeps_the_replaced_file_and_never_overwrites_a_kept_one(project):
    shipped = SHIPPED.read_bytes()
    result = run_p37(project, stub='new-dividend', cwd=project.path.parent)
    assert_success(result, project, '用讲义的 get_k_data')
    first = kept_file(result, project)
    assert first.read_bytes() == shipped  # the lecture's file, byte for byte
    assert data_files(project) == [first.name, 'SH600519.csv']
    downloaded = pd.read_csv(project.path / CSV)
    assert list(downloaded['open']) == [round(price * 0.98, 3) for price in pd.read_csv(SHIPPED)['open']]
    dividend = (project.path / CSV).read_bytes()

    result = run_p37(project, stub='new-dividend')  # the same answer again: nothing more to keep
    assert '与这次下载的数据相同' in result.stdout and not KEPT_LINE.search(result.stdout), result.stdout
    assert data_files(project) == [first.name, 'SH600519.csv'] and (project.path / CSV).read_bytes() == dividend

    result = run_p37(project, stub='ok')  # the shipped prices once more: a second change, a second kept file
    second = kept_file(result, project)
    assert second != first and second.read_bytes() == dividend and first.read_bytes() == shipped
    assert data_files(project) == sorted([first.name, second.name, 'SH600519.csv'])
    assert (project.path / CSV).read_bytes() == shipped


def persistence_mae(csv):
    """The stock scripts' baseline on their 240 test days: tomorrow's open = today's open."""
    opens = pd.read_csv(csv)['open'].values[-300:]
    return abs(opens[60:] - opens[59:-1]).mean()


def test_p38_trains_on_what_p37_downloads(project):
    result = run_p37(project, stub='new-dividend')
    assert result.returncode == 0, result.stderr
    expected = persistence_mae(project.path / CSV)
    assert expected != pytest.approx(persistence_mae(SHIPPED), abs=1e-3)  # another file than the shipped one
    result = project.run('p38_rnn_stock.py', '--epochs', '1', '--fresh', '--no-show')
    assert result.returncode == 0, result.stderr
    baseline_mae = float(re.findall(r'平均绝对误差: ([\d.]+)', result.stdout)[-1])  # printed after the model's
    assert baseline_mae == pytest.approx(expected, abs=1e-5)


# ---- failures: one line, the CSV untouched -------------------------------------------------------------------------
SOURCES = pytest.mark.parametrize('token', ['', TOKEN], ids=['get_k_data', 'pro_api'])


@SOURCES
def test_no_network_fails_fast_with_one_line_and_keeps_the_csv(project, token):
    older = plant_older_csv(project)
    result = run_p37(project, stub=None, token=token)  # no stub: every request goes to a closed port
    message = assert_refused(result, project, older)
    assert '下载失败' in message and '请检查网络' in message
    assert ('和 TUSHARE_TOKEN' in message) == bool(token)
    assert result.seconds < 30


def test_a_wrong_token_is_one_line_and_keeps_the_csv(project):
    older = plant_older_csv(project)
    result = run_p37(project, token=TOKEN[::-1])
    message = assert_refused(result, project, older)
    assert '您的token不对' in message and '请检查网络和 TUSHARE_TOKEN' in message
    assert requests_made(project) == ['pro daily'] * 3  # pro_bar's three tries, then it gives up


BAD_ANSWERS = {  # what tushare_stub answers -> what p37 says
    'empty': '下载的数据是空的或列不对, 不予采用',
    'truncated': '下载失败',
    'text-price': '下载失败',  # tushare itself cannot turn 'abc' into a number
    'missing-price': '下载的数据不可用: 2014-03-05 的价格缺失、不是数字或不是正数',
    'few-days': '下载的数据不可用: 只有 75 个交易日, 少于股票预测脚本需要的 361 个',
    # get_k_data prints the error, skips 2014-2015 and returns the other eight years: p37 must notice
    'one-request-lost': '下载失败 ([Errno 104] Connection reset by peer)',
}


@SOURCES
@pytest.mark.parametrize('stub', BAD_ANSWERS)
def test_a_bad_answer_is_refused_and_the_csv_kept(project, token, stub):
    older = plant_older_csv(project)
    result = run_p37(project, stub=stub, token=token)
    assert BAD_ANSWERS[stub] in assert_refused(result, project, older)


def test_an_unexpected_error_keeps_its_traceback(project):
    """An error that is neither the network nor the answer (here 1 / 0 where the download starts) is not called a
    failed download: Python's traceback, and the CSV untouched."""
    where = "            df1 = ts.get_k_data('600519'"
    source = (ROOT / SCRIPT).read_text(encoding='utf-8')
    assert source.count(where) == 1
    (project.path / SCRIPT).write_text(source.replace(where, '            1 / 0\n' + where), encoding='utf-8')
    older = plant_older_csv(project)
    result = run_p37(project)
    assert result.returncode == 1
    assert result.stderr.startswith('Traceback (most recent call last):'), result.stderr
    assert result.stderr.endswith('ZeroDivisionError: division by zero\n'), result.stderr
    assert '下载失败' not in result.stderr + result.stdout
    assert (project.path / CSV).read_bytes() == older and data_files(project) == ['SH600519.csv']
