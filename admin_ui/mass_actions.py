"""Mass actions: run one service per selected row, each in its own transaction, and tell the user what changed and
what was refused, with the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1


def posted_ids(request: HttpRequest, field: str = "ids") -> list[int]:
    """The checked rows' ids. Ids beyond the database's bigint select nothing (and never reach it: PostgreSQL would
    refuse the query)."""
    return [int(v) for v in request.POST.getlist(field) if v.isdigit() and int(v) <= MAX_ID]


@dataclass
class MassActionResult:
    changed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (row label, reason)


def run_mass_action(
    objects: Iterable,
    action: Callable[[object], object],
    *,
    refused_exceptions: tuple[type[Exception], ...],
    label: Callable[[object], str] = str,
) -> MassActionResult:
    """Call `action` on each object; an exception of `refused_exceptions` is a refusal, anything else propagates."""
    result = MassActionResult()
    for obj in objects:
        try:
            action(obj)
        except refused_exceptions as exc:
            result.refused.append((label(obj), _reason(exc)))
        else:
            result.changed.append(label(obj))
    return result


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return str(message)


def report_mass_action(
    request: HttpRequest,
    result: MassActionResult,
    *,
    changed_text: Callable[[int], str],
    refused_text: Callable[[int], str],
    nothing_selected: str | None = None,
) -> None:
    """Flash "N changed" and "N could not be ...: label: reason; ...". The texts take the count (for ngettext)."""
    if result.changed:
        messages.success(request, changed_text(len(result.changed)))
    if result.refused:
        reasons = "; ".join(f"{label}: {reason}" for label, reason in result.refused)
        messages.error(request, f"{refused_text(len(result.refused))} {reasons}")
    if not result.changed and not result.refused:
        messages.warning(request, nothing_selected or _("Select at least one row."))
