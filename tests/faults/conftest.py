"""The fault suite's machinery: real processes (a Redis of the test's own, gunicorn, Celery
workers) and a local SMTP server, each started by the test and stopped by it.

Every process runs in its own process group (`start_new_session`) and the group is killed
when the test ends, passed or failed: a leftover worker or web process has held a test
database open before. Output goes to files under the test's tmp_path (a pipe nobody reads
fills up and stalls the process); `Processes.output()` shows it when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.conftest import ROOT, database_url_for_subprocesses


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


@dataclass
class Processes:
    """The processes a test started; all of their groups are killed at the end."""

    folder: Path
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its children
            )
        self.started.append((name, process, log))
        return process

    def stop(self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)

    def stop_all(self) -> None:
        for _name, process, _log in reversed(self.started):
            self.stop(process)
            # Children that left the group's leader behind (prefork pool) go too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        for _name, started, log in self.started:
            if started is process:
                return log.read_text(errors="replace")
        return ""

    def output(self) -> str:
        return "\n".join(
            f"----- {name} (exit {process.poll()}) -----\n{log.read_text(errors='replace')[-6000:]}"
            for name, process, log in self.started
        )


@pytest.fixture
def processes(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Processes]:
    started = Processes(folder=tmp_path)
    try:
        yield started
    finally:
        started.stop_all()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(started.output())  # shown with the failure


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@dataclass
class RedisServer:
    """A redis-server of the test's own on a free port (append-only file, as in production)."""

    processes: Processes
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = self.processes.spawn(
            "redis",
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--appendonly", "yes", "--save", ""),
            ],
            env=dict(os.environ),
        )
        wait_until(self.ping, 20, "redis-server to answer")

    def stop(self) -> None:
        assert self.process is not None
        self.processes.stop(self.process)
        self.process = None
        wait_until(lambda: not self.ping(), 10, "redis-server to stop")


@pytest.fixture
def redis_server(processes: Processes, tmp_path: Path) -> RedisServer:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(processes=processes, folder=folder)
    server.start()
    return server


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's SMTP backend: EHLO, MAIL, RCPT, DATA, QUIT."""

    server: _SmtpServer

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            command = line[:4].upper()
            if command == b"EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif command == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class _SmtpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    messages: list[bytes]


@dataclass
class SmtpSink:
    """A local SMTP server on a fixed port, that the test starts and stops: while it is
    stopped, connections to the port are refused (the mail server is away)."""

    port: int = field(default_factory=free_port)
    messages: list[bytes] = field(default_factory=list)
    server: _SmtpServer | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = _SmtpServer(("127.0.0.1", self.port), _SmtpHandler)
        self.server.messages = self.messages
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def to(self, address: str) -> list[bytes]:
        return [m for m in self.messages if f"To: {address}".encode() in m]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()  # not started: the mail server is away until the test starts it
    try:
        yield sink
    finally:
        sink.stop()


def worker_command(*extra: str) -> list[str]:
    """bin/worker as production runs it, one process, on the default queue."""
    return [str(ROOT / "bin" / "worker"), "--concurrency=1", *extra]


def subprocess_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHON": sys.executable,
        "DATABASE_URL": database_url_for_subprocesses(),
        "CONN_MAX_AGE": "0",
        **extra,
    }


class Browser:
    """Cookies and CSRF by hand over urllib (the production settings' cookies are Secure,
    which an http cookie jar would never send back)."""

    def __init__(self, base: str, host: str) -> None:
        self.base = base
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(
        self, path: str, data: dict[str, str] | None = None, timeout: float = 15
    ) -> tuple[int, str, str]:
        """(status, Location, body) without following redirects."""
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), response.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
