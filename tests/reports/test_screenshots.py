"""Screenshots of the three report pages for the demo data, taken with headless Chromium and
saved under docs/screenshots/ (they illustrate docs/reports.md)."""

import json
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEMO = Path(__file__).resolve().parents[2] / "demo" / "demo-bundle.json"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.mark.slow
def load_demo(request) -> dict[str, str]:
    """The project's demo bundle with the checks run on it, else this suite's demo-like fixture."""
    try:
        from claims.bundle.importer import bundle_import
        from claims.checks.engine import sweep_all
    except ImportError:
        bundle_import = None
    if bundle_import is None or not DEMO.is_file():
        request.getfixturevalue("demo")
        return {"metric": "/reports/metrics/nk-troops-killed/", "claim": "/reports/claims/nk-killed-600/",
                "source": "/reports/sources/sk-lawmakers/"}
    bundle_import(data=json.loads(DEMO.read_text()))
    sweep_all()
    return {"metric": "/reports/metrics/nk-troops-killed-russia/", "claim": "/reports/claims/nk-600-killed-of-15000/",
            "source": "/reports/sources/kr-lawmakers/"}


def test_it_screenshots_the_report_pages(transactional_db, live_server, settings, request):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: install Debian's chromium package to take screenshots")
    sync_api = pytest.importorskip("playwright.sync_api")
    settings.REPORTS_PUBLIC = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = load_demo(request)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            blocked = []
            page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response.status == 200, path
                # The stylesheet loaded (the CSP allows it): the header has its background colour.
                assert page.eval_on_selector("header.site", "e => getComputedStyle(e).backgroundColor") != \
                    "rgba(0, 0, 0, 0)"
                target = SHOTS / f"report-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                assert target.stat().st_size > 10_000
            assert blocked == []
        finally:
            browser.close()
