"""A tiny random llama in a Hugging Face folder, for fast tests of the engine (never for training
anything real): ``python -m tailor_worker.tiny_model DIR [--seed N]``."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch


def write_tiny_llama(folder: Path, seed: int = 0, vocab_size: int = 96) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM  # noqa: PLC0415

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder, safe_serialization=True)
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    print(write_tiny_llama(arguments.folder, arguments.seed))
