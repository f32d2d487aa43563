"""One service for the module's browser tests, and the browser's availability: without Node, the npm
packages or Chromium the tests skip, except under CI, where they fail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.browser import require_browser
from tests.web.service import WebService, running_service


@pytest.fixture(scope="module")
def web_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebService]:
    """The real service on a loopback port, on its own SQLite file, for the tests of one module."""
    require_browser()
    with running_service(tmp_path_factory.mktemp("web-service")) as service:
        yield service
