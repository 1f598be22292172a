"""The README's production web server: gunicorn with production settings from the environment only, behind a proxy
that terminates TLS. HTTPS is enforced, sign-in works through the proxy, and the pages carry their protections."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.security.helpers import ROOT, production_env

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_server(tmp_path):
    env = production_env(
        APP_VAR_DIR=str(tmp_path),
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_SUPERUSER_PASSWORD="a-Long-unusual-passphrase-42",
    )
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "-v0"], ["createsuperuser", "--no-input", "--username", "ops", "--email", "o@e.com"]):
        subprocess.run([*manage, *step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # the worker loads Django on start: seconds on a busy machine
        while True:
            try:
                requests.get(url + "/login/", timeout=10, allow_redirects=False)
                break
            except requests.RequestException:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_serves_https_only_and_signs_in_behind_the_proxy(production_server):
    url = production_server
    host = url.removeprefix("http://")
    plain = requests.get(url + "/login/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"] == f"https://{host}/login/"

    tls = {"X-Forwarded-Proto": "https"}  # what the proxy adds to requests that reached it over HTTPS
    login = requests.get(url + "/login/", headers=tls, timeout=30)
    assert login.status_code == 200
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self'" in login.headers["Content-Security-Policy"]
    assert "Secure" in login.headers["Set-Cookie"] and "csrftoken=" in login.headers["Set-Cookie"]
    assert requests.get(url + "/static/vendor/htmx/htmx.min.js", headers=tls, timeout=30).status_code == 200

    # The cookies are Secure, so a client sends them only over HTTPS: send them as the browser would behind the proxy.
    csrf = login.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    signed_in = requests.post(
        url + "/login/",
        data={"username": "ops", "password": "a-Long-unusual-passphrase-42", "csrfmiddlewaretoken": token},
        headers={**tls, "Origin": f"https://{host}", "Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert "Secure" in signed_in.headers["Set-Cookie"] and "HttpOnly" in signed_in.headers["Set-Cookie"]
    session = signed_in.cookies["sessionid"]
    dashboard = requests.get(url + "/", headers={**tls, "Cookie": f"sessionid={session}"}, timeout=30)
    assert dashboard.status_code == 200 and "Dashboard" in dashboard.text
    assert "no-store" in dashboard.headers["Cache-Control"]
