"""p37_tushare.py: the lecture's download works today, a failed or bad one never costs the CSV you have, and one
that changes the CSV keeps the file it replaced.

No stock data server is reachable from here: tests/tushare_stub.py fakes the network below tushare (urllib's
urlopen, requests' HTTP adapter) with answers in each service's real format, so tushare's own parsing runs."""
import datetime
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from conftest import ROOT, assert_png

SCRIPT = 'p37_tushare.py'
CSV = 'data/SH600519.csv'
FIGURE = 'figures/p37_tushare.png'
SHIPPED = ROOT / CSV
TOKEN = 'pytest0123456789abcdef0123456789abcdef0123456789abcdef'  # made up, as long as a real one
PRICES = ['open', 'close', 'high', 'low']
LECTURE_HEADER = ['Unnamed: 0', 'date', 'open', 'close', 'high', 'low', 'volume', 'code']  # unnamed index first


# ---- helpers -------------------------------------------------------------------------------------------------------
def p37_env(project, stub='ok', token='', **more):
    """p37's environment: the fake network answering as `stub` says (None: no stub, this machine's own network). A
    token selects the Pro API. HOME is an empty folder, so that nothing tushare might write there (ts.set_token saves
    the token in ~/tk.csv) escapes the token check."""
    home = project.path / 'home'
    home.mkdir(exist_ok=True)
    env = {'TUSHARE_TOKEN': token, 'HOME': str(home), 'MPLCONFIGDIR': matplotlib.get_cachedir()}
    if stub:
        site = project.path / 'stub_site'
        site.mkdir(exist_ok=True)
        (site / 'sitecustomize.py').write_text('import tushare_stub\ntushare_stub.install()\n')
        env.update(PYTHONPATH=os.pathsep.join([str(site), str(ROOT / 'tests')]), TUSHARE_STUB=stub,
                   TUSHARE_STUB_TOKEN=TOKEN, TUSHARE_STUB_LOG=str(project.path / 'requests.log'))
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


def one_line_error(result):
    """Exit non-zero with one line on stderr, no traceback; returns the line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('p37_tushare.py: '), result.stderr
    return lines[0]


def assert_refused(result, project, older):
    """One line that says the CSV was left unchanged; the CSV byte for byte as it was, no temporary file beside
    it, no figure. Returns the line."""
    message = one_line_error(result)
    assert f'{CSV} was left unchanged' in message
    assert (project.path / CSV).read_bytes() == older
    assert sorted(os.listdir(project.path / 'data')) == ['SH600519.csv']
    assert not (project.path / 'figures').exists()
    return message


def assert_token_nowhere(result, project):
    assert TOKEN not in result.stdout + result.stderr
    for folder, _, files in os.walk(project.path):
        for name in files:
            assert TOKEN.encode() not in Path(folder, name).read_bytes(), Path(folder, name)


def read_lecture_csv(path, expected):
    """The CSV at `path`, after checking it has the lecture's columns and exactly `expected`'s trading days."""
    written = pd.read_csv(path)
    assert list(written.columns) == LECTURE_HEADER
    assert list(written['date']) == list(expected['date'])
    return written


def assert_success(result, project, source, folder='', changed=True):
    """Success, with the CSV and the figure named as the user can open them from `folder` (relative to the
    project's folder, or absolute). changed=False: the CSV already held exactly this download."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''  # no warnings, no tushare chatter
    assert source in result.stdout
    days, csv = '2426 trading days, 2010-04-26 .. 2020-04-24', os.path.join(folder, CSV)
    if changed:
        assert f'wrote {days}, to {csv}\n' in result.stdout
    else:
        assert f'{csv} already holds exactly this download ({days}): left as it was\n' in result.stdout
        assert 'wrote' not in result.stdout and 'kept' not in result.stdout
    assert f'figure saved to {os.path.join(folder, FIGURE)}\n' in result.stdout
    assert '本接口即将停止更新' not in result.stdout
    assert_png(project.path / FIGURE)


# ---- the lecture's download ----------------------------------------------------------------------------------------
def test_help_lists_the_flags_and_a_time_limit_under_30_s(project):
    result = project.run(SCRIPT, '--help')
    assert result.returncode == 0, result.stderr
    for flag in ('--code', '--start', '--end', '--out', '--timeout', '--no-show'):
        assert flag in result.stdout
    default_timeout = re.search(r'--timeout TIMEOUT\s+give up[^(]*\(default:\s*([\d.]+)\)', result.stdout)
    assert default_timeout and float(default_timeout[1]) < 30, result.stdout


def test_legacy_get_k_data_reproduces_the_shipped_file_from_any_folder(project, tmp_path):
    plant_older_csv(project)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    result = run_p37(project, cwd=elsewhere)
    assert_success(result, project, "the lecture's ts.get_k_data", folder=str(project.path))  # outside: absolute
    assert requests_made(project) == [f'legacy kline_dayqfq{year} sh600519,day,{year}-01-01,{year + 1}-12-31,640,qfq'
                                      for year in range(2010, 2021, 2)]
    shipped = pd.read_csv(SHIPPED)
    assert list(read_lecture_csv(project.path / CSV, shipped)['open']) == list(shipped['open'])
    assert (project.path / CSV).read_bytes() == SHIPPED.read_bytes()  # index 74.., every digit: the lecture's file


def test_paths_in_messages_open_from_the_folder_the_user_is_in(project):
    result = run_p37(project, cwd=project.path.parent)
    assert_success(result, project, "the lecture's ts.get_k_data", folder=project.path.name, changed=False)  # inside
    older = plant_older_csv(project)
    result = run_p37(project, stub='empty', cwd=project.path / 'data')
    assert one_line_error(result).endswith('; SH600519.csv was left unchanged.')  # data/ is where the user is
    assert (project.path / CSV).read_bytes() == older


def test_a_stale_display_saves_the_figure_without_a_backend_warning(project):
    """An SSH session whose X forwarding is gone: DISPLAY is set, but nothing answers there. Without --no-show,
    matplotlib falls back to agg; p37 must not call plt.show() then (it warns 'FigureCanvasAgg is non-interactive')."""
    if Path('/tmp/.X11-unix/X99').exists():
        pytest.skip('this machine has an X server on :99')
    result = run_p37(project, show=True, env={'DISPLAY': ':99'}, timeout=120)  # a window would block past this
    assert_success(result, project, "the lecture's ts.get_k_data", changed=False)


def test_ctrl_c_while_downloading_is_one_line_and_keeps_the_csv(project):
    older = plant_older_csv(project)
    command, env = project.command(SCRIPT, '--no-show', env=p37_env(project, stub='hang'))
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=project.path, env=env)
    assert child.stdout.readline().startswith('downloading')
    time.sleep(2)  # the first request is waiting for an answer that does not come
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = child.communicate(timeout=30)
    assert time.monotonic() - started < 5  # at once, not after --timeout (20 s)
    assert child.returncode != 0 and stderr.splitlines() == ['p37_tushare.py: interrupted'], stderr
    assert (project.path / CSV).read_bytes() == older
    assert sorted(os.listdir(project.path / 'data')) == ['SH600519.csv']


def test_pro_api_with_tushare_token_gives_the_same_days_and_never_shows_the_token(project):
    plant_older_csv(project)
    result = run_p37(project, token=TOKEN)
    assert_success(result, project, 'the Pro API')
    assert requests_made(project) == ['pro daily', 'pro adj_factor']
    shipped = pd.read_csv(SHIPPED)
    written = read_lecture_csv(project.path / CSV, shipped)
    for column in PRICES:  # pro_bar rounds 前复权 prices to 2 decimals
        assert written[column].values == pytest.approx(shipped[column].values, abs=0.005 + 1e-9), column
    assert set(written['code']) == {600519}
    assert_token_nowhere(result, project)


def test_code_start_end_out_choose_what_is_downloaded_and_where(project):
    older = plant_older_csv(project)
    result = run_p37(project, '--code', '600519', '--start', '2018-06-01', '--end', '2020-04-24',
                     '--out', 'data/recent.csv')
    assert result.returncode == 0, result.stderr
    assert requests_made(project) == ['legacy kline_dayqfq2018 sh600519,day,2018-01-01,2019-12-31,640,qfq',
                                      'legacy kline_dayqfq2020 sh600519,day,2020-01-01,2021-12-31,640,qfq']
    shipped = pd.read_csv(SHIPPED)
    expected = shipped[shipped['date'] >= '2018-06-01']
    assert list(read_lecture_csv(project.path / 'data' / 'recent.csv', expected)['open']) == list(expected['open'])
    assert f'wrote {len(expected)} trading days, 2018-06-01 .. 2020-04-24, to data/recent.csv\n' in result.stdout
    assert (project.path / CSV).read_bytes() == older
    assert sorted(os.listdir(project.path / 'data')) == ['SH600519.csv', 'recent.csv']  # a new file: nothing to keep
    assert 'kept' not in result.stdout


# ---- a download that changes the CSV keeps the file it replaced (前复权 prices change with every dividend) ------------
KEPT_LINE = re.compile(r'^kept the file it replaced as (\S+); to go back, copy it over (\S+)$', re.MULTILINE)


def data_files(project):
    return sorted(os.listdir(project.path / 'data'))


def kept_file(result, folder, csv=CSV):
    """The file the console says it kept, as a Path from `folder` (where the user ran p37), after checking that the
    line names it beside `csv` (the CSV as the console names it) under a name that says what it is, and says to copy
    it over `csv` to go back."""
    assert result.returncode == 0, result.stderr
    lines = KEPT_LINE.findall(result.stdout)
    assert len(lines) == 1, result.stdout
    kept, back_over = lines[0]
    assert back_over == csv
    assert re.fullmatch(re.escape(csv[:-4]) + r'\.before-download-\d{4}-\d\d-\d\d(-\d+)?\.csv', kept), kept
    return folder / kept


def test_an_identical_download_keeps_nothing_and_leaves_the_file_alone(project):
    before = (project.path / CSV).stat().st_mtime_ns
    result = run_p37(project)  # the stub answers the shipped data: the CSV already holds it, byte for byte
    assert_success(result, project, "the lecture's ts.get_k_data", changed=False)
    assert data_files(project) == ['SH600519.csv']
    assert (project.path / CSV).read_bytes() == SHIPPED.read_bytes()
    assert (project.path / CSV).stat().st_mtime_ns == before  # not even rewritten with the same bytes


def test_a_changing_download_keeps_the_replaced_file_and_never_overwrites_a_kept_one(project):
    user = project.path.parent  # the user runs p37 from the folder above: every named path must open from there
    shipped, today = SHIPPED.read_bytes(), datetime.date.today().isoformat()
    result = run_p37(project, stub='new-dividend', cwd=user)
    assert_success(result, project, "the lecture's ts.get_k_data", folder=project.path.name)
    first = kept_file(result, user, os.path.join(project.path.name, CSV))
    assert first.read_bytes() == shipped  # the lecture's file, byte for byte
    assert first.parent == project.path / 'data' and data_files(project) == [first.name, 'SH600519.csv']
    downloaded = pd.read_csv(project.path / CSV)
    assert list(downloaded['open']) == [round(price * 0.98, 3) for price in pd.read_csv(SHIPPED)['open']]
    dividend = (project.path / CSV).read_bytes()

    result = run_p37(project, stub='new-dividend', cwd=user)  # the same answer again: nothing more to keep
    assert 'left as it was' in result.stdout and not KEPT_LINE.search(result.stdout), result.stdout
    assert data_files(project) == [first.name, 'SH600519.csv'] and (project.path / CSV).read_bytes() == dividend

    result = run_p37(project, stub='ok')  # the shipped prices once more: a second change, a second kept file
    second = kept_file(result, project.path)
    assert second.read_bytes() == dividend and first.read_bytes() == shipped  # the first kept file untouched
    assert data_files(project) == sorted([first.name, second.name, 'SH600519.csv'])
    if today in first.name and today in second.name:  # (unless midnight passed between the runs)
        assert second.name == first.name.replace('.csv', '-2.csv')
    assert (project.path / CSV).read_bytes() == shipped


def persistence_mae(csv):
    """The stock scripts' baseline on their 240 test days: tomorrow's open = today's open."""
    opens = pd.read_csv(csv)['open'].values[-300:]
    return abs(opens[60:] - opens[59:-1]).mean()


def test_p38_trains_on_what_p37_downloads(project):
    result = run_p37(project, '--start', '2012-01-01', '--end', '2019-12-31')
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
def test_offline_fails_fast_with_one_line_and_keeps_the_csv(project, token):
    older = plant_older_csv(project)
    result = run_p37(project, stub=None, token=token)
    message = assert_refused(result, project, older)
    assert 'the download failed' in message and 'Check the network' in message
    assert result.seconds < 30
    if token:
        assert_token_nowhere(result, project)


@SOURCES
def test_a_server_that_never_answers_is_given_up_after_timeout(project, token):
    older = plant_older_csv(project)
    result = run_p37(project, '--timeout', '2', stub='hang', token=token)
    message = assert_refused(result, project, older)
    assert 'no complete answer within 2 s' in message
    assert result.seconds < 10  # the stub waits out tushare's own 10-30 s timeouts, six times for get_k_data


def test_a_wrong_token_is_reported_and_not_shown(project):
    older = plant_older_csv(project)
    result = run_p37(project, token=TOKEN[::-1])
    message = assert_refused(result, project, older)
    assert 'token' in message and 'TUSHARE_TOKEN' in message
    assert TOKEN[::-1] not in result.stdout + result.stderr


BAD_ANSWERS = {  # what tushare_stub answers -> what p37 says
    'empty': 'the answer was empty',
    'truncated': 'the download failed',
    'text-price': 'the download failed',  # tushare itself cannot turn 'abc' into a number
    'missing-price': 'a price on 2014-03-05 is missing, not a number or not positive',
    'few-days': 'only 75 trading days, fewer than the 361 the stock scripts need',
    # get_k_data prints the error, skips 2014-2015 and returns the other eight years: p37 must notice
    'one-request-lost': 'the download failed ([Errno 104] Connection reset by peer)',
}


@SOURCES
@pytest.mark.parametrize('stub', BAD_ANSWERS)
def test_a_bad_answer_is_refused_and_the_csv_kept(project, token, stub):
    older = plant_older_csv(project)
    result = run_p37(project, stub=stub, token=token)
    assert BAD_ANSWERS[stub] in assert_refused(result, project, older)


@pytest.mark.parametrize('dates', [(), ('--start', '2018-06-01')], ids=['new-csv-too-big', 'kept-copy-too-big'])
def test_a_full_disk_is_one_line_and_leaves_the_old_csv_whole(project, dates):
    """A file may not grow past 50 kB, as on a full disk. The new CSV is 130 kB, or 25 kB from 2018-06-01 on: then
    the copy of the 128 kB CSV it replaces is the one that fails. Neither copy nor temporary file stays behind."""
    older = plant_older_csv(project)
    result = run_p37(project, *dates, max_file_bytes=50_000)
    assert 'could not write data/SH600519.csv (File too large)' in assert_refused(result, project, older)


def assert_traceback(result, project, older, error):
    """An error p37 does not expect: Python's traceback, ending with the error; the CSV untouched, nothing beside it."""
    assert result.returncode != 0
    assert result.stderr.startswith('Traceback (most recent call last):'), result.stderr
    assert result.stderr.splitlines()[-1].startswith(error), result.stderr
    assert 'free some' not in result.stderr.lower() and 'Check the network' not in result.stderr
    assert (project.path / CSV).read_bytes() == older and data_files(project) == ['SH600519.csv']


@pytest.mark.parametrize('where, injected, error', [
    ('    if not token:  # (tushare prints', '    1 / 0\n', 'ZeroDivisionError: division by zero'),  # in the thread
    ('        os.replace(partial, path)',  # the new CSV and the copy of the old one are written: a network drive fails
     "        raise OSError(errno.EIO, 'Input/output error')\n", 'OSError: [Errno 5] Input/output error'),
], ids=['ZeroDivisionError-downloading', 'OSError-EIO-saving'])
def test_an_unexpected_error_keeps_its_traceback(project, where, injected, error):
    source = (ROOT / SCRIPT).read_text(encoding='utf-8')
    assert source.count(where) == 1
    (project.path / SCRIPT).write_text(source.replace(where, injected + where), encoding='utf-8')  # run uses it
    older = plant_older_csv(project)
    assert_traceback(run_p37(project), project, older, error)


def test_a_broken_pipe_keeps_its_traceback_and_is_not_called_a_full_disk(project):
    """p37 | head -0: the reader is gone before p37 prints. An OSError, but neither disk nor permission."""
    older = plant_older_csv(project)
    command, env = project.command(SCRIPT, '--no-show', env=p37_env(project))
    read_end, write_end = os.pipe()
    os.close(read_end)
    child = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE, text=True,
                           cwd=project.path, env=env, timeout=120)
    os.close(write_end)
    assert_traceback(child, project, older, 'BrokenPipeError: [Errno 32] Broken pipe')


@pytest.mark.parametrize('flag, value, complaint', [
    ('--start', '2010-13-01', "'2010-13-01' is not a date like 2010-04-26"),
    ('--end', '2009-01-01', '--start 2010-04-26 is after --end 2009-01-01'),
    ('--code', '60051', "'60051' is not a six-digit stock code"),
    ('--timeout', 'soon', "argument --timeout: invalid float value: 'soon'"),
    ('--timeout', '0', '--timeout 0 is not a number of seconds between 0 and 600'),
])
def test_a_bad_flag_value_is_one_line(project, flag, value, complaint):
    result = run_p37(project, flag, value)
    assert complaint in one_line_error(result)
    assert (project.path / CSV).read_bytes() == SHIPPED.read_bytes()
    assert requests_made(project) == []
