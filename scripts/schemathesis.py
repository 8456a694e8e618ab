#!/usr/bin/env python3
"""Property-based tests of the JSON API against its own OpenAPI document (schemathesis).

Starts a throwaway server in demo mode (SQLite in a temporary directory, a free port), signs
in as each demo role, and runs schemathesis against /api/v1/openapi.json once without a
session and once per role, with a fixed seed and a fixed number of examples per operation.
Checks: no server errors (5xx), every status code, content type and header documented, every
response body valid against its documented schema. Exits non-zero on any failure; the
server is stopped whatever happens.

Environment: DATABASE_URL (an empty PostgreSQL database instead of SQLite), LOTSA_SERVER_BIN (default target/release/server), LOTSA_SITE_ROOT (default
target/site), CARGO_TARGET_DIR, SCHEMATHESIS_EXAMPLES (default 50), SCHEMATHESIS_SEED
(default 20261202), SCHEMATHESIS_ARGS (more options for `st run`, e.g. `--phases stateful` or
`--checks all` when exploring). Run with the Python of the virtual environment that scripts/setup.sh
--test makes (.venv/bin/python), which has schemathesis.
"""

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
SERVER_BIN = Path(os.environ.get("LOTSA_SERVER_BIN") or TARGET_DIR / "release" / "server")
SITE_ROOT = Path(os.environ.get("LOTSA_SITE_ROOT") or TARGET_DIR / "site")
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "50")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261202")
EXTRA_ARGS = shlex.split(os.environ.get("SCHEMATHESIS_ARGS", ""))
ST = Path(sys.executable).parent / "st"

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as response:
        return response.status, response.headers, json.loads(response.read() or b"null")


def wait_for_health(base: str, server: subprocess.Popen, log_path: Path) -> None:
    # Generous: demo mode stores a whole programme before it answers.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited early:\n{log_path.read_text()}")
        try:
            status, _, _ = request(f"{base}/health")
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    sys.exit(f"the server did not answer /health within 90 s:\n{log_path.read_text()}")


def sign_in(base: str, origin: str, username: str, password: str) -> str:
    _, headers, _ = request(
        f"{base}/api/v1/auth/login",
        {"username": username, "password": password},
        {"origin": origin},
    )
    for header in headers.get_all("set-cookie") or []:
        cookie = SimpleCookie(header)
        if "lotsa_session" in cookie:
            return cookie["lotsa_session"].value
    sys.exit(f"signing in as {username} set no session cookie")


def schemathesis(
    spec: Path, base: str, origin: str, label: str, session: str | None, exclude_logout: bool
):
    command = [
        str(ST),
        "run",
        str(spec),
        "--url",
        base,
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--phases",
        "examples,coverage,fuzzing",
        # One worker: with several, Python 3.11's ast.parse (which hypothesis calls to
        # describe strategies) fails at random with "AST constructor recursion depth mismatch".
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        # State-changing requests must name the server's own origin (the CSRF check);
        # cross-site ones are refused with 403 before anything else is looked at.
        "--header",
        f"Origin: {origin}",
    ]
    if session:
        command += ["--header", f"Cookie: lotsa_session={session}"]
    if exclude_logout:
        # Signing out would end the session the rest of this run uses, so every later
        # request would test only the 401 answer. The run without a session covers it.
        command += ["--exclude-path", "/api/v1/auth/logout"]
    command += EXTRA_ARGS
    print(f"\n==> schemathesis as {label}", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=tempfile.gettempdir())
    print(f"==> {label}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code


def main() -> int:
    if not SERVER_BIN.is_file():
        sys.exit(f"no server binary at {SERVER_BIN}; build it with `make build`")
    if not ST.is_file():
        sys.exit(f"schemathesis is not installed beside {sys.executable}; run scripts/setup.sh --test")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    origin = base
    data_dir = Path(tempfile.mkdtemp(prefix="lotsa-schemathesis-"))
    log_path = data_dir / "server.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LOTSA_ADDR": f"127.0.0.1:{port}",
        "LOTSA_DATA_DIR": str(data_dir),
        "LOTSA_SITE_ROOT": str(SITE_ROOT),
        "LOTSA_DEMO": "true",
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
    }
    for passed_on in ["LOTSA_HASH_FILES", "DATABASE_URL"]:
        if passed_on in os.environ:
            env[passed_on] = os.environ[passed_on]
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(SERVER_BIN)], env=env, stdout=log, stderr=subprocess.STDOUT)
    failed = []
    started = time.monotonic()
    try:
        wait_for_health(base, server, log_path)
        # From a file: loaded from its URL, schemathesis leaves the document's own endpoint
        # (/api/v1/openapi.json) untested.
        spec = data_dir / "openapi.json"
        _, _, document = request(f"{base}/api/v1/openapi.json")
        spec.write_text(json.dumps(document))
        _, _, logins = request(f"{base}/api/v1/demo-logins")
        if not logins:
            sys.exit("the demo server listed no demo logins")
        # Sign in as every role first: the fuzzed sign-ins and invite codes below soon reach
        # the address's rate limit (429).
        sessions = [
            (login["role"], sign_in(base, origin, login["username"], login["password"]))
            for login in logins
        ]
        if schemathesis(spec, base, origin, "nobody (no session)", None, exclude_logout=False):
            failed.append("nobody")
        for role, session in sessions:
            if schemathesis(spec, base, origin, role, session, exclude_logout=True):
                failed.append(role)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        errors = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if "ERROR" in line or "panicked" in line
        ]
        if errors:
            print("\n==> the server logged errors:\n" + "\n".join(errors[:50]), flush=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n==> schemathesis took {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"==> schemathesis found failures as: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
