"""Test configuration: float64 for reference parity, strict promotion, a shared key.

x64 is process-global and must be switched on before any array exists, so it is set here at import.
"""

import os
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
# A persistent compilation cache outside the clone makes repeated local runs fast; CI starts cold.
jax.config.update(
    "jax_compilation_cache_dir", os.environ.get("JAXBRAIN_TEST_CACHE", str(Path.home() / ".cache" / "jaxbrain-tests"))
)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)

import jax.random as jr  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture
def key():
    return jr.key(0)


@pytest.fixture(scope="session")
def golden():
    """neurolib master outputs (noise off) with the initial values that produced them."""
    with np.load(DATA / "neurolib_golden.npz") as f:
        return dict(f)


def tree_allclose(a, b, *, rtol, atol):
    """Leaf-wise allclose of two pytrees, with explicit tolerances."""
    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    if ta != tb:
        return False
    return all(np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol) for x, y in zip(la, lb))
