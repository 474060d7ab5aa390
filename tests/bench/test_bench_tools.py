"""The pure parts of `python -m bench`: judging against targets, reading wrk, the growth chart and
the fallback load generator (against a real local HTTP server)."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.__main__ import measured_figures
from bench.chart import growth_svg, series
from bench.common import TARGETS, Target, judge
from bench.parse_speed import dense_article, timed_parse
from bench.throughput import parse_wrk, run_threads

WRK_OUTPUT = """Running 20s test @ http://127.0.0.1:41234/api/v1/claims/?page_size=100
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12ms   90.20ms   1.20s    70.00%
    Req/Sec    13.10      5.00    30.00     60.00%
  Latency Distribution
     50%  298.40ms
     75%  350.00ms
     90%  420.10ms
     99%    1.10s
  523 requests in 20.04s, 30.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:     26.10
Transfer/sec:      1.50MB
"""

SVG = "{http://www.w3.org/2000/svg}"


def test_it_judges_a_rate_below_its_floor_as_a_miss():
    rate = Target("rps", "rate", "req/s", 300, higher_is_better=True)
    assert rate.passes(299) is False
    assert rate.passes(300) is True
    assert rate.load(150) == pytest.approx(2.0)


def test_it_judges_a_time_above_its_ceiling_as_a_miss():
    latency = Target("ms", "latency", "ms", 50)
    assert latency.passes(51) is False
    assert latency.passes(10) is True
    assert latency.load(25) == pytest.approx(0.5)


def test_it_marks_targets_without_a_measurement_as_not_run():
    rows = {row["key"]: row for row in judge({"sweep_s": 200.0})}
    assert rows["sweep_s"]["pass"] is False
    assert rows["api_rps"]["pass"] is None
    assert len(rows) == len(TARGETS)


def test_it_divides_export_time_by_copy_time():
    figures = measured_figures({"report": {"export": {"seconds": 6.0, "process_peak_mb": 90.0},
                                           "copy": {"seconds": 2.0}}, "gunicorn": {"error": "no server"}})
    assert figures["csv_vs_copy"] == pytest.approx(3.0)
    assert figures["csv_peak_mb"] == 90.0
    assert figures["api_rps"] is None


def test_it_reads_rate_percentiles_and_errors_from_wrk():
    result = parse_wrk(WRK_OUTPUT)
    assert result["requests_per_s"] == pytest.approx(26.1)
    assert result["requests"] == 523
    assert result["p50_ms"] == pytest.approx(298.4)
    assert result["p99_ms"] == pytest.approx(1100.0)
    assert result["non_2xx"] == 4
    assert result["socket_errors"] == 3


def _result(claims: int, sweep_s: float, api_rps: float) -> dict:
    return {"claims": claims, "measured": {"sweep_s": sweep_s, "api_rps": api_rps}}


def _panel_of(root: ET.Element, label: str) -> tuple[float, list[tuple[float, float, str]]]:
    """The target line's height and the (x, y, colour) points of the panel titled `label`."""
    elements = list(root)
    first = next(i for i, e in enumerate(elements) if e.tag == f"{SVG}text" and e.text == label)
    target_y, points = None, []
    for element in elements[first + 1:]:
        if element.tag == f"{SVG}text" and element.get("font-weight") == "bold":
            break
        if element.get("class") == "target":
            target_y = float(element.get("y1"))
        if element.tag == f"{SVG}circle":
            points.append((float(element.get("cx")), float(element.get("cy")), element.get("fill")))
    return target_y, points


def test_it_draws_a_missed_rate_below_its_target_line_in_red():
    results = [_result(10_000, 6.0, 600.0), _result(100_000, 60.0, 100.0)]
    root = ET.fromstring(growth_svg(results))  # noqa: S314 (our own output, not untrusted input)
    assert len(root.findall(f"{SVG}polyline")) == len(series(results)) == 2
    target_y, (small, large) = _panel_of(root, "API list under gunicorn (response cache on)")
    # SVG y grows downwards: 600 req/s is drawn above the 300 line, 100 req/s below it.
    assert small[1] < target_y < large[1]
    assert small[0] < large[0]
    assert small[2] != large[2]


def test_it_draws_a_time_within_its_budget_below_the_target_line():
    root = ET.fromstring(growth_svg([_result(10_000, 6.0, 600.0)]))  # noqa: S314 (our own output)
    target_y, [(_, y, _)] = _panel_of(root, "full sweep of the checks")
    assert y > target_y


class _Alternating(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_GET(self):
        with self.lock:
            type(self).count += 1
            status = 200 if self.count % 2 else 503
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_fallback_load_counts_answers_other_than_200():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Alternating)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_threads(server.server_address[1], "token", seconds=1, connections=2)
    finally:
        server.shutdown()
        server.server_close()
    assert result["requests"] == _Alternating.count
    assert result["non_2xx"] == pytest.approx(result["requests"] / 2, abs=1)
    assert result["requests_per_s"] > 0


def test_the_table_marks_each_missed_target():
    from bench.chart import growth_table

    text = growth_table([_result(10_000, 6.0, 600.0), _result(100_000, 130.0, 100.0)])
    sweep_row = next(line for line in text.splitlines() if line.startswith("| full sweep"))
    assert sweep_row.count("(miss)") == 1
    assert sweep_row.index("6.0 s") < sweep_row.index("130.0 s (miss)")


def test_it_leaves_figures_from_a_database_without_flags_out_of_the_chart():
    flagless = {**_result(100_000, 60.0, 100.0), "not_comparable": {"api_rps": "no flags"}}
    lines = series([_result(10_000, 6.0, 600.0), flagless])
    assert [claims for claims, _ in lines["api_rps"]] == [10_000]
    assert [claims for claims, _ in lines["sweep_s"]] == [10_000, 100_000]


def test_the_bench_passes_the_generators_own_outlier_share_by_default():
    # The parent process of `python -m bench` keeps its own copy of the number (no Django there).
    from bench.common import OUTLIER_SHARE
    from claims.synthetic import OUTLIER_SHARE as GENERATOR_SHARE

    assert OUTLIER_SHARE == GENERATOR_SHARE


def test_the_parse_benchmark_times_an_article_of_the_asked_size_and_counts_its_figures():
    article = dense_article(10_000)
    assert 10_000 <= len(article) < 10_000 + 400
    one_round = dense_article(1)
    seconds, found = timed_parse(article)
    assert seconds >= 0
    # Each round of the sentences holds 8 figures (2 + 1 + 5).
    assert found == 8 * (len(article) // len(one_round))
