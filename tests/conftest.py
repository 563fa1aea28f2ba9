"""Shared fixtures: settings in temporary folders, the indexed sample collection, the site
over it (`app`, `client`) and the command line (`runner`)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import index_collection

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_docs" / "release"
TEST_CORPUS = Path(__file__).resolve().parent / "corpus"
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
NEWS = ROOT / "sample_docs" / "news"


def start_docket(*args, **kwargs) -> subprocess.Popen:
    """`python -m cli ARGS` in a session of its own, its output piped, as a terminal starts
    it: Ctrl-C means stop even when the tests run with SIGINT ignored (a background job of a
    non-interactive shell, /usr/bin/time), which an exec'd child would otherwise inherit.
    A handled signal reverts to its default across exec; an ignored one stays ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)


def needs_shared(path: Path) -> Path:
    """Skip the calling test, with the reason, when a folder of ../shared is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-file corpus lives in ../shared beside the repo")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var=tmp_path / "var", jobs=2, time_limit=60)


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory):
    """The sample collection copied to a temporary folder and indexed once per session."""
    base = tmp_path_factory.mktemp("sample")
    folder = base / "release"
    shutil.copytree(SAMPLE, folder)
    settings = Settings(var=base / "var", jobs=2, time_limit=120)
    summary = index_collection(settings, folder)
    return settings, folder, summary


@pytest.fixture(scope="session")
def sample_catalog(sample_archive):
    settings, _, _ = sample_archive
    catalog = Catalog(settings.catalog_path)
    yield catalog
    catalog.close()


@pytest.fixture
def app(sample_archive):
    """The site over the indexed sample collection (flaskr's `app` fixture)."""
    from app import create_app

    settings, _, _ = sample_archive
    app = create_app(Settings(var=settings.var, jobs=settings.jobs,
                              time_limit=settings.time_limit))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="session")
def linked(tmp_path_factory):
    """The sample archive with the sample news added and linked (its own copy: the review
    test changes it)."""
    from archive import news
    from archive.catalog import connect
    from archive.search import WhooshIndex
    from indexer.news import add_articles

    base = tmp_path_factory.mktemp("news")
    shutil.copytree(SAMPLE, base / "release")
    settings = Settings(var=base / "var", jobs=2)
    index_collection(settings, base / "release")
    conn = connect(settings.catalog_path)
    articles = {a.source: a for a in news.load_path(NEWS)}
    add_articles(conn, WhooshIndex(settings.index_dir), list(articles.values()),
                 settings.news_index_dir)
    yield settings, conn, articles, base / "release"
    conn.close()


class ShardServers:
    """xapian-tcpsrv --writable servers on 127.0.0.1, one per fresh database, stopped by
    PID at the end of the session."""

    def __init__(self, base: Path):
        self.base = base
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, count: int) -> list[str]:
        import xapian

        if shutil.which("xapian-tcpsrv") is None:
            pytest.skip("xapian-tcpsrv is absent: apt-get install xapian-tools")
        addresses = []
        for _ in range(count):
            db = self.base / f"shard-{len(self.procs)}"
            xapian.WritableDatabase(str(db), xapian.DB_CREATE_OR_OPEN).close()
            port = free_port()
            # Its own session: on SIGTERM xapian-tcpsrv signals its whole process group.
            proc = subprocess.Popen(
                ["xapian-tcpsrv", "--writable", "--interface", "127.0.0.1", "--port",
                 str(port), str(db)], start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            address = f"127.0.0.1:{port}"
            self.procs[address] = proc
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"xapian-tcpsrv on port {port} did not start") from None
                    time.sleep(0.05)
            addresses.append(address)
        return addresses

    def stop(self, address: str) -> None:
        proc = self.procs[address]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)

    def stop_all(self) -> None:
        for address in self.procs:
            self.stop(address)


@pytest.fixture(scope="session")
def shard_servers(tmp_path_factory):
    servers = ShardServers(tmp_path_factory.mktemp("shards"))
    yield servers
    servers.stop_all()


ENGINES = ["whoosh", "xapian", "shards"]


@pytest.fixture(scope="session")
def empty_index(tmp_path_factory, shard_servers):
    """Make an empty index of an engine: Whoosh in RAM, local Xapian, two Xapian shards."""
    from archive.search import WhooshIndex

    def make(engine: str):
        if engine == "whoosh":
            return WhooshIndex.in_memory()
        from archive.xapian_index import XapianIndex, parse_shards

        if engine == "xapian":
            return XapianIndex(tmp_path_factory.mktemp("xapian") / "db", create=True)
        return XapianIndex(shards=parse_shards(",".join(shard_servers.start(2))), create=True)

    return make


@pytest.fixture(scope="session")
def engine_archives(sample_archive, tmp_path_factory, shard_servers):
    """The indexed sample archive served by each engine: the Xapian ones are rebuilt from
    a copy of its catalog, as moving an archive to another engine does."""
    from archive.engines import open_index
    from indexer.write import CatalogWriter

    settings, _, _ = sample_archive
    made = {"whoosh": settings}

    def get(engine: str) -> Settings:
        if engine not in made:
            var = tmp_path_factory.mktemp(engine) / "var"
            var.mkdir()
            shutil.copy2(settings.catalog_path, var / "catalog.sqlite")
            shards = ",".join(shard_servers.start(2)) if engine == "shards" else ""
            moved = Settings(var=var, engine="xapian", xapian_shards=shards)
            writer = CatalogWriter(moved)
            writer.sync_index(rebuild=True)
            writer.close()
            made[engine] = Settings(var=var)  # later opens need no engine: it is recorded
        open_index(made[engine])
        return made[engine]

    return get


# The browser tests' shared parts: Debian's Chromium, a site served by waitress on a free
# loopback port, screenshots, and the browser and page fixtures.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("DOCKET_SCREENSHOTS", "")) if os.environ.get(
    "DOCKET_SCREENSHOTS") else None
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(check, seconds: float = 60.0) -> bool:
    """Poll `check` until it holds (generous: a loaded machine is slow, never wrong)."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if check():
            return True
        time.sleep(0.05)
    return False


def free_port() -> int:
    """A free loopback port: bind to 0, then hand it over."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """The app served by waitress on a free loopback port, in a thread of its own."""

    def __init__(self, settings):
        import waitress

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        from app import create_app

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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (one per test module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # the script's own failures
    page.dialogs, page.errors = dialogs, errors
    yield page
    context.close()
