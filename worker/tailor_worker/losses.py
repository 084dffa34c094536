"""Training losses over per-token log-probabilities.

Every function takes the log-probabilities the model gives each target token (``logprobs``, shape
``[batch, length]``, position ``t`` scoring token ``t`` given the tokens before it) plus per-token
``weights`` (0 masks a position) and returns the *sum* of the loss divided by ``normalizer``. The
client picks the normalizer (usually the weight or pair count of the whole accumulated batch), so
a batch of 8 and four micro-batches of 2 produce the same gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class LossResult:
    loss: torch.Tensor
    metrics: dict[str, float]


def cross_entropy(logprobs: torch.Tensor, weights: torch.Tensor, normalizer: float) -> LossResult:
    """Weighted negative log-likelihood (SFT)."""
    nll = -(logprobs * weights).sum()
    return LossResult(nll / normalizer, {"nll_sum": float(nll.detach()), "weight_sum": float(weights.sum())})


def importance_sampling(
    logprobs: torch.Tensor,
    weights: torch.Tensor,
    sampler_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    normalizer: float,
) -> LossResult:
    """Policy gradient corrected for the sampler being a (slightly) different policy:
    ``-ratio * advantage`` with ``ratio = exp(logp - sampler_logp)``, unclipped."""
    ratio = torch.exp(logprobs - sampler_logprobs)
    per_token = -ratio * advantages * weights
    return LossResult(per_token.sum() / normalizer, _ratio_metrics(ratio, weights))


def ppo(
    logprobs: torch.Tensor,
    weights: torch.Tensor,
    sampler_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    normalizer: float,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
) -> LossResult:
    """PPO's clipped surrogate: ``-min(ratio * A, clip(ratio, 1 - low, 1 + high) * A)`` per token."""
    ratio = torch.exp(logprobs - sampler_logprobs)
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    surrogate = torch.minimum(ratio * advantages, clipped * advantages)
    per_token = -surrogate * weights
    metrics = _ratio_metrics(ratio, weights)
    active = weights > 0
    was_clipped = (surrogate != ratio * advantages) & active
    metrics["clip_fraction"] = float(was_clipped.sum()) / max(float(active.sum()), 1.0)
    return LossResult(per_token.sum() / normalizer, metrics)


def dpo(
    chosen_logprob: torch.Tensor,
    rejected_logprob: torch.Tensor,
    reference_chosen_logprob: torch.Tensor,
    reference_rejected_logprob: torch.Tensor,
    beta: float,
    normalizer: float,
) -> LossResult:
    """Direct preference optimisation on summed sequence log-probabilities (shape ``[pairs]``):
    ``-log sigmoid(beta * ((pc - rc) - (pr - rr)))``."""
    chosen_reward = beta * (chosen_logprob - reference_chosen_logprob)
    rejected_reward = beta * (rejected_logprob - reference_rejected_logprob)
    margin = chosen_reward - rejected_reward
    losses = -F.logsigmoid(margin)
    return LossResult(
        losses.sum() / normalizer,
        {
            "pairs": float(margin.numel()),
            "accuracy_sum": float((margin > 0).sum()),
            "margin_sum": float(margin.detach().sum()),
            "chosen_reward_sum": float(chosen_reward.detach().sum()),
            "rejected_reward_sum": float(rejected_reward.detach().sum()),
        },
    )


def with_kl_penalty(
    result: LossResult,
    logprobs: torch.Tensor,
    reference_logprobs: torch.Tensor,
    weights: torch.Tensor,
    beta: float,
    normalizer: float,
) -> LossResult:
    """Add ``beta`` times the per-token KL estimate to a reference policy (the k3 estimator:
    ``exp(r - p) - (r - p) - 1``, never negative, unbiased for KL(policy || reference) on the policy's
    own samples) to a policy-gradient loss."""
    delta = reference_logprobs - logprobs
    kl = (torch.exp(delta) - delta - 1.0) * weights
    metrics = dict(result.metrics)
    metrics["kl_sum"] = float(kl.detach().sum())
    return LossResult(result.loss + beta * kl.sum() / normalizer, metrics)


def _ratio_metrics(ratio: torch.Tensor, weights: torch.Tensor) -> dict[str, float]:
    active = weights > 0
    count = max(float(active.sum()), 1.0)
    detached = ratio.detach()
    return {
        "weight_sum": float(weights.sum()),
        "ratio_mean": float(detached[active].sum()) / count,
        "ratio_max": float(detached[active].max()) if bool(active.any()) else 1.0,
    }
