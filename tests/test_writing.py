"""The index writer's shortcuts write what Whoosh's own path writes."""

from __future__ import annotations

from whoosh import fields
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import SegmentWriter

from archive.analysis import path_analyzer, text_analyzer
from archive.schema import AnalysedText, index_schema
from archive.writing import KnownLengths, Writer
from tests.conftest import SAMPLE

# A tatweel alone is a token whose term is empty: it is dropped but keeps its position.
TEXTS = [
    "رسالة إلى الأخ الكريم ـــ رسالة ثانية، والرسالة الثالثة",
    "The courier's letters; letters ـ again: LETTER, Létter and 2010 ١٤٣١",
    "نامه به برادر گرامی ‌ها و نامه‌ها — خط اردو میں پیغام",
    "",
    "ـــ ـ ـــ",
] + [p.read_bytes().decode("utf-8", "replace") for p in sorted(SAMPLE.glob("letters/*.txt"))[:8]]


def test_analysed_text_indexes_the_terms_positions_and_weights_of_whoosh_text():
    for analyzer, boost in ((text_analyzer, 1.0), (text_analyzer, 2.0), (path_analyzer, 1.0)):
        ours = AnalysedText(analyzer=analyzer(), field_boost=boost)
        whoosh = fields.TEXT(analyzer=analyzer(), field_boost=boost)
        for text in TEXTS:
            assert list(ours.index(text)) == list(whoosh.index(text)), text[:40]


def test_analysed_text_with_an_analyzer_of_its_own_takes_whoosh_s_way():
    from whoosh.analysis import StandardAnalyzer

    ours = AnalysedText(analyzer=StandardAnalyzer())
    assert list(ours.index("The Letters of a courier")) == \
        list(fields.TEXT(analyzer=StandardAnalyzer()).index("The Letters of a courier"))


def _dump(ix) -> list:
    out = []
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for field, text in reader.all_terms():
            matcher = reader.postings(field, text)
            while matcher.is_active():
                out.append((field, text, matcher.id(), matcher.weight(), matcher.value(),
                            matcher.block_min_length(), matcher.block_max_length()))
                matcher.next()
        for docnum in reader.all_doc_ids():
            out.append([reader.doc_field_length(docnum, f) for f in ("title", "content", "path")])
    return out


def test_the_writer_with_known_lengths_writes_what_whoosh_s_writer_writes():
    built = []
    for writer_class in (SegmentWriter, Writer):
        ix = RamStorage().create_index(index_schema())
        for batch in range(2):  # the second commit merges the first segment in
            writer = writer_class(ix)
            for i, text in enumerate(TEXTS):
                writer.add_document(doc_id=f"{batch}-{i}", title=text[:30], content=text,
                                    path=f"box/{batch}/letter-{i}.txt")
            writer.commit(optimize=batch == 1)
        built.append(_dump(ix))
    assert built[0] == built[1]
    assert any(length[1] > 0 for length in built[0] if isinstance(length, list))


def test_known_lengths_answers_a_default_it_was_not_asked_for_from_the_segment():
    ix = RamStorage().create_index(index_schema())
    with ix.writer() as writer:
        writer.add_document(doc_id="a", content="one two three")
    with ix.reader() as reader:
        segment = reader._perdoc  # the segment's own per-document reader
        lengths = KnownLengths(segment)
        assert lengths.doc_field_length(0, "content") == 3
        assert lengths.doc_field_length(0, "title") == 0
        assert lengths.doc_field_length(0, "doc_id", default=7) == 7  # a field without lengths
        assert lengths.doc_count_all() == 1  # the rest is the segment's
