"""`make playground` tests. Those marked e2e start the launcher (playground/run.py), and with it the
real bot and the real Agents Playground on loopback. Like tests/e2e, they are skipped when Node or the
Playground is missing, and fail instead when CI is set, so CI never skips them silently."""

from __future__ import annotations

import pytest

from tests.e2e.playground import in_ci, missing_prerequisites


@pytest.fixture(autouse=True)
def _node_for_e2e(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("e2e") is None:
        return
    missing = missing_prerequisites()
    if not missing:
        return
    reason = "the Playground cannot run here: " + "; ".join(missing)
    if in_ci():
        pytest.fail(reason + " (CI is set, so e2e tests must not be skipped)", pytrace=False)
    pytest.skip(reason)
