"""power_spectrum: Welch peaks at the right frequency in Hz, one line per node, Result input, input checks."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from jaxbrain import Result  # noqa: E402
from jaxbrain.plot import power_spectrum  # noqa: E402

T_MS = np.arange(4000.0)  # 4 s at dt = 1 ms


def _sines():
    return np.stack([np.sin(2 * np.pi * 0.010 * T_MS), np.sin(2 * np.pi * 0.025 * T_MS)], axis=1)


def _peak(line):
    return line.get_xdata()[np.argmax(line.get_ydata())]


def test_peaks_of_sines_lie_at_their_frequencies():
    fig = power_spectrum(_sines(), dt_ms=1.0)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2
    assert _peak(lines[0]) == pytest.approx(10.0)
    assert _peak(lines[1]) == pytest.approx(25.0)
    assert ax.get_xlabel() == "frequency (Hz)"
    assert ax.get_yscale() == "log"
    assert lines[0].get_xdata()[0] > 0  # the 0 Hz bin is left out
    assert lines[0].get_xdata()[-1] < 70.0
    assert "peak 10 Hz" in ax.get_legend().get_texts()[0].get_text()


def test_node_selection_mean_linear_axis_and_resolution():
    ax = power_spectrum(_sines(), 1.0, nodes=[1], mean=True, log=False, segment_ms=200.0, f_max=200.0).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2  # node 1 and the mean
    assert _peak(lines[0]) == pytest.approx(25.0)
    assert ax.get_yscale() == "linear"
    np.testing.assert_allclose(np.diff(lines[0].get_xdata()), 5.0)  # 1000 / 200 ms
    assert lines[0].get_xdata()[-1] == pytest.approx(195.0)


def test_result_brings_its_sampling_interval_and_slow_signals_get_shorter_segments():
    rng = np.random.default_rng(0)
    t = 0.5 * np.arange(1, 8001)  # dt = 0.5 ms, 4 s
    x = np.sin(2 * np.pi * 0.040 * t)[:, None] + 0.01 * rng.normal(size=(t.size, 3))
    bold_t = 2000.0 * np.arange(1, 61)
    bold = np.sin(2 * np.pi * bold_t / 20_000.0)[:, None] * np.ones(3)  # a 0.05 Hz BOLD oscillation
    res = Result(
        t=t, outputs={"x": x}, t_bold=bold_t, bold=bold, final=None, ok=np.bool_(True), labels=("a", "b", "c"),
        model="hopf", params=None,
    )  # fmt: skip
    ax = power_spectrum(res, nodes=["b"]).axes[0]
    assert _peak(ax.get_lines()[0]) == pytest.approx(40.0)
    assert ax.get_ylabel().startswith("power spectral density (x")
    slow = power_spectrum(res, output="BOLD", nodes=[0]).axes[0].get_lines()[0]
    assert _peak(slow) == pytest.approx(0.05, abs=0.02)  # 15-sample (30 s) segments: 1/30 Hz bins
    assert slow.get_xdata()[-1] <= 0.25  # Nyquist at TR = 2 s


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.zeros((100, 2)),), {}, "`dt_ms` .* is needed"),
        ((np.zeros((100, 2)), -1.0), {}, "`dt_ms` must be a positive"),
        ((np.full((100, 2), np.inf), 1.0), {}, "`ts` contains 200 NaN or Inf"),
        ((np.zeros((100, 2)), 1.0), dict(nodes=[3]), "out of range"),
        ((np.zeros((100, 2)), 1.0), dict(segment_ms=500.0), "shorter than one segment"),
        ((np.zeros((100, 2)), 1.0), dict(f_min=600.0, f_max=700.0), "no frequency bin"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        power_spectrum(*args, **kwargs)
