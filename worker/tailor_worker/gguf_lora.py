"""Write a PEFT LoRA adapter as a llama.cpp LoRA GGUF.

llama.cpp reads an adapter as: ``general.type = adapter``, ``adapter.type = lora``,
``adapter.lora.alpha`` (float32) and, per adapted linear layer, ``blk.N.<name>.weight.lora_a`` of
PEFT's shape ``(rank, in)`` and ``...lora_b`` of shape ``(out, rank)``. llama.cpp applies
``scale * alpha / rank`` like PEFT does.

The llama family stores q and k weights in GGUF with their rows reordered for llama.cpp's rope
layout (Hugging Face interleaves the rotary halves differently); transformers undoes that when it
loads a GGUF, so the trained ``lora_b`` rows of q and k must get the same reordering on the way back
or the adapted k projection is off by several nats. Other families (qwen2, gemma3) keep rows as they
are.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

# Hugging Face module name -> llama.cpp tensor name, shared by the llama, qwen2 and gemma3 families.
MODULE_NAMES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
SUPPORTED_ARCHITECTURES = {"llama", "qwen2", "qwen3", "gemma3", "gemma3_text", "mistral"}
ROPE_PERMUTED = {"llama", "mistral"}
# transformers' model_type -> llama.cpp's general.architecture
GGUF_ARCHITECTURE = {"gemma3_text": "gemma3", "mistral": "llama"}

_KEY = re.compile(r"layers\.(\d+)\.(.+)\.lora_([AB])\.weight$")


class ExportError(Exception):
    """The adapter cannot be written as a llama.cpp LoRA GGUF."""


def export_lora_gguf(
    state: dict[str, torch.Tensor], config: Any, alpha: float, path: Path, name: str = "tailor-adapter"
) -> dict[str, Any]:
    """Write ``state`` (PEFT adapter tensors) to ``path`` atomically; returns a summary."""
    import gguf  # noqa: PLC0415 - only needed for export

    model_type = getattr(config, "model_type", "")
    if model_type not in SUPPORTED_ARCHITECTURES:
        raise ExportError(
            f"LoRA GGUF export supports {', '.join(sorted(SUPPORTED_ARCHITECTURES))}; this model is '{model_type}'"
        )
    tensors: list[tuple[str, np.ndarray]] = []
    for key, value in sorted(state.items(), key=lambda item: _order(item[0])):
        match = _KEY.search(key)
        if match is None:
            raise ExportError(f"adapter tensor '{key}' is not on a decoder layer's linear module")
        layer, module, half = int(match.group(1)), match.group(2), match.group(3)
        if module not in MODULE_NAMES:
            raise ExportError(f"llama.cpp has no LoRA slot for module '{module}' (tensor '{key}')")
        weight = value.detach().to(torch.float32).cpu().numpy()
        if half == "B" and model_type in ROPE_PERMUTED and module in ("self_attn.q_proj", "self_attn.k_proj"):
            heads = config.num_attention_heads if module == "self_attn.q_proj" else config.num_key_value_heads
            weight = rope_permute(weight, heads)
        tensors.append((f"blk.{layer}.{MODULE_NAMES[module]}.weight.lora_{half.lower()}", np.ascontiguousarray(weight)))
    if not tensors:
        raise ExportError("the adapter has no LoRA tensors")

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    writer = gguf.GGUFWriter(str(temporary), GGUF_ARCHITECTURE.get(model_type, model_type))
    writer.add_string("general.type", "adapter")
    writer.add_string("general.name", name)
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for tensor_name, weight in tensors:
        writer.add_tensor(tensor_name, weight)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(temporary, path)
    return {"path": str(path), "tensors": len(tensors), "bytes": path.stat().st_size}


def rope_permute(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder rows from Hugging Face's rotary layout to llama.cpp's (the inverse of what transformers
    does when it reads a llama GGUF): within each head, rows ``[first half, second half]`` become
    interleaved pairs."""
    rows = weight.shape[0]
    half = rows // heads // 2
    return weight.reshape(heads, 2, half, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _order(key: str) -> tuple[int, str]:
    match = _KEY.search(key)
    return (int(match.group(1)), key) if match else (-1, key)
