"""The share poster of a member's year report: a 1080×1920 PNG drawn on the server with Pillow, in the
park's colours, with the figures the member chose (or the warm short version), the keyword and tags, and a
QR code to the park's public page.

Two steps, so that what is drawn can be checked without reading pixels: ``poster_content`` gathers every
text in the active language (all of it worded by ``insights.presenting``), ``poster_layout`` places each
text measured with the real font (a long name shrinks, then wraps, then ends in "…": nothing overflows),
and ``poster_render`` draws the layout. The same content gives the same bytes, so its digest is the
image's ETag.

The font is a file on the server, never downloaded at run time: ``PARKOS_POSTER_FONT``, else the first of
Debian's CJK fonts that is installed (``make demo`` and ``make test`` install fonts-wqy-microhei). Without
one the poster cannot be drawn and says so (``PosterFontMissing``)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageDraw, ImageFont

from parkos.core.errors import DomainError, ErrorCode
from parkos.insights import presenting
from parkos.insights.models import YearReport

WIDTH, HEIGHT = 1080, 1920
MARGIN = 72
CONTENT = WIDTH - 2 * MARGIN
MAX_LINES_SHOWN = 8

# Debian's CJK fonts, in order of preference, each with the face of Simplified Chinese inside a collection
# (Noto's .ttc holds JP, KR, SC, TC, HK in that order).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # fonts-noto-cjk
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)


class PosterFontMissing(DomainError):
    code = ErrorCode.SERVER_ERROR
    status = 503
    default_message = gettext_lazy(
        "The poster cannot be drawn: the server has no Chinese font. Install Debian's fonts-wqy-microhei "
        "(make demo does it), or name a font file in PARKOS_POSTER_FONT.")


def poster_font() -> tuple[str, int]:
    """The font file (and face index) the poster is drawn with; PosterFontMissing when there is none."""
    configured = str(getattr(settings, "POSTER_FONT", "") or "")
    candidates = ((configured, 0),) if configured else FONT_CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    raise PosterFontMissing()


def poster_font_available() -> bool:
    try:
        poster_font()
    except PosterFontMissing:
        return False
    return True


@lru_cache(maxsize=64)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=index, layout_engine=ImageFont.Layout.BASIC)


# --- what the poster says ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PosterLine:
    key: str
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class PosterContent:
    """Every text and colour on the poster, already in the poster's language."""

    language: str
    park: str
    brand: str
    accent: str
    year: str
    title: str
    name: str
    keyword_label: str = ""
    keyword: str = ""
    reason: str = ""
    tags: tuple[str, ...] = ()
    lines: tuple[PosterLine, ...] = ()
    short: str = ""
    qr_url: str = ""
    qr_caption: str = ""
    qr_hint: str = ""  # the address's host, under the caption

    @property
    def digest(self) -> str:
        """Identifies the image: the same content draws the same bytes (with the same font)."""
        font = poster_font() if poster_font_available() else ("", 0)
        raw = json.dumps([asdict(self), font, WIDTH, HEIGHT, POSTER_VERSION], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


# Bump when the drawing changes, so cached posters (ETags) are drawn again.
POSTER_VERSION = 1


def poster_lines(report: YearReport, fields: list[str] | tuple[str, ...] | None = None) -> list[presenting.FigureLine]:
    """The figure lines the poster shows: the chosen ones that have data, in display order. When none of
    the chosen has data (a choice made before a figure was recomputed), the default choice's."""
    available = presenting.figure_lines(report)
    chosen = list(fields if fields is not None else (report.poster_fields or presenting.POSTER_DEFAULT))
    lines = [line for line in available if line.key in chosen]
    if not lines:
        lines = [line for line in available if line.key in presenting.POSTER_DEFAULT] or available
    return lines[:MAX_LINES_SHOWN]


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def poster_content(*, report: YearReport, qr_url: str, fields: list[str] | tuple[str, ...] | None = None,
                   language: str | None = None) -> PosterContent:
    """What the poster of ``report`` says, in ``language`` (default: the active one)."""
    from parkos.core.parks import park_colours

    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        park = report.park
        colours = park_colours(park)
        short = presenting.is_short(report)
        keyword = presenting.keyword_view(report)
        lines = () if short else tuple(PosterLine(line.key, line.label, line.value, line.note)
                                       for line in poster_lines(report, fields))
        park_name = park.display_name(language)
        return PosterContent(
            language=language, park=park_name, brand=colours["brand"], accent=colours["accent"],
            year=str(report.year), title=_("My year in the park"), name=presenting.display_name(report.user),
            keyword_label=str(_("Keyword of the year")) if keyword else "",
            keyword=keyword["word"] if keyword else "", reason=keyword["reason"] if keyword else "",
            tags=tuple(t["word"] for t in keyword["tags"]) if keyword else (),
            lines=lines, short=presenting.short_message(report) if short else "",
            qr_url=qr_url, qr_caption=_("Scan to visit %(park)s") % {"park": park_name},
            qr_hint=urlsplit(qr_url).netloc,
        )


# --- where each text goes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placed:
    """One line of text on the poster and its measured box (left, top, right, bottom)."""

    role: str
    text: str
    xy: tuple[int, int]
    size: int
    fill: tuple[int, int, int]
    box: tuple[int, int, int, int]
    bold: bool = False


@dataclass(frozen=True)
class Shape:
    kind: str  # "rect" (rounded), "ellipse", "qr"
    box: tuple[int, int, int, int]
    fill: tuple[int, int, int]
    radius: int = 0


@dataclass
class Layout:
    texts: list[Placed] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # figure lines left out for want of room

    def role(self, role: str) -> list[Placed]:
        return [t for t in self.texts if t.role == role]


# A Latin word (with what follows it up to the next space) is one token; any other character is one.
_TOKEN = re.compile(r"[0-9A-Za-z\u00c0-\u024f'’.,:;!?%+\-/@&()¥$€#]+\s*|\s+|.", re.S)
# Characters a line may not start with (Chinese line-breaking rules): they go with the previous character.
_NO_LINE_START = set("，。、；：！？）》」』】〉”’…,.;:!?)%")


class _Measure:
    def __init__(self, path: str, index: int) -> None:
        self.path, self.index = path, index

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        return _font(self.path, self.index, size)

    def width(self, text: str, size: int, bold: bool = False) -> float:
        return float(self.font(size).getlength(text)) + (2 * _stroke(size) if bold else 0)

    def ellipsize(self, text: str, size: int, width: int, bold: bool = False) -> str:
        if self.width(text, size, bold) <= width:
            return text
        while text and self.width(text.rstrip() + "…", size, bold) > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def wrap(self, text: str, size: int, width: int, max_lines: int, bold: bool = False) -> list[str]:
        """``text`` in lines no wider than ``width``: Latin text breaks between words, Chinese between
        characters (never before a closing mark); a word too long for a line is cut; past ``max_lines`` the
        last line ends in "…"."""
        lines: list[str] = []
        current = ""
        for token in _TOKEN.findall(" ".join(text.split())):
            if not current and token.isspace():
                continue
            if self.width((current + token).rstrip(), size, bold) <= width:
                current += token
                continue
            if current:
                if token[0] in _NO_LINE_START and len(current) > 1 and not current[-1].isspace():
                    token, current = current[-1] + token, current[:-1]
                lines.append(current.rstrip())
                current = token.lstrip()
            else:
                current = token
            while self.width(current.rstrip(), size, bold) > width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and self.width(current[:cut], size, bold) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        if current.strip():
            lines.append(current.rstrip())
        if len(lines) > max_lines:
            rest = " ".join(lines[max_lines - 1:]) if _is_latin(lines[max_lines - 1]) else "".join(lines[max_lines - 1:])
            lines = [*lines[:max_lines - 1], self.ellipsize(rest + "…", size, width, bold)]
        return lines


def _is_latin(text: str) -> bool:
    return all(ord(c) < 0x2E80 for c in text)


def _stroke(size: int) -> int:
    # Faux bold: the CJK fonts Debian ships in one weight are thickened by a stroke of their own colour.
    return max(1, size // 40)


def _on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """White text on a dark colour, ink on a light one (an operator may pick a pale brand colour)."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (255, 255, 255) if (1.05 / (luminance + 0.05)) >= 3.0 else (26, 32, 44)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


INK, MUTED, WHITE = (26, 32, 44), (94, 104, 120), (255, 255, 255)
QR_SIZE = 220
FOOTER_TOP = HEIGHT - 300
BODY_BOTTOM = FOOTER_TOP - 36


@dataclass(frozen=True)
class _Density:
    """How tightly the poster is set: the first density at which every chosen figure fits is used."""

    year: int
    names: tuple[int, ...]
    keywords: tuple[int, ...]
    reason_lines: int
    values: tuple[int, ...]
    note_lines: int
    card_pad: int


DENSITIES = (
    _Density(176, (72, 64, 56, 48), (132, 112, 96, 80), 2, (60, 52, 44, 36), 2, 28),
    _Density(128, (64, 56, 48), (96, 80, 64), 1, (52, 46, 40, 34), 2, 20),
    _Density(128, (60, 52, 44), (96, 80, 64), 1, (50, 44, 38, 32), 1, 20),
    _Density(128, (60, 52, 44), (96, 80, 64), 1, (50, 44, 38, 32), 0, 18),
)


class _Builder:
    def __init__(self, content: PosterContent, measure: _Measure, density: _Density) -> None:
        self.c, self.m, self.d, self.layout = content, measure, density, Layout()
        self.brand, self.accent = _hex(content.brand), _hex(content.accent)
        # A brand colour too pale to read on white is darkened for the figures.
        self.brand_ink = self.brand if _on(self.brand) == WHITE else _mix(self.brand, INK, 0.6)

    def text(self, role: str, text: str, x: int, y: int, size: int, fill: tuple[int, int, int], *,
             bold: bool = False) -> int:
        """Places one line with its top-left at (x, y); returns the y below it (line height 1.3)."""
        font = self.m.font(size)
        stroke = _stroke(size) if bold else 0
        left, top, right, bottom = (round(v) for v in font.getbbox(text, anchor="la", stroke_width=stroke))
        self.layout.texts.append(Placed(role, text, (x, y), size, fill, (x + left, y + top, x + right, y + bottom), bold))
        return y + round(size * 1.3)

    def lines(self, role: str, lines: list[str], x: int, y: int, size: int, fill: tuple[int, int, int], *,
              bold: bool = False, centre_in: int = 0) -> int:
        for line in lines:
            lx = x + (centre_in - round(self.m.width(line, size, bold))) // 2 if centre_in else x
            y = self.text(role, line, lx, y, size, fill, bold=bold)
        return y

    def fit(self, text: str, width: int, sizes: tuple[int, ...], *, max_lines: int = 2,
            bold: bool = False) -> tuple[int, list[str]]:
        """The largest size at which ``text`` fits one line; else the smallest, wrapped (and cut with "…")."""
        for size in sizes:
            if self.m.width(text, size, bold) <= width:
                return size, [text]
        size = sizes[-1]
        return size, self.m.wrap(text, size, width, max_lines, bold)

    def shift(self, since: tuple[int, int], dy: int) -> None:
        """Moves what was placed after ``since`` (texts, shapes) down by ``dy``."""
        texts, shapes = since
        self.layout.texts[texts:] = [
            Placed(t.role, t.text, (t.xy[0], t.xy[1] + dy), t.size, t.fill,
                   (t.box[0], t.box[1] + dy, t.box[2], t.box[3] + dy), t.bold) for t in self.layout.texts[texts:]]
        self.layout.shapes[shapes:] = [
            Shape(s.kind, (s.box[0], s.box[1] + dy, s.box[2], s.box[3] + dy), s.fill, s.radius)
            for s in self.layout.shapes[shapes:]]

    def mark(self) -> tuple[int, int]:
        return len(self.layout.texts), len(self.layout.shapes)

    # --- the parts -------------------------------------------------------------------------------------

    def header(self) -> int:
        c, d, on = self.c, self.d, _on(self.brand)
        soft = _mix(self.brand, on, 0.12)
        # Decoration first, under the texts: two soft circles at the band's right.
        band = len(self.layout.shapes)
        self.layout.shapes += [Shape("ellipse", (WIDTH - 420, -260, WIDTH + 260, 420), soft),
                               Shape("ellipse", (WIDTH - 250, 250, WIDTH + 90, 590), _mix(self.brand, on, 0.07))]
        y = 84
        y = self.lines("park", self.m.wrap(c.park, 38, CONTENT, 1), MARGIN, y, 38, _mix(self.brand, on, 0.85))
        y = self.text("year", c.year, MARGIN - 6, y + 4, d.year, on, bold=True)
        size, title = self.fit(c.title, CONTENT, (48, 40, 34))
        y = self.lines("title", title, MARGIN, y, size, on) + 20
        size, name = self.fit(c.name, CONTENT, d.names, max_lines=2, bold=True)
        y = self.lines("name", name, MARGIN, y, size, on, bold=True)
        bottom = y + 36
        self.layout.shapes.insert(band, Shape("rect", (0, 0, WIDTH, bottom), self.brand))
        # The circles end with the band: the body's background covers what hangs below it.
        self.layout.shapes.append(Shape("rect", (0, bottom, WIDTH, HEIGHT), self.accent))
        return bottom

    def keyword(self, y: int) -> int:
        c, d = self.c, self.d
        inner = CONTENT - 2 * 48
        top, card = y, len(self.layout.shapes)
        y += 40
        y = self.text("keyword_label", c.keyword_label, MARGIN + 48, y, 32, MUTED)
        size, word = self.fit(c.keyword, inner, d.keywords, max_lines=2, bold=True)
        y = self.lines("keyword", word, MARGIN + 48, y, size, self.brand_ink, bold=True)
        if c.reason:
            y = self.lines("reason", self.m.wrap(c.reason, 32, inner, d.reason_lines), MARGIN + 48, y + 4, 32, INK)
        if c.tags:
            y = self.tag_pills(list(c.tags), MARGIN + 48, y + 16, inner)
        bottom = y + 40
        self.layout.shapes.insert(card, Shape("rect", (MARGIN - 12, top, WIDTH - MARGIN + 12, bottom), WHITE, 36))
        return bottom

    def tag_pills(self, tags: list[str], x0: int, y: int, width: int) -> int:
        size, pad, gap, height = 30, 26, 14, 58
        x, rows = x0, 1
        font = self.m.font(size)
        ascent, descent = font.getmetrics()
        for tag in tags:
            text = self.m.ellipsize(tag, size, width - 2 * pad)
            w = round(self.m.width(text, size)) + 2 * pad
            if x > x0 and x + w > x0 + width:
                if rows == 2:
                    break
                x, y, rows = x0, y + height + gap, rows + 1
            self.layout.shapes.append(Shape("rect", (x, y, x + w, y + height), self.accent, height // 2))
            self.text("tag", text, x + pad, y + (height - ascent - descent) // 2, size, self.brand_ink)
            x += w + gap
        return y + height

    def figures(self, y: int, lines: tuple[PosterLine, ...], *, may_drop: bool) -> int | None:
        """The figure lines in cards, two to a row; None when they do not all fit above the footer (unless
        ``may_drop``: then the last lines are left out)."""
        gap = 20
        col = (CONTENT + 24 - gap) // 2
        for count in range(len(lines), 0, -1):
            mark = self.mark()
            end = self._cards(y, lines[:count], col, gap)
            if end <= BODY_BOTTOM:
                self.layout.dropped += [line.key for line in lines[count:]]
                return end
            del self.layout.texts[mark[0]:], self.layout.shapes[mark[1]:]
            if not may_drop:
                return None
        self.layout.dropped += [line.key for line in lines]
        return y

    def _cards(self, y: int, lines: tuple[PosterLine, ...], col: int, gap: int) -> int:
        d, pad = self.d, 30
        for row in range(0, len(lines), 2):
            pair = lines[row:row + 2]
            wide = len(pair) == 1
            width = (CONTENT + 24 - 2 * pad) if wide else col - 2 * pad
            cards, bottoms = len(self.layout.shapes), []
            for i, line in enumerate(pair):
                x = MARGIN - 12 + i * (col + gap)
                cy = y + d.card_pad
                size, label = self.fit(line.label, width, (30, 26), max_lines=1)
                cy = self.lines("label", label, x + pad, cy, size, MUTED) + (30 - size)
                size, value = self.fit(line.value, width, d.values, max_lines=2, bold=True)
                cy = self.lines("value", value, x + pad, cy, size, self.brand_ink, bold=True)
                if line.note and d.note_lines:
                    cy = self.lines("note", self.m.wrap(line.note, 27, width, d.note_lines), x + pad, cy, 27, MUTED)
                bottoms.append(cy + d.card_pad - 8)
            end = max(bottoms)
            for i in range(len(pair)):
                x = MARGIN - 12 + i * (col + gap)
                right = WIDTH - MARGIN + 12 if wide else x + col
                self.layout.shapes.insert(cards + i, Shape("rect", (x, y, right, end), WHITE, 28))
            y = end + gap
        return y - gap

    def short(self, y: int) -> int:
        inner = CONTENT - 2 * 56
        top = y
        y += 64
        # A small sun in the park's colours above the warm words.
        self.layout.shapes.append(Shape("rect", (MARGIN - 12, top, WIDTH - MARGIN + 12, top), WHITE, 36))
        card = len(self.layout.shapes) - 1
        self.layout.shapes.append(Shape("ellipse", (WIDTH // 2 - 56, y, WIDTH // 2 + 56, y + 112), self.accent))
        self.layout.shapes.append(Shape("ellipse", (WIDTH // 2 - 30, y + 26, WIDTH // 2 + 30, y + 86), self.brand))
        y += 160
        size = 46
        lines = self.m.wrap(self.c.short, size, inner, 8)
        y = self.lines("short", lines, MARGIN + 56, y, size, INK, centre_in=inner)
        bottom = y + 56
        self.layout.shapes[card] = Shape("rect", (MARGIN - 12, top, WIDTH - MARGIN + 12, bottom), WHITE, 36)
        return bottom

    def footer(self) -> None:
        c = self.c
        top = FOOTER_TOP
        self.layout.shapes.append(Shape("rect", (0, top, WIDTH, HEIGHT), WHITE))
        self.layout.shapes.append(Shape("rect", (0, top, WIDTH, top + 10), self.brand))
        qx, qy = WIDTH - MARGIN - QR_SIZE, top + 10 + (HEIGHT - top - 10 - QR_SIZE) // 2
        self.layout.shapes.append(Shape("qr", (qx, qy, qx + QR_SIZE, qy + QR_SIZE), INK))
        width = qx - MARGIN - 40
        size, caption = self.fit(c.qr_caption, width, (40, 36, 32), max_lines=2, bold=True)
        hint = self.m.wrap(c.qr_hint, 28, width, 1) if c.qr_hint else []
        height = len(caption) * round(size * 1.3) + (round(28 * 1.3) + 10 if hint else 0)
        y = top + 10 + (HEIGHT - top - 10 - height) // 2
        y = self.lines("qr_caption", caption, MARGIN, y, size, INK, bold=True)
        self.lines("qr_hint", hint, MARGIN, y + 10, 28, MUTED)


def _build(content: PosterContent, measure: _Measure, density: _Density, *, last: bool) -> Layout | None:
    builder = _Builder(content, measure, density)
    top = builder.header() + 36
    mark = builder.mark()
    y = top
    if content.short:
        y = builder.short(y) + 24
    elif content.keyword:
        y = builder.keyword(y) + 24
    if content.lines:
        end = builder.figures(y, content.lines, may_drop=last or bool(content.short))
        if end is None:
            return None
        y = end
    # Room to spare (few figures): the body sits in the middle of the space between header and footer.
    spare = BODY_BOTTOM - y
    if spare > 0:
        builder.shift(mark, min(spare // 2, 160))
    builder.footer()
    return builder.layout


def poster_layout(content: PosterContent) -> Layout:
    """Where every text and shape of the poster goes, measured with the poster's font: the first density
    at which every chosen figure fits (the last one leaves out figures rather than overflow)."""
    measure = _Measure(*poster_font())
    for i, density in enumerate(DENSITIES):
        layout = _build(content, measure, density, last=i == len(DENSITIES) - 1)
        if layout is not None:
            return layout
    raise AssertionError("the last density always gives a layout")


def _draw_qr(draw: ImageDraw.ImageDraw, url: str, box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> None:
    import segno

    qr = segno.make(url, error="m")
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    n = len(rows)
    scale = (box[2] - box[0]) // n
    x0 = box[0] + ((box[2] - box[0]) - scale * n) // 2
    y0 = box[1] + ((box[3] - box[1]) - scale * n) // 2
    draw.rectangle(box, fill=WHITE)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle((x0 + c * scale, y0 + r * scale, x0 + (c + 1) * scale - 1, y0 + (r + 1) * scale - 1),
                               fill=fill)


def poster_render(content: PosterContent) -> bytes:
    """The poster as PNG bytes (deterministic: the same content, the same bytes)."""
    layout = poster_layout(content)
    measure = _Measure(*poster_font())
    image = Image.new("RGB", (WIDTH, HEIGHT), _hex(content.accent))
    draw = ImageDraw.Draw(image)
    for shape in layout.shapes:
        if shape.kind == "rect":
            if shape.radius:
                draw.rounded_rectangle(shape.box, radius=shape.radius, fill=shape.fill)
            else:
                draw.rectangle(shape.box, fill=shape.fill)
        elif shape.kind == "ellipse":
            draw.ellipse(shape.box, fill=shape.fill)
        elif shape.kind == "qr":
            _draw_qr(draw, content.qr_url, shape.box, shape.fill)
    for text in layout.texts:
        stroke = _stroke(text.size) if text.bold else 0
        draw.text(text.xy, text.text, font=measure.font(text.size), fill=text.fill, anchor="la",
                  stroke_width=stroke, stroke_fill=text.fill)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def poster_png(*, report: YearReport, qr_url: str, fields: list[str] | tuple[str, ...] | None = None,
               language: str | None = None) -> tuple[bytes, str]:
    """The poster of ``report`` as PNG bytes and its digest (the ETag). Drawn posters are kept a while in
    the cache under their digest: a shared link opened by many is drawn once."""
    from django.core.cache import cache

    content = poster_content(report=report, qr_url=qr_url, fields=fields, language=language)
    digest = content.digest
    key = f"insights:poster:{digest}"
    png: Any = cache.get(key)
    if not isinstance(png, bytes):
        png = poster_render(content)
        cache.set(key, png, 600)
    return png, digest


def park_page_url(park: Any) -> str:
    """What the poster's QR code holds: the park's public page, absolute (settings.PUBLIC_URL)."""
    from django.urls import reverse

    from parkos.notifications.services import public_url

    return public_url(f"{reverse('core:parks')}#park-{park.code}")
