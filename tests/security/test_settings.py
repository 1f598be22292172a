"""Production defaults: Amazon's own HTTPS hosts, no well-known secret key, HTTPS-only cookies and redirects; the
demo and the environment can still point the channel at the local sandbox."""

from __future__ import annotations

import runpy
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from amazon_channel.spapi.config import InsecureEndpointError, SpApiConfig
from config.checks import check_amazon_endpoints
from tests.security.helpers import ROOT, SETTINGS_ENV, production_env


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """config/settings.py evaluated afresh under the given environment (nothing else set)."""

    def load(**env: str) -> dict:
        for name in SETTINGS_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("APP_VAR_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "config" / "settings.py"))

    return load


# --- Where credentials go --------------------------------------------------------------------------------------------


def test_production_talks_to_amazons_own_https_hosts(load_settings):
    s = load_settings(DJANGO_SECRET_KEY="k" * 50)
    assert s["SPAPI_ENDPOINTS"] == {
        "na": "https://sellingpartnerapi-na.amazon.com",
        "eu": "https://sellingpartnerapi-eu.amazon.com",
        "fe": "https://sellingpartnerapi-fe.amazon.com",
    }
    assert s["LWA_ENDPOINT"] == "https://api.amazon.com/auth/o2/token"


def test_debugging_alone_still_talks_to_amazon(load_settings):
    s = load_settings(DJANGO_SECRET_KEY="k" * 50, DJANGO_DEBUG="1")
    assert s["SPAPI_ENDPOINTS"]["na"] == "https://sellingpartnerapi-na.amazon.com"


def test_the_demo_talks_to_the_local_sandbox(load_settings):
    s = load_settings(DJANGO_DEMO="1")
    assert set(s["SPAPI_ENDPOINTS"].values()) == {"http://127.0.0.1:8001"}
    assert s["LWA_ENDPOINT"] == "http://127.0.0.1:8001/auth/o2/token"


def test_the_environment_can_name_the_sandbox_or_each_endpoint(load_settings):
    s = load_settings(DJANGO_SECRET_KEY="k" * 50, SELLER_CENTRAL_SANDBOX_URL="http://127.0.0.1:9100/")
    assert set(s["SPAPI_ENDPOINTS"].values()) == {"http://127.0.0.1:9100"}
    assert s["LWA_ENDPOINT"] == "http://127.0.0.1:9100/auth/o2/token"
    s = load_settings(
        DJANGO_SECRET_KEY="k" * 50,
        SPAPI_ENDPOINT_EU="https://sandbox.sellingpartnerapi-eu.amazon.com",
        LWA_ENDPOINT="https://lwa.example.com/auth/o2/token",
    )
    assert s["SPAPI_ENDPOINTS"]["eu"] == "https://sandbox.sellingpartnerapi-eu.amazon.com"
    assert s["SPAPI_ENDPOINTS"]["na"] == "https://sellingpartnerapi-na.amazon.com"
    assert s["LWA_ENDPOINT"] == "https://lwa.example.com/auth/o2/token"


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://sellingpartnerapi-na.amazon.com", True),
        ("http://127.0.0.1:8001", True),
        ("http://localhost:8001", True),
        ("http://[::1]:8001", True),
        ("http://sandbox.internal:8001", False),
        ("http://10.0.0.5:8001", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_plain_http_endpoints_outside_loopback_fail_the_system_check(settings, url, safe):
    settings.SPAPI_ENDPOINTS = {"na": url, "eu": "https://sellingpartnerapi-eu.amazon.com", "fe": url}
    settings.LWA_ENDPOINT = "https://api.amazon.com/auth/o2/token"
    errors = check_amazon_endpoints()
    if safe:
        assert errors == []
    else:
        assert [e.id for e in errors] == ["config.E001", "config.E001"]
        assert all(isinstance(e, Error) and url in e.msg for e in errors)


def test_manage_py_check_refuses_a_plain_http_lwa_endpoint(settings):
    settings.LWA_ENDPOINT = "http://api.example.com/auth/o2/token"
    with pytest.raises(SystemCheckError, match="LWA_ENDPOINT"):
        call_command("check")


def test_workers_refuse_to_send_credentials_over_plain_http_even_without_the_check():
    values = {
        "lwa_endpoint": "https://api.amazon.com/auth/o2/token",
        "client_id": "id",
        "client_secret": "secret",
        "refresh_token": "token",
        "marketplace_id": "ATVPDKIKX0DER",
        "seller_id": "A1",
    }
    with pytest.raises(InsecureEndpointError, match="sellingpartnerapi"):
        SpApiConfig(endpoint="http://sellingpartnerapi-na.amazon.com", **values)
    assert SpApiConfig(endpoint="http://127.0.0.1:8001", **values).endpoint == "http://127.0.0.1:8001"


# --- The secret key and the demo ---------------------------------------------------------------------------------


def test_debug_without_a_secret_key_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        load_settings(DJANGO_DEBUG="1")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        load_settings()


def test_only_the_demo_runs_on_the_well_known_key(load_settings):
    assert load_settings(DJANGO_DEMO="1")["SECRET_KEY"].startswith("demo-only-insecure")
    assert load_settings(DJANGO_SECRET_KEY="k" * 50, DJANGO_DEMO="1")["SECRET_KEY"] == "k" * 50


# --- HTTPS ---------------------------------------------------------------------------------------------------------


def test_production_is_https_only(load_settings):
    s = load_settings(DJANGO_SECRET_KEY="k" * 50)
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True
    assert "SECURE_PROXY_SSL_HEADER" not in s  # trusting a header needs a proxy that sets it


@pytest.mark.parametrize("env", [{"DJANGO_DEMO": "1"}, {"DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": "k" * 50}])
def test_the_demo_and_debugging_run_over_plain_http(load_settings, env):
    s = load_settings(**env)
    assert not (s["SECURE_SSL_REDIRECT"] or s["SESSION_COOKIE_SECURE"] or s["CSRF_COOKIE_SECURE"])
    assert s["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    "value", ["X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO", "X-Forwarded-Proto: https", "HTTP_X_FORWARDED_PROTO=https"]
)
def test_the_proxys_https_header_comes_from_the_environment(load_settings, value):
    s = load_settings(DJANGO_SECRET_KEY="k" * 50, DJANGO_SECURE_PROXY_SSL_HEADER=value)
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = production_env(DJANGO_SETTINGS_MODULE="config.settings", APP_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- Credential keys ------------------------------------------------------------------------------------------------


def test_encryption_keys_newest_first_and_the_single_key_of_earlier_versions(load_settings):
    new, old, legacy = (Fernet.generate_key().decode() for _ in range(3))
    s = load_settings(
        DJANGO_SECRET_KEY="k" * 50, CREDENTIALS_ENCRYPTION_KEYS=f"{new}, {old}", CREDENTIALS_ENCRYPTION_KEY=legacy
    )
    assert s["CREDENTIALS_ENCRYPTION_KEYS"] == [new, old, legacy]
    assert load_settings(DJANGO_SECRET_KEY="k" * 50, CREDENTIALS_ENCRYPTION_KEY=legacy)[
        "CREDENTIALS_ENCRYPTION_KEYS"
    ] == [legacy]


def test_a_malformed_encryption_key_stops_start_up(load_settings):
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        load_settings(DJANGO_SECRET_KEY="k" * 50, CREDENTIALS_ENCRYPTION_KEYS="not-a-key")
