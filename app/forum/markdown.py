"""Markdown to safe HTML: markdown-it-py renders, nh3 keeps only an allowlist.

Posts and comments use the forum dialect; articles add footnotes and heading anchors (for their
table of contents). Raise RENDER_VERSION whenever the allowlist or the rendering changes;
`liaison forum rerender` then re-renders every stored post, article and comment from its source.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markdown_it.rules_inline import StateInline

RENDER_VERSION = 1
WORDS_PER_MINUTE = 220
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
ARTICLE_TAGS = ALLOWED_TAGS | {"section", "sup"}
ARTICLE_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "h2": {"id"},
    "h3": {"id"},
    "a": {"href", "title", "id"},
    "li": {"id"},
}
ARTICLE_CLASSES = {
    **ALLOWED_CLASSES,
    "sup": {"footnote-ref"},
    "a": {"footnote-backref"},
    "li": {"footnote-item"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "hr": {"footnotes-sep"},
}
# Ids from content could shadow the page's own elements (DOM clobbering): only ours survive.
ARTICLE_ID = re.compile(r"(sec-[a-z0-9-]{1,80}|fn\d{1,4}|fnref\d{1,4}(:\d{1,4})?)")
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


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class RenderedArticle:
    html: str
    headings: tuple[Heading, ...]
    reading_minutes: int


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "sec-" + ("-".join(words)[:80].strip("-") or "section")


@lru_cache(maxsize=1)
def _article_parser() -> MarkdownIt:
    from mdit_py_plugins.anchors import anchors_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(anchors_plugin, min_level=2, max_level=3, slug_func=_slug)
    md.add_render_rule("image", _image_as_link)
    return md


def _plain(children: Any) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline")).strip()


def _keep_article_id(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not ARTICLE_ID.fullmatch(value):
        return None
    return value


def render_article(source: str) -> RenderedArticle:
    md = _article_parser()
    tokens = md.parse(source)
    headings = tuple(
        Heading(int(token.tag[1]), str(token.attrGet("id")), _plain(tokens[i + 1].children or ()))
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.attrGet("id")
    )
    html_out = nh3.clean(
        md.renderer.render(tokens, md.options, {}),
        tags=ARTICLE_TAGS,
        attributes=ARTICLE_ATTRIBUTES,
        allowed_classes=ARTICLE_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_keep_article_id,
    )
    words = len(re.findall(r"\w+", source))
    return RenderedArticle(html_out, headings, max(1, -(-words // WORDS_PER_MINUTE)))


STORED_HEADING = re.compile(r'<h([23]) id="(sec-[a-z0-9-]+)">(.*?)</h\1>', re.S)


def headings_of(stored_html: str) -> tuple[Heading, ...]:
    """The table of contents, read back from an article's stored (already sanitized) HTML rather
    than by rendering its Markdown again on every view."""
    return tuple(
        Heading(int(level), anchor, html.unescape(nh3.clean(inner, tags=set())).strip())
        for level, anchor, inner in STORED_HEADING.findall(stored_html)
    )


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


def plain_text(source: str) -> str:
    """The words of a Markdown text with no markup left: for previews, e-mail and the search index."""
    text = html.unescape(nh3.clean(_parser().render(source), tags=set()))
    return re.sub(r"\s+", " ", text).strip()


def excerpt(source: str, length: int = 200) -> str:
    text = plain_text(source)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
