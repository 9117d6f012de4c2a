"""Write neurolib062_multimodel_jansen_rit.npz with neurolib 0.6.2 (PyPI), in neurolib's own venv (with a C compiler,
for jitcdde).

A user's symbolic MultiModel mass (``jansen_rit_symbolic.py``, Jansen-Rit) integrated by neurolib's jitcdde backend
(adaptive steps), noise off (a constant drive of 0.22 kHz): alone (500 ms) and beside neurolib's ThalamicNode in the
two-node motif of neurolib's example 4.1 (delays 13 ms, 300 ms). Samples every 0.5 ms, with the initial values used.
"""

import logging
import sys
import warnings
from pathlib import Path

import numpy as np

np.object, np.float = object, float  # neurolib 0.6.2 uses these aliases, which numpy 2 removed
import symengine as se  # noqa: E402
from jitcdde import input as system_input  # noqa: E402
from neurolib.models.multimodel import MultiModel, ThalamicNode  # noqa: E402
from neurolib.models.multimodel.builder.base.network import Network, Node  # noqa: E402
from neurolib.models.multimodel.builder.base.neural_mass import NeuralMass  # noqa: E402
from neurolib.utils.stimulus import Input  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import jansen_rit_symbolic as jr  # noqa: E402

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

_, JansenRitNode = jr.classes(se, system_input, NeuralMass, Node, jr.constant_drive(Input, 0.22))
out = {}

single = MultiModel.init_node(JansenRitNode(seed=7))
single.params.update(duration=500.0, sampling_dt=0.5, backend="jitcdde")
out["single/init"] = np.array(single.model_instance.initial_state)
single.run()
for name in ("r_mean_EXC", "v_pyr", "v_exc", "v_inh"):
    out[f"single/{name}"] = np.asarray(getattr(single, name))
out["single/t"] = np.asarray(single.t)

SC = np.array([[0.0, 0.15], [6.0, 0.0]])
DELAYS = np.array([[0.0, 13.0], [13.0, 0.0]])
Motif = jr.thalamocortical_network(Network, JansenRitNode, ThalamicNode)
motif = MultiModel(Motif(connectivity_matrix=SC, delay_matrix=DELAYS, seed=7))
motif.params["*g_LK"] = 0.032
motif.params.update(duration=300.0, sampling_dt=0.5, backend="jitcdde")
out["motif/init"] = np.concatenate([np.asarray(node.initial_state) for node in motif.model_instance])
motif.run()
for name in ("r_mean_EXC", "r_mean_INH"):
    out[f"motif/{name}"] = np.asarray(getattr(motif, name))
out["motif/t"] = np.asarray(motif.t)
np.savez_compressed(Path(__file__).parent / "neurolib062_multimodel_jansen_rit.npz", **out)
print({k: v.shape for k, v in out.items()})
