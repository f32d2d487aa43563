"""The privacy notice and the terms of use: settings and a language in, a whole HTML page out.

Every setting shown (SENDER_NAME, OPERATOR_CONTACT, RETENTION_DAYS) is escaped; a contact that is
neither an email address nor an https:// address is not linked but replaced by "contact the
partner", as when none is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from babel.numbers import format_decimal

from bot.ops.config import Settings
from bot.web.languages import page_text, plural_category
from bot.web.markup import (
    Html,
    attribute,
    bullet_list,
    contact_href,
    document,
    fill,
    joined,
    link,
    paragraph,
    section,
    text,
)
from cards import LINKS, SUPPORTED_LOCALES
from cards.i18n import BABEL_LOCALES

PRIVACY_PATH = "/privacy"
TERMS_PATH = "/terms"

PageRenderer = Callable[[Settings, str], str]


def _sentence(words: Mapping[str, str], key: str, **values: Html) -> Html:
    return fill(words[key], **values)


def _operator(settings: Settings, words: Mapping[str, str], *, operator_key: str, partner_key: str) -> Html:
    """Who runs the service: SENDER_NAME, or the partner that sent the reader's message."""
    if settings.sender_name:
        return _sentence(words, operator_key, operator=text(settings.sender_name))
    return _sentence(words, partner_key)


def _not_microsoft(words: Mapping[str, str]) -> Html:
    """Not Microsoft's service, and where Microsoft itself explains the programme."""
    microsoft = link(LINKS["about_cpor"], words["common.microsoft_page_link"])
    return joined(
        [
            paragraph(_sentence(words, "common.not_microsoft")),
            paragraph(_sentence(words, "common.microsoft_page", link=microsoft)),
        ]
    )


def _contact(settings: Settings, words: Mapping[str, str]) -> Html:
    href = contact_href(settings.operator_contact) if settings.operator_contact else None
    if href is None:
        sentence = _sentence(words, "common.contact_partner")
    else:
        sentence = _sentence(words, "common.contact_operator", contact=link(href, settings.operator_contact))
    return section(words["common.contact_heading"], paragraph(sentence))


def _retention(settings: Settings, words: Mapping[str, str], locale: str) -> Html:
    """RETENTION_DAYS (bot.ops.retention): 0 keeps everything until the operator deletes it; N
    deletes each claim with everything about it N days after its last change, and other audit
    entries and stored API answers N days after they were written. Partners and Teams chats'
    references are not purged; a reference goes when the app is uninstalled."""
    teams = _sentence(words, "privacy.retention_teams")
    days = settings.retention_days
    sentences: tuple[Html, ...]
    if days == 0:
        sentences = (teams, _sentence(words, "privacy.retention_kept"))
    else:
        count = text(format_decimal(days, locale=BABEL_LOCALES[locale]))
        plural = plural_category(days, locale)
        sentences = (
            _sentence(words, f"privacy.retention_days_{plural}", days=count),
            _sentence(words, f"privacy.retention_logs_{plural}", days=count),
            teams,
            _sentence(words, "privacy.retention_partners"),
        )
    return section(words["privacy.retention_heading"], *(paragraph(s) for s in sentences))


def _footer(words: Mapping[str, str], locale: str, path: str, other_page: Html) -> Html:
    """The other page, and this page in the other languages (each named in its own language)."""
    languages = bullet_list(
        link(f"{path}?lang={other}", page_text(other)["language_name"], lang=other)
        for other in SUPPORTED_LOCALES
        if other != locale
    )
    label = words["other_languages"]
    nav = f'<nav aria-label="{attribute(label)}">\n<h2>{text(label)}</h2>\n{languages}\n</nav>'
    return joined([paragraph(other_page), Html(nav)])


def privacy_page(settings: Settings, locale: str) -> str:
    """The privacy notice: who runs the service, what it keeps, where data goes, for how long, and
    whom to ask."""
    words = page_text(locale)

    def items(*keys: str) -> Html:
        return bullet_list(_sentence(words, f"privacy.{key}") for key in keys)

    mail = "flow_mail_relay" if settings.smtp_enabled else "flow_mail_files"
    main = joined(
        [
            section(
                words["privacy.who_heading"],
                paragraph(
                    _operator(
                        settings,
                        words,
                        operator_key="common.run_by_operator",
                        partner_key="common.run_by_partner",
                    )
                ),
                _not_microsoft(words),
            ),
            section(
                words["privacy.customer_heading"],
                items(
                    "customer_claim",
                    "customer_contacts",
                    "customer_teams",
                    "customer_messages",
                    "customer_responses",
                    "customer_audit",
                ),
            ),
            section(
                words["privacy.partner_heading"],
                items("partner_name", "partner_webhook", "partner_teams", "partner_actions"),
            ),
            section(
                words["privacy.flow_heading"],
                items("flow_teams", mail, "flow_partner", "flow_colleagues", "flow_no_partner_center"),
            ),
            _retention(settings, words, locale),
            _contact(settings, words),
        ]
    )
    terms = link(f"{TERMS_PATH}?lang={locale}", words["privacy.terms_link"])
    return document(
        lang=locale,
        title=words["privacy.title"],
        site=words["service_name"],
        main=main,
        footer=_footer(words, locale, PRIVACY_PATH, _sentence(words, "privacy.see_terms", page=terms)),
    )


def terms_page(settings: Settings, locale: str) -> str:
    """The terms of use: what the service is for, who answers for what, who provides it."""
    words = page_text(locale)
    main = joined(
        [
            section(
                words["terms.purpose_heading"],
                *(
                    paragraph(_sentence(words, f"terms.{key}"))
                    for key in ("purpose", "report", "buttons", "partners")
                ),
            ),
            section(
                words["terms.provider_heading"],
                paragraph(
                    _operator(
                        settings,
                        words,
                        operator_key="terms.provided_by_operator",
                        partner_key="terms.provided_by_partner",
                    )
                ),
                _not_microsoft(words),
            ),
            _contact(settings, words),
        ]
    )
    privacy = link(f"{PRIVACY_PATH}?lang={locale}", words["terms.privacy_link"])
    return document(
        lang=locale,
        title=words["terms.title"],
        site=words["service_name"],
        main=main,
        footer=_footer(words, locale, TERMS_PATH, _sentence(words, "terms.see_privacy", page=privacy)),
    )
