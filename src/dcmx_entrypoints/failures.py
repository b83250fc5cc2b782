"""The expected failures of a command, told in one line: what ``cli.main`` prints instead of a
traceback. Light on purpose (the standard library only), since every command imports it."""

from __future__ import annotations

import sys
from typing import Final
from urllib.parse import urlsplit

INTERRUPTED: Final = 130
"""The exit code of a command stopped by Ctrl-C: 128 + SIGINT, as a shell reports it."""


class CommandFailed(RuntimeError):
    """An expected failure of a command, told in one line (no traceback)."""


def unreachable(error: BaseException) -> str | None:
    """One line for a node that does not answer or answers no HTTP (None: ``error`` is
    something else). The node's URL is named without its query, which may hold an API key."""
    # Looked up, not imported: an error of requests can only come from a process that loaded
    # it to ask a node, and a verb on a chain in this process never does.
    requests = sys.modules.get("requests")
    if requests is None or not isinstance(error, requests.RequestException):
        return None
    request = getattr(error, "request", None)
    url = getattr(request, "url", None) if request is not None else None
    where = f" at {urlsplit(str(url))._replace(query='').geturl()}" if url else ""
    kind = "does not answer in time" if isinstance(error, requests.Timeout) else "cannot be reached"
    return f"the node{where} {kind} ({type(error).__name__})"
