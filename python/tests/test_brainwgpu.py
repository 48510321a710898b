"""The Python package: the seed examples' shapes, BrainPy's goldens on the f64 device, bad input
as Python exceptions, and a simulation's spikes identical through Python and through Rust."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import brainwgpu as bw
from conftest import DATA


def test_expon_with_a_batch_of_32_returns_its_conductances(gpu):
    bw.environ.set(dt=0.1)
    syn = bw.Expon(100, tau=8.0)
    syn.init_state(32, device=gpu)
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = syn.update((rng.random((32, 100)) < 0.1).astype(float))
    assert g.shape == (32, 100)
    assert syn.g.shape == (32, 100)
    assert np.all(g >= 0) and g.max() > 0


def test_lif_spikes_and_state_round_trip():
    n = bw.LIF(10, tau=5.0, V_th=1.0, R=1.0, V_reset=0.0, V_rest=0.0, spk_reset="hard")
    n.init_state(None, device="cpu")
    spikes = sum(n.update(2.0).sum() for _ in range(200))
    assert spikes > 0
    n.set_state("V", np.full(10, 0.25))
    assert np.allclose(n.V, 0.25)
    assert n.state_names() == ["V"]


def _golden_cases():
    cases = []
    names = {name for name, _ in bw.classes()}
    for path in sorted(DATA.glob("*.npz")):
        if path.name.startswith("net_"):
            continue
        z = np.load(path)
        meta = json.loads(str(z["meta"]))
        if meta.get("input_kind") == "x" and meta["case"] in names and not meta.get("ctor_kwargs"):
            cases.append(path)
    return cases


@pytest.mark.parametrize("path", _golden_cases(), ids=lambda p: p.stem)
def test_goldens_reproduce_on_the_f64_device_to_1e_9(path):
    z = np.load(path)
    meta = json.loads(str(z["meta"]))
    kwargs = {}
    for key in z.files:
        if key.startswith("p_"):
            name = key[2:]
            value = z[key]
            if name == "spk_reset_hard":
                kwargs["spk_reset"] = "hard" if bool(value) else "soft"
            elif value.dtype == bool:
                kwargs[name] = bool(value)
            else:
                kwargs[name] = float(value)
    model = getattr(bw, meta["case"])(tuple(int(d) for d in z["in_size"]), **kwargs)
    batch = int(z["batch_size"])
    bw.environ.set(dt=float(z["dt"]))
    model.init_state(batch if batch > 0 else None, device="cpu")
    for key in z.files:
        if key.startswith("init_"):
            model.set_state(key[5:], z[key])
    worst = 0.0
    for k in range(int(z["n_steps"])):
        delta = z["in_delta"][k] if "in_delta" in z.files else None
        out = model.update(z["in_x"][k], delta=delta)
        for key in z.files:
            if key.startswith("rec_"):
                want = z[key][k]
                got = getattr(model, key[4:])
                scale = max(np.abs(z[key]).max(), 1e-12)
                worst = max(worst, np.abs(got - want).max() / scale)
        scale = max(np.abs(z["out"]).max(), 1e-12)
        worst = max(worst, np.abs(out - z["out"][k]).max() / scale)
    assert worst < 1e-9, f"{path.name}: worst {worst:.2e}"


def test_enough_goldens_are_checked():
    assert len(_golden_cases()) >= 10


def test_bad_input_raises_the_right_exceptions():
    with pytest.raises(ValueError, match="tua"):
        bw.Expon(10, tua=5.0)
    syn = bw.Expon(10, tau=-1.0)
    with pytest.raises(ValueError, match="tau"):
        syn.init_state(None, device="cpu")
    with pytest.raises(ValueError, match="spk_reset"):
        bw.LIF(10, spk_reset="sometimes")
    with pytest.raises(ValueError, match="batch_size"):
        bw.Expon(10).init_state(2**40, device="cpu")  # beyond 32-bit indices
    with pytest.raises(bw.LimitError, match="memory"):
        bw.AMPA(2**16).init_state(2**15, device="cpu")  # 32 GiB of states
    syn = bw.Expon(10)
    syn.init_state(2, device="cpu")
    with pytest.raises(ValueError, match="shape"):
        syn.update(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="device"):
        syn.init_state(2, device="tpu")
    with pytest.raises(ValueError, match="dt"):
        bw.environ.set(dt=-0.1)
    net = bw.Network()
    node = net.add(bw.LIF(5))
    net.update(node, x=1.0)
    with pytest.raises(ValueError, match="rule"):
        bw.connect("sometimes", 5, 5, 0.1)
    with pytest.raises(ValueError):
        net.compile(device="cpu", batch_size=0)


def _coba_through_python(n, seed):
    """The COBA network written with the Python API, as network::classic::Coba builds it: in
    its magnitudes (R = 1 ohm = 1e-3 kOhm, 20 mA = 20000 uA, weights 0.6 and 6.7 S in mS)."""
    n_exc = n * 4 // 5
    net = bw.Network()
    neurons = net.add(
        bw.LIFRef(n, name="N", V_rest=-60.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0, R=1e-3)
    )
    g_exc = net.add(bw.Expon(n, name="gE", tau=5.0))
    g_inh = net.add(bw.Expon(n, name="gI", tau=10.0))
    conn_e = bw.FixedProb(n_exc, n, k=min(n, 80), weight=600.0, seed=seed)
    conn_i = bw.FixedProb(n - n_exc, n, k=min(n, 80), weight=6700.0, seed=seed + 1)
    net.update(g_exc, delta=bw.output(neurons).slice(0, n_exc).event(conn_e))
    net.update(g_inh, delta=bw.output(neurons).slice(n_exc, n).event(conn_i))
    net.update(
        neurons,
        x=20000.0,
        currents=[(bw.SynOut.coba(0.0), g_exc), (bw.SynOut.coba(-80.0), g_inh)],
    )
    return net, neurons


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_spikes_are_identical_through_python_and_through_rust(device, request):
    if device == "gpu":
        device = request.getfixturevalue("gpu")
    n, seed, steps = 400, 3, 600
    v0 = np.random.default_rng(1).normal(-55.0, 2.0, size=(1, n))
    rust_net, rust_neurons, _, _ = bw._core.coba(n, seed)
    py_net, py_neurons = _coba_through_python(n, seed)
    runs = []
    for net, neurons in ((rust_net, rust_neurons), (py_net._net, py_neurons)):
        sim = bw.Simulation(net.compile(device, None, 0.1, "auto"))
        sim.set_state(neurons, "V", v0)
        m = sim.monitor_spikes(neurons)
        sim.run(steps)
        runs.append((sim.spikes(m), sim.state(neurons, "V")))
    (spikes_rust, v_rust), (spikes_py, v_py) = runs
    assert spikes_rust.shape == (steps, 1, n)
    assert spikes_rust.sum() > 100
    assert np.array_equal(spikes_rust, spikes_py)
    assert np.array_equal(v_rust, v_py)


def test_brainunit_quantities_are_converted_to_the_internal_units():
    u = pytest.importorskip("brainunit")
    plain = bw.LIF(10, tau=5.0, V_th=-50.0, V_reset=-60.0, V_rest=-60.0, R=1e-3)
    units = bw.LIF(
        10, tau=5.0 * u.ms, V_th=-50.0 * u.mV, V_reset=-60.0 * u.mV, V_rest=-60.0 * u.mV, R=1.0 * u.ohm
    )
    for m in (plain, units):
        m.init_state(None, device="cpu")
        m.set_state("V", np.full(10, -60.0))
        for _ in range(100):
            m.update(20000.0)  # 20 mA in uA
    assert np.array_equal(plain.V, units.V)
    bw.environ.set(dt=100.0 * u.us)
    assert bw.environ.get_dt() == pytest.approx(0.1)
    bw.environ.set(dt=0.1)


def test_every_class_documents_its_keyword_arguments():
    assert "tau_ref" in bw.LIFRef.__doc__ and "spk_reset" in bw.LIFRef.__doc__
    assert "tau" in bw.Expon.__doc__
    with pytest.raises(ValueError, match="tau_ref"):
        bw.LIFRef(3, tau_rf=2.0)



def _example(name):
    """A script of python/examples, imported as a module (its main does not run)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", ["net_ff_784_256_128_10", "net_ff_784_256_128_10__active"])
def test_a_brainpy_style_feedforward_script_reproduces_brainpy_s_golden(case):
    z = np.load(DATA / f"{case}.npz")
    meta = json.loads(str(z["meta"]))
    # The example's FeedForward: the brainpy.state script with only its imports changed.
    FeedForward = _example("feedforward").FeedForward
    net = FeedForward(z["W1"], z["b1"], z["W2"], z["b2"], z["W3"], z["b3"], meta["R_hidden2"])
    bw.environ.set(dt=float(z["dt"]))
    x = z["in_spikes"].astype(np.float64) * float(z["in_amp"])
    net.init_state(x.shape[1], "cpu")
    for k in range(x.shape[0]):
        rec = net(x[k])
        for mine, theirs in (("s0", "spikes0"), ("s1", "spikes1"), ("s2", "spikes2"), ("s3", "out_spikes")):
            assert np.array_equal(rec[mine], z[theirs][k]), f"{mine} at step {k}"
        for mine, theirs in (("V1", "V1"), ("V3", "V_out")):
            scale = max(np.abs(z[theirs]).max(), 1e-12)
            assert np.abs(rec[mine] - z[theirs][k]).max() / scale < 1e-9, f"{mine} at step {k}"
    assert z["spikes1"].sum() > 0



def test_a_brainpy_style_ei_script_reproduces_brainpy_s_golden():
    z = np.load(DATA / "net_ei_80_20.npz")
    # The example's EINetwork: the brainpy.state script with only its imports changed.
    EINetwork = _example("ei_network").EINetwork
    net = EINetwork(z["W_ee"], z["W_ei"], z["W_ie"], z["W_ii"], z["b_ee"], z["b_ei"], z["b_ie"], z["b_ii"])
    bw.environ.set(dt=float(z["dt"]))
    ext = z["in_ext"]
    net.init_state(ext.shape[1], "cpu")
    for k in range(ext.shape[0]):
        rec = net(ext[k])
        for key in ("exc_spikes", "inh_spikes"):
            assert np.array_equal(rec[key], z[key][k]), f"{key} at step {k}"
        for key in ("V_exc", "V_inh", "g_exc", "g_inh"):
            scale = max(np.abs(z[key]).max(), 1e-12)
            assert np.abs(rec[key] - z[key][k]).max() / scale < 1e-9, f"{key} at step {k}"
    assert z["exc_spikes"].sum() > 0
