"""What the browser tests share: Debian's Chromium, a site served by waitress on a free
loopback port, and screenshots. The `browser` and `page` fixtures are in conftest.py."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

from app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("DOCKET_SCREENSHOTS", "")) if os.environ.get(
    "DOCKET_SCREENSHOTS") else None
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """The app served by waitress on a free loopback port, in a thread of its own."""

    def __init__(self, settings):
        import waitress

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = waitress.create_server(create_app(settings), host="127.0.0.1",
                                             port=port, threads=4)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Close the server once it is idle: the browser gone, its connections closed and
        the page images in flight drawn (in child processes, so they can outlast a test).
        Closing it busy leaves connections whose closing later writes to the server's
        closed trigger (EBADF in the server's thread, a failure of whatever test runs)."""
        server, deadline = self.server, time.monotonic() + 60
        dispatcher = server.task_dispatcher
        while time.monotonic() < deadline and (
                len(server._map) > 2 or dispatcher.active_count or dispatcher.queue):
            time.sleep(0.05)  # waiting for quiet, not timing anything
        server.close()
        self.thread.join(timeout=60)


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
