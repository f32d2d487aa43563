"""Email delivery: the fallback when Teams refuses the chat, and whose name the email comes from."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.delivery.worker import DeliveryWorker
from bot.mail.identity import MailIdentity
from bot.store import Store
from tests.bot.delivery.support import CONVERSATION, setup_claim
from tests.fakes import FakeConnector, RecordingMailer


@pytest.mark.parametrize("status", [403, 404])
async def test_403_and_404_drop_the_reference_and_fall_back_to_email(
    sqlite_store: Store,
    connector: FakeConnector,
    worker: DeliveryWorker,
    mailer: RecordingMailer,
    status: int,
) -> None:
    claim = await setup_claim(sqlite_store, connector)
    await sqlite_store.create_notification(claim, "n1", dt.datetime.now(dt.UTC))
    connector.fail_next(CONVERSATION, status, code="ConversationBlockedByUser")

    await worker.run_once()
    teams, email = await sqlite_store.deliveries_for_claim("claim-1")
    assert (teams.channel, teams.status) == ("teams", "failed")
    assert str(status) in (teams.last_error or "") and "email instead" in (teams.last_error or "")
    assert (email.channel, email.status) == ("email", "queued")
    assert "fallback" in (email.last_error or "")
    assert await sqlite_store.get_reference(CONVERSATION) is None

    await worker.run_once()
    email = (await sqlite_store.deliveries_for_claim("claim-1"))[1]
    assert email.status == "sent"
    (message,) = mailer.sent
    assert message["To"] == "Megan Bowen <megan.bowen@fabrikam.example>"
    assert connector.posts == []


def test_the_emails_from_name_is_the_partners_never_the_apps() -> None:
    own = MailIdentity("cpor@contoso.example", "", "o")
    assert own.from_name("Contoso Partners") == "Contoso Partners"
    operated = MailIdentity("cpor@litware.example", "", "o", organisation="Litware Managed Services")
    assert operated.from_name("Contoso Partners") == "Contoso Partners via Litware Managed Services"
    assert operated.from_name("litware  managed services") == "litware managed services"  # the same
    assert MailIdentity("a@b.example", "Contoso Mail", "o", "Litware").from_name("X") == "Contoso Mail"
    # A name that looks like a link is defused, as everywhere partner text is shown.
    assert "evil.example" not in operated.from_name("evil.example")
