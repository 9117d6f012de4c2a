"""Bad input to ``jaxbrain.fit.fit``: each case is a clear error naming the argument and what was expected.

Most cases are refused before anything is simulated; the loss cases are refused while the first step is traced
(a wrong shape or type) or right after it (a loss that is NaN at every start)."""

import os
import re
import shutil
import tempfile

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

from jaxbrain import Connectome
from jaxbrain.fit import Exp, Identity, Interval, Positive, fit
from jaxbrain.models import hopf

KEY = jr.key(0)
# One node, 10 ms: the cases that reach a simulation stay cheap.
RUN = dict(duration=10.0, chunksize=50, outputs=("x",), initial=hopf.State(np.array([0.3]), np.array([0.1])))
PAIR = Connectome(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.0, 10.0], [10.0, 0.0]]))


def _mean_x2(res):
    return jnp.mean(res.outputs["x"] ** 2)


def _fit(params=None, fit_params=("K_gl",), connectome=None, loss=_mean_x2, **kwargs):
    kwargs = {"key": KEY, "steps": 2, **RUN, **kwargs}
    return fit(hopf.model, params, list(fit_params) if isinstance(fit_params, tuple) else fit_params, loss,
               connectome, **kwargs)  # fmt: skip


def _unwritable_folder():
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o500)
    try:
        return _fit(checkpoint_path=os.path.join(folder, "fit.npz"))
    finally:
        os.chmod(folder, 0o700)
        shutil.rmtree(folder)


def _folder_as_checkpoint():
    return _fit(checkpoint_path=os.path.dirname(os.path.abspath(__file__)))


CASES = [
    # Starts outside their bijection's domain, from params, from starts=, per node.
    pytest.param(lambda: _fit({"K_gl": 7.0}, {"K_gl": Interval(0.0, 5.0)}), ValueError,
                 "the start of 'K_gl' (from params) = 7.0 lies outside the domain of its bijection "
                 "Interval(low=0.0, high=5.0)", id="interval-start-above"),
    pytest.param(lambda: _fit({"K_gl": 5.0}, {"K_gl": Interval(0.0, 5.0)}), ValueError,
                 "= 5.0 lies outside the domain of its bijection Interval(low=0.0, high=5.0)", id="interval-on-high"),
    pytest.param(lambda: _fit({"K_gl": 0.0}, {"K_gl": Interval(0.0, 5.0)}), ValueError,
                 "= 0.0 lies outside the domain", id="interval-on-low"),
    pytest.param(lambda: _fit({"sigma_ou": 0.0}, {"sigma_ou": Positive()}), ValueError,
                 "the start of 'sigma_ou' (from params) = 0.0 lies outside the domain of its bijection "
                 "Positive(scale=1.0)", id="positive-zero-start"),
    pytest.param(lambda: _fit(None, {"sigma_ou": Positive()}, starts={"sigma_ou": np.array([0.1, -0.5])}), ValueError,
                 "starts['sigma_ou'][1] = -0.5 lies outside the domain of its bijection Positive(scale=1.0)",
                 id="positive-negative-start"),
    pytest.param(lambda: _fit(None, {"sigma_ou": Identity()}, starts={"sigma_ou": np.array([0.1, -0.5])}),
                 ValueError, "start 1 of starts= (start 1: sigma_ou=-0.5): parameter 'sigma_ou'",
                 id="starts-outside-the-model-range"),
    pytest.param(lambda: _fit({"sigma_ou": 0.0}, {"sigma_ou": Exp()}), ValueError,
                 "'sigma_ou' (from params) = 0.0 lies outside the domain of its bijection Exp(scale=1.0)",
                 id="exp-zero-start"),
    pytest.param(lambda: _fit(None, {"K_gl": Interval(0.0, 5.0)}, starts={"K_gl": np.array([1.0, 6.0])}),
                 ValueError, "starts['K_gl'][1] = 6.0 lies outside the domain", id="starts-outside"),
    pytest.param(lambda: _fit(None, {"a": Interval(-1.0, 0.0)}, PAIR, starts={"a": np.array([[-0.1, 0.5]])},
                              initial=None),
                 ValueError, "starts['a'][0] = [-0.1, 0.5] lies outside the domain", id="per-node-starts-outside"),
    pytest.param(lambda: _fit({"a": np.array([-0.1, 0.2])}, {"a": Interval(-1.0, 0.0)}, PAIR, initial=None),
                 ValueError, "the start of 'a' (from params) = [-0.1, 0.2] lies outside", id="per-node-param-outside"),
    pytest.param(lambda: _fit(None, {"signalV": Interval(2.0, 10.0)}, PAIR, signalV=20.0, initial=None),
                 ValueError, "the start of 'signalV' (from params) = 20.0 lies outside", id="speed-start-outside"),
    pytest.param(lambda: _fit(starts={"K_gl": np.array([np.nan])}), ValueError,
                 "starts['K_gl'][0] must be finite; got nan", id="starts-nan"),
    # starts= itself.
    pytest.param(lambda: _fit(starts=[0.5]), TypeError, "starts must be a dict name -> (S, ...) array",
                 id="starts-not-dict"),
    pytest.param(lambda: _fit(fit_params=("K_gl", "a"), starts={"K_gl": np.array([0.5])}), ValueError,
                 "starts must give every fitted parameter and nothing else: ['K_gl', 'a']; got ['K_gl']",
                 id="starts-missing-name"),
    pytest.param(lambda: _fit(starts={"K_gl": 0.5}), ValueError,
                 "starts['K_gl'] must have a leading axis of the starts", id="starts-scalar"),
    pytest.param(lambda: _fit(starts={"K_gl": np.zeros(0)}), ValueError,
                 "starts['K_gl'] must have a leading axis of the starts", id="starts-empty"),
    pytest.param(lambda: _fit(fit_params=("K_gl", "a"),
                              starts={"K_gl": np.array([0.5]), "a": np.array([0.1, 0.2])}), ValueError,
                 "all starts need one leading size (the number of starts); got {'K_gl': 1, 'a': 2}",
                 id="starts-sizes-differ"),
    pytest.param(lambda: _fit(starts={"K_gl": ["low"]}), TypeError, "starts['K_gl'] must be a real-valued array",
                 id="starts-strings"),
    # optimizer.
    pytest.param(lambda: _fit(optimizer="adamm"), ValueError,
                 "optimizer 'adamm' is not the name of an optax optimiser; valid: ['adabelief'",
                 id="optimizer-bad-name"),
    pytest.param(lambda: _fit(optimizer="lbfgs"), ValueError, "optimizer 'lbfgs' is not the name of an optax",
                 id="optimizer-lbfgs-needs-the-loss"),
    pytest.param(lambda: _fit(optimizer=0.05), TypeError,
                 "optimizer must be an optax.GradientTransformation (e.g. optax.adam(0.01)), the name of an optax "
                 "optimiser (e.g. 'adam', made with the learning rate 0.05) or None; got float",
                 id="optimizer-number"),
    pytest.param(lambda: _fit(optimizer=optax.adam), TypeError, "optimizer must be an optax.GradientTransformation",
                 id="optimizer-uncalled-factory"),
    # The loss.
    pytest.param(lambda: _fit(loss=lambda res: jnp.mean(res.outputs["x"], axis=0)), ValueError,
                 "must return a scalar (a single number); it returned shape (1,)", id="loss-not-scalar"),
    pytest.param(lambda: _fit(loss=lambda res: {"loss": 0.0}), TypeError,
                 "must return a real scalar; it returned dict", id="loss-dict"),
    pytest.param(lambda: _fit(loss=lambda res: jnp.sum(res.outputs["x"] > 0)), TypeError,
                 "must return a real floating-point scalar; it returned int", id="loss-int"),
    pytest.param(lambda: _fit({"K_gl": 0.5}, loss=lambda res: jnp.nan * jnp.mean(res.outputs["x"])), ValueError,
                 "the loss is [nan] at the start values (start 0: K_gl=0.5): not finite at any start",
                 id="loss-nan"),
    pytest.param(lambda: _fit(starts={"K_gl": np.array([0.2, 0.4])},
                              loss=lambda res: jnp.inf + jnp.mean(res.outputs["x"])), ValueError,
                 "the loss is [inf, inf] at the start values (start 0: K_gl=0.2; start 1: K_gl=0.4)",
                 id="loss-inf-every-start"),
    pytest.param(lambda: _fit(loss="fc_rmse"), TypeError, "loss must be a function result -> scalar; got str",
                 id="loss-string"),
    # checkpoint_path.
    pytest.param(lambda: _fit(checkpoint_path="/nonexistent-jaxbrain-folder/fit.npz"), ValueError,
                 "its folder '/nonexistent-jaxbrain-folder' does not exist; create it first",
                 id="checkpoint-no-folder"),
    pytest.param(_folder_as_checkpoint, ValueError, "is a folder; give a file in it", id="checkpoint-is-folder"),
    pytest.param(lambda: _fit(checkpoint_path=3), TypeError, "checkpoint_path must be a file path",
                 id="checkpoint-int"),
    pytest.param(_unwritable_folder, ValueError, "is not writable", id="checkpoint-folder-read-only",
                 marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")),
    # A gradient step that cannot fit in memory: refused before anything is compiled, with the numbers.
    pytest.param(lambda: _fit(duration=1e9, checkpoint=False, n_keys=4), ValueError,
                 "a gradient step of this fit (1 start(s) x 4 noise realisation(s)) needs about", id="fit-too-large"),
    # Counts, key, names, callback.
    pytest.param(lambda: _fit(steps=0), ValueError, "steps must be a positive int; got 0", id="steps-zero"),
    pytest.param(lambda: _fit(steps=2.5), TypeError, "steps must be a positive int; got 2.5 (float)", id="steps-float"),
    pytest.param(lambda: _fit(steps=True), TypeError, "steps must be a positive int; got True (bool)", id="steps-bool"),
    pytest.param(lambda: _fit(n_keys=np.int64(0)), ValueError, "n_keys must be a positive int; got 0", id="n-keys-0"),
    pytest.param(lambda: _fit(n_keys="2"), TypeError, "n_keys must be a positive int; got '2' (str)", id="n-keys-str"),
    pytest.param(lambda: _fit(key=0), TypeError, "key must be one JAX PRNG key, e.g. jax.random.key(0); got int",
                 id="key-int"),
    pytest.param(lambda: _fit(key=jr.PRNGKey(0)), TypeError, "key must be one JAX PRNG key", id="key-legacy-uint32"),
    pytest.param(lambda: _fit(key=jr.split(KEY, 2)), TypeError, "key must be one JAX PRNG key", id="key-array-of-keys"),
    pytest.param(lambda: _fit(fit_params="K_gl"), TypeError,
                 "got the string 'K_gl' (write ['K_gl'] to fit that one parameter)", id="fit-params-string"),
    pytest.param(lambda: _fit(fit_params=("K_gl", "K_gl")), ValueError, "fit_params names ['K_gl'] more than once",
                 id="fit-params-twice"),
    pytest.param(lambda: _fit(fit_params={"K_gl"}), TypeError,
                 "fit_params must be a list of parameter names or a dict name -> bijection; got set",
                 id="fit-params-set"),
    pytest.param(lambda: _fit(fit_params=("nope",)), ValueError, "unknown parameter name(s) ['nope'] for model 'hopf'",
                 id="fit-params-unknown"),
    pytest.param(lambda: _fit(fit_params={"K_gl": (0.0, 5.0)}), TypeError,
                 "the bijection of 'K_gl' must be a jaxbrain.fit bijection; got tuple", id="fit-params-bounds-tuple"),
    pytest.param(lambda: _fit(fit_params=()), ValueError, "fit_params must name at least one parameter",
                 id="fit-params-empty"),
    pytest.param(lambda: _fit(callback="print"), TypeError, "callback must be a function", id="callback-string"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), CASES)
def test_bad_input_is_a_clear_error(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def _one_start_diverges():
    # a = 1e6 makes the Hopf node explode within 10 ms: its loss is NaN, the other start's is not.
    return _fit(None, {"a": Identity()}, starts={"a": np.array([-0.1, 1e6])})


WARN_CASES = [
    pytest.param(_one_start_diverges, RuntimeWarning,
                 "fit: start(s) [1] diverged (final loss [nan]) and were left out of the choice of the best start; "
                 "their start values: start 1: a=1000000.0", id="one-start-diverges"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "warning", "fragment"), WARN_CASES)
def test_questionable_input_is_warned(call, warning, fragment):
    with pytest.warns(warning, match=re.escape(fragment)):
        call()
