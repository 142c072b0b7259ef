"""A fake network for p37_tushare.py's tests: no stock data server is reachable from the test machines.

install() runs inside the script's own subprocess (from a sitecustomize.py that the tests put on PYTHONPATH) and
replaces only the two lowest calls that tushare makes to the network:
- urllib.request.urlopen, which the lecture's ts.get_k_data uses: Tencent's kline service, which answers with
  `kline_dayqfq2010={"code":0,...,"data":{"sh600519":{"qfqday":[["2010-04-26","88.702",...],...]}}}`, one request
  per two calendar years;
- requests' HTTPAdapter.send, under the requests.post of tushare's Pro client: the JSON answer
  {"code":0,"msg":"","data":{"fields":[...],"items":[[...],...]}} of api.waditu.com/dataapi/daily and /adj_factor.
Everything above them (requests, tushare's parsing, its date filter and 前复权 arithmetic, p37) runs for real.

The answers are built from the rows of the shipped data/SH600519.csv. Like the real servers, they also hold days
outside the lecture's range: the 74 trading days of 2010 before 2010-04-26 (that is why the lecture's file starts at
index 74: tushare filters them out after numbering) and a few days after 2020-04-24. The Pro server stores raw
prices and adjustment factors (复权因子) that grow at every July dividend; pro_bar turns them back into the shipped
forward-adjusted prices, rounded to 2 decimals.

Environment of the subprocess:
  TUSHARE_STUB        what the servers answer: ok (default), empty, truncated, text-price, missing-price,
                      few-days, one-request-lost (the connection is reset for get_k_data's 2014-2015 request and
                      for Pro's adj_factor), hang (no answer: wait out the client's timeout, then time out, as when
                      packets drop), new-dividend (every price 2% lower, to 3 decimals, as 前复权 prices become
                      after one more dividend: a download that differs from the shipped CSV)
  TUSHARE_STUB_TOKEN  the token the Pro server accepts; any other gets its real "wrong token" answer
  TUSHARE_STUB_LOG    a file to which each request appends one line: `legacy <_var> <param>` or `pro <api_name>`
"""
import csv
import datetime
import io
import json
import os
import socket
import time
import urllib.parse
import urllib.request
from pathlib import Path

SHIPPED_CSV = Path(__file__).resolve().parents[1] / 'data' / 'SH600519.csv'
LEGACY_URL = 'http://web.ifzq.gtimg.cn/appstock/app/fqkline/get'
PRO_URL = 'http://api.waditu.com/dataapi/'


def answer_mode():
    return os.environ.get('TUSHARE_STUB', 'ok')


def log(line):
    if os.environ.get('TUSHARE_STUB_LOG'):
        with open(os.environ['TUSHARE_STUB_LOG'], 'a') as file:
            file.write(line + '\n')


def trading_days_2010_before_lecture():
    """The 74 trading days 2010-01-04 .. 2010-04-23: weekdays but Spring Festival (Feb 15-19) and Qingming (Apr 5)."""
    day, days = datetime.date(2010, 1, 4), []
    while day < datetime.date(2010, 4, 26):
        if day.weekday() < 5 and not datetime.date(2010, 2, 15) <= day <= datetime.date(2010, 2, 19) \
                and day != datetime.date(2010, 4, 5):
            days.append(day.isoformat())
        day += datetime.timedelta(days=1)
    return days


def market():
    """[date, open, close, high, low, volume] as text, oldest first: the shipped rows plus the days around them,
    changed as TUSHARE_STUB asks."""
    with open(SHIPPED_CSV, newline='') as file:
        rows = [row[1:7] for row in list(csv.reader(file))[1:]]
    rows = [[day] + rows[0][1:] for day in trading_days_2010_before_lecture()] + rows + \
           [[day] + rows[-1][1:] for day in ('2020-04-27', '2020-04-28', '2020-04-29')]
    mode = answer_mode()
    if mode == 'empty':
        return []
    if mode == 'few-days':
        return [row for row in rows if row[0] >= '2020-01-01']
    if mode == 'new-dividend':
        return [[day] + [f'{float(price) * 0.98:.3f}' for price in prices] + [volume] for day, *prices, volume in rows]
    if mode in ('text-price', 'missing-price'):
        rows[1000][1] = 'abc' if mode == 'text-price' else None
    return rows


def cut_short(body):
    return body[:len(body) // 2] if answer_mode() == 'truncated' else body


def no_answer(timeout):
    """A network that drops packets: nothing comes back, the client's own timeout ends the wait."""
    time.sleep(timeout if isinstance(timeout, (int, float)) else 30)


# ---- Tencent's kline service, behind ts.get_k_data ----------------------------------------------------------------
def legacy_body(url):
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    variable = query['_var'][0]
    symbol, ktype, start, end, count, fq = query['param'][0].split(',')
    assert ktype == 'day' and fq == 'qfq' and count == '640', f'the stub serves qfq daily bars only, not {url}'
    log(f'legacy {variable} {query["param"][0]}')
    bars = [row for row in market() if start <= row[0] <= end]
    bars = [bar + [{'nd': '2009', 'fh_sh': '11.85', 'djr': '2010-07-02', 'cqr': '2010-07-05'}]
            if bar[0] == '2010-07-05' else bar for bar in bars]  # a dividend note, which tushare's regex removes
    data = {'code': 0, 'msg': '', 'data': {symbol: {'qfqday': bars, 'qt': {}, 'version': '4'}}}
    return cut_short(f'{variable}={json.dumps(data, separators=(",", ":"))}'.encode())


def connection_reset():
    return ConnectionResetError(104, 'Connection reset by peer')


def fake_urlopen(request, data=None, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, **kwargs):
    url = request.full_url if isinstance(request, urllib.request.Request) else request
    if answer_mode() == 'one-request-lost' and '_var=kline_dayqfq2014&' in url:
        raise connection_reset()
    if answer_mode() == 'hang':
        no_answer(timeout)
        raise urllib.error.URLError(TimeoutError('timed out'))
    if not url.startswith(LEGACY_URL + '?'):
        raise urllib.error.URLError(f'tushare_stub: no server for {url}')
    return urllib.response.addinfourl(io.BytesIO(legacy_body(url)), {'Content-Type': 'text/html'}, url, 200)


# ---- tushare Pro, behind ts.pro_bar -------------------------------------------------------------------------------
def adj_factor(day):
    """复权因子: 1 in 2010, times 1.05 after each July dividend."""
    return round(1.05 ** sum(f'{year}-07-01' <= day for year in range(2010, 2021)), 6)


def pro_items(api_name, params):
    rows = [row for row in market()
            if params['start_date'] <= row[0].replace('-', '') <= params['end_date']][::-1]  # newest first
    code, latest = params['ts_code'], adj_factor('2020-04-24')
    if api_name == 'adj_factor':
        return ['ts_code', 'trade_date', 'adj_factor'], \
            [[code, row[0].replace('-', ''), adj_factor(row[0])] for row in rows]
    items = []
    for day, *prices, volume in rows:  # raw (不复权) prices: forward-adjusted ones undo the later dividends
        raw = [float(price) * latest / adj_factor(day) if price not in (None, 'abc') else price for price in prices]
        open_, close, high, low = raw
        items.append([code, day.replace('-', ''), open_, high, low, close, None, None, None, float(volume),
                      float(volume) * 100 * close / 1000])
    for item, before in zip(items, items[1:]):
        item[6:9] = before[5], item[5] - before[5], round((item[5] / before[5] - 1) * 100, 4)  # pre_close, change, %
    return ['ts_code', 'trade_date', 'open', 'high', 'low', 'close', 'pre_close', 'change', 'pct_chg', 'vol',
            'amount'], items


def pro_body(request):
    api_name = request.url[len(PRO_URL):]
    query = json.loads(request.body)
    log(f'pro {api_name}')
    if query['token'] != os.environ.get('TUSHARE_STUB_TOKEN'):
        answer = {'code': 40101, 'msg': '您的token不对，请确认。', 'data': None}
    else:
        fields, items = pro_items(api_name, query['params'])
        answer = {'request_id': 'stub', 'code': 0, 'msg': '',
                  'data': {'fields': fields, 'items': items, 'has_more': False}}
    return cut_short(json.dumps(answer, ensure_ascii=False).encode())


def install():
    urllib.request.urlopen = fake_urlopen  # before tushare's `from urllib.request import urlopen` runs
    import requests.adapters
    import urllib3

    def send(adapter, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if answer_mode() == 'hang':
            no_answer(timeout)
            raise requests.exceptions.ConnectTimeout(f'tushare_stub: {request.url} timed out', request=request)
        if not request.url.startswith(PRO_URL):
            raise requests.exceptions.ConnectionError(f'tushare_stub: no server for {request.url}', request=request)
        if answer_mode() == 'one-request-lost' and request.url.endswith('/adj_factor'):
            raise requests.exceptions.ConnectionError(connection_reset(), request=request)
        raw = urllib3.HTTPResponse(body=io.BytesIO(pro_body(request)), status=200, reason='OK', preload_content=False,
                                   headers={'Content-Type': 'application/json;charset=utf-8'})
        return adapter.build_response(request, raw)

    requests.adapters.HTTPAdapter.send = send
