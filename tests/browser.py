"""Pages in real Chromium (Debian's, driven by Playwright): each page a person sees
is looked at on a phone (390×844) and on a desktop, and judged the same way.

``check_page`` asserts that the page does not scroll sideways, logged no console
error, and has no serious or critical accessibility violation by axe-core (the npm
package in ``tests/judges``, injected into the page). With ``CONGDAN_SCREENSHOTS``
set to a folder (``make screenshots``), it also saves each page there as
``<name>-<viewport>.jpg`` for the README (``make screenshots``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.conftest import CHROMIUM_ARGS

AXE = Path(__file__).parent / "judges" / "node_modules" / "axe-core" / "axe.min.js"

#: The WCAG levels axe checks: 2.0, 2.1 and 2.2, A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required: apt-get install chromium"
    assert AXE.exists(), "axe-core is missing: make judges"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Viewer:
    """One browser window of a given size and language, with its console errors."""

    page: Page
    viewport: str
    console_errors: list[str] = field(default_factory=list)


def open_viewer(browser: Browser, viewport: str, locale: str = "vi-VN") -> Viewer:
    """A fresh window (no cookies) of ``viewport`` size in ``locale``.

    CSP is bypassed only so axe-core can be injected; the pages' own scripts run
    under their policy as served (the policy is tested on its own).
    """
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale=locale, bypass_csp=True
    )
    viewer = Viewer(context.new_page(), viewport)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # A refusal page's own status (401, 403…) is logged as a failed load of
        # the document; only a failed subresource or a script error is a defect.
        own_status = message.location.get("url") == viewer.page.url and (
            message.text.startswith("Failed to load resource")
        )
        if not own_status:
            where = message.location.get("url", "")
            viewer.console_errors.append(
                f"{message.text} ({where})" if where else message.text
            )

    viewer.page.on("console", on_console)
    viewer.page.on("pageerror", lambda error: viewer.console_errors.append(str(error)))
    return viewer


def accessibility_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, object]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        WCAG_TAGS,
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def check_page(viewer: Viewer, name: str, *, full_page: bool = True) -> None:
    """Judge the page now shown: no sideways scroll, no console error, axe clean."""
    page = viewer.page
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    shown = page.viewport_size
    assert shown is not None
    assert width <= shown["width"], f"{name} scrolls sideways ({width}px)"
    assert viewer.console_errors == [], (name, viewer.console_errors)
    violations = accessibility_violations(page)
    assert violations == [], (name, viewer.viewport, violations)
    folder = os.environ.get("CONGDAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(Path(folder) / f"{name}-{viewer.viewport}.jpg"),
            full_page=full_page,
            type="jpeg",
            quality=70,
        )
