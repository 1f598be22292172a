from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_again():
    """A request in another language leaves it active in this thread (Django activates, never deactivates): the next
    test starts in English again."""
    yield
    translation.activate("en")
