"""Each contact's own link to the claim's web page, in the card the worker sends them: an "Open in a
browser" button to a link that opens to that contact of that claim, signed afresh for each send."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from bot.delivery.worker import DeliveryWorker, delivery_worker
from bot.ops.config import Settings
from bot.store import Store
from bot.teams.connector import ConnectorCardSender
from bot.web.links import PATH_PREFIX, LinkSigner
from tests.bot.delivery.support import MAIL, add_installed_contacts, setup_claim
from tests.cards.walk import actions
from tests.fakes import FakeConnector

BASE = "https://cpor.contoso.example"
SIGNER = LinkSigner(["delivery-test-key"], dt.timedelta(days=30))


def open_in_browser(card: dict[str, Any]) -> list[str]:
    return [a["url"] for a in actions(card) if a["type"] == "Action.OpenUrl" and PATH_PREFIX in a["url"]]


def linked_worker(store: Store, sender: ConnectorCardSender) -> DeliveryWorker:
    return DeliveryWorker(store, sender, poll_seconds=3600, mail=MAIL, links=SIGNER, links_base=BASE)


async def test_the_teams_card_opens_the_contacts_own_page(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert await linked_worker(sqlite_store, sender).run_once() == 1

    ((_, activity, _),) = connector.posts
    card = activity["attachments"][0]["content"]
    (url,) = open_in_browser(card)
    assert url.startswith(f"{BASE}{PATH_PREFIX}")
    opened = SIGNER.read(url.removeprefix(f"{BASE}{PATH_PREFIX}"), dt.datetime.now(dt.UTC))
    assert (opened.claim_id, opened.contact_id) == ("claim-1", "c1")
    assert opened.expires_at >= before + dt.timedelta(days=30)
    button = next(a for a in actions(card) if a.get("url") == url)
    assert button["title"] == "Open in a browser"
    # "More about this" says the link is the reader's alone, and until when.
    assert f"It works until {opened.expires_at.day} " in str(card)


async def test_each_contact_gets_their_own_link(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender
) -> None:
    await add_installed_contacts(sqlite_store, connector.url, 5)
    assert await linked_worker(sqlite_store, sender).run_once() == 5
    seen = set()
    for path, activity, _ in connector.posts:
        (url,) = open_in_browser(activity["attachments"][0]["content"])
        opened = SIGNER.read(url.rsplit("/", 1)[1], dt.datetime.now(dt.UTC))
        n = opened.claim_id.removeprefix("claim-")
        assert opened.contact_id == f"c{n}" and path.endswith(f"conversation-{n}/activities")
        seen.add(url)
    assert len(seen) == 5


async def test_without_a_signer_the_card_has_no_link(
    sqlite_store: Store, connector: FakeConnector, worker: DeliveryWorker
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    assert await worker.run_once() == 1
    ((_, activity, _),) = connector.posts
    assert open_in_browser(activity["attachments"][0]["content"]) == []


async def test_the_worker_the_settings_describe_signs_with_their_keys(
    sqlite_store: Store, connector: FakeConnector, sender: ConnectorCardSender, settings: Settings
) -> None:
    # As `cpor-bot work` builds it: LINK_KEYS and PUBLIC_URL from the settings, no signer passed in.
    configured = dataclasses.replace(settings, link_keys=("rotated-in", "delivery-test-key"), public_url=BASE)
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    assert await delivery_worker(configured, sqlite_store, sender).run_once() == 1
    ((_, activity, _),) = connector.posts
    (url,) = open_in_browser(activity["attachments"][0]["content"])
    token = url.removeprefix(f"{BASE}{PATH_PREFIX}")
    assert (
        LinkSigner(["rotated-in"], dt.timedelta(days=1)).read(token, dt.datetime.now(dt.UTC)).contact_id
        == "c1"
    )
