"""Exact EVSI for the two conjugate cases: the check of the regression estimator of :mod:`wotsim.analysis.evsi`.

A two-option decision whose incremental net benefit is *linear* in one parameter theta,
``INB = a + b theta`` (or whose conditional mean ``E[INB | theta]`` is: every other term independent of
theta), chooses the alternative if ``E[INB] > 0``.  A study of ``n`` observations yields data ``D``;
after it the alternative is chosen if ``E[INB | D] = a + b E[theta | D] > 0``, so

    EVSI(n) = E_D[ max(a + b E[theta | D], 0) ] - max(a + b E[theta], 0),

and EVPPI(theta) is its limit as ``n`` grows (``E[theta | D] -> theta``).  Two priors make the
preposterior distribution of the posterior mean ``E[theta | D]`` known in closed form:

* normal-normal (:func:`evsi_normal_linear`): ``theta ~ N(mu, sigma^2)``, ``n`` observations each
  ``N(theta, s^2)``, ``s`` known.  The posterior mean is normal with mean ``mu`` and sd
  ``tau = sigma^2 / sqrt(sigma^2 + s^2 / n)``, so ``a + b E[theta | D] ~ N(m, (|b| tau)^2)`` with
  ``m = a + b mu`` and ``EVSI = v phi(m / v) + m Phi(m / v) - max(m, 0)``, ``v = |b| tau``
  (the expected loss of a normal, :func:`normal_loss`); EVPPI: ``tau = sigma``.
* beta-binomial (:func:`evsi_beta_binomial_linear`): ``theta ~ Beta(alpha, beta)``, ``X ~ Binomial(n,
  theta)``.  ``X`` is beta-binomial and ``E[theta | X = x] = (alpha + x) / (alpha + beta + n)``, so EVSI is
  the exact sum over ``x = 0..n`` of ``P(x) max(a + b E[theta | x], 0)`` less ``max(a + b E[theta], 0)``;
  EVPPI (:func:`evppi_beta_linear`) uses the beta's partial expectation
  ``E[theta 1(theta > c)] = alpha / (alpha + beta) (1 - I_c(alpha + 1, beta))``.

When the engine could use them on a real config: only when the study's summary is sufficient and the
prior conjugate (a ``normal`` design on a parameter with a normal distribution, a ``binomial`` design on
a beta on [0, 1]), the parameter is independent of every other (not in a ``[[correlations]]`` block),
and ``E[INB | theta]`` is exactly linear in it (theta enters the net benefit as one additive term times
constants, e.g. not multiplied by another uncertain parameter).  wotsim does not detect these conditions:
the engine always estimates EVSI by regression, and these functions serve as its check
(``tests/test_evsi.py``) and for hand calculations.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from ..errors import WotsimError

__all__ = ["evppi_beta_linear", "evppi_normal_linear", "evsi_beta_binomial_linear", "evsi_normal_linear",
           "normal_loss", "preposterior_sd"]


def normal_loss(m: float, v: float) -> float:
    """``E[max(Y, 0)] - max(E[Y], 0)`` for ``Y ~ N(m, v^2)``: ``v phi(m / v) + m Phi(m / v) - max(m, 0)``
    (written as ``v phi(m / v) - |m| Phi(-|m| / v)``, which keeps its precision far in the tail)."""
    m, v = float(m), float(v)
    if v < 0 or not math.isfinite(v) or not math.isfinite(m):
        raise WotsimError(f"normal_loss needs a finite mean and an sd >= 0, got {m}, {v}")
    if v == 0.0:
        return 0.0
    z = abs(m) / v
    return max(v * float(stats.norm.pdf(z)) - abs(m) * float(stats.norm.sf(z)), 0.0)


def preposterior_sd(sigma: float, sd: float, n: float) -> float:
    """Sd of the posterior mean ``E[theta | D]`` before the data: ``sigma^2 / sqrt(sigma^2 + sd^2 / n)``
    (prior ``N(mu, sigma^2)``, ``n`` observations of sd ``sd``); ``sigma`` when ``n`` is infinite."""
    if not (sigma >= 0 and sd > 0 and n > 0):
        raise WotsimError(f"preposterior_sd needs sigma >= 0, sd > 0 and n > 0, got {sigma}, {sd}, {n}")
    if math.isinf(n):
        return float(sigma)
    return float(sigma ** 2 / math.sqrt(sigma ** 2 + sd ** 2 / n))


def evsi_normal_linear(a: float, b: float, mu: float, sigma: float, sd: float, n: float) -> float:
    """Exact EVSI of ``n`` observations ``N(theta, sd^2)`` for ``INB = a + b theta``, ``theta ~ N(mu, sigma^2)``."""
    return normal_loss(a + b * mu, abs(b) * preposterior_sd(sigma, sd, n))


def evppi_normal_linear(a: float, b: float, mu: float, sigma: float) -> float:
    """Exact EVPPI of theta for ``INB = a + b theta``, ``theta ~ N(mu, sigma^2)`` (EVSI as ``n -> inf``)."""
    return normal_loss(a + b * mu, abs(b) * sigma)


def _check_beta(alpha: float, beta: float) -> None:
    if not (alpha > 0 and beta > 0 and math.isfinite(alpha) and math.isfinite(beta)):
        raise WotsimError(f"a beta prior needs alpha > 0 and beta > 0, got {alpha}, {beta}")


def evsi_beta_binomial_linear(a: float, b: float, alpha: float, beta: float, n: int) -> float:
    """Exact EVSI of ``X ~ Binomial(n, theta)`` for ``INB = a + b theta``, ``theta ~ Beta(alpha, beta)``:
    the sum over ``x = 0..n`` of the beta-binomial ``P(x)`` times ``max(a + b (alpha + x) / (alpha + beta + n),
    0)``, less ``max(a + b alpha / (alpha + beta), 0)``."""
    _check_beta(alpha, beta)
    n = int(n)
    if n < 0:
        raise WotsimError(f"a study size must be >= 0, got {n}")
    x = np.arange(n + 1)
    p = stats.betabinom.pmf(x, n, alpha, beta)
    post = a + b * (alpha + x) / (alpha + beta + n)
    prior = a + b * alpha / (alpha + beta)
    return max(float(np.sum(p * np.maximum(post, 0.0))) - max(prior, 0.0), 0.0)


def evppi_beta_linear(a: float, b: float, alpha: float, beta: float) -> float:
    """Exact EVPPI of theta for ``INB = a + b theta``, ``theta ~ Beta(alpha, beta)`` (EVSI as ``n -> inf``):
    ``E[max(a + b theta, 0)] - max(a + b E[theta], 0)``."""
    _check_beta(alpha, beta)
    mean = alpha / (alpha + beta)
    prior = a + b * mean
    if b == 0:
        return 0.0
    c = -a / b  # a + b theta > 0 where theta > c (b > 0) or theta < c (b < 0)
    if c <= 0 or c >= 1:
        return 0.0  # the sign of INB never changes: nothing to learn
    upper_p = float(special.betainc(alpha, beta, c))  # P(theta <= c)
    upper_m = mean * float(special.betainc(alpha + 1, beta, c))  # E[theta 1(theta <= c)]
    if b > 0:  # E[(a + b theta) 1(theta > c)]
        gain = a * (1 - upper_p) + b * (mean - upper_m)
    else:  # E[(a + b theta) 1(theta < c)]
        gain = a * upper_p + b * upper_m
    return max(gain - max(prior, 0.0), 0.0)
