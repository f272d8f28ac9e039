"""The TaskOverflow web UI in headless Chromium (Playwright + the system's Chromium).

Add a todo, generate a calendar, see SUCCESS and download a working .ics through the link.
Skipped, with the reason, when no Chromium is installed (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest

from tests.fixtures.stack import LabStack

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("UI test skipped: no Chromium found (install Debian's `chromium` package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_add_todo_generate_calendar_and_download(lab_stack: LabStack, browser, tmp_path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(lab_stack.taskoverflow + "/")
        # unique: the session's stack is shared, and other tests (notebook 04) add "Demo" todos too
        title = f"Demo {uuid.uuid4().hex[:8]} <b>not bold</b>"
        page.fill("#todo-title", title)
        page.fill("#todo-description", "made in the browser")
        page.fill("#todo-deadline", "2026-12-24T18:00:00")
        page.click("#todo-add")
        item = page.locator("[data-testid=todo-item]", has_text=title.split(" <")[0])
        expect(item).to_have_count(1)
        # user text is shown as text, never parsed as HTML
        expect(item.locator("[data-testid=todo-title-text]")).to_have_text(title)
        assert item.locator("b").count() == 0

        page.click("#ical-generate")
        expect(page.locator("#ical-status")).to_have_text("SUCCESS", timeout=30_000)
        link = page.locator("#ical-download")
        expect(link).to_be_visible()

        with page.expect_download() as download_info:
            link.click()
        saved = tmp_path / "todos.ics"
        download_info.value.save_as(saved)
        calendar = icalendar.Calendar.from_ical(saved.read_bytes())
        summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
        assert title in summaries
    finally:
        context.close()
