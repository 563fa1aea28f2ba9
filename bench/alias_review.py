"""Review the alias table for collisions: one-word spellings whose index term (folded and
stemmed, as the search engine matches it) is also the term of other, common words.

A spelling like فارس (Persia, for Iran) shares its stem with فارسی (the Persian language),
so "Iran" would bring up every Persian school letter. For each one-word spelling this lists
the other surface words of the same term found in real text (the corpus generator's
Arabic, Persian, Urdu and English sentence pools, the sample collection and the CTC
letters), most frequent first, so a person can decide: drop the spelling, or keep it only
inside a longer one. Multi-word spellings are searched as phrases and are not listed, nor
are concepts, which never widen a query.

    .venv/bin/python bench/alias_review.py [--min 3] [--text FOLDER ...]

Exit code 1 when a spelling collides with a word seen at least --min times that is not one
of its entity's spellings (nor the spelling with a one-letter proclitic or a suffix the
stemmer removes); the table was reviewed with this script and such spellings removed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.aliases import PROCLITICS, QUERY_KINDS, load_aliases  # noqa: E402
from archive.analysis import TOKEN_PATTERN, fold, fold_and_stem  # noqa: E402

SHARED = ROOT.parent / "shared"
DEFAULT_TEXT = [SHARED / "corpus-generator" / "pools", ROOT / "sample_docs" / "release",
                SHARED / "corpus" / "ctc-letters-from-abbottabad-2012" / "text"]
# Endings that keep a word the same name: case, possessive, plural of a people's name.
SAME_NAME_ENDINGS = ("", "'s", "s", "ي", "يه", "يون", "يين", "ين", "ها", "ه", "ان")


def words_of(folders: list[Path]) -> Counter:
    import re

    token = re.compile(TOKEN_PATTERN)
    counts: Counter = Counter()
    for folder in folders:
        if not folder.is_dir():
            print(f"# skipped {folder}: not found", file=sys.stderr)
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".html", ".md", ""):
                text = path.read_text(encoding="utf-8", errors="replace")
                counts.update(fold(w) for w in token.findall(text))
    return counts


def same_name(word: str, spellings: set[str]) -> bool:
    """Whether a word is one of the spellings, with a proclitic or an ending at most."""
    bare = word[1:] if len(word) > 3 and word[0] in PROCLITICS else word
    for candidate in (word, bare, bare[2:] if bare.startswith("ال") else bare):
        for spelling in spellings:
            if any(candidate == spelling + end for end in SAME_NAME_ENDINGS):
                return True
            if spelling.startswith("ال") and candidate == spelling[2:]:
                return True
    return False


def collisions(counts: Counter, minimum: int) -> dict[str, list[tuple[str, str, int]]]:
    """entity -> (spelling, colliding word, count) for its one-word spellings."""
    by_term: dict[str, Counter] = defaultdict(Counter)
    for word, n in counts.items():
        by_term[fold_and_stem(word)][word] += n
    table = load_aliases()
    found: dict[str, list[tuple[str, str, int]]] = {}
    for entity in table.entities.values():
        if entity.kind not in QUERY_KINDS:
            continue  # concepts never widen a query
        folded = {fold(s) for s in entity.spellings}
        for spelling in entity.spellings:
            if " " in spelling or "-" in spelling or spelling.isupper():
                continue
            for word, n in by_term.get(fold_and_stem(spelling), Counter()).most_common():
                if n >= minimum and not same_name(word, folded):
                    found.setdefault(entity.entity_id, []).append((spelling, word, n))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=int, default=3,
                        help="count a colliding word seen this often (default 3)")
    parser.add_argument("--text", type=Path, nargs="*", default=DEFAULT_TEXT,
                        help="folders of real text to read (default: the pools, the sample, "
                             "the CTC letters)")
    args = parser.parse_args(argv)
    counts = words_of(args.text)
    print(f"{sum(counts.values()):,} words, {len(counts):,} distinct, read")
    found = collisions(counts, args.min)
    for entity_id, rows in sorted(found.items()):
        for spelling, word, n in rows:
            print(f"{entity_id}\t{spelling}\tshares its index term with\t{word}\t({n}×)")
    print(f"{sum(len(r) for r in found.values())} collisions in {len(found)} entities")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
