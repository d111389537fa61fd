"""A short piece of a result's text around the first matched word, as (text, matched) pieces.

Templates escape every piece and wrap matched ones in <mark>; nothing from the content is ever
passed through as HTML, so a post containing markup cannot inject any into the results page.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

WORD = re.compile(r"\w+")
Pieces = list[tuple[str, bool]]


def _stem(word: str) -> str:
    """Close enough to the engines' stemming to mark "gates" for "gate" and "crossings" for
    "crossing" without marking every word that shares a first letter."""
    return word if len(word) <= 4 else word[: max(4, len(word) - 3)]


def highlight(text: str, words: list[str], width: int = 220) -> Pieces:
    stems = [_stem(w.lower()) for w in words if w]
    hits = [m for m in WORD.finditer(text) if any(m.group().lower().startswith(s) for s in stems)]
    start = 0
    if hits and hits[0].start() > width // 3:
        start = text.rfind(" ", 0, hits[0].start() - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + width // 2)
    pieces: Pieces = [("…", False)] if start else []
    cursor = start
    for hit in hits:
        if hit.start() < start:
            continue
        if hit.end() > end:
            break
        if hit.start() > cursor:
            pieces.append((text[cursor : hit.start()], False))
        pieces.append((hit.group(), True))
        cursor = hit.end()
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces


def as_text(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


def as_html(pieces: Pieces) -> Markup:
    return Markup("").join(Markup("<mark>{}</mark>").format(t) if hit else escape(t) for t, hit in pieces)
