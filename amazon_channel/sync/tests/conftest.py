from __future__ import annotations

import pytest


@pytest.fixture
def fake(fake_amazon):
    """The fake Amazon, paging 40 orders at a time (so a hundred orders take three pages)."""
    fake_amazon.page_size = 40
    return fake_amazon
