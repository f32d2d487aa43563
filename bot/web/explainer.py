"""The public explainer, `/cpor`: what CPOR and proof of execution are, what an association gives a
partner and what it does not, and what a customer may do; Microsoft's own page first. The same
statements as the cards (their catalogue's ids and facts), and no claim's data.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from bot.web.languages import page_text
from bot.web.markup import fill, link
from bot.web.page_frame import claim_page_text
from cards import LINKS
from cards.i18n import text_for


def explainer_page(locale: str) -> dict[str, Any]:
    """Every section of the explainer in `locale`: (heading, paragraphs, list) with plain text, and
    one sentence of ready-made markup, the one that links Microsoft's page."""
    t = text_for(locale)
    legal = page_text(locale)
    words = claim_page_text(locale)
    microsoft = link(LINKS["about_cpor"], legal["common.microsoft_page_link"])
    compare = ("cpor", "csp", "gdap", "pal", "dpor", "por")
    return {
        "title": t("about.title"),
        "not_microsoft": legal["common.not_microsoft"],
        # Escaped piece by piece by bot.web.markup: the catalogue's sentence around an <a> built there.
        "microsoft_page": Markup(fill(legal["common.microsoft_page"], link=microsoft)),  # noqa: S704
        "sections": [
            {
                "heading": t("claim.faq.what_title"),
                "paragraphs": (t("about.what"), t("about.why")),
                "items": (),
            },
            {
                "heading": t("access.poe_title"),
                "paragraphs": (t("claim.faq.poe"), t("claim.faq.poe_seen")),
                "items": (),
            },
            {
                "heading": t("access.gets_title"),
                "paragraphs": (t("about.data"), t("access.gets_example"), t("access.gets_source")),
                "items": (),
            },
            {
                "heading": t("access.not_title"),
                "paragraphs": (t("access.other"),),
                "items": (t("access.not_data"), t("access.not_admin"), t("access.not_billing")),
            },
            {
                "heading": words["cpor.customer_heading"],
                "paragraphs": (
                    t("about.customer"),
                    t("claim.faq.real"),
                    t("claim.faq.decline_how"),
                    t("access.check"),
                ),
                "items": (),
            },
        ],
        "compare_heading": t("about.show_compare"),
        "compare_intro": t("compare.intro"),
        "compare": [(t(f"compare.{key}_title"), t(f"compare.{key}")) for key in compare],
        "compare_outro": t("compare.tpor"),
        "links_heading": words["page.links_heading"],
        "links": [
            {"href": LINKS["about_cpor"], "text": t("app.open_about_cpor")},  # Microsoft's own page first
            {"href": LINKS["partner_relationships"], "text": t("claim.check_access")},
            {"href": LINKS["how_it_works"], "text": t("app.open_how_it_works")},
            {"href": LINKS["issues"], "text": t("app.open_issues")},
        ],
    }
