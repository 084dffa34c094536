"""Loading the base model the adapter trains on.

The base is the very GGUF file llama.cpp serves (transformers dequantises it to float32 linear
layers, so LoRA trains on top of the exact weights the sampler uses) or a Hugging Face folder.
Dequantising a GGUF takes tens of seconds on a small CPU, so the float32 result is cached as a
Hugging Face folder keyed by the file's size and modification time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

Progress = Callable[[dict[str, Any]], None]


class BaseModelError(Exception):
    """The base model cannot be loaded (missing file, unsupported architecture)."""


def load_base_model(base: dict[str, Any], cache_dir: str | None, progress: Progress) -> torch.nn.Module:
    from transformers import AutoModelForCausalLM  # noqa: PLC0415 - heavy import, only when used

    if "gguf" in base:
        path = Path(base["gguf"])
        if not path.is_file():
            raise BaseModelError(f"base GGUF not found: {path}")
        cached = _cache_folder(path, cache_dir)
        if cached is not None and (cached / "config.json").is_file():
            progress({"stage": "load-base", "source": "cache", "path": str(cached)})
            return AutoModelForCausalLM.from_pretrained(cached, dtype=torch.float32)
        progress({"stage": "load-base", "source": "gguf", "path": str(path)})
        try:
            model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
        except ValueError as error:
            raise BaseModelError(f"transformers cannot load {path}: {error}") from None
        if cached is not None:
            _write_cache(model, cached)
        return model
    if "hf" in base:
        folder = Path(base["hf"])
        if not (folder / "config.json").is_file():
            raise BaseModelError(f"not a Hugging Face model folder (no config.json): {folder}")
        progress({"stage": "load-base", "source": "hf", "path": str(folder)})
        return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    raise BaseModelError("base must be {'gguf': path} or {'hf': folder}")


def _cache_folder(path: Path, cache_dir: str | None) -> Path | None:
    if not cache_dir:
        return None
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{path.stem}-{key}"


def _write_cache(model: torch.nn.Module, folder: Path) -> None:
    """Write to a temporary folder, then rename: a killed worker never leaves half a cache. The config
    loses its "quantised GGUF" note (the weights are plain float32 now); transformers refuses to
    save_pretrained a GGUF-loaded model, so the tensors are written with safetensors directly."""
    from safetensors.torch import save_model  # noqa: PLC0415

    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    (temporary / "config.json").write_text(json.dumps(config, indent=2))
    save_model(model, str(temporary / "model.safetensors"), metadata={"format": "pt"})
    try:
        os.replace(temporary, folder)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)  # another worker won the race; its copy is equal
