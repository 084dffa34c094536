"""The worker protocol: one JSON object per line on stdin, one reply per line on stdout.

Every request carries an ``id`` and an ``op``; every reply echoes the ``id`` and has either
``result`` or ``error`` (``{"type", "message"}``). Before its reply a long request may send progress
lines ``{"id", "event": {...}}``. Diagnostics go to stderr, never stdout, so the stream stays
parseable. The version is bumped on any incompatible change and checked by ``hello``; the TypeScript
side of the same messages is ``src/train/worker-protocol.ts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = 2


class ProtocolError(Exception):
    """A request that cannot be understood; reported back, the worker keeps running."""


@dataclass(frozen=True)
class Request:
    id: int | str
    op: str
    params: dict[str, Any]


def parse_request(line: str) -> Request:
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"request is not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(message, dict):
        raise ProtocolError("request must be a JSON object")
    request_id = message.get("id")
    if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
        raise ProtocolError("request needs an integer or string 'id'")
    op = message.get("op")
    if not isinstance(op, str) or not op:
        raise ProtocolError("request needs a string 'op'")
    params = message.get("params", {})
    if not isinstance(params, dict):
        raise ProtocolError("'params' must be an object")
    return Request(request_id, op, params)


def reply(request_id: int | str | None, result: Any) -> str:
    return json.dumps({"id": request_id, "result": result}, separators=(",", ":"))


def error_reply(request_id: int | str | None, kind: str, message: str) -> str:
    return json.dumps({"id": request_id, "error": {"type": kind, "message": message}}, separators=(",", ":"))


def event(request_id: int | str, data: dict[str, Any]) -> str:
    return json.dumps({"id": request_id, "event": data}, separators=(",", ":"))
