# neurolib 0.6.2 ALN on 6 gw nodes with fast conduction (network delays 0-3 steps < local delays); b = 0 and
# no external input, where 0.6.2 and master compute the same thing.
import numpy as np, logging, warnings, json
logging.disable(logging.WARNING); warnings.filterwarnings("ignore")
import neurolib
from neurolib.models.aln import ALNModel
from neurolib.utils.loadData import Dataset
ds = Dataset("gw")
idx = [0, 1, 2, 3, 40, 41]
C = ds.Cmat[np.ix_(idx, idx)]; Lm = ds.Dmat[np.ix_(idx, idx)]
m = ALNModel(Cmat=C, Dmat=Lm, seed=11)
settings = dict(mue_ext_mean=1.5, mui_ext_mean=1.2, Ke_gl=300.0, signalV=150.0, dt=0.2, duration=200.0)
m.params.update(settings)
init = {k: np.array(m.params[k]) for k in m.init_vars}
m.run()
np.savez_compressed("/tmp/nl/aln_short_delays.npz", Cmat=m.params["Cmat"], lengthMat=Lm, rates_exc=m.rates_exc, rates_inh=m.rates_inh, IA=m.IA, t=m.t, **{f"init/{k}": v for k, v in init.items()})
json.dump({"neurolib": neurolib.__version__ if hasattr(neurolib, "__version__") else "0.6.2", "nodes": idx, "seed": 11, **settings}, open("/tmp/nl/aln_short_delays.json", "w"), indent=1)
D = np.around(Lm / 150.0 / 0.2); print("delays", np.unique(D), m.rates_exc.shape, m.rates_exc.max())
