"""The Universal Action verbs the cards send, and the data that comes with them.

Every `Action.Execute` carries ``data = {"claim_id": <id>}``. On Teams each button also has an
`Action.Submit` fallback for older clients, whose data is the same plus ``"verb": <verb>`` (Submit has
no verb field). `ASK` also brings the text field `QUESTION_INPUT` (at most `QUESTION_MAX_LENGTH`
characters), which the host adds to the data: ``{"claim_id": ..., "question": ...}``.
"""

from __future__ import annotations

ACKNOWLEDGE = "claim.acknowledge"  # "Got it"
ACCESS = "claim.access"  # "What can {partner} see?": answer with access_card(..., claim_id=...)
SHOW = "claim.show"  # back to the claim card (from the access card, a status update, a notice)
NOT_RECOGNISED = "claim.not_recognised"  # "I don't recognise this partner"
ASK = "claim.ask"  # "Send" under "Ask {partner} a question", with the `question` input
REFRESH = "claim.refresh"  # the claim card's automatic or manual refresh

VERBS: tuple[str, ...] = (ACKNOWLEDGE, ACCESS, SHOW, NOT_RECOGNISED, ASK, REFRESH)

CLAIM_ID = "claim_id"  # the data key every verb carries
VERB_KEY = "verb"  # the data key the Action.Submit fallback adds
QUESTION_INPUT = "question"  # the Input.Text id under "Ask {partner} a question"
QUESTION_MAX_LENGTH = 500
