import json
import subprocess
import sys
from pathlib import Path

import pytest

from tailor_worker import PROTOCOL_VERSION
from tailor_worker.protocol import ProtocolError, parse_request

WORKER_ROOT = Path(__file__).resolve().parents[1]


def talk(*lines: str) -> list[dict]:
    """Run the real worker process and return its replies."""
    completed = subprocess.run(
        [sys.executable, "-m", "tailor_worker"],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=WORKER_ROOT,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in completed.stdout.splitlines()]


def test_hello_reports_versions_and_shutdown_stops():
    replies = talk(
        json.dumps({"id": 1, "op": "hello", "params": {"protocol": PROTOCOL_VERSION}}),
        json.dumps({"id": 2, "op": "shutdown"}),
        json.dumps({"id": 3, "op": "hello"}),
    )
    assert len(replies) == 2, "nothing may be answered after shutdown"
    assert replies[0]["id"] == 1
    assert replies[0]["result"]["protocol"] == PROTOCOL_VERSION
    assert replies[0]["result"]["python"].count(".") == 2
    assert replies[1] == {"id": 2, "result": {"stopping": True}}


def test_bad_requests_get_errors_and_the_worker_keeps_serving():
    replies = talk(
        "not json",
        json.dumps({"id": 7, "op": "fly"}),
        json.dumps({"id": 8, "op": "hello", "params": {"protocol": 999}}),
        json.dumps({"id": 9, "op": "hello"}),
    )
    assert replies[0]["error"]["type"] == "protocol"
    assert "not JSON" in replies[0]["error"]["message"]
    assert replies[1] == {
        "id": 7,
        "error": {
            "type": "protocol",
            "message": "unknown op 'fly'; known: "
            "hello, create, forward_backward, optim_step, logprobs, hidden_states, save, load, shutdown",
        },
    }
    assert "speaks protocol 999" in replies[2]["error"]["message"]
    assert replies[3]["result"]["protocol"] == PROTOCOL_VERSION


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[1]", "JSON object"),
        ('{"op": "hello"}', "'id'"),
        ('{"id": true, "op": "hello"}', "'id'"),
        ('{"id": 1}', "'op'"),
        ('{"id": 1, "op": "hello", "params": []}', "'params'"),
    ],
)
def test_parse_request_rejects_malformed_messages(line, message):
    with pytest.raises(ProtocolError, match=message):
        parse_request(line)


def test_training_primitives_over_the_wire(tiny_model):
    sequence = {"tokens": [1, 5, 6, 7], "weights": [0, 1, 1, 1]}
    replies = talk(
        json.dumps({"id": 1, "op": "logprobs", "params": {"sequences": [sequence]}}),
        json.dumps({"id": 2, "op": "create", "params": {"base": {"hf": str(tiny_model)}, "seed": 1}}),
        json.dumps({"id": 3, "op": "forward_backward", "params": {"loss": "cross_entropy", "sequences": [sequence]}}),
        json.dumps({"id": 4, "op": "optim_step", "params": {"lr": 0.01}}),
        json.dumps({"id": 5, "op": "create", "params": {"base": {"gguf": "/nowhere/model.gguf"}}}),
        json.dumps({"id": 6, "op": "optim_step", "params": {}}),
    )
    answers = [reply for reply in replies if "event" not in reply]
    events = [reply for reply in replies if "event" in reply]
    assert answers[0]["error"] == {"type": "engine", "message": "no model yet: send 'create' first"}
    assert answers[1]["result"]["model_type"] == "llama"
    assert events[0] == {"id": 2, "event": {"stage": "load-base", "source": "hf", "path": str(tiny_model)}}
    assert answers[2]["result"]["loss"] > 0
    assert answers[3]["result"]["step"] == 1
    assert answers[4]["error"]["type"] == "base-model" and "/nowhere/model.gguf" in answers[4]["error"]["message"]
    assert answers[5]["error"] == {"type": "missing-field", "message": "missing field 'lr'"}
