"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allowlist.

Raise RENDER_VERSION whenever the allowlist or the rendering changes; `liaison forum rerender`
then re-renders every stored post from its source.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markdown_it.rules_inline import StateInline

RENDER_VERSION = 1
HANDLE = re.compile(r"[a-z0-9_]{2,40}")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"span": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: tuple[str, ...]


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """`@handle` after a space or at the start becomes a mention; never inside code or links."""
    pos = state.pos
    if state.src[pos] != "@" or (
        pos > 0 and not state.src[pos - 1].isspace() and state.src[pos - 1] not in "(["
    ):
        return False
    match = HANDLE.match(state.src, pos + 1)
    if not match:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0)
    state.pos = match.end()
    return True


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule(
        "mention",
        lambda self, tokens, idx, options, env: f'<span class="mention">@{tokens[idx].content}</span>',
    )
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    """No remote images (they track readers); the picture stays one click away."""
    token = tokens[idx]
    label = escape_html(token.content or "image")
    href = escape_html(str(token.attrGet("src") or ""))
    return f'<a href="{href}">[image: {label}]</a>'


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(source: str) -> Rendered:
    md = _parser()
    tokens = md.parse(source)
    mentions: list[str] = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "mention" and child.content not in mentions:
                mentions.append(child.content)
    return Rendered(html=sanitize(md.renderer.render(tokens, md.options, {})), mentions=tuple(mentions))


def quote(author_username: str, source: str) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in source.strip().splitlines())
    return f"> @{author_username} wrote:\n{quoted}\n\n"


def excerpt(source: str, length: int = 200) -> str:
    """Plain text for previews and e-mail: no markup survives."""
    text = html.unescape(nh3.clean(_parser().render(source), tags=set()))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
