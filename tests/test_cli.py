"""The ``jaxbrain`` command: a short whole-brain run writes the result, the FC fit and the figure."""

import json

import numpy as np
import pytest
import xarray as xr

from jaxbrain import cli


def test_simulate_writes_result_fit_and_figure(tmp_path, capsys):
    status = cli.main(
        [
            "simulate",
            "--model",
            "hopf",
            "--dataset",
            "gw",
            "--duration",
            "16",
            "--bold",
            "--out",
            str(tmp_path),
            "--param",
            "a=-0.05",
            "--param",
            "K_gl=2.0",
            "--param",
            "sigma_ou=0.1",
            "--sampling-dt",
            "10",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert printed.count("FC correlation with subject") == 5 and "mean over subjects" in printed
    fit = json.loads((tmp_path / "fc_fit.json").read_text())
    assert len(fit["fc_correlation"]) == 5
    assert np.isclose(fit["mean_of_scores"], np.mean(fit["fc_correlation"]))
    assert all(-1.0 <= s <= 1.0 for s in fit["fc_correlation"])
    # BOLD samples after the 10 s transient: t = 10000.1, 12000.1, 14000.1 ms.
    assert fit["bold_samples_used"] == 3
    ds = xr.open_dataset(tmp_path / "result.nc", engine="scipy")
    assert ds["x"].dims == ("time", "node") and ds["x"].shape == (1600, 80)
    assert ds["BOLD"].shape == (8, 80)
    assert ds.attrs["param_K_gl"] == 2.0
    ds.close()
    assert (tmp_path / "summary.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--model", "nope"], "unknown model"),
        (["simulate", "--param", "K_gl"], "NAME=VALUE"),
        (["simulate", "--param", "bogus=1"], "unknown parameter 'bogus'"),
        (["simulate", "--param", "K_gl=abc"], "needs a number"),
        (["simulate", "--duration", "-1"], "--duration"),
        (["simulate", "--dataset", "nope", "--duration", "1"], "unknown dataset|dataset"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(argv, message, tmp_path):
    with pytest.raises(SystemExit, match=message):
        cli.main(argv + ["--out", str(tmp_path)])
