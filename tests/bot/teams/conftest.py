"""Fixtures for the Teams side: a signing key and a local OpenID server that serves its public half
(endorsed for msteams and outlook, and a second key endorsed only for webchat and directline)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.bot.teams.test_auth import OpenIdServer


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def openid(signing_key: rsa.RSAPrivateKey) -> Iterator[OpenIdServer]:
    endorsed = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    endorsed.update(kid="endorsed-key", use="sig", endorsements=["msteams", "outlook"])
    unendorsed = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    unendorsed.update(kid="webchat-only-key", use="sig", endorsements=["webchat", "directline"])
    with OpenIdServer({"keys": [endorsed, unendorsed]}) as server:
        yield server
