"""Typed SP-API errors.

Every error carries what Amazon told us (code, message, details, request id) plus which operation failed with which
HTTP status, so the store's communication log can show it and support can quote the request id to Amazon.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

LWA_OPERATION = "lwaToken"


class SpApiError(Exception):
    """A failed exchange with Amazon (SP-API or Login with Amazon)."""

    #: Whether the client may try the same request again (after a pause).
    retryable: bool = False

    def __init__(
        self,
        operation: str = "",
        status: int | None = None,
        code: str = "",
        message: str = "",
        request_id: str | None = None,
        details: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details
        # Every error object Amazon sent (the first one fills code/message/details).
        self.errors = errors or []
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [f"{self.operation or 'SP-API'}"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        text = " ".join(parts)
        if self.message:
            text += f": {self.message}"
        if self.details and self.details != self.message:
            text += f" ({self.details})"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text

    def __reduce__(self):  # picklable (Celery results, logs)
        return (
            _rebuild,
            (
                type(self),
                self.operation,
                self.status,
                self.code,
                self.message,
                self.request_id,
                self.details,
                self.errors,
                self.retry_after,
            ),
        )


def _rebuild(cls, operation, status, code, message, request_id, details, errors, retry_after):
    return cls(operation, status, code, message, request_id, details, errors=errors, retry_after=retry_after)


class AuthError(SpApiError):
    """Wrong client id/secret, a revoked refresh token or a denied access: never retried."""


class InvalidRequestError(SpApiError):
    """Amazon rejected the request as invalid (400/422 and other 4xx): never retried."""


class NotFoundError(SpApiError):
    """404: the order, feed or document does not exist (for this seller)."""


class ThrottledError(SpApiError):
    """429 QuotaExceeded, still after the allowed retries."""

    retryable = True


class ServerError(SpApiError):
    """5xx from Amazon, still after the allowed retries."""

    retryable = True


class TransportError(SpApiError):
    """No usable answer: connection refused or dropped, or a timeout, still after the allowed retries."""

    retryable = True


class MalformedResponseError(SpApiError):
    """The body is not JSON, or not the shape the model promises.

    A truncated body on a 2xx (JSON decode error) is retried; a well-formed body of the wrong shape is not.
    """

    def __init__(self, *args: Any, truncated: bool = False, **kwargs: Any) -> None:
        self.truncated = truncated
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def retryable(self) -> bool:  # a cut-off body may be whole next time; a wrong shape will not change
        return self.truncated


__all__ = [
    "AuthError",
    "InvalidRequestError",
    "MalformedResponseError",
    "NotFoundError",
    "ServerError",
    "SpApiError",
    "ThrottledError",
    "TransportError",
]


# Reading an answer that failed: the typed error, whether a fresh token may help, how long Amazon asks us to wait.


def token_rejected(error: SpApiError) -> bool:
    """A 401, or a 403 whose text says the access token expired or is invalid: worth one fresh token."""
    if error.status == 401:
        return True
    if error.status != 403:
        return False
    text = f"{error.code} {error.message} {error.details}".lower()
    return "token" in text and any(word in text for word in ("expired", "invalid", "revoked", "malformed"))


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(operation: str, response: requests.Response) -> SpApiError:
    """The typed error for a non-success response, with Amazon's (or LWA's) code, message and details."""
    status = response.status_code
    request_id = response.headers.get("x-amzn-RequestId") or response.headers.get("x-amz-request-id")
    code, message, details, errors = "", "", "", []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        errors = [e for e in body["errors"] if isinstance(e, dict)]
        if errors:
            code = str(errors[0].get("code") or "")
            message = str(errors[0].get("message") or "")
            details = str(errors[0].get("details") or "")
    elif isinstance(body, dict) and isinstance(body.get("error"), str):  # Login with Amazon
        code = body["error"]
        message = str(body.get("error_description") or "")
        errors = [body]
    if not message:
        text = (response.text or "").strip()
        message = text[:300] if text and not text.startswith("<") else (response.reason or f"HTTP {status}")
    kwargs: dict[str, Any] = {"errors": errors, "retry_after": retry_after(response)}
    args = (operation, status, code, message, request_id, details)
    if operation == LWA_OPERATION and 400 <= status < 500 and status != 429:
        return AuthError(*args, **kwargs)  # invalid_client / invalid_grant / ...: a wrong credential
    if status == 429:
        return ThrottledError(*args, **kwargs)
    if status >= 500:
        return ServerError(*args, **kwargs)
    if status in (401, 403):
        return AuthError(*args, **kwargs)
    if status == 404:
        return NotFoundError(*args, **kwargs)
    if 400 <= status < 500:
        return InvalidRequestError(*args, **kwargs)
    return SpApiError(*args, **kwargs)
