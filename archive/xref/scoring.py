"""How a link's evidence becomes one score: the layers' weights and their noisy-OR fusion."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

THRESHOLD = 0.45  # set on the judged sample news: a link is shown from here
STORED_MIN = 0.05  # candidates scoring less are not kept
# How much a layer's full strength says on its own (noisy-OR: 1 - prod(1 - w * s)).
WEIGHTS = {"id": 0.99, "file": 0.9, "quote": 0.85, "entities": 0.55, "semantic": 0.55,
           "pages": 0.25, "kind": 0.35, "language": 0.35, "described": 0.5, "phrases": 0.6,
           "attached": 0.5, "spelled": 0.5}


@dataclass
class Link:
    """A suggested link from an article to a document, with its evidence."""

    doc_id: str
    score: float = 0.0
    page: int | None = None
    evidence: dict = field(default_factory=dict)
    signals: dict = field(default_factory=dict)  # layer -> strength in [0, 1]
    sentences: set = field(default_factory=set)  # article sentences that point at it

    def fuse(self) -> float:
        """Set and return the score: the noisy-OR of the weighted signals."""
        self.score = fuse(self.signals)
        return self.score

    def add_reference(self, text: str) -> None:
        self.evidence.setdefault("references", []).append(text)


def fuse(signals: dict[str, float]) -> float:
    """The noisy-OR of the layers' strengths, each capped at 1 and weighted by WEIGHTS."""
    miss = 1.0
    for layer, strength in signals.items():
        miss *= 1 - WEIGHTS[layer] * min(1.0, strength)
    return round(1 - miss, 4)


def either(a: float, b: float) -> float:
    """Noisy-OR of two strengths: many weak signals add up to less than a few strong ones."""
    return 1 - (1 - a) * (1 - b)


def rarity(found_in: int, total: int) -> float:
    """In [0, 1]: a word or name found in one document counts fully, one found in many
    hardly at all (squared, so that common ones fade fast)."""
    total = max(1, total)
    return (math.log(1 + total / max(1, found_in)) / math.log(1 + total)) ** 2


def share_rarity(count: int, total: int) -> float:
    """How rare a kind or language held by `count` of `total` documents is, squared (a kind
    half the archive has gets 0.25)."""
    return (1 - count / max(1, total)) ** 2
