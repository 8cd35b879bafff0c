"""``/docs`` in Chromium with the internet cut off: Swagger UI comes from the app."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Route, sync_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.problems import assert_problem

#: Left out of `make test-fast`: drives Chromium.
pytestmark = pytest.mark.slow


def test_the_docs_page_renders_every_operation_without_the_internet(live_server):
    """Found by a new user: /docs was blank offline (Swagger UI from a CDN, at an
    unpinned version, with no integrity check)."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required: apt-get install chromium"
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("**/*", only_this_server)
            page.goto(f"{live_server.url}/docs")
            page.wait_for_selector(".opblock-summary", timeout=20_000)
            operations = page.locator(".opblock-summary").count()
            titles = page.locator(".opblock-tag").all_inner_texts()
        finally:
            browser.close()
    assert elsewhere == []
    assert errors == []
    assert operations >= 100
    assert any("Health book" in title for title in titles)


def test_only_the_files_the_docs_page_loads_are_served(client):
    """Found by an attack: the whole package was served, its stock page included
    (which loads the Petstore from the internet into this origin)."""
    for name in (
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    ):
        with client.get(f"/docs/assets/{name}") as served:  # closes the file
            assert served.status_code == 200
    for name in ("index.html", "swagger-initializer.js", "swagger-ui.js.map", "../x"):
        assert_problem(client.get(f"/docs/assets/{name}"), 404, "not-found")


def test_the_docs_page_reads_well_on_a_phone_and_a_desktop(live_server):
    """Issue 16: every page judged alike (no sideways scroll, no console error,
    axe-core clean), /docs included."""
    from tests.browser import check_page, chromium, open_viewer

    with chromium() as browser:
        for viewport in ("phone", "desktop"):
            viewer = open_viewer(browser, viewport)
            viewer.page.goto(f"{live_server.url}/docs")
            viewer.page.wait_for_selector(".opblock-summary", timeout=20_000)
            check_page(viewer, "docs", full_page=False)
            viewer.page.context.close()
