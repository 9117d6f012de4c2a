"""compat ``utils.devutils``: neurolib's model_fit, 40 Hz spectra and rolling_window."""

import types

import numpy as np
import pytest

from jaxbrain.compat.utils import devutils as du
from jaxbrain.compat.utils import functions as func


def _fake_model(bold, t_bold):
    return types.SimpleNamespace(BOLD=types.SimpleNamespace(BOLD=bold, t_BOLD=t_bold))


def test_model_fit_scores_bold_after_the_transient_against_each_subject():
    rng = np.random.default_rng(1)
    bold = rng.standard_normal((4, 60))
    t_bold = np.arange(60) * 2000.0 + 0.1
    subjects = [rng.standard_normal((4, 40)) for _ in range(3)]
    ds = types.SimpleNamespace(FCs=[np.corrcoef(b) for b in subjects], BOLDs=subjects, FCDs=None)
    out = du.model_fit(_fake_model(bold, t_bold), ds, bold_transient=10000, fcd=True)
    kept = bold[:, t_bold > 10000]
    assert kept.shape[1] == 55  # t_BOLD = 10000.1 ms is kept
    want = [func.matrix_correlation(np.corrcoef(kept), f) for f in ds.FCs]
    np.testing.assert_allclose(out["fc_scores"], want, rtol=1e-10)
    assert out["mean_fc_score"] == pytest.approx(np.mean(want))
    np.testing.assert_allclose(out["fcd"], [func.ts_kolmogorov(kept, b) for b in subjects], rtol=1e-10)


def test_model_fit_uses_the_dataset_fcds_when_present():
    rng = np.random.default_rng(2)
    bold = rng.standard_normal((3, 80))
    t_bold = np.arange(80) * 2000.0
    emp = [func.fcd(rng.standard_normal((3, 80))) for _ in range(2)]
    ds = types.SimpleNamespace(FCs=[np.eye(3)], FCDs=emp)
    out = du.model_fit(_fake_model(bold, t_bold), ds, bold_transient=-1, fc=False, fcd=True)
    assert "fc_scores" not in out
    sim = func.fcd(bold)
    np.testing.assert_allclose(out["fcd"], [func.matrix_kolmogorov(sim, e) for e in emp])


def test_model_fit_without_bold():
    with pytest.raises(AssertionError, match="bold=True"):
        du.model_fit(types.SimpleNamespace(), types.SimpleNamespace(FCs=[]))


def test_power_spectrum_cuts_at_40_hz_by_default():
    t = np.arange(0, 5000, 0.1)
    x = np.sin(2 * np.pi * 10 * t / 1000)
    f, p = du.getPowerSpectrum(x, 0.1)
    assert f.max() < 40 and f.max() >= 39
    assert f[np.argmax(p)] == pytest.approx(10.0)
    f2, p2 = du.getMeanPowerSpectrum([x, x], 0.1)
    np.testing.assert_allclose(p2, p, rtol=1e-9, atol=1e-12 * p.max())


def test_rolling_window():
    a = np.arange(10.0).reshape(2, 5)
    w = du.rolling_window(a, 3)
    assert w.shape == (2, 3, 3)
    np.testing.assert_array_equal(w[1, 2], [7.0, 8.0, 9.0])
    with pytest.raises(ValueError, match="window must be between 1 and 5"):
        du.rolling_window(a, 6)
    with pytest.raises(TypeError, match="window must be an int"):
        du.rolling_window(a, 2.0)
