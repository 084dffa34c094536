"""Run the worker: ``python -m tailor_worker`` reads requests from stdin until ``shutdown`` or EOF."""

from __future__ import annotations

import json
import platform
import sys
from typing import Any, Callable, TextIO

from .protocol import PROTOCOL_VERSION, ProtocolError, Request, error_reply, parse_request, reply


def hello(params: dict[str, Any]) -> dict[str, Any]:
    wanted = params.get("protocol")
    if wanted is not None and wanted != PROTOCOL_VERSION:
        raise ProtocolError(f"client speaks protocol {wanted}, this worker speaks {PROTOCOL_VERSION}")
    try:
        import torch  # noqa: PLC0415 - optional until the training engine lands

        torch_version: str | None = torch.__version__
    except ImportError:
        torch_version = None
    return {"protocol": PROTOCOL_VERSION, "python": platform.python_version(), "torch": torch_version}


HANDLERS: dict[str, Callable[[dict[str, Any]], Any]] = {"hello": hello}


def serve(stdin: TextIO, stdout: TextIO) -> int:
    for line in stdin:
        if not line.strip():
            continue
        request: Request | None = None
        try:
            request = parse_request(line)
            if request.op == "shutdown":
                stdout.write(reply(request.id, {"stopping": True}) + "\n")
                stdout.flush()
                return 0
            handler = HANDLERS.get(request.op)
            if handler is None:
                raise ProtocolError(f"unknown op '{request.op}'; known: {', '.join([*HANDLERS, 'shutdown'])}")
            stdout.write(reply(request.id, handler(request.params)) + "\n")
        except ProtocolError as error:
            stdout.write(error_reply(request.id if request else _id_of(line), "protocol", str(error)) + "\n")
        except Exception as error:  # noqa: BLE001 - report, keep serving
            stdout.write(error_reply(request.id if request else None, type(error).__name__, str(error)) + "\n")
        stdout.flush()
    return 0


def _id_of(line: str) -> int | str | None:
    try:
        value = json.loads(line)
        return value.get("id") if isinstance(value, dict) else None
    except json.JSONDecodeError:
        return None


if __name__ == "__main__":
    sys.exit(serve(sys.stdin, sys.stdout))
