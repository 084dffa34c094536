"""Run the worker: ``python -m tailor_worker`` reads requests from stdin until ``shutdown`` or EOF."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable
from typing import Any, TextIO

from .base_model import BaseModelError
from .engine import Engine, EngineError
from .gguf_lora import ExportError
from .protocol import PROTOCOL_VERSION, ProtocolError, Request, error_reply, event, parse_request, reply
from .watchdog import exit_when_orphaned

Progress = Callable[[dict[str, Any]], None]


def hello(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    wanted = params.get("protocol")
    if wanted is not None and wanted != PROTOCOL_VERSION:
        raise ProtocolError(f"client speaks protocol {wanted}, this worker speaks {PROTOCOL_VERSION}")
    try:
        import torch  # noqa: PLC0415 - imported lazily so hello answers fast

        torch_version: str | None = torch.__version__
    except ImportError:
        torch_version = None
    return {"protocol": PROTOCOL_VERSION, "python": platform.python_version(), "torch": torch_version}


def handlers_for(engine: Engine) -> dict[str, Callable[[dict[str, Any], Progress], Any]]:
    return {
        "hello": hello,
        "create": engine.create,
        "forward_backward": engine.forward_backward,
        "optim_step": engine.optim_step,
        "logprobs": engine.logprobs,
        "hidden_states": engine.hidden_states,
        "save": engine.save,
        "load": engine.load,
    }


# Failures of a well-formed request that leave the worker usable; anything else is reported with
# its Python type and the worker keeps serving too.
KNOWN_ERRORS = {EngineError: "engine", BaseModelError: "base-model", ExportError: "export", KeyError: "missing-field"}


def serve(stdin: TextIO, stdout: TextIO) -> int:
    handlers = handlers_for(Engine())
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
            handler = handlers.get(request.op)
            if handler is None:
                raise ProtocolError(f"unknown op '{request.op}'; known: {', '.join([*handlers, 'shutdown'])}")
            stdout.write(reply(request.id, handler(request.params, _progress(stdout, request.id))) + "\n")
        except ProtocolError as error:
            stdout.write(error_reply(request.id if request else _id_of(line), "protocol", str(error)) + "\n")
        except Exception as error:  # noqa: BLE001 - report, keep serving
            kind = next((name for cls, name in KNOWN_ERRORS.items() if isinstance(error, cls)), type(error).__name__)
            message = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            stdout.write(error_reply(request.id if request else None, kind, message) + "\n")
        stdout.flush()
    return 0


def _progress(stdout: TextIO, request_id: int | str) -> Progress:
    def send(data: dict[str, Any]) -> None:
        stdout.write(event(request_id, data) + "\n")
        stdout.flush()

    return send


def _id_of(line: str) -> int | str | None:
    try:
        value = json.loads(line)
        return value.get("id") if isinstance(value, dict) else None
    except json.JSONDecodeError:
        return None


if __name__ == "__main__":
    # Libraries print (progress bars, notices); the protocol owns the real stdout, so anything else
    # written to sys.stdout goes to stderr with the other diagnostics.
    protocol_stream = sys.stdout
    sys.stdout = sys.stderr
    # The client names itself: a parent that died before this line is then noticed too.
    exit_when_orphaned(int(os.environ.get("TAILOR_WORKER_PARENT") or os.getppid()))
    sys.exit(serve(sys.stdin, protocol_stream))
