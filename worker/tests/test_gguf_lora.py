"""LoRA GGUF export: layout llama.cpp reads, and q/k rows reordered exactly as transformers undoes."""

import numpy as np
import pytest
from gguf import GGUFReader
from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

from tailor_worker.engine import Engine
from tailor_worker.gguf_lora import ExportError, export_lora_gguf, rope_permute


def test_rope_permute_is_the_inverse_of_what_transformers_does_on_load():
    rows = np.arange(8 * 4 * 3, dtype=np.float32).reshape(8 * 4, 3)  # 8 heads of 4 rows
    reordered = rope_permute(rows, heads=8)
    assert not np.array_equal(reordered, rows)
    restored = LlamaTensorProcessor(config={})._reverse_permute_weights(reordered, 8, 8)
    assert np.array_equal(restored, rows)


def test_export_writes_an_adapter_llama_cpp_can_read(tiny_model, tmp_path):
    engine = Engine()
    engine.create({"base": {"hf": str(tiny_model)}, "seed": 1, "lora": {"rank": 4, "alpha": 8}}, print)
    engine.forward_backward(
        {"loss": "cross_entropy", "sequences": [{"tokens": [1, 5, 6, 7], "weights": [0, 1, 1, 1]}]}, print
    )
    engine.optim_step({"lr": 0.05}, print)
    reply = engine.save({"dir": str(tmp_path / "checkpoint"), "formats": ["peft", "gguf-lora"]}, print)
    assert set(reply["files"]) == {"peft", "optimizer", "gguf-lora"}

    reader = GGUFReader(tmp_path / "checkpoint" / "adapter.gguf")
    fields = {
        name: reader.fields[name]
        for name in ("general.architecture", "general.type", "adapter.type", "adapter.lora.alpha")
    }
    text = lambda field: bytes(field.parts[field.data[0]]).decode()  # noqa: E731
    assert text(fields["general.architecture"]) == "llama"
    assert text(fields["general.type"]) == "adapter"
    assert text(fields["adapter.type"]) == "lora"
    assert float(fields["adapter.lora.alpha"].parts[-1][0]) == 8.0
    tensors = {tensor.name: tensor for tensor in reader.tensors}
    assert len(tensors) == 2 * 7 * 2  # two layers, seven modules, A and B
    # GGUF lists dimensions innermost first: lora_a (rank, hidden) is stored as [hidden, rank].
    assert list(tensors["blk.0.attn_q.weight.lora_a"].shape) == [32, 4]
    assert list(tensors["blk.1.attn_k.weight.lora_b"].shape) == [4, 16]  # 2 kv heads x head size 8
    assert list(tensors["blk.0.ffn_down.weight.lora_a"].shape) == [64, 4]

    state = {name: value for name, value in engine.model.named_parameters() if "lora_B" in name}
    trained_k = next(value for name, value in state.items() if "layers.1.self_attn.k_proj" in name)
    written_k = np.asarray(tensors["blk.1.attn_k.weight.lora_b"].data).reshape(16, 4)
    assert np.allclose(written_k, rope_permute(trained_k.detach().numpy(), heads=2))
    trained_v = next(value for name, value in state.items() if "layers.1.self_attn.v_proj" in name)
    assert np.allclose(
        np.asarray(tensors["blk.1.attn_v.weight.lora_b"].data).reshape(16, 4), trained_v.detach().numpy()
    )


def test_unsupported_modules_and_architectures_are_refused(tiny_model, tmp_path):
    class Config:
        model_type = "gpt2"

    with pytest.raises(ExportError, match="gpt2"):
        export_lora_gguf({}, Config(), 8.0, tmp_path / "a.gguf")
    engine = Engine()
    engine.create({"base": {"hf": str(tiny_model)}, "lora": {"targets": ["lm_head"]}}, print)
    state = {name: value for name, value in engine.model.named_parameters() if "lora_" in name}
    with pytest.raises(ExportError, match="decoder layer"):
        export_lora_gguf(state, engine.model.get_base_model().config, 16.0, tmp_path / "b.gguf")
    assert not (tmp_path / "b.gguf").exists()
