"""traces: one line per selected node on a ms or s axis, from arrays or a Result; clear errors on bad input."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from jaxbrain import Result  # noqa: E402
from jaxbrain.plot import traces  # noqa: E402


def _result(n_time=50, n_nodes=4, *, bold=True, batch=None):
    """A hand-made hopf Result: x, y at dt = 0.5 ms and BOLD every 2 s."""
    rng = np.random.default_rng(0)
    lead = () if batch is None else (batch,)
    outputs = {"x": rng.normal(size=lead + (n_time, n_nodes)), "y": rng.normal(size=lead + (n_time, n_nodes))}
    t_bold = np.arange(1, 6) * 2000.0
    return Result(
        t=0.5 * np.arange(1, n_time + 1), outputs=outputs, t_bold=t_bold if bold else np.empty(0),
        bold=rng.normal(size=lead + (5, n_nodes)) if bold else None, final=None,
        ok=np.ones(batch, bool) if batch else np.bool_(True), labels=tuple("ABCD"[:n_nodes]), model="hopf", params=None,
    )  # fmt: skip


def test_one_line_per_node_in_ms():
    t = np.arange(1.0, 101.0)
    ts = np.sin(t[:, None] / np.array([5.0, 7.0, 9.0]))
    fig = traces(ts, t)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[1].get_xdata(), t)
    np.testing.assert_allclose(lines[1].get_ydata(), ts[:, 1])
    assert ax.get_xlabel() == "time (ms)"
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["node 0", "node 1", "node 2"]


def test_long_runs_in_seconds_and_selected_nodes():
    t = np.arange(1.0, 20_001.0, 10.0)  # 20 s
    ts = np.random.default_rng(1).normal(size=(t.size, 5))
    fig = traces(ts, t, nodes=[4, 0])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (s)"
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_xdata(), t / 1000.0)
    np.testing.assert_allclose(lines[0].get_ydata(), ts[:, 4])
    assert traces(ts, t, time_unit="ms").axes[0].get_xlabel() == "time (ms)"
    assert traces(ts).axes[0].get_xlabel() == "sample"
    assert traces(ts[:, 0]).axes[0].get_lines()[0].get_ydata().shape == (t.size,)


def test_result_outputs_names_and_bold():
    res = _result()
    fig = traces(res, nodes=["D", 1])
    ax = fig.axes[0]
    assert ax.get_ylabel() == "x"  # hopf's default output
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["D", "B"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), res.outputs["x"][:, 3])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), res.t)
    assert traces(res, output="y").axes[0].get_ylabel() == "y"
    bold = traces(res, output="BOLD").axes[0]
    assert len(bold.get_lines()) == 4 and bold.get_ylabel() == "BOLD"
    np.testing.assert_allclose(bold.get_lines()[2].get_xdata(), res.t_bold)  # 2-10 s: ms
    many = traces(_result(n_nodes=4), legend=False).axes[0]
    assert many.get_legend() is None


def test_names_for_an_array():
    ts = np.arange(30.0).reshape(10, 3)
    ax = traces(ts, labels=["a", "b", "c"], nodes=["c", 0]).axes[0]
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["c", "a"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), ts[:, 2])


def test_draws_on_given_axes():
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert traces(np.zeros((10, 2)), ax=ax2) is fig
    assert len(ax2.get_lines()) == 2 and not ax1.get_lines()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(data=np.full((10, 2), np.nan)), "`data` contains 20 NaN"),
        (dict(data=np.zeros((10, 2, 2))), "`data` must have 1 dimension or 2"),
        (dict(data=np.zeros((1, 2))), "at least 2 time points"),
        (dict(data=np.zeros((10, 2)), t=np.arange(9.0)), "one time .* per sample"),
        (dict(data=np.zeros((10, 2)), nodes=[2]), "index 2 is out of range"),
        (dict(data=np.zeros((10, 2)), nodes=["A"]), "not a region name"),
        (dict(data=np.zeros((10, 2)), output="x"), "`output` selects a signal of a Result"),
        (dict(data=np.zeros((10, 2)), time_unit="min"), "time_unit"),
        (dict(data=np.zeros((10, 2)), labels=["a"]), "`labels` must name each of the 2 node"),
        (dict(data=_result(), labels=list("ABCD")), "`labels` are taken from the Result"),
        (dict(data=_result(), output="z"), "'z' is not in the Result; it has: x, y, BOLD"),
        (dict(data=_result(bold=False), output="BOLD"), "no BOLD"),
        (dict(data=_result(), t=np.arange(50.0)), "`t` is taken from the Result"),
        (dict(data=_result(batch=3)), "batched Result"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        traces(**kwargs)
