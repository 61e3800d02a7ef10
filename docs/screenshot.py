"""The README's screenshot of the evaluators' dashboard, from the demo.

    make demo                                            # once: the demo database
    .venv/bin/python manage.py runserver 127.0.0.1:8765 --noreload &
    .venv/bin/python docs/screenshot.py http://127.0.0.1:8765

Signs in as the demo evaluator (README, "Demo users") with Debian's Chromium and saves the
top of the dashboard (the cohort chooser, the funnel and the time to each rung), 1280 px
wide, to docs/dashboard.png.
"""

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "dashboard.png"
USERNAME, PASSWORD = "eval.evaluator", "Harbour-Lantern-47"


def main(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(
            base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-GB"
        )
        page.goto("/evaluation/")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator('table[data-table="funnel"]')).to_be_visible()
        page.screenshot(
            path=str(OUT), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1900}
        )
        browser.close()
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
