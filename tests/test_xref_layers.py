"""Each linking layer on its own, over a small in-memory source: no indexed archive needed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pytest

from archive.aliases import AliasTable, Entity
from archive.analysis import fold
from archive.embeddings import split_sentences, unit_key
from archive.xref import LAYERS, THRESHOLD, WEIGHTS, ArticleContext, DocFacts, Link, fuse
from archive.xref.linker import link_article
from archive.xref.names import DescribedFiles, Entities, FormCues, article_table, is_named_in
from archive.xref.passages import Semantic, SharedPhrases, is_beyond_encoder
from archive.xref.records import plain_evidence
from archive.xref.references import Attachments, ExplicitReferences, PageCounts
from archive.xref.scoring import rarity
from archive.xref.skeletons import arabic_spelling, document_names, latin_spelling, spellings_agree
from archive.xref.spelled import SpelledNames
from archive.xref.vocabulary import ngrams, page_counts, words_of

DIM = 64


@dataclass
class Doc:
    title: str
    pages: list[str]
    kind: str = "text"
    languages: frozenset = frozenset({"en"})
    encoding: str = ""
    paths: tuple = ()
    parent: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def _embed(text: str) -> np.ndarray:
    """A bag of folded words hashed into DIM dimensions, unit length: texts sharing words
    are near, others far, as a sentence encoder would have them."""
    vector = np.zeros(DIM, dtype=np.float32)
    for word in words_of(text):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


@dataclass
class FakeSource:
    """LinkSource's interface over a dict of documents, computed in memory."""

    docs: dict[str, Doc]
    aliases: AliasTable = field(default_factory=lambda: AliasTable([]))

    def __post_init__(self):
        self.units = [(doc_id, n, page, text) for doc_id, doc in sorted(self.docs.items())
                      for n, (page, text) in enumerate(
                          (p, s) for p, page_text in enumerate(doc.pages, 1)
                          for s in split_sentences(page_text))]
        self.keys = np.array([unit_key(d, n) for d, n, _, _ in self.units], dtype=np.uint64)
        self.matrix = np.stack([_embed(t) for *_, t in self.units]) if self.units else None

    def has_document(self, doc_id):
        return doc_id in self.docs

    def paths_containing(self, stem, limit=20):
        return [(d, p) for d, doc in self.docs.items() for p in doc.paths if stem in p][:limit]

    def find_page(self, doc_id, needle):
        target = " ".join(fold(needle).split())
        return next((n for n, page in enumerate(self.docs[doc_id].pages, 1)
                     if target in " ".join(fold(page).split())), None)

    def facts(self, doc_ids):
        return {d: self.facts_of(d) for d in doc_ids if d in self.docs}

    def facts_of(self, doc_id):
        doc = self.docs[doc_id]
        return DocFacts(doc.kind, doc.languages, doc.encoding, len(doc.pages))

    def documents_of_kind(self, kinds, limit):
        return [d for d, doc in self.docs.items() if doc.kind in kinds][:limit]

    def children(self, doc_id, limit):
        return [d for d, doc in self.docs.items() if doc.parent == doc_id][:limit]

    def names_in(self, doc_id):
        doc = self.docs[doc_id]
        return frozenset(self.aliases.entities_in(doc.title + "\n" + doc.text)), True

    def spellings_in(self, doc_id, latin):
        doc = self.docs[doc_id]
        return document_names(doc.title + "\n" + doc.text, latin)

    def ngrams_of(self, doc_id):
        return frozenset(ngrams(words_of(self.docs[doc_id].text)))

    def rarities(self):
        total = len(self.docs)
        kinds = {k: (1 - sum(d.kind == k for d in self.docs.values()) / total) ** 2
                 for k in {d.kind for d in self.docs.values()}}
        langs = {lang: (1 - sum(lang in d.languages for d in self.docs.values()) / total) ** 2
                 for lang in {x for d in self.docs.values() for x in d.languages}}
        return kinds, langs

    def doc_count(self):
        return len(self.docs)

    def doc_frequencies(self, words):
        return {w: sum(w in set(words_of(d.text)) for d in self.docs.values()) for w in words}

    def phrase_matches(self, phrase, limit=10):
        return [d for d in self.docs if self.find_page(d, phrase)][:limit]

    def documents_naming(self, spellings):
        pattern = "|".join(re.escape(fold(s)) for s in spellings)
        return [d for d, doc in self.docs.items()
                if re.search(rf"(?<!\w)({pattern})(?!\w)", fold(doc.title + " " + doc.text))]

    def embed(self, sentences):
        return np.stack([_embed(s) for s in sentences])

    def unit_count(self):
        return len(self.units)

    def nearest_units(self, queries, k):
        out = []
        for q in queries:
            sims = self.matrix @ q
            order = np.argsort(-sims, kind="stable")[:k]
            out.append((self.keys[order], sims[order]))
        return out

    def unit_owners(self, keys):
        owner = {int(k): d for k, (d, *_) in zip(self.keys, self.units, strict=True)}
        return {int(k): owner[int(k)] for k in keys}

    def unit_vectors(self, keys):
        row = {int(k): i for i, k in enumerate(self.keys)}
        return self.matrix[[row[int(k)] for k in keys]]

    def unit_passage(self, doc_id, n):
        unit = next(u for u in self.units if u[0] == doc_id and u[1] == n)
        return unit[2], unit[3]


def ids(*names: str) -> dict[str, str]:
    """Sixteen-hex-digit ids, as the archive's, for readable names."""
    return {name: hashlib.sha256(name.encode()).hexdigest()[:16] for name in names}


ID = ids("letter", "report", "mail", "sheet", "other", "persian", "urdu")
ALIASES = AliasTable([Entity("salim", "person", ("Salim", "سالم")),
                      Entity("reza", "name", ("Reza", "رضا")),
                      Entity("hamza", "person", ("Hamza", "حمزة"))])


def run(layer, source, *sentences, ctx=None) -> ArticleContext:
    ctx = ctx or ArticleContext(list(sentences))
    layer.apply(ctx, source)
    return ctx


def test_layers_are_listed_once_in_order():
    names = [layer.name for layer in LAYERS]
    assert len(names) == len(set(names))
    assert names.index("entities") < names.index("described") < names.index("semantic")
    assert names[-1] == "pages"  # corroboration comes last


def test_explicit_references_find_ids_files_and_quotes_with_the_page():
    source = FakeSource({
        ID["letter"]: Doc("A letter", ["Greetings.", "The courier carried memory cards safely."],
                          paths=("letters/letter-012-en.txt",)),
        ID["other"]: Doc("Other", ["Nothing of that kind here."])})
    ctx = run(ExplicitReferences(), source,
              f"Document {ID['other']} is dull.",
              "The file letter-012-en.txt says \"the courier carried memory cards\" in it.")
    letter, other = ctx.links[ID["letter"]], ctx.links[ID["other"]]
    assert other.signals == {"id": 1.0} and other.sentences == {0}
    assert letter.signals["file"] == 1.0 and letter.signals["quote"] == 0.75
    assert letter.page == 2 and letter.evidence["quotes"] == [
        {"text": "the courier carried memory cards", "page": 2}]
    assert "the article names its file, letter-012-en.txt" in letter.evidence["references"]


def test_explicit_references_ignore_short_file_tokens_and_unknown_ids():
    source = FakeSource({ID["letter"]: Doc("L", ["text"], paths=("a-1.txt",))})
    ctx = run(ExplicitReferences(), source, "See a-1 and 0123456789abcdef.")
    assert ctx.links == {}


def test_entities_weigh_rare_names_more_and_verify_whole_words():
    source = FakeSource({
        ID["letter"]: Doc("To Salim", ["Brother Salim, Hamza is well."]),
        ID["report"]: Doc("Report", ["Hamza met the council."]),
        ID["mail"]: Doc("Mail", ["The goods arrived سالمة, safe."]),  # not Salim
        ID["other"]: Doc("Other", ["Nothing."])}, aliases=ALIASES)
    ctx = run(Entities(), source, "Salim wrote to Hamza.")
    assert set(ctx.links) == {ID["letter"], ID["report"]}
    assert ctx.links[ID["letter"]].signals["entities"] > ctx.links[ID["report"]].signals["entities"]
    assert ctx.named["salim"] == ({0}, {ID["letter"]})
    assert not is_named_in(source, "salim", ID["mail"])


def test_entities_named_in_most_documents_say_nothing():
    docs = {ID[n]: Doc(n, [f"Hamza {n}."]) for n in ("letter", "report", "mail")}
    ctx = run(Entities(), FakeSource(docs, ALIASES), "Hamza again.")
    assert ctx.links == {} and ctx.named == {}


def test_described_file_needs_a_form_and_claims_its_sentence():
    docs = {f"{i:016x}": Doc(f"D{i}", ["Nothing named."]) for i in range(4)}
    source = FakeSource(docs | {
        ID["persian"]: Doc("نامه", ["رضا می نویسد"], languages=frozenset({"fa"})),
        ID["urdu"]: Doc("خط", ["رضا لکھتا ہے"], languages=frozenset({"ur"})),
        ID["letter"]: Doc("Letter", ["Reza writes in English."])}, aliases=ALIASES)
    sentences = ["A letter in Persian in which a man named Reza writes home.",
                 "Reza is mentioned again here."]
    ctx = ArticleContext(sentences)
    Entities().apply(ctx, source)
    DescribedFiles().apply(ctx, source)
    assert ctx.links[ID["persian"]].signals["described"] == 1.0
    assert ctx.claimed == {0: ID["persian"]}
    assert "described" not in ctx.links[ID["urdu"]].signals  # names alone describe no file
    assert ctx.is_silent(0, ID["urdu"], frozenset({"ur"}))  # sentence 0 is another file's
    assert not ctx.is_silent(1, ID["urdu"], frozenset({"ur"}))


def test_a_sentence_naming_one_language_is_silent_for_documents_in_others():
    ctx = ArticleContext(["An Urdu pamphlet about prices.", "Prices rose."])
    assert ctx.is_silent(0, "x", frozenset({"en"}))
    assert not ctx.is_silent(0, "x", frozenset({"ur"}))
    assert not ctx.is_silent(1, "x", frozenset({"en"}))


def test_semantic_layer_scores_the_passage_most_like_a_sentence_by_margin():
    filler = [Doc(f"Note {i}", [f"Routine note {i} about weather and roads and travel."])
              for i in range(6)]
    docs = {f"{i:016x}": d for i, d in enumerate(filler)}
    docs[ID["report"]] = Doc("Report", ["Weather was fine.",
                                        "Couriers lost memory cards and drives in transit."])
    ctx = run(Semantic(), FakeSource(docs), "Investigators say couriers lost memory cards "
                                            "and drives in transit.")
    best = max(ctx.links.values(), key=lambda link: link.signals["semantic"])
    assert best.doc_id == ID["report"] and best.page == 2
    passage = best.evidence["passage"]
    assert passage["text"].startswith("Couriers lost memory cards") and passage["margin"] > 0.05


def test_semantic_layer_skips_sentences_describing_another_file():
    docs = {ID["report"]: Doc("Report", ["Couriers lost memory cards and drives."]),
            ID["other"]: Doc("Other", ["Weather reports from the mountains."])}
    ctx = ArticleContext(["Couriers lost memory cards and drives."])
    ctx.claimed[0] = ID["other"]
    Semantic().apply(ctx, FakeSource(docs))
    assert ID["report"] not in ctx.links


def test_shared_phrases_need_a_rare_word_and_few_holders():
    docs = {f"{i:016x}": Doc(f"D{i}", ["the weather in the valley was mild"]) for i in range(5)}
    docs[ID["report"]] = Doc("Report", ["greetings", "the monotheism and jihad group met"])
    docs[ID["letter"]] = Doc("Letter", ["the weather in the valley was mild today"])
    ctx = ArticleContext(["They named it the Monotheism and Jihad Group, and the weather "
                          "in the valley was mild."])
    ctx.link(ID["report"])
    ctx.link(ID["letter"])
    SharedPhrases().apply(ctx, FakeSource(docs))
    report = ctx.links[ID["report"]]
    assert report.signals["phrases"] == 0.5 and report.page == 2
    assert report.evidence["phrases"] == ["the Monotheism and Jihad Group"]
    assert "phrases" not in ctx.links[ID["letter"]].signals  # common words only


def test_form_cues_weigh_rare_kinds_and_languages():
    docs = {f"{i:016x}": Doc(f"D{i}", ["x"], languages=frozenset({"ar"})) for i in range(3)}
    docs[ID["sheet"]] = Doc("Accounts", ["rice 10"], kind="spreadsheet",
                            languages=frozenset({"ur"}))
    ctx = ArticleContext(["An Urdu spreadsheet of the accounts."])
    ctx.link(ID["sheet"]).sentences.add(0)
    FormCues().apply(ctx, FakeSource(docs))
    signals = ctx.links[ID["sheet"]].signals
    assert signals["kind"] == pytest.approx((1 - 1 / 4) ** 2)
    assert signals["language"] == pytest.approx((1 - 1 / 4) ** 2)
    references = ctx.links[ID["sheet"]].evidence["references"]
    assert "it is written in Urdu, as the article says" in references


def test_attachments_follow_a_clearly_described_message():
    docs = {ID["mail"]: Doc("Mail", ["See attached."], kind="email"),
            ID["sheet"]: Doc("Sheet", ["rice"], kind="spreadsheet", parent=ID["mail"])}
    ctx = ArticleContext(["An e-mail attaching the December accounts."])
    mail = ctx.link(ID["mail"])
    mail.signals["described"], mail.sentences = 1.0, {0}
    Attachments().apply(ctx, FakeSource(docs))
    assert ctx.links[ID["sheet"]].signals == {"attached": 1.0}
    weak = ArticleContext(["An e-mail attaching the December accounts."])
    weak.link(ID["mail"]).sentences.add(0)  # pointed at by names only: no attachments
    Attachments().apply(weak, FakeSource(docs))
    assert ID["sheet"] not in weak.links


def test_page_counts_corroborate_candidates():
    docs = {ID["report"]: Doc("R", ["p"] * 19), ID["letter"]: Doc("L", ["p"] * 2)}
    ctx = ArticleContext(["A 19-page report, and another one."])
    ctx.link(ID["report"])
    ctx.link(ID["letter"])
    PageCounts().apply(ctx, FakeSource(docs))
    assert ctx.links[ID["report"]].signals == {"pages": 1.0}
    assert ctx.links[ID["letter"]].signals == {}
    assert page_counts("رسالة من 19 صفحة و صفحتين") == {19, 2}


def test_fusion_is_a_noisy_or_of_the_layers():
    link = Link("d", signals={"quote": 1.0})
    assert link.fuse() == pytest.approx(WEIGHTS["quote"])
    link.signals["semantic"] = 1.0
    assert link.fuse() > WEIGHTS["quote"]
    assert fuse({"pages": 1.0}) < THRESHOLD  # a page count alone never links
    assert rarity(1, 1000) == pytest.approx(1.0) and rarity(500, 1000) < 0.05


def test_link_article_runs_every_layer_and_ranks_best_first():
    docs = {ID["letter"]: Doc("To Salim", ["Brother Salim, the courier carried memory cards."],
                              paths=("letters/letter-042-en.txt",)),
            ID["other"]: Doc("Other", ["Weather in the valley."])}
    links = link_article(FakeSource(docs, ALIASES), "Salim's letter",
                         "The file letter-042-en.txt says \"the courier carried memory cards\".")
    assert links[0].doc_id == ID["letter"] and links[0].score >= THRESHOLD
    assert set(links[0].evidence["signals"]) >= {"file", "quote", "entities"}


@pytest.mark.parametrize(("arabic", "latin", "same"), [
    ("زاهدان", "Zahidan", True), ("حکیم‌الله", "Hakimullah", True), ("مصری", "Masri", True),
    ("الزبير", "Zubayr", True), ("عطیه", "Atiyah", True),
    ("كثيرا", "Khatir", False),  # "much": its long vowels are not where the name has them
    ("أفراد", "Friday", False)])
def test_names_are_recognised_across_scripts_by_consonants_and_long_vowels(arabic, latin, same):
    assert spellings_agree(arabic_spelling(arabic), latin_spelling(latin)) is same


def test_document_names_leave_out_words_written_in_lower_case_and_plurals():
    latin = document_names("Victory came. The brothers prayed for victory in Zahidan.", True)
    assert [w for spellings in latin.values() for w in spellings.values()] == ["Zahidan"]
    arabic = document_names("المسلمون في زاهدان", False)
    assert [w for spellings in arabic.values() for w in spellings.values()] == ["زاهدان"]


def test_spelled_names_reach_an_english_letter_from_a_persian_story():
    source = FakeSource({
        ID["letter"]: Doc("Letter", ["The coordinator in Zahidan handed Khalifah and Salim to "
                                     "us; Hamid will read it."]),
        ID["report"]: Doc("Report", ["Khartoum and Mogadishu were quiet this month."]),
        ID["other"]: Doc("Other", ["A market list."])})
    ctx = ArticleContext(["رابط آنها در زاهدان است و خلیفه و حامد را می‌فرستد."])
    for doc_id in (ID["letter"], ID["report"]):
        ctx.link(doc_id).signals["entities"] = 0.1
    SpelledNames().apply(ctx, source)
    letter = ctx.links[ID["letter"]]
    assert letter.signals["spelled"] > 0.5 and letter.sentences == {0}
    assert ["زاهدان", "Zahidan"] in letter.evidence["spelled"]
    assert "spelled" not in ctx.links[ID["report"]].signals
    said = [text for text, _ in plain_evidence(letter.evidence)]
    assert any(t.startswith("Both name, each in its own script,") and "زاهدان (Zahidan)" in t
               for t in said)


def test_entities_are_found_under_another_latin_spelling_of_the_name():
    aliases = AliasTable([
        Entity("hakimullah", "person", ("Hakimullah Mehsud", "حکیم‌الله محسود")),
        Entity("ttp", "organisation", ("Tahrik-e Taliban", "تحریک طالبان"))])
    source = FakeSource({
        ID["letter"]: Doc("To the emir", ["To Hakimullah ((Mahsud)), emir of Tahrik-e "
                                          "Taliban."]),
        ID["report"]: Doc("Report", ["Tahrik-e Taliban held a meeting."]),
        **{f"{i:016x}": Doc(f"D{i}", ["Nothing."]) for i in range(3)}}, aliases=aliases)
    ctx = run(Entities(), source, "نامه‌ای به حکیم‌الله محسود، امیر تحریک طالبان.")
    assert "hakimullah" in ctx.links[ID["letter"]].evidence["entities"]
    assert "hakimullah" not in ctx.links[ID["report"]].evidence["entities"]


def test_articles_are_read_without_spellings_that_fold_to_common_words():
    table = AliasTable([Entity("ali", "name", ("Ali", "علي")), *ALIASES.entities.values()])
    reading = article_table(table)
    assert table.entities_in("وقف على الباب") == ["ali"]  # "on" folds to "Ali"
    assert reading.entities_in("وقف على الباب") == []
    assert reading.entities_in("Ali met Salim") == ["ali", "salim"]


def test_semantic_layer_gives_no_passage_for_persian_or_urdu():
    docs = {ID["urdu"]: Doc("خط", ["بچوں کی تعلیم جاری ہے اور وہ اردو سیکھ رہے ہیں"],
                            languages=frozenset({"ur"})),
            **{f"{i:016x}": Doc(f"D{i}", [f"Routine note {i} on the weather."]) for i in range(4)}}
    ctx = run(Semantic(), FakeSource(docs), "بچوں کی تعلیم جاری ہے اور وہ اردو سیکھ رہے ہیں")
    assert ID["urdu"] not in ctx.links
    assert is_beyond_encoder("بچوں کی تعلیم") and not is_beyond_encoder("تعليم الأبناء")


def test_a_sentence_speaking_of_no_document_describes_no_file():
    docs = {f"{i:016x}": Doc(f"D{i}", ["Nothing named."]) for i in range(4)}
    source = FakeSource(docs | {
        ID["urdu"]: Doc("خط", ["رضا لکھتا ہے"], languages=frozenset({"ur"}))}, aliases=ALIASES)
    for sentence, described in (("Reza says his children now learn Urdu at school.", False),
                                ("A letter in Urdu in which Reza writes home.", True)):
        ctx = ArticleContext([sentence])
        Entities().apply(ctx, source)
        DescribedFiles().apply(ctx, source)
        assert ("described" in ctx.links[ID["urdu"]].signals) is described, sentence


def test_a_shared_phrase_made_of_a_name_only_is_no_phrase():
    docs = {f"{i:016x}": Doc(f"D{i}", ["weather"]) for i in range(5)}
    docs[ID["letter"]] = Doc("Letter", ["greetings from hamza bin laden to all"])
    ctx = ArticleContext(["A speech by Hamza bin Laden was aired."])
    ctx.link(ID["letter"])
    SharedPhrases().apply(ctx, FakeSource(docs, AliasTable(
        [Entity("hamza-bin-laden", "person", ("Hamza bin Laden",))])))
    assert "phrases" not in ctx.links[ID["letter"]].signals
