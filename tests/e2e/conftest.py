"""End-to-end fixtures: Debian's Chromium driven by Playwright against the live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# in that same thread are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(os.environ.get("PARCOURS_TEST_OUTPUT", "test-output")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# Module scope: while Playwright's sync API runs, the test thread has a running event loop, so
# a later test calling asyncio.run() or async_to_sync() (live events) would fail. Closing it
# after each module keeps that loop out of the other tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Open pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def make(locale: str = "fr-BE") -> object:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[object, str], Path]:
    """Write a full-page PNG to test-output/screenshots/<test>-<name>.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def shoot(page: object, name: str) -> Path:
        path = OUTPUT / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return shoot
