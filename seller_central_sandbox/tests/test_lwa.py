"""Login with Amazon and the access token every SP-API call needs."""

from __future__ import annotations

from .conftest import ORDERS, Amazon


def an_hour_ago() -> str:
    import datetime as dt

    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_refresh_token_buys_an_access_token_for_an_hour(amazon: Amazon):
    response = amazon.login()

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")
    assert amazon.search(lastUpdatedAfter=an_hour_ago()).status_code == 200


def test_unknown_client_or_wrong_secret_is_invalid_client(amazon: Amazon):
    for override in ({"client_id": "amzn1.application-oa2-client.other"}, {"client_secret": "wrong"}):
        response = amazon.login(**override)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"


def test_wrong_refresh_token_is_invalid_grant(amazon: Amazon):
    response = amazon.login(refresh_token="Atzr|revoked")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_request_must_be_form_encoded_with_a_grant_type(amazon: Amazon):
    creds = amazon.handle.credentials
    as_json = amazon.http.post(
        amazon.handle.lwa_endpoint,
        json={"grant_type": "refresh_token", "refresh_token": creds.refresh_token, "client_id": creds.client_id},
    )
    assert as_json.status_code == 400
    assert amazon.login(grant_type="password").json()["error"] == "unsupported_grant_type"


def test_calls_without_or_with_a_made_up_token_are_refused(amazon: Amazon):
    missing = amazon.http.get(amazon.url + ORDERS, params={"lastUpdatedAfter": an_hour_ago()})
    made_up = amazon.get(ORDERS, token="Atza|made-up", params={"lastUpdatedAfter": an_hour_ago()})

    assert missing.status_code == 403
    assert missing.json()["errors"][0]["code"] == "Unauthorized"
    assert made_up.status_code == 403
    assert made_up.json()["errors"][0]["message"] == "The access token you provided is revoked, malformed or invalid."


def test_token_expires_after_an_hour_of_sandbox_time(amazon: Amazon):
    amazon.token()
    amazon.handle.control.advance(3599)
    assert amazon.search(lastUpdatedAfter=an_hour_ago()).status_code == 200

    amazon.handle.control.advance(2)
    expired = amazon.search(lastUpdatedAfter=an_hour_ago())

    assert expired.status_code == 403
    assert expired.json() == {
        "errors": [{"code": "Unauthorized", "message": "The access token you provided has expired.", "details": ""}]
    }
    amazon.access_token = None  # a fresh token works again
    assert amazon.search(lastUpdatedAfter=an_hour_ago()).status_code == 200


def test_every_response_carries_request_id_and_rate_limit(amazon: Amazon):
    ok = amazon.search(lastUpdatedAfter=an_hour_ago())
    refused = amazon.get(ORDERS, token="", params={"lastUpdatedAfter": an_hour_ago()})

    for response in (ok, refused):
        assert response.headers["x-amzn-RequestId"]
        assert float(response.headers["x-amzn-RateLimit-Limit"]) == 0.0056
