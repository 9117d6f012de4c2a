r"""Random and empty inputs: zero, Wiener increments and an Ornstein–Uhlenbeck process (neurolib's ``Input`` types).

All three accept the common ``start``/``end``/``nodes`` keywords of :class:`AbstractStimulus`; a delayed start
delays the process (its first on row is its first sample), as for every stimulus.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

from ._base import AbstractStimulus, check_number, float_dtype, node_param, require_key


class ZeroInput(AbstractStimulus):
    """No input: all zeros (a pause between the parts of a :class:`ConcatenatedStimulus`).

    Example:
        >>> from jaxbrain.stimulus import ZeroInput
        >>> float(ZeroInput().generate(1.0, 0.1, 2).sum())
        0.0
    """

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        del dt, key
        return jnp.zeros((n_rows, n_nodes), float_dtype())


class WienerProcess(AbstractStimulus):
    r"""Increments of a Wiener process: i.i.d. Gaussian samples, one per step and node.

    $$x_k = \sigma\,\sqrt{\Delta t}\;\xi_k, \qquad \xi_k \sim \mathcal N(0, 1),$$

    so $\mathrm{Var}\,x_k = \sigma^2 \Delta t$ ($\Delta t$ in ms). neurolib's ``WienerProcess`` is $\sigma = 1$.

    Args:
        sigma: scale $\sigma \ge 0$ per $\sqrt{\text{ms}}$ (scalar or per node ``(N,)``); default 1.

    Example:
        >>> import jax.random as jr
        >>> from jaxbrain.stimulus import WienerProcess
        >>> WienerProcess().generate(10.0, 0.1, 3, jr.key(0)).shape
        (100, 3)
    """

    sigma: Any = 1.0

    def __check_init__(self):
        check_number("sigma", self.sigma, low=0.0)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        key = require_key(key, "WienerProcess")
        xi = jr.normal(key, (n_rows, n_nodes), float_dtype())
        return node_param("sigma", self.sigma, n_nodes) * jnp.sqrt(dt) * xi


class OrnsteinUhlenbeckProcess(AbstractStimulus):
    r"""An Ornstein–Uhlenbeck process, $dx = (\mu - x)/\tau\,dt + \sigma\,dW$, by Euler–Maruyama (neurolib's scheme).

    $$x_0 = \mu\,u,\ u \sim \mathcal U(0, 1); \qquad
      x_{k+1} = x_k + \Delta t\,\frac{\mu - x_k}{\tau} + \sigma \sqrt{\Delta t}\;\xi_k,\ \xi_k \sim \mathcal N(0, 1).$$

    Stationary mean $\mu$ and variance $\sigma^2 \tau / 2$ (exactly $\sigma^2 \tau / (2 - \Delta t/\tau)$ for
    the discrete recursion); correlation time $\tau$. Row 0 is $x_0$.

    Args:
        mu: mean $\mu$ (input units; scalar or per node).
        sigma: noise strength $\sigma \ge 0$ per $\sqrt{\text{ms}}$ (scalar or per node).
        tau: time constant $\tau > 0$ in ms (scalar or per node).

    Example:
        >>> import jax.random as jr
        >>> from jaxbrain.stimulus import OrnsteinUhlenbeckProcess
        >>> OrnsteinUhlenbeckProcess(mu=1.0, sigma=0.1, tau=5.0).generate(10.0, 0.1, 2, jr.key(0)).shape
        (100, 2)

    References:
        Uhlenbeck & Ornstein (1930) Phys Rev 36:823, doi:10.1103/PhysRev.36.823; neurolib
        ``utils/stimulus.py`` ``OrnsteinUhlenbeckProcess``.
    """

    mu: Any
    sigma: Any
    tau: Any

    def __check_init__(self):
        check_number("mu", self.mu)
        check_number("sigma", self.sigma, low=0.0)
        check_number("tau", self.tau, low=0.0, strict=True)

    def _signal(self, n_rows, dt, n_nodes, key) -> Float[Array, "time n_nodes"]:
        key = require_key(key, "OrnsteinUhlenbeckProcess")
        k0, k1 = jr.split(key)
        mu = jnp.broadcast_to(node_param("mu", self.mu, n_nodes), (1, n_nodes))[0]
        sigma = node_param("sigma", self.sigma, n_nodes)
        tau = jnp.broadcast_to(node_param("tau", self.tau, n_nodes), (1, n_nodes))[0]
        x0 = mu * jr.uniform(k0, (n_nodes,), float_dtype())
        kicks = (sigma * jnp.sqrt(dt)) * jr.normal(k1, (n_rows - 1, n_nodes), float_dtype())
        return ou_path(x0, kicks, mu, tau, dt)


@jax.jit
def ou_path(x0, increments, mu, tau, dt) -> Float[Array, "time n_nodes"]:
    r"""An Ornstein–Uhlenbeck path from given noise increments (the recursion of :class:`OrnsteinUhlenbeckProcess`).

    $$x_{k+1} = x_k + \Delta t\,\frac{\mu - x_k}{\tau} + w_k, \qquad k = 0, \dots, T-2,$$

    for increments $w_k$ drawn elsewhere ($w_k = \sigma\sqrt{\Delta t}\,\xi_k$ for the process itself): recorded
    noise, common random numbers shared between runs, or another generator's stream.

    Args:
        x0: initial values $x_0$, shape ``(N,)``.
        increments: $w_k$, shape ``(T-1, N)``.
        mu: mean $\mu$ (scalar or ``(N,)``).
        tau: time constant $\tau > 0$ in ms (scalar or ``(N,)``).
        dt: step $\Delta t$ in ms.

    Returns:
        ``(T, N)`` array; row 0 is ``x0``.

    Example:
        >>> import jax.numpy as jnp
        >>> from jaxbrain.stimulus import ou_path
        >>> ou_path(jnp.zeros(1), jnp.zeros((2, 1)), 1.0, 1.0, 0.5)[:, 0].tolist()  # no noise: relaxes to mu
        [0.0, 0.5, 0.75]
    """
    x0 = jnp.asarray(x0, float_dtype())
    increments = jnp.asarray(increments, x0.dtype)
    if x0.ndim != 1:
        raise ValueError(f"x0 must have shape (N,); got {x0.shape}")
    if increments.ndim != 2 or increments.shape[1] != x0.shape[0]:
        raise ValueError(f"increments must have shape (T-1, {x0.shape[0]}); got {increments.shape}")
    for name, value in (("mu", mu), ("tau", tau)):
        if jnp.shape(value) not in ((), x0.shape):
            raise ValueError(f"{name} must be a scalar or have shape {x0.shape}; got shape {jnp.shape(value)}")
    decay = jnp.broadcast_to(dt / jnp.asarray(tau, x0.dtype), x0.shape)
    mu = jnp.broadcast_to(jnp.asarray(mu, x0.dtype), x0.shape)

    def step(x, kick):
        x = x + decay * (mu - x) + kick
        return x, x

    _, rest = jax.lax.scan(step, x0, increments)
    return jnp.concatenate([x0[None, :], rest], axis=0)
