"""`docket serve --processes N`: N forked server processes on one port, kept at N, ending
with the command however it ends."""

from __future__ import annotations

import http.client
import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import alive, free_port, start_docket, wait_for


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in out if b"docket: serve process" in
            Path(f"/proc/{c}/cmdline").read_bytes()]


def _answers(port: int, n: int = 10) -> list[int]:
    statuses = []
    for _ in range(n):  # a connection each: either process may take it
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/search.json?q=library")
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
        conn.close()
    return statuses


def _listening(port: int) -> bool:
    try:
        return _answers(port, 1) == [200]
    except OSError:
        return False


@pytest.fixture
def server(sample_archive):
    settings, _, _ = sample_archive
    port = free_port()
    proc = start_docket("serve", "--var", settings.var, "--port", port, "--processes", 2)
    try:
        assert wait_for(lambda: _listening(port), 120), proc.stderr.read1().decode()
        assert wait_for(lambda: len(_children(proc.pid)) == 2, 30)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()


def test_two_processes_answer_on_one_port_and_a_dead_one_is_replaced(server):
    proc, port = server
    first = _children(proc.pid)
    assert _answers(port) == [200] * 10
    time.sleep(5.5)  # past RESTART_AFTER: a process that ran a while is started again
    os.kill(first[0], signal.SIGKILL)
    assert wait_for(lambda: len(set(_children(proc.pid)) - set(first)) == 1, 60)
    assert len(_children(proc.pid)) == 2 and first[1] in _children(proc.pid)
    assert wait_for(lambda: _listening(port), 60)
    assert _answers(port) == [200] * 10
    children = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    assert proc.returncode == 0
    assert wait_for(lambda: not any(alive(c) for c in children), 10)


def test_the_processes_end_when_the_command_is_killed(server):
    proc, port = server
    children = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up runs in the parent
    proc.wait(30)
    assert wait_for(lambda: not any(alive(c) for c in children), 10), \
        "a server process outlived its command"
