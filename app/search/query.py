"""What people type into the search box, read into words, phrases and words to leave out.

Nothing typed here ever reaches SQL or an FTS expression as syntax: each engine turns the parsed
pieces into its own query with every word bound or quoted, so operator characters and quotes are
only ever text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.errors import InvalidInput

MAX_LENGTH = 200
MAX_PIECES = 12
WORD = re.compile(r"\w+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# Words too common to narrow a search on their own; both engines would otherwise disagree (the
# PostgreSQL English configuration drops them, FTS5 keeps them).
STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have he her his i in is it its of on or our she "
    "that the their them they this to was we were what when where which who will with you your".split()
)


class QueryRefused(InvalidInput):
    """A query we cannot run, with the reason shown to the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="q")


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def highlights(self) -> list[str]:
        """The words a result is expected to contain, for marking them in snippets."""
        words = [w for piece in [*self.terms, *self.phrases] for w in WORD.findall(piece.lower())]
        return [w for w in dict.fromkeys(words) if w not in STOP_WORDS]


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def parse(text: str) -> ParsedQuery:
    """Several words must all match; "a phrase" matches those words in order; -word leaves out
    results containing it. Pieces keep their own spelling ("e-gates"), which each engine's parser
    splits the same way it split the indexed text. An unclosed quote runs to the end. Raises
    QueryRefused with a message for people when there is nothing to search for."""
    text = CONTROL.sub(" ", text).strip()
    if len(text) > MAX_LENGTH:
        raise QueryRefused(f"Search for at most {MAX_LENGTH} characters.")
    query = ParsedQuery()
    for match in PIECE.finditer(text):
        negated = bool(match.group(1) or match.group(3))
        quoted = match.group(2) is not None
        piece = " ".join((match.group(2) if quoted else match.group(4)).split())
        words = _words(piece)
        if not words:
            continue
        if negated:
            query.excluded.append(piece)
        elif quoted and len(words) > 1:
            query.phrases.append(piece)
        else:
            query.terms.append(piece)
    if len(query.terms) + len(query.phrases) + len(query.excluded) > MAX_PIECES:
        raise QueryRefused(f"Use at most {MAX_PIECES} words or phrases.")
    if not query.terms and not query.phrases:
        if query.excluded:
            raise QueryRefused("Add a word to search for, not only words to leave out.")
        raise QueryRefused("Type a word to search for.")
    if not query.highlights:
        raise QueryRefused("Search for something more specific than common words such as “the”.")
    return query


def prefix_of(text: str) -> tuple[list[str], str] | None:
    """For suggestions while typing: the finished words, and the one being typed (matched as a
    prefix). None when there is nothing worth looking up yet."""
    words = _words(CONTROL.sub(" ", text[:MAX_LENGTH]))[:MAX_PIECES]
    if not words or len(words[-1]) < 2 and len(words) == 1:
        return None
    *done, typing = words
    return [w for w in done if w not in STOP_WORDS], typing
