"""Text: a Markdown subset rendered to sanitised HTML (nh3), with @mentions linked.

Posts and comments store the HTML next to the text; every write of a body goes through ``render``
(the services, and the admin through them), so the two never disagree."""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from parkos.community.services.posts.mentions import MENTION_RE, Mentions

_md = (
    MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    .disable(["image", "heading", "lheading", "html_block", "html_inline", "reference", "hr"])
)
_ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre"}


def _text(content: str) -> Token:
    t = Token("text", "", 0)
    t.content = content
    return t


def _link_mentions(tokens: list[Token], mentions: Mentions) -> set[str]:
    used: set[str] = set()
    for tok in tokens:
        if tok.type != "inline" or not tok.children:
            continue
        out: list[Token] = []
        in_link = 0
        for child in tok.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if child.type != "text" or in_link or "@" not in child.content:
                out.append(child)
                continue
            text, pos = child.content, 0
            for m in MENTION_RE.finditer(text):
                if m.start() < pos:
                    continue
                hit = mentions.resolve(m.group(1))
                if hit is None:
                    continue
                name, url = hit
                if m.start() > pos:
                    out.append(_text(text[pos:m.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": url, "class": "mention"}
                out.extend([link, _text("@" + name), Token("link_close", "a", -1)])
                used.add(name)
                pos = m.start() + 1 + len(name)
            if pos < len(text):
                out.append(_text(text[pos:]))
        tok.children = out
    return used


def render(text: str, mentions: Mentions | None = None) -> tuple[str, set[str]]:
    """Markdown subset → sanitised HTML (links get rel="nofollow noopener"), and the names linked."""
    env: dict[str, Any] = {}
    tokens = _md.parse(text, env)
    used = _link_mentions(tokens, mentions) if mentions else set()
    html = _md.renderer.render(tokens, _md.options, env)
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title", "class"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")
    return clean, used
