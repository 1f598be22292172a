from __future__ import annotations

from typing import Any

import pytest
import requests

from seller_central_sandbox.testing import SandboxHandle

ORDERS = "/orders/2026-01-01/orders"
US = "ATVPDKIKX0DER"


class Amazon:
    """A bare-bones SP-API caller: just HTTP, so the tests see exactly what goes over the wire."""

    def __init__(self, handle: SandboxHandle) -> None:
        self.handle = handle
        self.url = handle.url
        self.http = requests.Session()
        self.access_token: str | None = None

    def login(self, **override: str) -> requests.Response:
        creds = self.handle.credentials
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            **override,
        }
        return self.http.post(self.handle.lwa_endpoint, data=form, timeout=10)

    def token(self) -> str:
        if self.access_token is None:
            response = self.login()
            assert response.status_code == 200, response.text
            self.access_token = response.json()["access_token"]
        return self.access_token

    def call(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"x-amz-access-token": token if token is not None else self.token(), "user-agent": "sandbox-tests"}
        kwargs.setdefault("timeout", 10)
        return self.http.request(method, self.url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def search(self, **params: Any) -> requests.Response:
        return self.get(ORDERS, params=params)


@pytest.fixture
def amazon(sandbox: SandboxHandle) -> Amazon:
    return Amazon(sandbox)
