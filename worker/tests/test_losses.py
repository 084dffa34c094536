"""Losses against values worked out by hand (math module only, no torch on the expected side)."""

import math

import pytest
import torch

from tailor_worker import losses


def test_cross_entropy_is_the_weighted_nll_over_the_normalizer():
    logprobs = torch.tensor([[0.0, -1.0, -2.0], [0.0, -0.5, -3.0]])
    weights = torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.5, 0.0]])
    result = losses.cross_entropy(logprobs, weights, normalizer=4.0)
    # (1 + 2 + 0.5 * 0.5) / 4
    assert float(result.loss) == pytest.approx(3.25 / 4)
    assert result.metrics["weight_sum"] == pytest.approx(2.5)


def test_importance_sampling_weights_advantages_by_the_probability_ratio():
    logprobs = torch.tensor([[0.0, math.log(0.5), math.log(0.2)]])
    sampler = torch.tensor([[0.0, math.log(0.25), math.log(0.4)]])
    advantages = torch.tensor([[0.0, 1.0, -2.0]])
    weights = torch.tensor([[0.0, 1.0, 1.0]])
    result = losses.importance_sampling(logprobs, weights, sampler, advantages, normalizer=2.0)
    # ratios 2 and 0.5: -(2 * 1 + 0.5 * -2) / 2 = -0.5
    assert float(result.loss) == pytest.approx(-0.5)
    assert result.metrics["ratio_max"] == pytest.approx(2.0)


def test_ppo_clips_the_ratio_on_the_side_that_would_over_step():
    logprobs = torch.tensor([[0.0, math.log(0.5), math.log(0.2), math.log(0.3)]])
    sampler = torch.tensor([[0.0, math.log(0.25), math.log(0.4), math.log(0.3)]])
    advantages = torch.tensor([[0.0, 1.0, -2.0, 3.0]])
    weights = torch.ones(1, 4)
    result = losses.ppo(logprobs, weights, sampler, advantages, normalizer=3.0, clip_low=0.2, clip_high=0.2)
    # token 1: ratio 2, A>0 -> min(2, 1.2) = 1.2; token 2: ratio 0.5, A<0 -> min(-1, -1.6) = -1.6;
    # token 3: ratio 1 -> 3. Loss = -(1.2 - 1.6 + 3) / 3; the first two were clipped.
    assert float(result.loss) == pytest.approx(-(1.2 - 1.6 + 3.0) / 3.0)
    assert result.metrics["clip_fraction"] == pytest.approx(2 / 4)


def test_ppo_gradient_vanishes_where_clipped():
    logprobs = torch.tensor([[0.0, math.log(0.5)]], requires_grad=True)
    sampler = torch.tensor([[0.0, math.log(0.25)]])
    result = losses.ppo(logprobs, torch.ones(1, 2), sampler, torch.tensor([[0.0, 1.0]]), normalizer=1.0)
    result.loss.backward()
    assert logprobs.grad is not None and float(logprobs.grad.abs().sum()) == 0.0


def test_dpo_matches_the_logistic_loss_of_the_reward_margin():
    chosen, rejected = torch.tensor([-10.0, -4.0]), torch.tensor([-12.0, -3.0])
    reference_chosen, reference_rejected = torch.tensor([-11.0, -4.0]), torch.tensor([-11.0, -4.0])
    result = losses.dpo(chosen, rejected, reference_chosen, reference_rejected, beta=0.5, normalizer=2.0)
    margins = [0.5 * ((-10 + 11) - (-12 + 11)), 0.5 * ((-4 + 4) - (-3 + 4))]  # 1.0 and -0.5
    expected = sum(math.log1p(math.exp(-margin)) for margin in margins) / 2
    assert float(result.loss) == pytest.approx(expected)
    assert result.metrics["accuracy_sum"] == 1.0


def test_kl_penalty_adds_the_k3_estimate_scaled_by_beta():
    logprobs = torch.tensor([[0.0, math.log(0.5), math.log(0.2)]])
    reference = torch.tensor([[0.0, math.log(0.25), math.log(0.2)]])
    weights = torch.tensor([[0.0, 1.0, 1.0]])
    base = losses.LossResult(torch.tensor(1.0), {})
    result = losses.with_kl_penalty(base, logprobs, reference, weights, beta=0.1, normalizer=2.0)
    # token 1: r - p = log(0.5), exp = 0.5 -> 0.5 - log(0.5) - 1; token 2: identical policies -> 0
    k3 = 0.5 - math.log(0.5) - 1.0
    assert float(result.loss) == pytest.approx(1.0 + 0.1 * k3 / 2.0)
    assert result.metrics["kl_sum"] == pytest.approx(k3)
