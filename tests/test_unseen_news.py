"""The frozen unseen news set (sample_docs/news-unseen) is well formed.

Only its shape is checked here: the figures on it come from `bench/xref_eval.py --set
unseen`, and nothing may be tuned on it (see "_frozen" in its judgements)."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from collections import Counter

import pytest

from archive import news
from tests.conftest import ROOT, SAMPLE, SHARED_CORPUS, needs_shared

pytestmark = pytest.mark.slow

FOLDER = ROOT / "sample_docs" / "news-unseen"
JUDGEMENTS = json.loads((ROOT / "sample_docs" / "news-unseen-judgements.json")
                        .read_text(encoding="utf-8"))
STORIES = {k: v for k, v in JUDGEMENTS.items() if not k.startswith("_")}
CTC = SHARED_CORPUS / "ctc-letters-from-abbottabad-2012" / "text"
NAME = re.compile(r"^unseen-(en|ar|fa|ur)-\d\d-[a-z0-9-]+\.(txt|html)$")


def test_unseen_set_has_enough_stories_languages_and_decoys():
    files = sorted(p.name for p in FOLDER.iterdir())
    assert files == sorted(STORIES), "every story is judged, every judgement has its story"
    assert len(files) >= 20
    assert all(NAME.match(name) for name in files), files
    langs = Counter(name.split("-")[1] for name in files)
    assert langs["en"] >= 6 and langs["ar"] >= 6 and langs["fa"] >= 4 and langs["ur"] >= 4
    assert sum(1 for paths in STORIES.values() if not paths) >= 4  # decoys link nothing
    assert "_frozen" in JUDGEMENTS and "_why" in JUDGEMENTS
    assert set(JUDGEMENTS["_why"]) <= set(STORIES)


def test_every_unseen_story_parses_with_headline_and_byline():
    articles = {a.source: a for a in news.load_path(FOLDER)}
    assert set(articles) == set(STORIES)
    for source, article in articles.items():
        assert len(article.title.split()) >= 5, source
        assert article.outlet and article.published, source
        assert len(article.text) > 200, source
    assert len({a.news_id for a in articles.values()}) == len(articles)


def _in_release(path: str) -> bool:
    container, _, member = path.partition("!/")
    file = SAMPLE / container
    if not member:
        return file.is_file()
    if container.endswith(".zip"):
        return member in zipfile.ZipFile(file).namelist()
    return member in tarfile.open(file).getnames()


def test_judged_sample_documents_exist():
    paths = [p for ps in STORIES.values() for p in ps if not p.startswith("ctc/")]
    assert paths
    missing = [p for p in paths if not _in_release(p)]
    assert not missing, f"judged paths not in sample_docs/release: {missing}"


def test_judged_ctc_letters_exist():
    needs_shared(CTC)
    paths = [p for ps in STORIES.values() for p in ps if p.startswith("ctc/")]
    assert paths
    missing = [p for p in paths if not (CTC / p.removeprefix("ctc/")).is_file()]
    assert not missing, f"judged CTC letters not in {CTC}: {missing}"


def test_unseen_stories_paraphrase_the_ctc_letters():
    # Stories describe the letters in their own words: no run of 10 words copied verbatim.
    needs_shared(CTC)

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(words[i:i + 10]) for i in range(len(words) - 9)}

    letters = set().union(*(runs(p.read_text(encoding="utf-8")) for p in CTC.glob("*.txt")))
    for article in news.load_path(FOLDER):
        assert not runs(article.text) & letters, article.source
    assert not list(ROOT.rglob("SOCOM-2012-*")), "the CTC letters are never copied in"


def test_development_set_is_judged_paraphrased_and_in_four_languages():
    """sample_docs/news-dev: the stories tuning may look at, judged before their first run."""
    folder = ROOT / "sample_docs" / "news-dev"
    judged = json.loads((ROOT / "sample_docs" / "news-dev-judgements.json")
                        .read_text(encoding="utf-8"))
    stories = {k: v for k, v in judged.items() if not k.startswith("_")}
    articles = {a.source: a for a in news.load_path(folder)}
    assert set(articles) == set(stories) and len(stories) >= 12
    assert {name.split("-")[1] for name in stories} == {"en", "ar", "fa", "ur"}
    assert sum(1 for paths in stories.values() if not paths) >= 3
    assert all(a.outlet and a.published for a in articles.values())
    assert [p for ps in stories.values() for p in ps if not p.startswith("ctc/")
            and not _in_release(p)] == []
    needs_shared(CTC)

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(words[i:i + 10]) for i in range(len(words) - 9)}

    letters = set().union(*(runs(p.read_text(encoding="utf-8")) for p in CTC.glob("*.txt")))
    assert all(not runs(a.text) & letters for a in articles.values())
