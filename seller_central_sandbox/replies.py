"""What an SP-API operation answers: a status and a JSON body, Amazon's error envelope, and a way to stop early."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def error(status: int, code: str, message: str, details: str | None = None) -> Reply:
    entry = {"code": code, "message": message}
    if details is not None:
        entry["details"] = details
    return Reply(status, {"errors": [entry]})


def invalid(message: str) -> Reply:
    return error(400, "InvalidInput", message)


class ReplyNow(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
