"""The peer for bench/grpo: TRL's GRPOTrainer on the same model, prompts, group size, prompt batch,
completion length, LoRA settings, threads and reward as Tailor's GRPO in bench/grpo/run.ts.

Prints nothing; writes one JSON object to --out: the wall-clock seconds of each optimiser step
(TRL generates, scores and learns inside its training step), the mean reward and mean completion
length per step, and the peak resident memory.
"""

import argparse
import json
import re
import resource
import time
from pathlib import Path

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

KEYS = ("name", "category")


def keyed(value) -> bool:
    return isinstance(value, dict) and all(key in value for key in KEYS)


def parse(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def reward(completions, **kwargs) -> list[float]:
    """The same reward as bench/grpo/reward.mjs: 1 for a bare JSON object with both keys, 0.5 for
    one wrapped in other text, 0 otherwise."""
    scores = []
    for completion in completions:
        text = completion[0]["content"] if isinstance(completion, list) else completion
        if keyed(parse(text.strip())):
            scores.append(1.0)
            continue
        block = re.search(r"\{[^{}]*\}", text)
        scores.append(0.5 if block and keyed(parse(block.group(0))) else 0.0)
    return scores


class StepTimer(TrainerCallback):
    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self._started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self._started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="Hugging Face folder (float32 weights)")
    parser.add_argument("--gguf", required=True, help="the GGUF, for its tokenizer and chat template")
    parser.add_argument("--prompts", required=True, help="JSONL of {prompt: [messages]}")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--prompts-per-step", type=int, required=True)
    parser.add_argument("--group-size", type=int, required=True)
    parser.add_argument("--max-tokens", type=int, required=True)
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--alpha", type=float, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    rows = [json.loads(line) for line in Path(arguments.prompts).read_text().splitlines() if line.strip()]
    gguf = Path(arguments.gguf)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(arguments.model, dtype=torch.float32)
    config = GRPOConfig(
        output_dir=str(Path(arguments.out).parent / "trl-grpo-output"),
        max_steps=arguments.steps,
        # TRL counts completions per device batch: prompts x group size, one generation per step.
        per_device_train_batch_size=arguments.prompts_per_step * arguments.group_size,
        gradient_accumulation_steps=1,
        num_generations=arguments.group_size,
        max_completion_length=arguments.max_tokens,
        temperature=1.0,
        top_k=0,
        learning_rate=arguments.lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        beta=0.0,
        num_iterations=1,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        seed=0,
        gradient_checkpointing=False,
    )
    lora = LoraConfig(
        r=arguments.rank,
        lora_alpha=arguments.alpha,
        lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        bias="none",
        task_type="CAUSAL_LM",
    )
    timer = StepTimer()
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward,
        args=config,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[timer],
    )
    trainer.train()
    rewards = [entry["reward"] for entry in trainer.state.log_history if "reward" in entry]
    lengths = [
        entry["completions/mean_length"] for entry in trainer.state.log_history if "completions/mean_length" in entry
    ]
    result = {
        "steps": trainer.state.global_step,
        "step_seconds": timer.seconds,
        "rewards": rewards,
        "completion_mean_tokens": lengths,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    Path(arguments.out).write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
