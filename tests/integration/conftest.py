"""Integration-test fixtures: start the real apiary-server binary on a free
port and talk to it with real clients (redis-py, redis-cli).

APIARY_BIN points at the binary (the Makefile sets it; the sanitizer run
points it at the ASan+UBSan build)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("APIARY_BIN", os.path.join(ROOT, "build", "apiary-server"))


# every directory a Server made; removed when the session ends (a test that
# kills a server to restart it in the same directory keeps it until then)
CREATED_DIRS = []


def pytest_sessionfinish(session, exitstatus):
    for d in CREATED_DIRS:
        shutil.rmtree(d, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running apiary-server; .client() gives a new redis-py client."""

    def __init__(self, args=(), config_text=None, dir=None, expect_exit=False, port=None):
        """dir: start in an existing directory (a restart); expect_exit: the
        server is expected to refuse to start: wait for it to exit and keep
        its exit code in self.exit_code; port: a given port (a restart that
        others must find where it was)."""
        self.port = port or free_port()
        self.dir = dir or tempfile.mkdtemp(prefix="apiary-test-")
        if not dir:
            CREATED_DIRS.append(self.dir)
        self.logpath = os.path.join(self.dir, "server.log")
        cmd = [BIN]
        if config_text is not None:
            self.config_path = os.path.join(self.dir, "apiary.conf")
            with open(self.config_path, "w") as f:
                f.write(config_text)
            cmd.append(self.config_path)
        cmd += ["--port", str(self.port), "--dir", self.dir, "--save", ""] + list(args)
        self.log = open(self.logpath, "a" if dir else "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        if expect_exit:
            self.exit_code = self.proc.wait(30)
            self.log.close()
            return
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    self.stop()  # leaves nothing behind; the log text is kept
                    raise RuntimeError("server exited early:\n" + self.read_log())
                if time.time() > deadline:
                    raise RuntimeError("server did not start:\n" + self.read_log())
                time.sleep(0.02)

    def client(self, **kw):
        kw.setdefault("decode_responses", False)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw(self, data, read_until_close=False, timeout=2.0):
        """Send raw bytes on a fresh socket and return what comes back."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            out = b""
            end = time.time() + timeout
            while time.time() < end:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                out += chunk
                if not read_until_close and out.endswith(b"\r\n"):
                    s.settimeout(0.1)
            return out
        finally:
            s.close()

    def cli(self, *args, stdin=None):
        r = subprocess.run(["redis-cli", "-p", str(self.port)] + [str(a) for a in args],
                           input=stdin, capture_output=True, timeout=20)
        return r.stdout.decode()

    def read_log(self):
        if getattr(self, "final_log", None) is not None:
            return self.final_log
        try:
            with open(self.logpath) as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        """SIGKILL, keeping the directory (for a restart in it)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        # keep the log text for the caller, then leave nothing behind in /tmp
        self.final_log = self.read_log()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    rc = s.stop()
    # a clean exit (0) is part of the contract, also under sanitizers
    assert rc == 0, "server exited with %r\n%s" % (rc, s.read_log()[-4000:])


@pytest.fixture
def r(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def make_server():
    started = []

    def make(*args, **kw):
        s = Server(*args, **kw)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def c(server, r):
    """A raw RESP connection (exact replies and errors) on a flushed server."""
    from resp_client import Conn
    conn = Conn(server.port)
    yield conn
    conn.close()
