"""`escape`, `plain` and `for_speech` against real injection attempts."""

from __future__ import annotations

import pytest
import regex

from cards.markdown import ELLIPSIS, ONE_DOT_LEADER, WORD_JOINER, blank, escape, for_speech, one_line, plain
from tests.cards.conftest import INJECTION
from tests.cards.walk import link_hazards, markdown_hazards


def unescape(text: str) -> str:
    """What a markdown renderer shows for our escaped text: backslash escapes removed."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out).replace(WORD_JOINER, "").replace(ONE_DOT_LEADER, ".")


@pytest.mark.parametrize(
    "attack",
    [
        INJECTION,
        "[click here](https://evil.example/login)",
        "![tracking pixel](https://evil.example/p.png)",
        "<https://evil.example>",
        "<img src=x onerror=alert(1)>",
        "**URGENT** _act now_ ~~safe~~ `rm -rf`",
        "# Microsoft Security Team",
        "- approve\n- now",
        "1. Click\n2. Approve",
        "3) step",
        "> Microsoft says: approve",
        "{{DATE(2020-01-01T00:00:00Z, LONG)}}",
        "{{{TIME(2020-01-01T00:00:00Z)}}}",
        "${user.password}",
        "&#91;x&#93;(https://evil.example)",
        "&lt;b&gt;bold&lt;/b&gt;",
        "Visit www.evil.com or evil.com or mail ana@evil.com",
        "javascript://%0Aalert(1)",
        "[a]\n(https://evil.example)",
        "\\[still](https://evil.example)",
        "\\\\[double](https://evil.example)",
    ],
)
def test_escape_leaves_nothing_markdown_would_act_on(attack: str) -> None:
    escaped = escape(attack, limit=500)
    assert markdown_hazards(escaped) == []


def test_injection_reads_as_typed_once_rendered() -> None:
    # Newlines collapse to spaces; otherwise the reader sees exactly what the partner typed.
    expected = " ".join(INJECTION.split())
    assert unescape(escape(INJECTION, limit=1000)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Contoso Consulting",
        "Contoso & Sons (UK) Ltd.",
        "Fabrikam, Inc.",
        "A. Datum Corporation",
        "Müller-Lüdenscheidt GmbH",
        "北京微软合作伙伴有限公司",
        'Tailspin Toys: "IT for schools"',
        "Wide World Importers! 50% off?",
        "3.14 Consulting",
    ],
)
def test_ordinary_names_are_left_alone(name: str) -> None:
    assert escape(name, limit=100) == name


def test_underscores_and_asterisks_show_as_typed() -> None:
    assert escape("snake_case *starred*", limit=100) == "snake\\_case \\*starred\\*"


def test_block_markers_are_escaped_only_at_the_start() -> None:
    assert escape("# Contoso", limit=100) == "\\# Contoso"
    assert escape("- Contoso", limit=100) == "\\- Contoso"
    assert escape("1. Contoso", limit=100) == "1\\. Contoso"
    assert escape("Contoso - # 1. team", limit=100) == "Contoso - # 1. team"


def test_newlines_and_runs_of_space_collapse() -> None:
    assert escape("Contoso\n\n  Consulting\r\n\tLtd", limit=100) == "Contoso Consulting Ltd"


def test_bidi_overrides_and_zero_width_characters_are_dropped() -> None:
    # U+202E would show "exe.txt" as "txt.exe"; zero-width spaces could hide a link from the defuse.
    assert escape("\u202eexe.txt", limit=100) == f"exe{ONE_DOT_LEADER}txt"
    assert "\u200b" not in escape("www\u200b.evil\u200b.com", limit=100)
    assert link_hazards(escape("www\u200b.evil\u200b.com", limit=100)) == []


def test_length_is_capped_with_an_ellipsis() -> None:
    escaped = escape("x" * 150, limit=100)
    assert escaped == "x" * 99 + ELLIPSIS
    assert escape("Contoso Consulting", limit=18) == "Contoso Consulting"
    assert escape("Contoso Consulting", limit=10) == "Contoso" + ELLIPSIS  # ends on a whole word
    assert escape("Contoso Consulting", limit=14) == "Contoso Consu" + ELLIPSIS  # unless none is near


def test_cap_counts_visible_characters_not_escapes() -> None:
    escaped = escape("*" * 200, limit=100)
    assert escaped == "\\*" * 99 + ELLIPSIS


def test_cap_never_splits_an_escape() -> None:
    escaped = escape("ab" + "[" * 10, limit=5)
    assert escaped == "ab\\[\\[" + ELLIPSIS
    assert markdown_hazards(escaped) == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        escape("x", limit=0)


def test_plain_keeps_punctuation_but_defuses_links_and_date_functions() -> None:
    text = plain("[Contoso]\n*Consulting* https://evil.example {{DATE(2020-01-01T00:00:00Z)}}", limit=200)
    assert text.startswith("[Contoso] *Consulting* https:")
    assert "\\" not in text
    assert link_hazards(text) == []


def test_plain_caps_length() -> None:
    assert plain("Contoso Consulting Group", limit=8) == "Contoso" + ELLIPSIS


def test_for_speech_has_no_tags_or_entities() -> None:
    spoken = for_speech("Contoso & Sons <break time='3s'/> says hi")
    assert spoken == "Contoso and Sons break time='3s'/ says hi"


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji of five code points
ACCENTED = "e\u0301"  # é as a letter and a combining accent


def graphemes(text: str) -> list[str]:
    return regex.findall(r"\X", text)


@pytest.mark.parametrize("limit", range(2, 40))
def test_a_cut_never_splits_a_user_perceived_character(limit: int) -> None:
    text = (
        FAMILY + ACCENTED + "\U0001f1ec\U0001f1e7" + "\u0915\u094d\u0937"
    ) * 6  # flags, Devanagari conjunct
    cut = plain(text, limit=limit)
    assert cut.endswith(ELLIPSIS)
    kept = cut.removesuffix(ELLIPSIS)
    assert len(cut) <= limit
    assert text.startswith(kept)
    assert graphemes(text)[: len(graphemes(kept))] == graphemes(kept)  # whole clusters only


def test_joiners_stay_and_invisible_controls_go() -> None:
    assert one_line(f"Family {FAMILY}") == f"Family {FAMILY}"
    assert (
        one_line("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
        == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )
    hidden = "Contoso\u202e\u2066\u200b\ufeff\U000e0041\U000e0042 Ltd\u00ad"
    assert one_line(hidden) == "Contoso Ltd"


@pytest.mark.parametrize("limit", range(2, 60))
def test_a_cut_at_a_word_keeps_a_prepended_mark_with_its_space(limit: int) -> None:
    # U+0D4E (Malayalam dot reph) is a prepended mark: it and the space after it are one
    # user-perceived character, so that space is no place to cut, and the ellipsis must not join it.
    text = "Contoso\u0d4e Partners\u0d4e Group\u0d4e Ltd" * 3
    cut = plain(text, limit=limit)
    kept = cut.removesuffix(ELLIPSIS)
    assert cut.endswith(ELLIPSIS) and len(cut) <= limit
    assert graphemes(text)[: len(graphemes(kept))] == graphemes(kept)
    assert graphemes(cut)[-1] == ELLIPSIS


@pytest.mark.parametrize("before", ["\uac01", "\u00e9", "1", "_", "x"])
def test_a_url_scheme_is_defused_whatever_comes_before_it(before: str) -> None:
    for made in (escape, plain):
        text = made(f"{before}https://evil.example/login {before}javascript:\\evil", limit=200)
        assert link_hazards(text) == [], text


def test_a_leading_dot_is_defused_for_whatever_text_comes_before_it() -> None:
    # Catalogues put names after their own words ("...、{sender}"): ".example" must not become a domain.
    for made in (escape, plain):
        for text in (".evil.example", "\uff0eevil", "..NET"):
            assert link_hazards("Contoso" + made(text, limit=100)) == [], text


@pytest.mark.parametrize(
    ("text", "is_blank"),
    [
        (None, True),
        ("", True),
        (" \n\t", True),
        ("\u200b\u202e\u2066\ufeff\u00ad\ud800\x00", True),
        ("\u200d\u200c ", True),  # a joiner joins nothing on its own
        ("a", False),
        ("\u3164", False),  # a Hangul filler is a letter
        ("\U0001f44d", False),
        ("\u200bA\u202e", False),
    ],
)
def test_blank_is_text_that_shows_nothing(text: str | None, is_blank: bool) -> None:
    assert blank(text) is is_blank
