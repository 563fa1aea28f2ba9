"""The run's one language process: the same tags as in-process, lingua loaded there and not in
the extraction workers, a lost process costs no file, and it ends with the run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections import deque
from pathlib import Path

from archive.config import Settings
from indexer import enrich
from indexer.languages import LanguageClient, LanguageProcess
from indexer.pipeline import Task, WorkerConfig, WorkerPool
from indexer.run import extract_options
from tests.conftest import ROOT, alive, wait_for

FRENCH = ("Le comité a décidé que le rapport du bureau serait envoyé aux frères du nord avant "
          "la fin de l'hiver, et que les livres arriveraient avec la caravane.")
PERSIAN = ("کمیته تصمیم گرفت که گزارش دفتر رسانه پیش از پایان زمستان برای برادران در شمال "
           "فرستاده شود و کتاب‌ها با کاروان برسند.")
PAGES = [FRENCH, PERSIAN, "Ahmad", FRENCH + "\n" + PERSIAN, "12", "Guten Tag, mein Freund"]


def test_answers_from_the_language_process_are_those_of_this_process(tmp_path):
    service = LanguageProcess(tmp_path)
    service.start()
    try:
        client = LanguageClient(service.address, service.authkey)
        assert enrich.tag_languages(PAGES, client) == enrich.tag_languages(PAGES)
        assert enrich.tag_languages(PAGES)[1][:2] == [("fr",), ("fa",)]
        client.close()
    finally:
        service.stop()
    assert not os.path.exists(service.address)


def test_a_killed_language_process_costs_no_answer_and_is_started_again(tmp_path):
    service = LanguageProcess(tmp_path)
    service.start()
    try:
        client = LanguageClient(service.address, service.authkey)
        expected = enrich.tag_languages(PAGES)
        assert enrich.tag_languages(PAGES, client) == expected
        first = service.process.pid
        os.kill(first, signal.SIGKILL)
        service.process.join(10)
        # The worker's connection is broken and nobody listens: it answers with its own models.
        assert enrich.tag_languages(PAGES, client) == expected
        service.ensure()
        assert service.process.pid != first and service.alive()
        assert enrich.tag_languages(PAGES, client) == expected
        assert client._conn is not None  # reconnected to the new process
    finally:
        service.stop()


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_extraction_workers_leave_lingua_to_the_language_process(tmp_path):
    paths, texts = [], [FRENCH, PERSIAN, "Ahmad Hamza"]
    for i, text in enumerate(texts):
        path = tmp_path / f"{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    tasks = deque(Task(path=p, rel=p.name, sha256=hashlib.sha256(p.read_bytes()).hexdigest(),
                       size=p.stat().st_size, mtime_ns=0, root_path=p.name) for p in paths)
    settings = Settings(var=tmp_path / "var", ocr=False, embeddings=False)
    config = WorkerConfig(options=extract_options(settings), blob_dir=tmp_path / "blobs",
                          max_depth=3, max_file_bytes=2**20, memory_limit_bytes=2**31)
    with WorkerPool(2, config, 120) as pool:
        outcomes = sorted(pool.process(tasks), key=lambda o: o.task.rel)
        workers = [w.process.pid for w in pool._workers]
        language = pool._languages.process.pid
        assert all("lingua" not in _maps(pid) for pid in workers)
        assert "lingua" in _maps(language)
        assert Path(f"/proc/{language}/cmdline").read_bytes().startswith(b"docket: language")
    assert [o.languages for o in outcomes] == [enrich.tag_languages([t])[0] for t in texts]
    assert [o.languages for o in outcomes][:2] == [("fr",), ("fa",)]
    assert not alive(language)


def test_the_language_process_ends_when_its_run_is_killed(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from indexer.languages import LanguageProcess
        service = LanguageProcess(Path({str(tmp_path)!r}))
        service.start()
        print(service.process.pid, flush=True)
        time.sleep(600)
    """)
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(run.stdout.readline())
        assert alive(child)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
        assert wait_for(lambda: not alive(child), 10), "the language process outlived its run"
    finally:
        run.kill()
        run.wait()
        run.stdout.close()


def test_a_long_undecided_page_is_guessed_from_its_first_characters():
    asked = []

    def ask(asks):
        asked.extend(asks)
        return [("", 0.0) for _ in asks]  # lingua can place nothing on this page

    page = "qx zv 17 " * 20_000  # 180,000 characters of noise
    assert enrich.tag_languages([page], ask) == ((), [()])
    guesses = [a for a in asked if a.guess]
    assert len(guesses) == 1 and len(guesses[0].text) == enrich.GUESS_CHARS
    assert max(len(a.text) for a in asked) <= enrich.GUESS_CHARS
