"""Which language a reader wants labels in: ``?lang=`` first, then ``Accept-Language``, then English.

The answer is a *chain* of language ranges in preference order (BCP 47 lookup, RFC 4647 section 3.4):
each requested range is followed by its truncations, so ``zh-CN`` falls back to ``zh``, and a range matches
a tag that equals it or starts with it and a hyphen, so ``zh`` finds the ``zh-hans`` names the store holds
(it lower-cases tags). A label in none of the chain's languages is still shown, after untagged ones:
every thing keeps a name whatever the reader asked for. Only the labels follow the chain; the site's own
words stay English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from werkzeug.datastructures import LanguageAccept, MultiDict

DEFAULT_LANGUAGE: Final = "en"
MAX_RANGES: Final = 6  # requested ranges kept (a header can list dozens)
RANGE: Final = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")


@dataclass(frozen=True)
class Languages:
    """Language ranges in preference order, lower-case, ending with the default language."""

    chain: tuple[str, ...] = (DEFAULT_LANGUAGE,)

    @property
    def primary(self) -> str:
        """The language a page is in when its labels follow the chain: the first range asked for."""
        return self.chain[0]

    @property
    def is_default(self) -> bool:
        return self.chain == (DEFAULT_LANGUAGE,)

    def rank(self, tag: str | None) -> int:
        """Where a literal's language tag stands: its range's place in the chain, then untagged, then any."""
        if not tag:
            return len(self.chain)
        tag = tag.lower()
        for place, wanted in enumerate(self.chain):
            if tag == wanted or tag.startswith(wanted + "-"):
                return place
        return len(self.chain) + 1

    def prefers(self, tags: frozenset[str]) -> bool:
        """Whether a label in one of ``tags`` would outrank English here (so the English page will not do)."""
        english = self.rank(DEFAULT_LANGUAGE)
        return any(self.rank(tag) < english for tag in tags)


ENGLISH: Final = Languages()


def requested(args: MultiDict[str, str], accept: LanguageAccept) -> Languages:
    """The chain for one request: ``?lang=de`` (or ``de,zh``) before ``Accept-Language`` by quality."""
    ranges = [r for value in args.getlist("lang") for r in value.split(",")]
    ranges += [value for value, quality in accept if quality > 0]
    return chain_of(ranges)


def chain_of(ranges: list[str]) -> Languages:
    """Valid ranges (malformed ones and ``*`` are ignored), each followed by its truncations, then English."""
    chain: list[str] = []
    for text in ranges[:MAX_RANGES]:
        cleaned = text.strip().lower().replace("_", "-")
        if not RANGE.fullmatch(cleaned):
            continue
        parts = cleaned.split("-")
        chain.extend("-".join(parts[:n]) for n in range(len(parts), 0, -1))
    chain.append(DEFAULT_LANGUAGE)
    return Languages(tuple(dict.fromkeys(chain)))
