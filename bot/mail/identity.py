"""Who the emails say they come from."""

from __future__ import annotations

from dataclasses import dataclass

from cards.common import NAME_LIMIT, same_name
from cards.markdown import blank, plain


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """Who the emails come from, and the Actionable Messages provider id their cards carry.

    `sender_name` is the From name as configured (MAIL_FROM_NAME); empty, each email is from the
    partner's name, or "{partner} via {organisation}" when another organisation (SENDER_NAME)
    runs the service: never a name that reads like Microsoft's own notice."""

    sender: str
    sender_name: str
    originator: str
    organisation: str = ""

    def from_name(self, partner_name: str) -> str:
        """The From name for an email about `partner_name`'s claim."""
        if self.sender_name:
            return self.sender_name
        partner = plain(partner_name, limit=NAME_LIMIT)
        if blank(self.organisation) or same_name(self.organisation, partner_name):
            return partner
        return f"{partner} via {plain(self.organisation, limit=NAME_LIMIT)}"
