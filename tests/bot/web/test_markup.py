"""Building HTML from escaped parts, and where a contact link may lead."""

from __future__ import annotations

import pytest

from bot.web.markup import Html, attribute, contact_href, fill, link, text


@pytest.mark.parametrize(
    ("contact", "href"),
    [
        ("privacy@fabrikam.example", "mailto:privacy@fabrikam.example"),
        ("data+cpor@fabrikam.example", "mailto:data%2Bcpor@fabrikam.example"),
        ("https://fabrikam.example/contact", "https://fabrikam.example/contact"),
        ("http://fabrikam.example/contact", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("https://user@fabrikam.example/", None),
        ("https://fabrikam.example/\nSet-Cookie: x", None),
        ("mailto:privacy@fabrikam.example", None),
        ("not an address", None),
    ],
)
def test_contact_links_are_mailto_or_https_only(contact: str, href: str | None) -> None:
    assert contact_href(contact) == href


def test_a_sentence_is_escaped_before_its_placeholders_are_filled() -> None:
    filled = fill("<b>{who}</b> & co.", who=link('https://a.example/?x=1&y="2"', "<A>"))
    assert filled == (
        '&lt;b&gt;<a href="https://a.example/?x=1&amp;y=&quot;2&quot;">&lt;A&gt;</a>&lt;/b&gt; &amp; co.'
    )


def test_text_and_attribute_escaping() -> None:
    assert text("<a href='x'>&") == Html("&lt;a href='x'&gt;&amp;")
    assert attribute("\"'<>&") == Html("&quot;&#x27;&lt;&gt;&amp;")
