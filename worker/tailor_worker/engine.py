"""The training engine: one base model with one LoRA adapter, its optimiser, and the primitives.

Token ids come in, numbers go out. A sequence is ``{"tokens": [...], "weights": [...]}`` with one
weight per token: ``weights[t]`` says how much predicting ``tokens[t]`` from ``tokens[:t]`` counts
(``weights[0]`` is ignored: nothing predicts the first token). Log-probabilities come back in the
same layout, 0 at position 0. Gradients add up over ``forward_backward`` calls until ``optim_step``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from . import losses
from .base_model import load_base_model
from .gguf_lora import export_lora_gguf

Progress = Callable[[dict[str, Any]], None]

DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Positions scored per lm_head call when no gradient is needed: bounds the [positions, vocab] matrix.
SCORE_CHUNK = 1024
# Shortest common prompt worth running once for several sequences (see Engine._logprobs).
MIN_SHARED_PREFIX = 8


class EngineError(Exception):
    """A request the engine cannot carry out (no model yet, bad batch); the worker keeps serving."""


class Engine:
    def __init__(self) -> None:
        self.model: Any = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.settings: dict[str, Any] = {}
        self.step = 0

    # ---- create -------------------------------------------------------------------------------
    def create(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        from peft import LoraConfig, get_peft_model  # noqa: PLC0415

        threads = params.get("threads")
        if threads:
            torch.set_num_threads(int(threads))
        seed = int(params.get("seed", 0))
        _seed_everything(seed)
        started = time.monotonic()
        base = load_base_model(params["base"], params.get("cache_dir"), progress)
        lora = {"rank": 8, "alpha": 16.0, "dropout": 0.0, "targets": DEFAULT_TARGETS, **params.get("lora", {})}
        config = LoraConfig(
            r=int(lora["rank"]),
            lora_alpha=float(lora["alpha"]),
            lora_dropout=float(lora["dropout"]),
            target_modules=list(lora["targets"]),
            bias="none",
        )
        checkpointing = bool(params.get("gradient_checkpointing", False))
        if checkpointing:
            # Non-reentrant checkpointing needs no input that requires grad, so frozen embeddings are fine.
            base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
            base.config.use_cache = False
        _seed_everything(seed)  # the adapter's initial weights depend on the seed only
        self.model = get_peft_model(base, config)
        self.model.train()
        trainable = [parameter for parameter in self.model.parameters() if parameter.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=1e-4)
        self.settings = {"base": params["base"], "lora": lora, "seed": seed, "gradient_checkpointing": checkpointing}
        self.step = 0
        return {
            "model_type": base.config.model_type,
            "vocab_size": base.config.vocab_size,
            "layers": base.config.num_hidden_layers,
            "parameters": sum(parameter.numel() for parameter in self.model.parameters()),
            "trainable_parameters": sum(parameter.numel() for parameter in trainable),
            "load_seconds": round(time.monotonic() - started, 3),
        }

    # ---- forward_backward -------------------------------------------------------------------------
    def forward_backward(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        model = self._require_model()
        model.train()
        loss_name = params.get("loss")
        if loss_name == "dpo":
            result, logprobs = self._dpo(params)
        else:
            sequences = _sequences(params.get("sequences"))
            tokens = [sequence["tokens"] for sequence in sequences]
            weights = _padded([sequence["weights"] for sequence in sequences], len_of=tokens)
            logprobs = self._logprobs(tokens, score=weights > 0)
            normalizer = float(params.get("normalizer") or max(float(weights[:, 1:].sum()), 1.0))
            if loss_name == "cross_entropy":
                result = losses.cross_entropy(logprobs, weights, normalizer)
            elif loss_name in ("importance_sampling", "ppo"):
                # Without the sampler's log-probabilities the batch is on-policy: the ratio is
                # exp(logp - logp.detach()) = 1, whose gradient is the plain policy gradient.
                if all("sampler_logprobs" not in sequence for sequence in sequences):
                    sampler = logprobs.detach()
                else:
                    sampler = _padded(_field(sequences, "sampler_logprobs"), len_of=tokens)
                advantages = _padded(_field(sequences, "advantages"), len_of=tokens)
                if loss_name == "ppo":
                    result = losses.ppo(
                        logprobs,
                        weights,
                        sampler,
                        advantages,
                        normalizer,
                        float(params.get("clip_low", 0.2)),
                        float(params.get("clip_high", params.get("clip_low", 0.2))),
                    )
                else:
                    result = losses.importance_sampling(logprobs, weights, sampler, advantages, normalizer)
                beta = float(params.get("kl_beta") or 0.0)
                if beta > 0:
                    reference = _padded(_field(sequences, "reference_logprobs"), len_of=tokens)
                    result = losses.with_kl_penalty(result, logprobs, reference, weights, beta, normalizer)
            else:
                raise EngineError(f"unknown loss '{loss_name}'; known: cross_entropy, importance_sampling, ppo, dpo")
        result.loss.backward()
        reply: dict[str, Any] = {"loss": float(result.loss.detach()), "metrics": result.metrics}
        if params.get("return_logprobs"):
            reply["logprobs"] = _unpad(logprobs.detach(), params, loss_name)
        return reply

    def _dpo(self, params: dict[str, Any]) -> tuple[losses.LossResult, torch.Tensor]:
        pairs = params.get("pairs")
        if not isinstance(pairs, list) or not pairs:
            raise EngineError("dpo needs 'pairs': [{chosen, rejected, reference_chosen, reference_rejected}]")
        sequences = _sequences([pair["chosen"] for pair in pairs] + [pair["rejected"] for pair in pairs])
        tokens = [sequence["tokens"] for sequence in sequences]
        weights = _padded([sequence["weights"] for sequence in sequences], len_of=tokens)
        logprobs = self._logprobs(tokens, score=weights > 0)
        totals = (logprobs * weights).sum(dim=1)
        count = len(pairs)
        reference = torch.tensor(
            [[float(pair["reference_chosen"]), float(pair["reference_rejected"])] for pair in pairs],
            dtype=totals.dtype,
        )
        result = losses.dpo(
            totals[:count],
            totals[count:],
            reference[:, 0],
            reference[:, 1],
            float(params.get("beta", 0.1)),
            float(params.get("normalizer") or count),
        )
        return result, logprobs

    # ---- optim_step ---------------------------------------------------------------------------------
    def optim_step(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        model = self._require_model()
        assert self.optimizer is not None
        trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
        grad_norm = torch.nn.utils.clip_grad_norm_(
            trainable, float(params.get("grad_clip") or float("inf")), error_if_nonfinite=False
        )
        for group in self.optimizer.param_groups:
            group["lr"] = float(params["lr"])
            group["betas"] = tuple(params.get("betas", (0.9, 0.999)))
            group["eps"] = float(params.get("eps", 1e-8))
            group["weight_decay"] = float(params.get("weight_decay", 0.0))
        if not torch.isfinite(grad_norm):
            self.optimizer.zero_grad(set_to_none=True)
            raise EngineError(f"gradient norm is {float(grad_norm)}; the step was skipped")
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return {"step": self.step, "grad_norm": float(grad_norm)}

    # ---- logprobs -----------------------------------------------------------------------------------
    def logprobs(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        model = self._require_model()
        model.eval()
        sequences = _sequences(params.get("sequences"), weights_required=False)
        tokens = [sequence["tokens"] for sequence in sequences]
        with torch.no_grad():
            if params.get("adapter", True):
                values = self._logprobs(tokens)
            else:
                with model.disable_adapter():
                    values = self._logprobs(tokens)
        return {"logprobs": [values[index, : len(row)].tolist() for index, row in enumerate(tokens)]}

    # ---- hidden_states -----------------------------------------------------------------------------
    def hidden_states(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """The decoder's hidden states of chosen layers, for probes (a judge head, a hallucination
        detector) that read what the model computes rather than what it says.

        ``layers`` index the model's hidden states: 0 is the embeddings, ``n`` the last layer's output
        after the final norm (what the output layer reads), negative from the end (default ``[-1]``).
        Per sequence, ``pooled`` holds for every layer the mean over its tokens and the last token's
        state (``pool_from``, if given per sequence, starts the mean at that token: a judge reading a
        prompt and an answer pools over the answer); with ``per_token``, ``tokens`` holds every token's
        state per layer (``positions``, if given per sequence, keeps only those). Sequences run in
        batches of similar lengths, right padded; a causal model's states at real tokens do not depend
        on the padding after them."""
        model = self._require_model()
        model.eval()
        sequences = _sequences(params.get("sequences"), weights_required=False)
        tokens = [sequence["tokens"] for sequence in sequences]
        base = model.get_base_model()
        count = int(base.config.num_hidden_layers)
        layers = params.get("layers", [-1])
        if not isinstance(layers, list) or not layers or not all(isinstance(layer, int) for layer in layers):
            raise EngineError("'layers' must be a non-empty list of integers")
        resolved = [layer if layer >= 0 else count + 1 + layer for layer in layers]
        if any(layer < 0 or layer > count for layer in resolved):
            raise EngineError(f"layers {layers} out of range: the model has hidden states 0..{count}")
        per_token = bool(params.get("per_token", False))
        positions = params.get("positions")
        if positions is not None and (
            not isinstance(positions, list)
            or len(positions) != len(tokens)
            or any(not all(0 <= p < len(row) for p in wanted) for wanted, row in zip(positions, tokens, strict=True))
        ):
            raise EngineError("'positions' must give, per sequence, token indices inside that sequence")
        pool_from = params.get("pool_from")
        if pool_from is not None and (
            not isinstance(pool_from, list)
            or len(pool_from) != len(tokens)
            or any(not isinstance(at, int) or not 0 <= at < len(row) for at, row in zip(pool_from, tokens, strict=True))
        ):
            raise EngineError("'pool_from' must give, per sequence, a token index inside that sequence")
        batch_size = max(1, int(params.get("batch_size", 8)))
        mean: list[list[list[float]] | None] = [None] * len(tokens)
        last: list[list[list[float]] | None] = [None] * len(tokens)
        states: list[list[list[list[float]]] | None] = [None] * len(tokens)
        order = sorted(range(len(tokens)), key=lambda index: len(tokens[index]))
        with torch.no_grad(), _adapter(model, bool(params.get("adapter", True))):
            for start in range(0, len(order), batch_size):
                members = order[start : start + batch_size]
                length = max(len(tokens[index]) for index in members)
                ids = torch.zeros((len(members), length), dtype=torch.long)
                mask = torch.zeros((len(members), length), dtype=torch.long)
                for row, index in enumerate(members):
                    ids[row, : len(tokens[index])] = torch.tensor(tokens[index], dtype=torch.long)
                    mask[row, : len(tokens[index])] = 1
                hidden = base.get_decoder()(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
                for row, index in enumerate(members):
                    size = len(tokens[index])
                    chosen = [hidden[layer][row, :size].float() for layer in resolved]
                    since = pool_from[index] if pool_from is not None else 0
                    mean[index] = [state[since:].mean(dim=0).tolist() for state in chosen]
                    last[index] = [state[-1].tolist() for state in chosen]
                    if per_token:
                        keep = positions[index] if positions is not None else list(range(size))
                        states[index] = [state[keep].tolist() for state in chosen]
                progress({"done": min(start + batch_size, len(order)), "total": len(order)})
        result: dict[str, Any] = {
            "layers": resolved,
            "hidden_size": int(base.config.hidden_size),
            "pooled": {"mean": mean, "last": last},
        }
        if per_token:
            result["tokens"] = states
        return result

    def _logprobs(self, tokens: list[list[int]], score: torch.Tensor | None = None) -> torch.Tensor:
        """Per-token log-probabilities ``[batch, length]``; only positions in ``score`` (default: all
        real tokens) go through the output layer, which is a large share of the work on small models.

        Sequences that begin alike (GRPO's samples of one prompt, DPO's chosen and rejected, SFT
        examples after the same instructions) run that beginning once: its keys and values are computed
        a single time and repeated for each sequence, so gradients from every sequence flow back into
        the one computation. The result is the same as running each sequence whole; the shared part's
        share of the work is saved."""
        base = self.model.get_base_model()
        length = max(len(row) for row in tokens)
        ids = torch.zeros((len(tokens), length), dtype=torch.long)
        mask = torch.zeros((len(tokens), length), dtype=torch.long)
        for index, row in enumerate(tokens):
            ids[index, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[index, : len(row)] = 1
        wanted = (mask[:, 1:] > 0) if score is None else (score[:, 1:] & (mask[:, 1:] > 0))
        # hidden[i, t] is the decoder's output at position t of sequence i, which predicts token t + 1.
        hidden = None
        groups, alone = self._shared_prefix_groups(tokens, wanted)
        if alone:
            rows = torch.tensor(alone)
            alone_hidden = base.get_decoder()(
                input_ids=ids[rows, :-1], attention_mask=mask[rows, :-1]
            ).last_hidden_state
            hidden = alone_hidden.new_zeros((len(tokens), length - 1, alone_hidden.shape[-1]))
            hidden = hidden.index_put((rows,), alone_hidden)
        for members, start in groups:
            group_hidden = self._hidden_after_shared_prefix([tokens[index] for index in members], start)
            if hidden is None:
                hidden = group_hidden.new_zeros((len(tokens), length - 1, group_hidden.shape[-1]))
            rows = torch.tensor(members)
            width = group_hidden.shape[1]
            hidden = hidden.index_put((rows[:, None], torch.arange(start, start + width)[None, :]), group_hidden)
        rows, columns = wanted.nonzero(as_tuple=True)
        targets = ids[:, 1:][rows, columns]
        selected = hidden[rows, columns]
        softcap = getattr(base.config, "final_logit_softcapping", None)
        pieces = []
        chunk = selected.shape[0] if torch.is_grad_enabled() else SCORE_CHUNK
        for begin in range(0, selected.shape[0], max(chunk, 1)):
            logits = base.lm_head(selected[begin : begin + chunk]).float()
            if softcap:
                logits = torch.tanh(logits / softcap) * softcap
            picked = logits.gather(1, targets[begin : begin + chunk, None]).squeeze(1)
            pieces.append(picked - torch.logsumexp(logits, dim=1))
        values = torch.cat(pieces) if pieces else hidden.new_zeros(0)
        out = hidden.new_zeros((len(tokens), length))
        return out.index_put((rows, columns + 1), values)

    def _shared_prefix_groups(
        self, tokens: list[list[int]], wanted: torch.Tensor
    ) -> tuple[list[tuple[list[int], int]], list[int]]:
        """Sequences that can run a common prefix once, as ``(members, prefix length)``, and the rest,
        which run whole. First choice: sequences whose tokens before their first scored prediction are
        identical (the samples of one prompt, a DPO pair). Failing that, all sequences with their
        longest common prefix, cut before any scored prediction (SFT examples sharing the task's system
        prompt and instructions). Activation checkpointing turns the key/value cache off, so then
        nothing is shared."""
        if self.settings.get("gradient_checkpointing") or len(tokens) < 2:
            return [], list(range(len(tokens)))
        # Only sequences with something scored share: their first scored prediction leaves at least
        # one token to run after the prefix.
        starts = {index: int(row.nonzero()[0]) for index, row in enumerate(wanted) if bool(row.any())}
        by_prompt: dict[tuple[int, ...], list[int]] = {}
        for index, start in starts.items():
            if start >= MIN_SHARED_PREFIX:
                by_prompt.setdefault(tuple(tokens[index][:start]), []).append(index)
        groups = [(members, len(prompt)) for prompt, members in by_prompt.items() if len(members) > 1]
        grouped = {index for members, _ in groups for index in members}
        alone = [index for index in range(len(tokens)) if index not in grouped]
        candidates = [index for index in alone if index in starts]
        if groups or len(candidates) < 2:
            return groups, alone
        common = min(starts[index] for index in candidates)
        first = tokens[candidates[0]]
        for index in candidates[1:]:
            position = 0
            while position < common and tokens[index][position] == first[position]:
                position += 1
            common = position
        if common < MIN_SHARED_PREFIX:
            return [], alone
        return [(candidates, common)], [index for index in alone if index not in starts]

    def _hidden_after_shared_prefix(self, rows: list[list[int]], start: int) -> torch.Tensor:
        """Decoder outputs at positions ``start`` .. (longest row − 2) for rows sharing ``rows[0][:start]``.
        The prefix runs once with a key/value cache; the rest of the rows run on top of copies of it, in
        batches of similar length (sampled completions differ a lot in length, and padding them all to
        the longest cost more than the shared prefix saved)."""
        from transformers import DynamicCache  # noqa: PLC0415

        base = self.model.get_base_model()
        decoder = base.get_decoder()
        prefix = torch.tensor([rows[0][:start]], dtype=torch.long)
        shared = [(layer.keys, layer.values) for layer in decoder(input_ids=prefix, use_cache=True).cache.layers]
        width = max(len(row) for row in rows) - 1 - start
        outputs: list[torch.Tensor | None] = [None] * len(rows)
        for batch in _similar_lengths([len(row) - 1 - start for row in rows]):
            longest = len(rows[batch[0]]) - 1 - start
            ids = torch.zeros((len(batch), longest), dtype=torch.long)
            mask = torch.zeros((len(batch), start + longest), dtype=torch.long)
            mask[:, :start] = 1
            for slot, index in enumerate(batch):
                rest = rows[index][start:-1]
                ids[slot, : len(rest)] = torch.tensor(rest, dtype=torch.long)
                mask[slot, start : start + len(rest)] = 1
            repeated = [
                (keys.expand(len(batch), -1, -1, -1), values.expand(len(batch), -1, -1, -1)) for keys, values in shared
            ]
            cache = DynamicCache(ddp_cache_data=repeated, config=base.config)
            hidden = decoder(input_ids=ids, attention_mask=mask, cache=cache, use_cache=True).last_hidden_state
            for slot, index in enumerate(batch):
                outputs[index] = torch.nn.functional.pad(hidden[slot], (0, 0, 0, width - longest))
        return torch.stack(outputs)

    # ---- save / load ----------------------------------------------------------------------------------
    def save(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        """Write a checkpoint folder atomically: PEFT safetensors, optimiser state, meta JSON, and the
        llama.cpp LoRA GGUF when asked."""
        from peft import get_peft_model_state_dict  # noqa: PLC0415

        model = self._require_model()
        folder = Path(params["dir"])
        formats = params.get("formats", ["peft"])
        temporary = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        # One writer per run folder (the run's owner file sees to that), so every temp folder of this
        # checkpoint is an interrupted save, this worker's or a killed one's: none is worth keeping.
        for stale in folder.parent.glob(f"{folder.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        temporary.mkdir(parents=True)
        files: dict[str, Any] = {}
        model.save_pretrained(temporary, safe_serialization=True)
        files["peft"] = "adapter_model.safetensors"
        if params.get("optimizer", True) and self.optimizer is not None:
            torch.save(
                {"optimizer": self.optimizer.state_dict(), "step": self.step, "rng": torch.get_rng_state()},
                temporary / "optimizer.pt",
            )
            files["optimizer"] = "optimizer.pt"
        if "gguf-lora" in formats:
            state = get_peft_model_state_dict(model)
            export_lora_gguf(
                state, model.get_base_model().config, self.settings["lora"]["alpha"], temporary / "adapter.gguf"
            )
            files["gguf-lora"] = "adapter.gguf"
        meta = {
            "step": self.step,
            "settings": self.settings,
            "files": files,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "client": params.get("meta", {}),
        }
        (temporary / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        _replace_folder(temporary, folder)
        return {"dir": str(folder), "files": files, "step": self.step}

    def load(self, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        from peft import set_peft_model_state_dict  # noqa: PLC0415
        from safetensors.torch import load_file  # noqa: PLC0415

        model = self._require_model()
        folder = Path(params["dir"])
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            raise EngineError(f"not a checkpoint folder (no meta.json): {folder}")
        meta = json.loads(meta_path.read_text())
        if meta["settings"]["lora"] != self.settings["lora"]:
            raise EngineError(
                f"checkpoint LoRA settings {meta['settings']['lora']} differ from this engine's {self.settings['lora']}"
            )
        set_peft_model_state_dict(model, load_file(folder / "adapter_model.safetensors"))
        optimizer_path = folder / "optimizer.pt"
        if optimizer_path.is_file() and self.optimizer is not None:
            saved = torch.load(optimizer_path, weights_only=False)
            self.optimizer.load_state_dict(saved["optimizer"])
            torch.set_rng_state(saved["rng"])
        self.step = int(meta["step"])
        return {"step": self.step, "meta": meta}

    def _require_model(self) -> Any:
        if self.model is None:
            raise EngineError("no model yet: send 'create' first")
        return self.model


@contextmanager
def _adapter(model: Any, enabled: bool) -> Iterator[None]:
    """The adapter on (as trained) or off (the base model alone) for the duration."""
    if enabled:
        yield
    else:
        with model.disable_adapter():
            yield


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _similar_lengths(lengths: list[int], waste: float = 0.25) -> list[list[int]]:
    """Indexes grouped into batches, longest first, where padding to the batch's longest row adds at most
    ``waste`` of the batch's real tokens."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        batch = batches[-1] if batches else None
        if batch is not None:
            padded = lengths[batch[0]] * (len(batch) + 1)
            if padded <= (1 + waste) * (sum(lengths[i] for i in batch) + lengths[index]):
                batch.append(index)
                continue
        batches.append([index])
    return batches


def _sequences(value: Any, weights_required: bool = True) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise EngineError("'sequences' must be a non-empty list")
    for index, sequence in enumerate(value):
        tokens = sequence.get("tokens") if isinstance(sequence, dict) else None
        if not isinstance(tokens, list) or len(tokens) < 2:
            raise EngineError(f"sequences[{index}].tokens must be a list of at least 2 token ids")
        if weights_required:
            weights = sequence.get("weights")
            if not isinstance(weights, list) or len(weights) != len(tokens):
                raise EngineError(f"sequences[{index}].weights must have one weight per token ({len(tokens)})")
    return value


def _field(sequences: list[dict[str, Any]], name: str) -> list[list[float]]:
    rows = []
    for index, sequence in enumerate(sequences):
        row = sequence.get(name)
        if not isinstance(row, list) or len(row) != len(sequence["tokens"]):
            raise EngineError(f"sequences[{index}].{name} must have one value per token")
        rows.append(row)
    return rows


def _padded(rows: list[list[float]], len_of: list[list[int]]) -> torch.Tensor:
    length = max(len(row) for row in len_of)
    out = torch.zeros((len(rows), length), dtype=torch.float32)
    for index, row in enumerate(rows):
        out[index, : len(row)] = torch.tensor(row, dtype=torch.float32)
    return out


def _unpad(values: torch.Tensor, params: dict[str, Any], loss_name: Any) -> list[list[float]]:
    if loss_name == "dpo":
        chosen = [pair["chosen"]["tokens"] for pair in params["pairs"]]
        rejected = [pair["rejected"]["tokens"] for pair in params["pairs"]]
        rows = chosen + rejected
    else:
        rows = [sequence["tokens"] for sequence in params["sequences"]]
    return [values[index, : len(row)].tolist() for index, row in enumerate(rows)]


def _replace_folder(temporary: Path, folder: Path) -> None:
    """Swap a finished folder into place; the old one (if any) is removed only after the swap."""
    old = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    if folder.exists():
        os.replace(folder, old)
    os.replace(temporary, folder)
    shutil.rmtree(old, ignore_errors=True)
