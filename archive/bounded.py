"""A least-recently-used cache of a fixed number of entries, for the readers' caches."""

from __future__ import annotations

from collections import OrderedDict


class Bounded(OrderedDict):
    """A least-recently-used cache holding at most `size` entries."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value
