"""The engine's primitives on a tiny random llama: gradient accumulation, resume, DPO, errors."""

import json
from pathlib import Path

import pytest
import torch

from tailor_worker import engine as engine_module
from tailor_worker.engine import Engine, EngineError

GOLDEN = Path(__file__).parent / "golden" / "tiny-sft-losses.json"


def batch_of_eight() -> list[dict]:
    generator = torch.Generator().manual_seed(7)
    sequences = []
    for index in range(8):
        length = 6 + index % 4
        tokens = torch.randint(3, 96, (length,), generator=generator).tolist()
        prompt = 2 + index % 3  # prompt tokens carry no loss, like SFT's masked prompts
        sequences.append({"tokens": [1, *tokens], "weights": [0.0] * prompt + [1.0] * (length + 1 - prompt)})
    return sequences


def new_engine(tiny_model: Path, **extra) -> Engine:
    engine = Engine()
    engine.create(
        {"base": {"hf": str(tiny_model)}, "seed": 3, "threads": 1, "lora": {"rank": 4, "alpha": 8}, **extra}, print
    )
    return engine


def train(engine: Engine, micro_batches: int, steps: int) -> list[float]:
    """SFT steps on the same 8 sequences, split into ``micro_batches`` accumulated pieces."""
    sequences = batch_of_eight()
    normalizer = sum(sum(sequence["weights"][1:]) for sequence in sequences)
    size = len(sequences) // micro_batches
    curve = []
    for _ in range(steps):
        loss = 0.0
        for start in range(0, len(sequences), size):
            reply = engine.forward_backward(
                {"loss": "cross_entropy", "sequences": sequences[start : start + size], "normalizer": normalizer},
                print,
            )
            loss += reply["loss"]
        engine.optim_step({"lr": 0.01, "grad_clip": 1.0}, print)
        curve.append(loss)
    return curve


def flat(rows: list[list[float]]) -> list[float]:
    return [value for row in rows for value in row]


def adapter_weights(engine: Engine) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in engine.model.named_parameters() if "lora_" in name}


def test_accumulation_reproduces_the_golden_loss_curve(tiny_model):
    whole = train(new_engine(tiny_model), micro_batches=1, steps=8)
    accumulated = train(new_engine(tiny_model), micro_batches=4, steps=8)
    assert accumulated == pytest.approx(whole, abs=1e-5)
    assert whole[-1] < whole[0] - 0.1, "eight steps on one batch must lower its loss"
    golden = json.loads(GOLDEN.read_text())
    assert whole == pytest.approx(golden["losses"], abs=1e-4), "the reference curve moved"


def test_resume_from_a_checkpoint_gives_the_same_weights(tiny_model, tmp_path):
    straight = new_engine(tiny_model)
    train(straight, micro_batches=2, steps=6)

    first = new_engine(tiny_model)
    train(first, micro_batches=2, steps=3)
    # A save that a kill -9 interrupted left its temp folder behind (another pid's); the next save of
    # that checkpoint clears it.
    stale = tmp_path / "step-3.tmp-999999"
    stale.mkdir()
    (stale / "adapter_model.safetensors").write_bytes(b"half")
    first.save({"dir": str(tmp_path / "step-3")}, print)
    assert not stale.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["step-3"]
    resumed = new_engine(tiny_model)
    reply = resumed.load({"dir": str(tmp_path / "step-3")}, print)
    assert reply["step"] == 3
    train(resumed, micro_batches=2, steps=3)

    for name, value in adapter_weights(straight).items():
        assert torch.allclose(value, adapter_weights(resumed)[name], atol=1e-6), name
    assert resumed.step == straight.step == 6


def test_logprobs_match_the_training_forward_and_the_adapter_can_be_switched_off(tiny_model):
    engine = new_engine(tiny_model)
    sequences = batch_of_eight()[:3]
    fresh = engine.logprobs({"sequences": sequences}, print)["logprobs"]
    base = engine.logprobs({"sequences": sequences, "adapter": False}, print)["logprobs"]
    assert flat(fresh) == pytest.approx(flat(base), abs=1e-6), "a fresh LoRA (B = 0) is the base model"
    reply = engine.forward_backward({"loss": "cross_entropy", "sequences": sequences, "return_logprobs": True}, print)
    for row, scored, sequence in zip(fresh, reply["logprobs"], sequences):
        for value, training_value, weight in zip(row, scored, sequence["weights"]):
            if weight > 0:
                assert training_value == pytest.approx(value, abs=1e-5)
    engine.optim_step({"lr": 0.05}, print)
    trained = engine.logprobs({"sequences": sequences}, print)["logprobs"]
    switched_off = engine.logprobs({"sequences": sequences, "adapter": False}, print)["logprobs"]
    assert flat(switched_off) == pytest.approx(flat(base), abs=1e-6)
    assert flat(trained) != pytest.approx(flat(base), abs=1e-4)


def test_dpo_steps_raise_the_chosen_margin(tiny_model):
    engine = new_engine(tiny_model)
    chosen = {"tokens": [1, 10, 11, 12, 13], "weights": [0, 0, 1, 1, 1]}
    rejected = {"tokens": [1, 10, 40, 41, 42], "weights": [0, 0, 1, 1, 1]}
    reference = engine.logprobs({"sequences": [chosen, rejected], "adapter": False}, print)["logprobs"]
    totals = [
        sum(value * weight for value, weight in zip(row, sequence["weights"]))
        for row, sequence in zip(reference, [chosen, rejected])
    ]
    pair = {"chosen": chosen, "rejected": rejected, "reference_chosen": totals[0], "reference_rejected": totals[1]}
    first = engine.forward_backward({"loss": "dpo", "pairs": [pair], "beta": 0.5}, print)
    assert first["loss"] == pytest.approx(0.6931, abs=1e-3), "policy == reference gives log 2"
    engine.optim_step({"lr": 0.05}, print)
    for _ in range(5):
        reply = engine.forward_backward({"loss": "dpo", "pairs": [pair], "beta": 0.5}, print)
        engine.optim_step({"lr": 0.05}, print)
    assert reply["loss"] < first["loss"]
    assert reply["metrics"]["margin_sum"] > 0


def test_rl_losses_run_through_the_engine(tiny_model):
    engine = new_engine(tiny_model)
    sequence = {"tokens": [1, 10, 11, 12], "weights": [0, 0, 1, 1]}
    sampler = engine.logprobs({"sequences": [sequence]}, print)["logprobs"][0]
    for loss in ("importance_sampling", "ppo"):
        reply = engine.forward_backward(
            {"loss": loss, "sequences": [{**sequence, "sampler_logprobs": sampler, "advantages": [0, 0, 1.0, 1.0]}]},
            print,
        )
        # On-policy the ratio is 1, so the loss is minus the mean advantage.
        assert reply["loss"] == pytest.approx(-1.0, abs=1e-5)
        assert reply["metrics"]["ratio_mean"] == pytest.approx(1.0, abs=1e-5)


def test_on_policy_batches_need_no_sampler_logprobs_and_take_a_kl_penalty(tiny_model):
    engine = new_engine(tiny_model)
    sequence = {"tokens": [1, 10, 11, 12], "weights": [0, 0, 1, 1], "advantages": [0, 0, 1.0, 1.0]}
    sampler = engine.logprobs({"sequences": [sequence]}, print)["logprobs"][0]
    explicit = engine.forward_backward({"loss": "ppo", "sequences": [{**sequence, "sampler_logprobs": sampler}]}, print)
    explicit_grads = [p.grad.clone() for p in engine.model.parameters() if p.requires_grad]
    engine.optimizer.zero_grad(set_to_none=True)
    implicit = engine.forward_backward({"loss": "ppo", "sequences": [sequence]}, print)
    implicit_grads = [p.grad.clone() for p in engine.model.parameters() if p.requires_grad]
    assert implicit["loss"] == pytest.approx(explicit["loss"], abs=1e-6)
    for a, b in zip(explicit_grads, implicit_grads):
        assert torch.allclose(a, b, atol=1e-6)
    engine.optimizer.zero_grad(set_to_none=True)
    # The reference equal to the policy: the KL term is zero, and the metric says so.
    with_kl = engine.forward_backward(
        {"loss": "ppo", "sequences": [{**sequence, "reference_logprobs": sampler}], "kl_beta": 0.5}, print
    )
    assert with_kl["loss"] == pytest.approx(explicit["loss"], abs=1e-5)
    assert with_kl["metrics"]["kl_sum"] == pytest.approx(0.0, abs=1e-5)


def test_a_shared_prompt_runs_once_with_the_same_logprobs_and_gradients(tiny_model, monkeypatch):
    """GRPO's groups (and DPO's pairs) share their prompt; running it once must change nothing but time."""
    generator = torch.Generator().manual_seed(11)
    prompts = [torch.randint(3, 96, (12,), generator=generator).tolist() for _ in range(2)]
    sequences = []
    for index in range(7):  # two groups of three, and one sequence alone
        prompt = prompts[index % 2] if index < 6 else prompts[0][:9]
        completion = torch.randint(3, 96, (3 + index,), generator=generator).tolist()
        weights = [0.0] * len(prompt) + [1.0] * len(completion)
        sequences.append(
            {"tokens": prompt + completion, "weights": weights, "advantages": [w * (index % 3 - 1) for w in weights]}
        )

    def run(min_shared: int) -> tuple[dict, list[torch.Tensor]]:
        monkeypatch.setattr(engine_module, "MIN_SHARED_PREFIX", min_shared)
        engine = new_engine(tiny_model)
        engine.forward_backward({"loss": "cross_entropy", "sequences": sequences}, print)
        engine.optim_step({"lr": 0.05}, print)  # B != 0, so the adapter shapes the prompt's keys and values
        groups, alone = engine._shared_prefix_groups([s["tokens"] for s in sequences], _wanted(sequences))
        reply = engine.forward_backward({"loss": "ppo", "sequences": sequences, "return_logprobs": True}, print)
        grads = [p.grad.clone() for p in engine.model.parameters() if p.requires_grad]
        return {"reply": reply, "groups": groups, "alone": alone}, grads

    shared, shared_grads = run(8)
    whole, whole_grads = run(10_000)
    assert [sorted(members) for members, _ in shared["groups"]] == [[0, 2, 4], [1, 3, 5]]
    assert shared["alone"] == [6] and whole["groups"] == []
    assert flat(shared["reply"]["logprobs"]) == pytest.approx(flat(whole["reply"]["logprobs"]), abs=1e-5)
    assert shared["reply"]["loss"] == pytest.approx(whole["reply"]["loss"], abs=1e-6)
    for a, b in zip(shared_grads, whole_grads):
        assert torch.allclose(a, b, atol=1e-6)


def test_sft_examples_run_their_common_system_prompt_once(tiny_model, monkeypatch):
    """Different notes after the same instructions: the common part runs once, nothing else changes."""
    generator = torch.Generator().manual_seed(5)
    system = torch.randint(3, 96, (10,), generator=generator).tolist()
    sequences = []
    for index in range(4):
        note = torch.randint(3, 96, (4 + index,), generator=generator).tolist()
        answer = torch.randint(3, 96, (3 + index % 2,), generator=generator).tolist()
        sequences.append({"tokens": system + note + answer, "weights": [0.0] * (10 + len(note)) + [1.0] * len(answer)})
    # Nothing scored: it runs whole, and takes no part in the sharing.
    sequences.append({"tokens": system + [5, 6], "weights": [0.0] * 12})

    def run(min_shared: int) -> tuple[dict, list[torch.Tensor], list]:
        monkeypatch.setattr(engine_module, "MIN_SHARED_PREFIX", min_shared)
        engine = new_engine(tiny_model)
        engine.forward_backward({"loss": "cross_entropy", "sequences": sequences}, print)
        engine.optim_step({"lr": 0.05}, print)
        groups = engine._shared_prefix_groups([s["tokens"] for s in sequences], _wanted(sequences))
        reply = engine.forward_backward(
            {"loss": "cross_entropy", "sequences": sequences, "return_logprobs": True}, print
        )
        return reply, [p.grad.clone() for p in engine.model.parameters() if p.requires_grad], groups

    shared, shared_grads, groups = run(8)
    whole, whole_grads, no_groups = run(10_000)
    assert groups == ([([0, 1, 2, 3], 10)], [4]) and no_groups == ([], [0, 1, 2, 3, 4])
    assert flat(shared["logprobs"]) == pytest.approx(flat(whole["logprobs"]), abs=1e-5)
    assert shared["loss"] == pytest.approx(whole["loss"], abs=1e-6)
    for a, b in zip(shared_grads, whole_grads):
        assert torch.allclose(a, b, atol=1e-6)


def _wanted(sequences: list[dict]) -> torch.Tensor:
    length = max(len(s["tokens"]) for s in sequences)
    rows = [[w > 0 for w in s["weights"]] + [False] * (length - len(s["weights"])) for s in sequences]
    return torch.tensor(rows)[:, 1:]


def test_bad_requests_are_engine_errors(tiny_model):
    engine = Engine()
    with pytest.raises(EngineError, match="create"):
        engine.logprobs({"sequences": [{"tokens": [1, 2]}]}, print)
    engine = new_engine(tiny_model)
    with pytest.raises(EngineError, match="one weight per token"):
        engine.forward_backward(
            {"loss": "cross_entropy", "sequences": [{"tokens": [1, 2, 3], "weights": [0, 1]}]}, print
        )
    with pytest.raises(EngineError, match="unknown loss"):
        engine.forward_backward({"loss": "hinge", "sequences": [{"tokens": [1, 2], "weights": [0, 1]}]}, print)
    with pytest.raises(EngineError, match="advantages"):
        engine.forward_backward(
            {"loss": "ppo", "sequences": [{"tokens": [1, 2], "weights": [0, 1], "sampler_logprobs": [0, 0]}]}, print
        )


def test_activation_checkpointing_changes_memory_not_the_result(tiny_model):
    # Recomputing activations in the backward pass must give the same losses and the same adapter.
    plain = new_engine(tiny_model)
    checkpointed = new_engine(tiny_model, gradient_checkpointing=True)
    assert checkpointed.model.get_base_model().is_activation_checkpointing
    assert not plain.model.get_base_model().is_activation_checkpointing
    curve_plain = train(plain, micro_batches=2, steps=3)
    curve_checkpointed = train(checkpointed, micro_batches=2, steps=3)
    assert curve_checkpointed == pytest.approx(curve_plain, rel=1e-5)
    for name, value in adapter_weights(plain).items():
        assert torch.allclose(value, adapter_weights(checkpointed)[name], atol=1e-6), name


def test_hidden_states_equal_the_models_own_forward_pass_one_sequence_at_a_time(tiny_model):
    engine = new_engine(tiny_model)
    sequences = batch_of_eight()[:5]  # of 6 to 9 tokens: batches of 2 are padded
    # One training step, so the adapter is not zero and the states are the adapted model's.
    engine.forward_backward({"loss": "cross_entropy", "sequences": sequences}, print)
    engine.optim_step({"lr": 0.05}, print)
    events = []
    reply = engine.hidden_states(
        {"sequences": sequences, "layers": [0, 1, -1], "per_token": True, "batch_size": 2}, events.append
    )
    assert reply["layers"] == [0, 1, 2]
    assert events[-1] == {"done": 5, "total": 5}
    model = engine.model
    model.eval()
    for index, sequence in enumerate(sequences):
        with torch.no_grad():
            alone = model(input_ids=torch.tensor([sequence["tokens"]]), output_hidden_states=True).hidden_states
        for slot, layer in enumerate([0, 1, 2]):
            expected = alone[layer][0]
            assert flat(reply["tokens"][index][slot]) == pytest.approx(flat(expected.tolist()), abs=1e-5)
            assert reply["pooled"]["mean"][index][slot] == pytest.approx(expected.mean(dim=0).tolist(), abs=1e-5)
            assert reply["pooled"]["last"][index][slot] == pytest.approx(expected[-1].tolist(), abs=1e-5)
    # The last hidden state is what the output layer reads: its logits are the model's own.
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([sequences[0]["tokens"]])).logits[0, -1]
        head = model.get_base_model().lm_head(torch.tensor(reply["pooled"]["last"][0][2]))
    assert head.tolist() == pytest.approx(logits.tolist(), abs=1e-4)
    # The adapter can be switched off, and positions keep only the tokens asked for.
    off = engine.hidden_states({"sequences": sequences[:1], "adapter": False}, print)
    assert off["pooled"]["last"][0][0] != pytest.approx(reply["pooled"]["last"][0][2], abs=1e-6)
    picked = engine.hidden_states({"sequences": sequences[:2], "per_token": True, "positions": [[0, 2], [1]]}, print)
    assert flat(picked["tokens"][0][0]) == pytest.approx(
        flat([reply["tokens"][0][2][0], reply["tokens"][0][2][2]]), abs=1e-5
    )
    assert len(picked["tokens"][1][0]) == 1
    # The mean can start part-way, over an answer after its prompt.
    tail = engine.hidden_states({"sequences": sequences[:2], "pool_from": [3, 0]}, print)
    assert tail["pooled"]["mean"][0][0] == pytest.approx(
        torch.tensor(reply["tokens"][0][2][3:]).mean(dim=0).tolist(), abs=1e-5
    )
    assert tail["pooled"]["mean"][1][0] == pytest.approx(reply["pooled"]["mean"][1][2], abs=1e-5)


def test_hidden_states_refuse_layers_and_positions_that_do_not_exist(tiny_model):
    engine = new_engine(tiny_model)
    sequences = batch_of_eight()[:1]
    with pytest.raises(EngineError, match="out of range"):
        engine.hidden_states({"sequences": sequences, "layers": [3]}, print)
    with pytest.raises(EngineError, match="non-empty list"):
        engine.hidden_states({"sequences": sequences, "layers": []}, print)
    with pytest.raises(EngineError, match="pool_from"):
        engine.hidden_states({"sequences": sequences, "pool_from": [99]}, print)
    with pytest.raises(EngineError, match="positions"):
        engine.hidden_states({"sequences": sequences, "per_token": True, "positions": [[99]]}, print)
