#!/usr/bin/env python3
"""The two commands of the README.

    python3 dev.py demo       # install, migrate, demo login + data, run web + worker + beat + Seller Central sandbox
    python3 dev.py test       # install, then ruff, the architecture contracts and the whole pytest suite
    python3 dev.py messages   # build the translations (locale/*/LC_MESSAGES/django.mo); demo and test do it too

Only the standard library is used here: this file runs before the virtualenv exists.
"""

from __future__ import annotations

import array
import ast
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
WEB_PORT = int(os.environ.get("PORT", "8000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8001"))


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, check=True)


def ensure_virtualenv() -> None:
    """Create .venv and install the pinned requirements, again only when they change."""
    if not PY.exists():
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in REQUIREMENTS)).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements-dev.txt")
    stamp.write_text(digest)


def build_messages() -> list[Path]:
    """Compile every locale/*/LC_MESSAGES/*.po whose .mo is missing or older, with GNU msgfmt when installed (it also
    checks the placeholders), otherwise in pure Python. The .mo files are build products, never committed."""
    built = []
    msgfmt = shutil.which("msgfmt")
    for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            continue
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")  # then renamed: a reader never sees half a file
        if msgfmt:
            run(msgfmt, "--check-format", "-o", partial, po)
        else:
            print(f"+ compile {po.relative_to(ROOT)} (pure Python: msgfmt is not installed)", flush=True)
            partial.write_bytes(compile_po(po.read_text(encoding="utf-8")))
        os.replace(partial, mo)
        built.append(mo)
    return built


def parse_po(text: str) -> list[dict]:
    """The entries of a .po file, each a dict of msgctxt / msgid / msgid_plural / msgstr / msgstr[N] -> text and
    "flags" (the `#,` line). Obsolete entries (`#~`) are left out."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for line in (raw.strip() for raw in text.splitlines()):
        starts_entry = line.startswith("#") or line.startswith("msgctxt") or line.startswith("msgid ")
        if (not line or starts_entry) and any(k.startswith("msgstr") for k in entry):
            entries.append(entry)
            entry, key = {"flags": set()}, None
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        elif not line.startswith("#"):
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value.strip())
    if any(k.startswith("msgstr") for k in entry):
        entries.append(entry)
    return entries


def compile_po(text: str) -> bytes:
    """A GNU .mo file of the .po text, as msgfmt writes it: fuzzy and untranslated entries are left out (the header's
    fuzzy flag aside, as msgfmt does with the header)."""
    catalog: dict[bytes, bytes] = {}
    for entry in parse_po(text):
        header = entry["msgid"] == "" and "msgctxt" not in entry
        if "fuzzy" in entry["flags"] and not header:
            continue
        if "msgid_plural" in entry:
            forms = [
                entry[k] for k in sorted((k for k in entry if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
            ]
            if not any(forms):
                continue
            key = entry["msgid"] + "\0" + entry["msgid_plural"]
            value = "\0".join(forms)
        else:
            key, value = entry["msgid"], entry.get("msgstr", "")
            if not value:
                continue
        if "msgctxt" in entry:
            key = entry["msgctxt"] + "\x04" + key
        catalog[key.encode()] = value.encode()
    keys = sorted(catalog)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(catalog[k])))
        ids += k + b"\0"
        strs += catalog[k] + b"\0"
    start = 7 * 4 + 16 * len(keys)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + start]
        voffsets += [l2, o2 + start + len(ids)]
    header = array.array("I", [0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0])
    body = array.array("I", koffsets + voffsets)
    if sys.byteorder != "little":
        header.byteswap()
        body.byteswap()
    return header.tobytes() + body.tobytes() + ids + strs


# The fonts printed documents embed (orders/documents/fonts.py): DejaVu Sans and, for Chinese and Japanese, Droid
# Sans Fallback. Debian packages: installed here when apt-get can (as root), else the PDFs say which are missing.
DOCUMENT_FONTS = {
    "fonts-dejavu-core": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "fonts-droid-fallback": Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
}


def ensure_document_fonts() -> None:
    missing = [package for package, path in DOCUMENT_FONTS.items() if not path.exists()]
    if not missing or os.environ.get("DOCUMENT_FONT_DIRS"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
            return
        except subprocess.CalledProcessError:
            try:
                run("apt-get", "update", "-qq", env=env)
                run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
                return
            except subprocess.CalledProcessError:
                pass
    print(f"! install {' '.join(missing)} (or set DOCUMENT_FONT_DIRS) to print invoices and packing slips", flush=True)


def demo() -> int:
    ensure_virtualenv()
    ensure_document_fonts()
    build_messages()
    sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
    env = {
        **os.environ,
        "DJANGO_DEMO": "1",
        "SELLER_CENTRAL_SANDBOX_URL": os.environ.get("SELLER_CENTRAL_SANDBOX_URL", sandbox_url),
        "PYTHONUNBUFFERED": "1",
        # Feeds (cancellations, refunds) go out in 15-second windows in the demo instead of Amazon's 2 minutes.
        "AMAZON_FEED_WINDOW_SECONDS": os.environ.get("AMAZON_FEED_WINDOW_SECONDS", "15"),
        "AMAZON_FEED_POLL_SECONDS": os.environ.get("AMAZON_FEED_POLL_SECONDS", "5"),
    }
    manage = [PY, "manage.py"]
    run(*manage, "migrate", "--no-input", env=env)
    processes = {
        "sandbox": [
            PY,
            "-m",
            "seller_central_sandbox",
            "--port",
            str(SANDBOX_PORT),
            "--seed",
            "42",
            "--demo",
            # Amazon's quotas, refilled 10x faster, so a once-a-minute sync never waits minutes for a token.
            "--time-scale",
            "10",
        ],
        "worker": [PY, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        "beat": [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        "web": [*manage, "runserver", "--insecure", "--noreload", f"127.0.0.1:{WEB_PORT}"],
    }
    children: dict[str, subprocess.Popen] = {}
    try:
        children["sandbox"] = subprocess.Popen([str(c) for c in processes.pop("sandbox")], cwd=ROOT, env=env)
        time.sleep(1.5)  # the demo store's set-up talks to the sandbox
        run(*manage, "demo_setup", env=env)
        for name, cmd in processes.items():
            children[name] = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env=env)
        print(f"\nThe admin runs at http://127.0.0.1:{WEB_PORT}/ (sandbox at {sandbox_url}/). Ctrl-C stops it.\n")
        while all(p.poll() is None for p in children.values()):
            time.sleep(1)
        for name, p in children.items():
            if p.returncode is not None:
                print(f"{name} exited with {p.returncode}; stopping the rest.")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in children.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in children.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test(pytest_args: list[str]) -> int:
    ensure_virtualenv()
    ensure_document_fonts()
    build_messages()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    steps = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "lint-imports", "--no-cache"],
        [PY, "manage.py", "makemigrations", "--check", "--dry-run", "--settings", "config.settings_test"],
    ]
    for step in steps:
        print("+", " ".join(str(c) for c in step), flush=True)
        if subprocess.run([str(c) for c in step], cwd=ROOT, env=env).returncode != 0:
            return 1
    args = pytest_args or ["-n", os.environ.get("PYTEST_WORKERS", "2"), "--dist", "loadfile"]
    print("+ pytest", " ".join(args), flush=True)
    return subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "messages"}:
        print(__doc__)
        return 2
    if argv[0] == "demo":
        return demo()
    if argv[0] == "messages":
        build_messages()
        return 0
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
