"""Name particles (al, bin, abu, ال) and phrases: what a query searches and what it marks."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from archive.analysis import fold_and_stem
from archive.model import Page, SearchRequest
from archive.particles import join_particles
from archive.snippets import Marks, make_snippets, matches
from tests.conftest import ENGINES
from tests.test_search import record


@pytest.mark.parametrize("query, joined", [
    ("Iran al-Qaida", 'Iran "al-Qaida"'),
    ("Iran al Qaida", 'Iran "al Qaida"'),
    ("bin Laden", '"bin Laden"'),
    ("ال قاعدة", '"ال قاعدة"'),
    ("al", "al"),  # a particle alone is what the journalist asked for
    ("as soon as", "as soon as"),  # "as" is a particle only hyphenated: as-Sahab
    ("as-Sahab", '"as-Sahab"'),
    ("title:al-Qaida", "title:al-Qaida"),
    ('"al qaida" Iran', '"al qaida" Iran'),
    ("al*", "al*"),
    ("ibn Taymiyya NOT al", '"ibn Taymiyya" NOT al'),
])
def test_a_particle_joins_the_word_after_it_as_a_phrase(query, joined):
    assert join_particles(query) == joined


def terms(*words):
    return frozenset(fold_and_stem(w) for w in words)


def test_phrase_words_are_marked_only_where_the_whole_phrase_occurs():
    text = "Abdallah wrote to Abu Abdallah; Abdallah again."
    marks = Marks(free=(), phrases=[tuple(fold_and_stem(w) for w in ("abu", "abdallah"))],
                  quiet=terms("abu"))
    assert [text[s:e] for s, e in matches(text, marks)] == ["Abdallah"]
    assert matches(text, marks)[0][0] == text.index("Abu Abdallah") + 4
    plain = Marks(free=terms("abdallah"))
    assert len(matches(text, plain)) == 3
    [snippet] = make_snippets([Page(1, text)], marks)
    assert snippet.text.count("[[") == 1 and "Abu [[Abdallah]]" in snippet.text


@pytest.fixture(scope="module", params=ENGINES)
def names_index(request, empty_index):
    ix = empty_index(request.param)
    ix.upsert([
        record("p1", "Al Jazeera aired the tape. al-Sahab made it. The letter names al-Karrumi."),
        record("p2", "Fighters of al-Qaida crossed from Iran in the spring."),
        record("p3", "Iran closed the road; al-Karrumi and al-Sahab stayed behind."),
        record("p4", "The bin of letters; Laden, a word, is here too, and bin again."),
        record("p5", "Usama bin Laden signed the letter."),
    ])
    return ix


def ids(index, query):
    return {h.doc_id for h in index.search(SearchRequest(query, aliases=False)).hits}


def test_particles_are_not_searched_or_marked_on_their_own(names_index):
    assert ids(names_index, "Iran al-Qaida") == {"p2"}
    assert ids(names_index, "Iran al Qaida") == {"p2"}
    assert ids(names_index, "bin Laden") == {"p5"}  # not p4, which has both words apart
    marks = names_index.highlight_terms("Iran al-Qaida", aliases=False)
    text = "Iran closed the road; al-Karrumi and al-Sahab stayed behind. al-Qaida too."
    assert [text[s:e] for s, e in matches(text, marks)] == ["Iran", "Qaida"]
    bin_laden = names_index.highlight_terms("bin Laden", aliases=False)
    letter = "Usama bin Laden signed; the bin was empty."
    assert [letter[s:e] for s, e in matches(letter, bin_laden)] == ["Laden"]


def test_an_alias_phrase_marks_its_words_only_together(names_index):
    # "bin Laden" widens to "Abu Abdallah", "الشيخ أسامة"...: the words of those phrases
    # are not marked apart ("الله" of every "بسم الله", "الشيخ" of every sheikh).
    marks = names_index.highlight_terms("bin Laden")
    text = "بسم الله الرحمن الرحيم من أسامة بن لادن إلى الشيخ محمود، حفظه الله"
    marked = [text[s:e] for s, e in matches(text, marks)]
    assert "لادن" in marked and "الله" not in marked and "الشيخ" not in marked
    assert "بن" not in marked


@pytest.mark.parametrize("name, other", [
    ("طالبان", "طالب"),  # Taliban, student
    ("امریکہ", "امر"),  # America (Urdu), matter
    ("کویت", "کوئی"),  # Kuwait, any (Urdu)
    ("Emirates", "emir"),
    ("علي", "عليهم"),  # Ali, upon them
])
def test_names_keep_terms_of_their_own(name, other):
    assert fold_and_stem(name) != fold_and_stem(other)
    assert fold_and_stem("وال" + name if not name.isascii() else name) == fold_and_stem(name)


def test_an_index_built_with_other_terms_is_rebuilt(tmp_path, monkeypatch):
    import archive.analysis
    from archive.search import WhooshIndex

    monkeypatch.setattr(archive.analysis, "ANALYSIS_VERSION", 1)
    WhooshIndex(tmp_path / "old", create=True).upsert([record("o1", "Taliban letters")])
    monkeypatch.undo()
    assert not WhooshIndex(tmp_path / "old").is_current()
    index, refill = WhooshIndex.open_for_writing(tmp_path / "old")
    assert refill and index.is_current() and index.doc_count() == 0


def test_a_query_of_only_a_particle_still_finds_and_marks_it(names_index):
    assert ids(names_index, "al") == {"p1", "p2", "p3"}
    marks = names_index.highlight_terms("al", aliases=False)
    assert [m for m in matches("al-Sahab and Al Jazeera", marks)] == [(0, 2), (13, 15)]


def test_iran_does_not_bring_up_the_persian_language(empty_index):
    ix = empty_index("whoosh")
    ix.upsert([record("f1", "نامه به زبان فارسی درباره مدرسه", lang=("fa",)),
               record("f2", "سفر به ایران در زمستان", lang=("fa",))])
    assert ids(ix, "Iran") == set()  # aliases off: the Latin word alone
    assert {h.doc_id for h in ix.search(SearchRequest("Iran")).hits} == {"f2"}
    assert {h.doc_id for h in ix.search(SearchRequest("إيران")).hits} == {"f2"}


def test_the_alias_review_finds_no_collision_in_real_text():
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pools = root.parent / "shared" / "corpus-generator" / "pools"
    if not pools.is_dir():
        pytest.skip(f"{pools} is absent: the review reads its real Arabic, Persian, Urdu and "
                    f"English sentences")
    sys.path.insert(0, str(root / "bench"))
    from alias_review import DEFAULT_TEXT, collisions, words_of

    assert collisions(words_of(DEFAULT_TEXT), minimum=3) == {}


def test_the_page_lists_the_spellings_added_each_removable(client, sample_catalog):
    arabic = sample_catalog.resolve("letters/letter-025-ar-bin-laden.txt")
    page = client.get("/search", query_string={"q": "Iran"}).get_data(as_text=True)
    assert "<bdi>إيران</bdi>" in page and "<bdi>ایران</bdi>" in page
    assert "فارس" not in page  # Persia's Arabic name is not Iran's spelling any more
    assert f"/d/{arabic}" in page  # found through إيران
    link = page.split("<bdi>إيران</bdi> <a href=\"")[1].split('"')[0].replace("&amp;", "&")
    assert "without=" in link
    narrowed = client.get(link).get_data(as_text=True)
    assert f"/d/{arabic}" not in narrowed  # it names Iran only as إيران
    assert "left out: <bdi>إيران</bdi>" in narrowed and "put back" in narrowed
    assert 'name="without" value="إيران"' in narrowed  # kept when the sort changes
    json_hits = client.get("/search.json", query_string={"q": "Iran", "without": "إيران"})
    assert arabic not in {h["id"] for h in json_hits.get_json()["hits"]}


def test_a_document_opened_from_narrowed_results_marks_only_what_they_searched(client,
                                                                               sample_catalog):
    arabic = sample_catalog.resolve("letters/letter-025-ar-bin-laden.txt")
    widened = client.get(f"/d/{arabic}", query_string={
        "q": "Iran", "back": "/search?q=Iran"}).get_data(as_text=True)
    assert "<mark>إيران</mark>" in widened
    narrowed = client.get(f"/d/{arabic}", query_string={
        "q": "Iran", "back": "/search?" + urlencode({"q": "Iran", "without": "إيران"})})
    assert narrowed.status_code == 200 and "<mark>إيران</mark>" not in narrowed.get_data(
        as_text=True)
    plain = client.get(f"/d/{arabic}", query_string={
        "q": "Iran", "back": "/search?q=Iran&aliases=off"}).get_data(as_text=True)
    assert "<mark>إيران</mark>" not in plain


def test_highlight_terms_leave_out_the_spellings_a_search_left_out(names_index):
    arabic = {fold_and_stem("إيران")}
    every = names_index.highlight_terms("Iran")
    fewer = names_index.highlight_terms("Iran", without=("إيران",))
    assert arabic <= every and fewer < every and not arabic & fewer
