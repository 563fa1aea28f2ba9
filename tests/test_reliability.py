"""The reliability suite in its small versions: hostile files, kill -9 and resume, load.

The full versions are bench/hostile.py, bench/kill_resume.py and bench/load.py; these run
each driver small (40 hostile entries in 25 families, 3 kills, 4 clients x 40 requests) and
assert its invariants. No timing is asserted beyond "gone within 10 s" for processes.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import hostile  # noqa: E402
import kill_resume  # noqa: E402
import load  # noqa: E402


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    return hostile.run(40, seed=14, work=work, big=False, time_limit=60), work


@pytest.mark.slow
def test_every_hostile_entry_is_recorded_and_nothing_leaks(hostile_run):
    report, _ = hostile_run
    assert report["entries"] >= 40 and report["families"] >= 20
    assert hostile.holds(report) == [], report
    assert report["exit_code"] == 1  # some files failed, and the run says so
    reasons = {r for family in report["reasons"].values() for r in family}
    assert {"too large", "corrupt", "empty file", "skipped: symbolic link"} <= reasons
    assert report["peak_rss"] < 2 * 2**30


@pytest.mark.slow
def test_kill_9_in_each_phase_resumes_to_the_clean_archive(tmp_path):
    report = kill_resume.run(3, seed=14, work=tmp_path, extra=100,
                             phases=["extraction", "embedding", "news"])
    assert [k["phase"] for k in report["kills"]] == ["extraction", "embedding", "news add"]
    assert report["kills"][0]["landed"], report["kills"]
    assert kill_resume.holds(report) == [], report
    assert report["queries"] == 50


@pytest.mark.slow
def test_load_with_hostile_queries_has_no_server_errors(hostile_run):
    _, work = hostile_run
    report = load.run(work / "var", clients=4, seconds=120, requests=40, hostile_every=4)
    assert report["requests"] == 160
    assert report["errors"] == [], report["errors"]
    assert report["hostile"]["count"] == 40 and report["refused"] > 0


def test_stemming_gives_the_same_terms_from_many_threads_at_once():
    # Snowball stemmers hold the word being stemmed: shared by waitress's threads, they
    # garbled words and failed with IndexError (500s under load).
    from concurrent.futures import ThreadPoolExecutor

    from archive.analysis import fold_and_stem

    stem = fold_and_stem.__wrapped__  # past the cache, to the stemmers themselves
    words = ["والرسائل", "المكتبات", "libraries", "couriers", "التعليم", "committees"] * 400
    expected = [stem(w) for w in words]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            assert list(pool.map(stem, words, chunksize=1)) == expected
