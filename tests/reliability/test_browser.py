"""A real browser (Debian's Chromium, headless) against a live server: an editor dismisses a
conflict of the demo with a note and finds the note in the flag's history; a researcher downloads
the CSV report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.db import connections

from accounts.roles import EDITOR, RESEARCHER
from claims.bundle.importer import bundle_import
from claims.checks.engine import sweep_all
from claims.models import Flag
from tests.reliability.conftest import PASSWORD, make_staff
from tests.support import ROOT

pytestmark = [pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
NOTE = "Different periods: the January figure predates the April one, checked with the desk."


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # The test's ORM calls ran beside Playwright's event loop, so Django kept their
            # connection apart from the test's usual one, and would leave it open: the test
            # database could then not be dropped at the end of the run.
            connections.close_all()


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_an_editor_dismisses_a_conflict_and_a_researcher_downloads_the_csv(live_server, browser, tmp_path):
    bundle_import(data=json.loads((Path(ROOT) / "demo" / "demo-bundle.json").read_text()))
    sweep_all()
    make_staff("edith", EDITOR)
    make_staff("ruth", RESEARCHER)
    conflict = Flag.objects.filter(kind="conflict", status="open").order_by("id").first()
    assert conflict is not None, "the demo should raise a conflict"

    editor = browser.new_context().new_page()
    log_in(editor, live_server.url, "edith", "/admin/claims/flag/")
    assert editor.locator("#result_list").count() == 1  # the queue of flags
    editor.goto(f"{live_server.url}/admin/claims/flag/{conflict.pk}/change/")
    assert conflict.explanation[:40] in editor.content()
    editor.goto(f"{live_server.url}/admin/claims/flag/")
    editor.check(f"input[name=_selected_action][value='{conflict.pk}']")
    editor.select_option("select[name=action]", "dismiss_flags")
    editor.click("button[name=index]")
    editor.fill("textarea[name=note]", NOTE)
    # The dismiss form's own button (the page header holds a logout form too).
    editor.locator("form:has(textarea[name=note]) [type=submit]").first.click()
    editor.wait_for_url("**/admin/claims/flag/")
    editor.goto(f"{live_server.url}/admin/claims/flag/{conflict.pk}/history/")
    assert NOTE in editor.content()
    conflict.refresh_from_db()
    assert conflict.status == "dismissed" and conflict.dismissed_note == NOTE
    assert conflict.history.first().history_user.username == "edith"

    researcher = browser.new_context(accept_downloads=True).new_page()
    log_in(researcher, live_server.url, "ruth", "/admin/reports/export/")
    researcher.select_option("select[name=format]", "csv")
    with researcher.expect_download() as download_info:
        researcher.click("input[name=download]")
    saved = tmp_path / "report.csv"
    download_info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].count(",") >= 3  # a header row
    assert any(claim_key in text for claim_key in Flag.objects.values_list("claim_a__key", flat=True))
