"""Write neurolib062_aln_short_delays.npz/.json with neurolib 0.6.2 (PyPI), in neurolib's own venv.

ALN on six gw regions with fast conduction, so the network delays (0-7 steps) are shorter than ALN's local
delays (20 and 10 steps); b = 0 and no external input, where 0.6.2 and master compute the same thing.
"""

import json
import logging
import warnings

import numpy as np
from neurolib.models.aln import ALNModel
from neurolib.utils.loadData import Dataset

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

NODES = [0, 1, 2, 3, 40, 41]
SETTINGS = dict(mue_ext_mean=1.5, mui_ext_mean=1.2, Ke_gl=300.0, signalV=150.0, dt=0.2, duration=200.0)

ds = Dataset("gw")
cmat, lengths = ds.Cmat[np.ix_(NODES, NODES)], ds.Dmat[np.ix_(NODES, NODES)]
model = ALNModel(Cmat=cmat, Dmat=lengths, seed=11)
model.params.update(SETTINGS)
init = {f"init/{name}": np.array(model.params[name]) for name in model.init_vars}
model.run()
np.savez_compressed(
    "neurolib062_aln_short_delays.npz",
    Cmat=model.params["Cmat"],
    lengthMat=lengths,
    rates_exc=model.rates_exc,
    rates_inh=model.rates_inh,
    IA=model.IA,
    t=model.t,
    **init,
)
with open("neurolib062_aln_short_delays.json", "w") as fh:
    json.dump({"neurolib": "0.6.2", "nodes": NODES, "seed": 11, **SETTINGS}, fh, indent=1)
