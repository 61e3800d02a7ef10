"""A tiny SMTP server on loopback for tests that send real mail from a real worker.

It keeps every message it accepted, so a test can count exactly what reached the mail
server, and it can hold its answer to the next ``DATA`` command until the test lets it go:
a worker is then stuck in the middle of sending, where the test can kill it.

Only what Django's SMTP backend uses without TLS or login is spoken (EHLO/HELO, MAIL,
RCPT, DATA, RSET, NOOP, QUIT); a message counts once the client sent the final ``.``.
"""

from __future__ import annotations

import email
import socketserver
import threading
from email.message import Message

# How long a held DATA waits for the test at most, so a failing test never hangs.
HOLD_LIMIT = 60.0


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        fake = self.server.fake
        try:
            self.reply("220 fake.smtp.test ESMTP")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO" or verb == b"HELO":
                    self.reply("250 fake.smtp.test")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    self.reply("250 OK")
                elif verb == b"DATA":
                    fake.hold_if_asked()
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    message = self.read_message()
                    if message is None:
                        return  # the client went away in the middle: nothing was sent
                    fake.accept(message)
                    self.reply("250 OK queued")
                elif verb == b"QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 Command not implemented")
        except OSError:
            return  # the client died (e.g. a worker killed in the middle of a send)

    def read_message(self) -> bytes | None:
        lines = []
        while line := self.rfile.readline():
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)
        return None


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSMTP


class FakeSMTP:
    """``with FakeSMTP() as smtp:`` listens on ``smtp.host``/``smtp.port`` until the end."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raw: list[bytes] = []
        self._hold_next = False
        self.holding = threading.Event()  # set while a DATA answer is held back
        self._release = threading.Event()
        self._server: _Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def env(self) -> dict[str, str]:
        """What a worker's environment needs to send its mail here."""
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}

    def start(self) -> None:
        self._server = _Server((self.host, 0), _Handler)
        self._server.fake = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSMTP:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # Holding the next DATA answer back.

    def hold_next_data(self) -> None:
        with self._lock:
            self._hold_next = True
            self._release.clear()

    def release(self) -> None:
        self._release.set()

    def hold_if_asked(self) -> None:
        with self._lock:
            hold, self._hold_next = self._hold_next, False
        if hold:
            self.holding.set()
            self._release.wait(HOLD_LIMIT)
            self.holding.clear()

    # What was delivered.

    def accept(self, raw: bytes) -> None:
        with self._lock:
            self._raw.append(raw)

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return [email.message_from_bytes(raw) for raw in self._raw]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]
