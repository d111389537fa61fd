"""Markdown is rendered and then sanitized with an allowlist."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.forum.markdown import excerpt, quote, render


@pytest.mark.parametrize(
    "source,forbidden",
    [
        ("<script>alert(1)</script>", r"<script"),
        ("<img src=x onerror=alert(1)>", r"<img"),
        ("[x](javascript:alert(1))", r'href="javascript'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", r'href="data'),
        ("![tracker](https://evil.example/pixel.png)", r"<img"),
        ('<a href="https://e.org" onclick="x()">x</a>', r"<[^>]*onclick"),
        ("<iframe src=https://evil.example></iframe>", r"<iframe"),
        ('<div style="position:fixed">x</div>', r"<[^>]*style="),
    ],
)
def test_dangerous_markup_is_removed(source, forbidden):
    assert not re.search(forbidden, render(source).html)


def test_links_get_rel_nofollow_noopener_noreferrer():
    html = render("[site](https://example.org)").html
    assert 'rel="nofollow noopener noreferrer"' in html and 'href="https://example.org"' in html


def test_markdown_features_survive():
    html = render(
        "# Title\n\n**b** _i_ ~~s~~ `c`\n\n> quote\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |"
    ).html
    for tag in ("<h1>", "<strong>", "<em>", "<s>", "<code>", "<blockquote>", "<ul>", "<table>"):
        assert tag in html, tag


def test_mentions_are_found_outside_code_only():
    rendered = render("Hi @ana_h and @bob, not `@carl` nor mail@example.org")
    assert rendered.mentions == ("ana_h", "bob")
    assert '<span class="mention">@ana_h</span>' in rendered.html


def test_quote_and_excerpt():
    assert quote("ana", "line one\n\nline two") == "> @ana wrote:\n> line one\n>\n> line two\n\n"
    assert excerpt("**Bold** <b>tag</b> & [link](https://x.org)") == "Bold <b>tag</b> & link"
    assert excerpt("word " * 100, 20).endswith("…") and len(excerpt("word " * 100, 20)) <= 20


@given(st.text(max_size=500))
def test_rendering_any_text_is_safe(source):
    html = render(source).html
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.I)
    assert not re.search(r"""href=["']?\s*(javascript|data|vbscript):""", html, re.I)


def test_articles_render_tables_footnotes_quotes_and_code_and_nothing_active():
    from app.forum.markdown import render_article

    source = (
        "## Method\n\nCounted by hand[^1].\n\n| Crossing | Cars |\n|---|---|\n| Bajakovo | 4100 |\n\n"
        "> Quoted from the field log.\n\n```\nselect 1;\n```\n\n## Method\n\n"
        '<script>alert(1)</script> <a href="javascript:x">x</a> <img src=x onerror=y>\n\n[^1]: Two observers.\n'
    )
    rendered = render_article(source)
    for fragment in (
        "<table>",
        "<td>Bajakovo</td>",
        "<blockquote>",
        "<pre><code>select 1;",
        'class="footnotes"',
    ):
        assert fragment in rendered.html, fragment
    assert [h.anchor for h in rendered.headings] == ["sec-method", "sec-method-1"], (
        "repeated headings stay unique"
    )
    for active in ("<script", "<img", '<a href="javascript'):
        assert active not in rendered.html, active
