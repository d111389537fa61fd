"""Browser tests: the app served by uvicorn on a loopback port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.smtp import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not shutil.which(CHROMIUM):
    pytestmark = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


class LiveServer:
    def __init__(self, url: str, smtp: SmtpSink) -> None:
        self.url = url
        self.smtp = smtp


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    smtp = SmtpSink()
    smtp.start()
    port = free_port()
    # localhost rather than 127.0.0.1: WebAuthn refuses an IP address as the site it binds keys to.
    base = f"http://localhost:{port}"
    folder = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'live.db'}",
        "LIAISON_MAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "LIAISON_BASE_URL": base,
        "LIAISON_DEMO": "false",
        "LIAISON_VAR_DIR": str(folder),
    }
    env.pop("LIAISON_REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run([sys.executable, "-m", "tests.support.seed"], env=env, cwd=ROOT, check=True, timeout=120)
    log = (folder / "uvicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError((folder / "uvicorn.log").read_text()) from None
            time.sleep(0.2)
    yield LiveServer(base, smtp)
    server.terminate()
    server.wait(timeout=10)
    smtp.stop()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
