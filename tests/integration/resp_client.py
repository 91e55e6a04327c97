"""A tiny raw RESP2/RESP3 connection for tests that need what redis-py 4.3
cannot do: RESP3 replies (HELLO 3), commands without replies (CLIENT REPLY
OFF), MONITOR streams. Replies are decoded to Python values; RESP3 types
are kept distinguishable where a test needs to check the wire type."""
import socket


class Error(Exception):
    """An error reply; str() is the text without the leading '-'."""


class Map(dict):
    pass


class Set(list):
    pass


class Push(list):
    pass


class Verbatim(bytes):
    pass


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return Error(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._bytes(n)
        if t == b"=":
            data = self._bytes(int(rest))
            return Verbatim(data[4:])
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            return float(rest)
        if t == b"(":
            return int(rest)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            return {b"*": list, b"~": Set, b">": Push}[t](items)
        if t == b"%":
            n = int(rest)
            m = Map()
            for _ in range(n):
                k = self.read()
                m[k if not isinstance(k, list) else tuple(k)] = self.read()
            return m
        if t == b"|":  # attribute: read and drop, then the real reply
            n = int(rest)
            for _ in range(2 * n):
                self.read()
            return self.read()
        raise AssertionError("bad RESP type %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.read()

    def raw_call(self, *args):
        """Send a command and return the raw bytes of whatever arrives
        within a short time (for checking the exact wire format)."""
        self.send(*args)
        self.sock.settimeout(0.3)
        data = self.buf
        self.buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        self.sock.settimeout(5.0)
        return data


def call_err(c, *args):
    """Runs a command that must fail; returns the error text."""
    v = c.call(*args)
    assert isinstance(v, Error), v
    return str(v)
