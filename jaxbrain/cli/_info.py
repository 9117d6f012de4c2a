"""``jaxbrain info``: what jaxbrain runs on here: versions, devices and their memory, precision, the XLA memory
settings, the optional CPU kernels, the coupling backend a simulation would use and the automatic sweep batch."""

from __future__ import annotations

import json
import os
import platform
import sys

# The environment variables that decide how much accelerator memory JAX takes, and how it allocates it
# (https://docs.jax.dev/en/latest/gpu_memory_allocation.html), and which platform and precision it uses.
XLA_ENV = (
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
    "XLA_CLIENT_MEM_FRACTION",
    "XLA_PYTHON_CLIENT_ALLOCATOR",
    "JAX_PLATFORMS",
    "JAX_ENABLE_X64",
)
# What these mean when unset (JAX's defaults).
XLA_ENV_DEFAULTS = {
    "XLA_PYTHON_CLIENT_PREALLOCATE": "true: a GPU's memory fraction is reserved at the first computation",
    "XLA_PYTHON_CLIENT_MEM_FRACTION": "0.75 of the GPU's memory",
    "XLA_CLIENT_MEM_FRACTION": "its newer name, read by recent JAX versions",
    "XLA_PYTHON_CLIENT_ALLOCATOR": "JAX's BFC allocator",
    "JAX_PLATFORMS": "a GPU or TPU when one is found, else the CPU",
    "JAX_ENABLE_X64": "off: float32",
}
BATCH = 64  # the batch size whose coupling backend is shown beside a single run's
GIB = 2**30


def _gib(nbytes):
    return None if nbytes is None else round(nbytes / GIB, 2)


def _device(device):
    """A device's name and memory: JAX's limit on it and what is in use (where it reports them: accelerators), and
    what a new run may use (:func:`jaxbrain.integrate.memory_limit`: on a CPU the host's available memory)."""
    from ..integrate import memory_limit

    stats = device.memory_stats() or {}
    free = memory_limit(device) if device.process_index == _process_index() else None
    return {
        "platform": device.platform,
        "kind": device.device_kind,
        "id": device.id,
        "process": device.process_index,
        "memory_gib": _gib(stats.get("bytes_limit")),
        "memory_in_use_gib": _gib(stats.get("bytes_in_use")),
        "available_gib": None if free is None or free >= 2**62 else _gib(free),
    }


def _process_index():
    import jax

    return jax.process_index()


def _numba():
    try:
        import numba
    except Exception as err:  # a broken install is reported, not raised: this command only describes
        return {"installed": False, "version": None, "error": None if isinstance(err, ImportError) else str(err)}
    return {"installed": True, "version": numba.__version__, "error": None}


def _backends(dtype):
    """The coupling backend ``simulate`` chooses for Hopf on the gw connectome, alone and in a batch of 64, as it
    chooses it (through the plan ``prepare`` makes), and the backends that run here."""
    import jax
    import jax.numpy as jnp

    from .. import Connectome, Dataset, prepare
    from ..models import hopf
    from ..network import BACKENDS

    connectome = Connectome.from_dataset(Dataset("gw"))
    single = prepare(hopf.model, hopf.Params(), connectome, dtype=dtype)
    batch = prepare(hopf.model, hopf.Params(K_gl=jnp.full(BATCH, 0.6)), connectome, dtype=dtype, batched=True)
    here = jax.default_backend()
    return connectome, {
        "workload": f"hopf on gw ({connectome.n_nodes} nodes), {jnp.dtype(dtype).name}",
        "single": single.backend,
        f"batch_{BATCH}": batch.backend,
        "available": {name: b.description for name, b in BACKENDS.items() if b.available(here, jnp.dtype(dtype).name)},
    }


def _sweep_batch(connectome, dtype, device):
    """The batch size ``sweep`` picks by itself for Hopf on gw, 2 s, keeping the default trace of ``x``."""
    from ..explore._sweep import ACCELERATOR_MAX_BATCH, CPU_MAX_BATCH, _auto_batch_size
    from ..integrate import estimate_bytes, memory_limit
    from ..models import hopf

    settings = dict(
        duration=2000.0, dt=0.1, sampling_dt=None, signalV=20.0, bold=False, chunksize=None, dtype=dtype.name
    )
    base = hopf.Params()
    cap = CPU_MAX_BATCH if device.platform == "cpu" else ACCELERATOR_MAX_BATCH
    return {
        "workload": "hopf on gw, 2 s, the trace of x",
        "points": _auto_batch_size(hopf.model, base, connectome, settings, ("x",), device),
        "cap": cap,
        "bytes_per_point": estimate_bytes(hopf.model, base, connectome, outputs=("x",), **settings),
        "free_gib": _gib(memory_limit(device)),
    }


def collect():
    """Everything ``jaxbrain info`` shows, as a JSON-able dict."""
    import jax
    import jax.numpy as jnp
    import jaxlib
    import numpy as np

    from .. import __version__

    devices = jax.devices()
    x64 = bool(jax.config.jax_enable_x64)
    dtype = jnp.dtype(jnp.float64 if x64 else jnp.float32)
    connectome, backends = _backends(dtype)
    return {
        "jaxbrain": __version__,
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "default_backend": jax.default_backend(),
        "devices": [_device(d) for d in devices],
        "precision": {"x64": x64, "default_dtype": dtype.name},
        "env": {name: os.environ.get(name) for name in XLA_ENV},
        "numba": _numba(),
        "coupling_backend": backends,
        "sweep_batch": _sweep_batch(connectome, dtype, jax.local_devices()[0]),
    }


def _text(info):
    lines = [
        f"jaxbrain {info['jaxbrain']}: jax {info['jax']}, jaxlib {info['jaxlib']}, numpy {info['numpy']}, "
        f"Python {info['python']}",
        f"platform: {info['platform']}",
        f"devices (default backend: {info['default_backend']}):",
    ]
    for d in info["devices"]:
        if d["memory_gib"] is not None:
            memory = f"JAX may use {d['memory_gib']:g} GiB, {d['memory_in_use_gib'] or 0:g} GiB in use"
        elif d["available_gib"] is not None:
            memory = f"the host's memory, {d['available_gib']:g} GiB available"
        else:
            memory = "memory not reported"
        lines.append(f"  {d['platform']}:{d['id']} {d['kind']} (process {d['process']}): {memory}")
    p = info["precision"]
    lines.append(
        f"precision: x64 {'on' if p['x64'] else 'off'}: simulations run in {p['default_dtype']} unless dtype= says "
        + ("otherwise" if p["x64"] else "otherwise (JAX_ENABLE_X64=1 for float64)")
    )
    lines.append("XLA settings:")
    for name, value in info["env"].items():
        lines.append(f"  {name} = {value}" if value is not None else f"  {name} unset ({XLA_ENV_DEFAULTS[name]})")
    n = info["numba"]
    if n["installed"]:
        lines.append(f"cpu-kernels extra: numba {n['version']} (the compiled CPU coupling kernel can run)")
    else:
        why = f": {n['error']}" if n["error"] else " (pip install 'jaxbrain[cpu-kernels]')"
        lines.append(f"cpu-kernels extra: numba not importable{why}")
    b = info["coupling_backend"]
    lines.append(
        f"coupling backend ({b['workload']}): single run {b['single']}, batch of {BATCH} {b[f'batch_{BATCH}']}"
    )
    lines.append(f"  available here: {', '.join(b['available'])}")
    s = info["sweep_batch"]
    lines.append(
        f"automatic sweep batch ({s['workload']}): {s['points']} points (at most {s['cap']} on this platform; "
        f"a quarter of {s['free_gib']:g} GiB free / {s['bytes_per_point'] / 2**20:.3g} MiB per point)"
    )
    return "\n".join(lines)


def run_info(as_json=False):
    """Print what ``jaxbrain info`` shows (``as_json``: one JSON object); returns the exit status."""
    info = collect()
    if as_json:
        json.dump(info, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(_text(info))
    return 0
