"""The peer for bench/sft: TRL's SFTTrainer on the same model, tokens, LoRA settings and threads.

Run by bench/sft/run.ts, which writes the already-tokenised examples (Tailor's tokens, so both train
on identical sequences) and reads the JSON line this prints: tokens trained on, seconds spent in the
training steps, peak resident memory.
"""

import argparse
import json
import resource
import time
from pathlib import Path

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer


class StepTimer(TrainerCallback):
    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self._started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds += time.perf_counter() - self._started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="Hugging Face folder (float32 weights)")
    parser.add_argument("--gguf", required=True, help="the GGUF, for its tokenizer")
    parser.add_argument("--data", required=True, help="JSONL of {input_ids, completion_mask}")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--micro-batch-size", type=int, required=True)
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--alpha", type=float, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--max-length", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--gradient-checkpointing", choices=["true", "false"], required=True)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    rows = [json.loads(line) for line in Path(arguments.data).read_text().splitlines() if line.strip()]
    dataset = Dataset.from_list(rows)
    gguf = Path(arguments.gguf)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(arguments.model, dtype=torch.float32)
    config = SFTConfig(
        output_dir=str(Path(arguments.out).parent / "trl-output"),
        max_steps=arguments.steps,
        per_device_train_batch_size=arguments.micro_batch_size,
        gradient_accumulation_steps=arguments.batch_size // arguments.micro_batch_size,
        learning_rate=arguments.lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        max_length=arguments.max_length,
        completion_only_loss=True,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        dataloader_num_workers=0,
        seed=0,
        # TRL turns activation checkpointing on by default (less memory, more compute); the bench runs
        # it both ways.
        gradient_checkpointing=arguments.gradient_checkpointing == "true",
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
    trainer = SFTTrainer(
        model=model, args=config, train_dataset=dataset, processing_class=tokenizer, peft_config=lora, callbacks=[timer]
    )
    trainer.train()
    steps = trainer.state.global_step
    tokens = sum(len(row["input_ids"]) for row in rows[: steps * arguments.batch_size])
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    result = {
        "steps": steps,
        "tokens": tokens,
        "seconds": timer.seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "losses": losses,
    }
    Path(arguments.out).write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
