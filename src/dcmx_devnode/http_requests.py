"""HTTP/1.1 requests read as the standard library's ``BaseHTTPRequestHandler`` reads them, with
the header section read into a plain mapping instead of through the ``email`` package's parser,
which alone took about a tenth of a small request's time on the node.

The request line is checked as the standard library checks it (the same refusals: 400 for bad
syntax or version, 505 for HTTP/2, 431 for a header line too long or too many of them), and
``Connection`` and ``Expect: 100-continue`` are honoured the same way.
"""

from __future__ import annotations

import email.utils
import functools
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Final, Protocol

MAX_LINE: Final = 65_536
"""The longest header line read (``http.client``'s limit)."""
MAX_HEADERS: Final = 100
"""The most header lines read (``http.client``'s limit)."""


class RequestHeaders(dict[str, str]):
    """A request's header fields by lower-case name; a repeated field keeps its first value,
    as ``email.message.Message.get`` gives it."""

    def field(self, name: str, default: str = "") -> str:
        """The field ``name`` (any case), or ``default``."""
        return self.get(name.lower(), default)


class Lines(Protocol):
    """What the header section is read from: a request's buffered stream."""

    def readline(self, size: int, /) -> bytes: ...


class FieldsRefused(ValueError):
    """A header section beyond the limits (``MAX_LINE``, ``MAX_HEADERS``): HTTP's 431, with
    the standard library's message and explanation."""

    def __init__(self, message: str, explanation: str) -> None:
        super().__init__(message)
        self.explanation = explanation


def read_fields(stream: Lines) -> RequestHeaders:
    """The header section read from ``stream`` up to its empty line (or the stream's end)."""
    fields = RequestHeaders()
    last = ""
    readline = stream.readline
    for _ in range(MAX_HEADERS + 1):
        line = readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise FieldsRefused(
                "Line too long", f"got more than {MAX_LINE} bytes when reading header line"
            )
        if line in _SECTION_ENDS:
            return fields
        text = line.decode("iso-8859-1")  # strip() below takes the line's end off too
        if text[0] in " \t":  # a folded line continues the field before
            if last:
                fields[last] = f"{fields[last]} {text.strip()}"
            continue
        name, colon, value = text.partition(":")
        name = name.strip().lower()
        last = name if colon and name not in fields else ""
        if last:
            fields[last] = value.strip()
    raise FieldsRefused("Too many headers", f"got more than {MAX_HEADERS} headers")


_SECTION_ENDS: Final = frozenset((b"\r\n", b"\n", b""))


def _version(text: str) -> tuple[int, int] | None:
    """``HTTP/x.y`` as ``(x, y)``, or ``None`` when the standard library would refuse it."""
    if not text.startswith("HTTP/"):
        return None
    parts = text[5:].split(".")
    if len(parts) != 2 or not all(part.isdigit() and len(part) <= 10 for part in parts):
        return None
    return int(parts[0]), int(parts[1])


@functools.lru_cache(maxsize=1)
def _date(second: int) -> str:
    """The ``Date`` field of answers made in ``second`` (``date_time_string``'s form)."""
    return email.utils.formatdate(second, usegmt=True)


class LeanRequestHandler(BaseHTTPRequestHandler):
    """``BaseHTTPRequestHandler`` whose requests' headers are in ``fields``, and whose
    answers can be written whole (``send_answer``)."""

    fields: RequestHeaders
    raw_requestline: bytes
    """The request line as read (set by ``handle_one_request``)."""

    def parse_request(self) -> bool:
        self.command = ""
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = _version(words[-1])
            if version is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({words[-1]!r})")
                return False
            if version >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if version >= (2, 0):
                self.send_error(
                    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                    f"Invalid HTTP version ({words[-1][5:]})",
                )
                return False
            self.request_version = words[-1]
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        self.command, self.path = words[0], words[1]
        if len(words) == 2:
            self.close_connection = True
            if self.command != "GET":
                self.send_error(
                    HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({self.command!r})"
                )
                return False
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        try:
            fields = read_fields(self.rfile)
        except FieldsRefused as refusal:
            status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            self.send_error(status, str(refusal), refusal.explanation)
            return False
        self.fields = fields
        connection = fields.field("connection").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expects = fields.field("expect").lower() == "100-continue"
        both_1_1 = self.protocol_version >= "HTTP/1.1" and self.request_version >= "HTTP/1.1"
        if expects and both_1_1:
            return self.handle_expect_100()
        return True

    def send_answer(self, status: int, fields: str, body: bytes) -> None:
        """Write an answer as ``send_response``, ``send_header`` and ``end_headers`` would,
        its status line, ``Server`` and ``Date`` first, then ``fields`` (header lines, each
        ending in CRLF) and the body's length, in one write and without the logging."""
        if self.request_version == "HTTP/0.9":  # no status line, no header fields
            self.wfile.write(body)
            return
        head = (
            f"{self.protocol_version} {status} {self.responses[status][0]}\r\n"
            f"Server: {self.version_string()}\r\nDate: {_date(int(time.time()))}\r\n"
            f"{fields}Content-Length: {len(body)}\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + body)
