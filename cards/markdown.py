"""Make untrusted text safe to show in an Adaptive Card.

Teams and Outlook render TextBlock and FactSet text as a markdown subset (markdown-it in Teams' web
client): links ``[x](y)``, emphasis, lists, headings, code spans, strikethrough, and the
``{{DATE(...)}}`` / ``{{TIME(...)}}`` functions, which the renderer expands before markdown. Text
typed by a partner must show up exactly as typed and never become any of these.

`escape` is for text inside a TextBlock or Fact; `plain` is for plain-text places (fallbackText,
action titles); `for_speech` is for the card's ``speak`` property.

The approach, in order:

1. Normalise (`one_line`): drop control and invisible format characters (bidirectional overrides,
   zero-width spaces; joiners stay, they are part of emoji and scripts), and collapse every run of
   whitespace, newlines included, into one space. With no line breaks left, block markdown (lists,
   headings, quotes, tables) can only start at the very beginning of the text.
2. Cap the length (``limit`` characters of the normalised text), ending with an ellipsis, on a
   word boundary when there is one near the end, and never inside a user-perceived character.
3. Defuse links and date functions with characters a reader does not notice: a word joiner
   (U+2060) after ``scheme:`` in front of ``//`` and between ``{{`` or ``${``; a one-dot leader
   (U+2024, it looks like a full stop) for a dot before a letter, inside a domain-like word or at
   the start, so ``evil.example``, ``www.x.com`` and ``.example`` after a card's own words are not
   turned into links by clients that link bare addresses.
4. Backslash-escape the markdown punctuation that can start inline markup anywhere
   (``\\ ` * _ ~ [ ] <``), ``&`` where it would start an HTML entity, and the characters that start a
   block at the beginning (``# > + - =`` and ``1.`` / ``1)``). Renderers drop the backslash, so the
   text reads as typed; common punctuation such as ``. , : ( ) ! ? ' " & -`` inside text is left
   alone so names like "Contoso & Sons (UK) Ltd." stay readable.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import regex

ELLIPSIS = "\u2026"
WORD_JOINER = "\u2060"
ONE_DOT_LEADER = "\u2024"

# "https://", "ftp://", "javascript://": a URL scheme directly followed by a slash, wherever it starts
# ("각https://" and "1https://" too: what comes before a scheme is no guarantee a client skips it).
_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.\-]*:)(?=[/\\])")
# A dot before a letter ("evil.example", "www.x", "a@b.com"), ASCII or full-width, unless a space or
# another dot comes before it; also at the very start, where a card's own text may end in a letter.
_DOMAIN_DOT = re.compile(r"(?<![\s.\uff0e\uff61])[.\uff0e\uff61](?=[^\W\d_])")
# "{{DATE(...)}}", "${expr}" (templating): break the opening pair.
_TEMPLATE_OPEN = re.compile(r"(?<=[{$])(?=\{)")
# Inline markdown that can start anywhere.
_INLINE = re.compile(r"([\\`*_~\[\]<])")
# "&amp;", "&#91;", "&#x5B;": an HTML entity that markdown would decode.
_ENTITY = re.compile(r"&(?=#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{1,31};)")
# Block markdown at the start of the text: heading, quote, list bullet, setext underline.
_BLOCK_START = re.compile(r"^([#>+\-=])")
# Ordered list at the start: "1. " or "1) " (not "3.14").
_ORDERED_START = re.compile(r"^([0-9]{1,9})([.)])(?=\s|$)")


# Joiners are part of what they join: ZWJ makes one emoji of several (a family) and shapes Indic
# scripts; ZWNJ keeps Persian letters apart. Every other format character goes.
_JOINERS = frozenset("\u200c\u200d")
# One user-perceived character (an extended grapheme cluster, UAX #29).
_GRAPHEME = regex.compile(r"\X")


def one_line(text: str) -> str:
    """Untrusted text on one line: control characters become spaces, runs of whitespace one space,
    and invisible format characters (bidirectional overrides and isolates, zero-width spaces, tag
    characters) and stray surrogates are dropped."""
    if text.isprintable():  # the common case: no control, format or surrogate characters at all
        return " ".join(text.split())
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            kept.append(" ")  # newlines, tabs and other controls become spaces
        elif category in ("Cf", "Cs") and ch not in _JOINERS:
            continue  # bidi overrides, zero-width spaces, tags, stray surrogates
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def blank(text: str | None) -> bool:
    """Whether untrusted text shows nothing (None, or only spaces, controls, format characters such
    as bidi controls and joiners, and stray surrogates): the part of a card that would hold it is
    left out, not shown empty."""
    if text is None:
        return True
    if text.isprintable():  # the common case: nothing invisible but spaces
        return not text.strip()
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)


def _truncate(text: str, limit: int) -> str:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if len(text) <= limit:
        return text
    end = 0  # the last grapheme boundary that leaves room for the ellipsis
    space = -1  # where the last space that is a grapheme of its own starts (not one after a prepend)
    for grapheme in _GRAPHEME.finditer(text):
        if grapheme.end() > limit - 1:
            break
        if grapheme.group() == " ":
            space = grapheme.start()
        end = grapheme.end()
    if space >= 0 and (space >= 0.6 * end or space == end - 1):  # a whole word when one is close; no space
        end = space
    return text[:end] + ELLIPSIS


def _defuse(text: str) -> str:
    text = _SCHEME.sub(lambda m: m.group(1) + WORD_JOINER, text)
    text = _DOMAIN_DOT.sub(ONE_DOT_LEADER, text)
    return _TEMPLATE_OPEN.sub(WORD_JOINER, text)


# Pure functions of their arguments, called for the same names many times per card: cached.
@functools.lru_cache(maxsize=4096)
def plain(text: str, *, limit: int) -> str:
    """One line of untrusted text for a plain-text place (fallbackText, an action's title).

    Normalised, capped at `limit` characters and with links and date functions defused, but not
    backslash-escaped (plain-text places do not render markdown, so a backslash would show).
    """
    return _defuse(_truncate(one_line(text), limit))


@functools.lru_cache(maxsize=4096)
def escape(text: str, *, limit: int) -> str:
    """Untrusted text made inert in TextBlock / Fact markdown, on one line, capped at `limit`.

    `limit` counts the characters the reader sees; the escaped string can be longer because of the
    backslashes. The result is safe at the start of a TextBlock and anywhere inside one.
    """
    text = plain(text, limit=limit)
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _BLOCK_START.sub(r"\\\1", text)
    return _ORDERED_START.sub(r"\1\\\2", text)


def for_speech(text: str) -> str:
    """Card text for the ``speak`` property, which hosts may read as SSML: no tags, no entities."""
    text = text.replace("&", " and ").replace("<", " ").replace(">", " ")
    return " ".join(text.split())
