"""The access card: what a customer association gives a partner, and what it does not."""

from __future__ import annotations

from collections.abc import Sequence

from cards import verbs
from cards.common import (
    FIRST_VIEW_SERVICES,
    LINKS,
    NAME_LIMIT,
    about_cpor_link,
    claim_data,
    join_list,
    sent_by,
    sent_by_block,
    service_names,
    services_facts,
)
from cards.elements import (
    Card,
    Element,
    action_set,
    bullets,
    envelope,
    execute,
    heading,
    open_url,
    text_block,
)
from cards.i18n import Text, text_for
from cards.markdown import escape, for_speech, plain
from cards.model import WorkloadLine

# --- the access card ---------------------------------------------------------------------------


def _access_body(
    t: Text, host: str, partner: str, workloads: Sequence[WorkloadLine], *, from_claim: bool
) -> list[Element]:
    """What the association gives and does not give. `partner` is already escaped."""
    gets = [text_block(t("access.gets", services=join_list(t, service_names(workloads))))]
    if len(workloads) > FIRST_VIEW_SERVICES:  # not one long sentence: the claim card has the list
        gets = [text_block(t("access.gets_many", count=len(workloads)))]
        if from_claim:
            gets.append(text_block(t("access.gets_listed"), spacing="small"))
        else:
            gets.append(services_facts(t, workloads))
    return [
        heading(t("access.title", partner=partner), host=host, size="medium"),
        text_block(t("access.intro")),
        heading(t("access.gets_title"), host=host),
        *gets,
        text_block(t("access.gets_example"), spacing="small"),
        text_block(t("access.gets_source"), spacing="small"),
        heading(t("access.not_title"), host=host),
        bullets([t("access.not_data"), t("access.not_admin"), t("access.not_billing")]),
        heading(t("access.other_title"), host=host),
        text_block(t("access.other")),
        text_block(t("access.check"), spacing="small"),
        heading(t("access.poe_title"), host=host),
        text_block(t("access.poe", partner=partner)),
        text_block(t("access.poe_sow"), spacing="small"),
    ]


def access_card(
    partner_name: str,
    workloads: Sequence[WorkloadLine],
    *,
    host: str = "teams",
    originator: str | None = None,
    locale: str = "en",
    sender: str | None = None,
    claim_id: str | None = None,
) -> Card:
    """What a partner can and cannot see through a customer association.

    With `claim_id` it is the bot's answer to `claim.access` and ends with a "Back to the claim"
    button (verb `claim.show`), because it replaces the claim card in place."""
    t = text_for(locale)
    partner = escape(partner_name, limit=NAME_LIMIT)
    body = [
        sent_by_block(t, partner_name, sender),
        *_access_body(t, host, partner, workloads, from_claim=claim_id is not None),
    ]
    if claim_id is not None:
        body.append(action_set(execute(t("app.back"), verbs.SHOW, claim_data(claim_id), host=host)))
    fallback = t(
        "access.fallback",
        sent_by=sent_by(t, partner_name, sender, safe=False),
        partner=plain(partner_name, limit=NAME_LIMIT),
        services=join_list(t, service_names(workloads, safe=False)),
    )
    speak = for_speech(t("access.speak", partner=plain(partner_name, limit=NAME_LIMIT)))
    return envelope(
        body,
        host=host,
        originator=originator,
        fallback_text=fallback,
        speak=speak,
        lang=t.lang,
        actions=[about_cpor_link(t), open_url(t("app.open_admin"), LINKS["partner_relationships"])],
    )
