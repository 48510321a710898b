"""brainwgpu: brainpy.state-style spiking neural networks on any GPU wgpu reaches (Vulkan,
Metal, DX12, and a software adapter), with no CUDA toolkit.

The model classes carry BrainPy's names and keyword arguments (``LIF(784, tau=5.0)``,
``Expon(256, tau=8.0)``, ``AMPA``, ``GABAa`` ...). Numbers are magnitudes in BrainPy's internal
units: ms, mV, uA (so that ``R * I`` with ``R = 1`` is a voltage), mS, kOhm, uF, mM. Quantities
of ``brainunit``/``saiunit`` are accepted when that package is installed and converted to these
units. Time steps follow ``environ.set(dt=...)`` (ms, default 0.1), as ``brainstate.environ``.

Devices: ``"gpu"`` (the default adapter) or ``"cpu"`` (the float64 reference, which reproduces
BrainPy's own traces). Errors are Python exceptions with the library's messages:
``ValueError`` for bad parameters and shapes, ``LimitError`` for device limits,
``DeviceError`` for the GPU.

    import brainwgpu as bw
    syn = bw.Expon(100, tau=8.0)
    syn.init_state(32)                 # a batch of 32, on the default GPU
    g = syn.update(np.ones((32, 100))) # an array (32, 100)
"""

import numpy as np

from . import _core
from ._core import DeviceError, LimitError, SynOut

__all__ = [
    "environ", "Dynamics", "Neuron", "Synapse", "Linear", "Network", "Simulation", "Term",
    "SynOut", "FixedProb", "connect", "output", "state", "constant", "per_instance",
    "per_neuron", "poisson", "LimitError",
    "DeviceError", "classes", "gpu_info",
]


class environ:
    """The simulation environment, as ``brainstate.environ``: the time step ``dt`` in ms
    (default 0.1) and the default device (``"gpu"``)."""

    _dt = 0.1
    _device = "gpu"

    @staticmethod
    def set(dt=None, device=None):
        """Sets the time step (ms, or a time quantity) and/or the default device."""
        if dt is not None:
            dt = _magnitude(dt, "dt")
            if not dt > 0:
                raise ValueError(f"dt must be positive, got {dt}")
            environ._dt = dt
        if device is not None:
            if device not in ("gpu", "cpu"):
                raise ValueError(f"device must be 'gpu' or 'cpu', got {device!r}")
            environ._device = device

    @staticmethod
    def get_dt():
        """The time step in ms."""
        return environ._dt

    @staticmethod
    def get_device():
        """The default device."""
        return environ._device


# Internal units, by brainunit's unit names, tried in turn for a quantity.
_INTERNAL_UNITS = ("ms", "mV", "uA", "mS", "kohm", "uF", "mM", "Hz")


def _magnitude(value, what="value"):
    """A number, or a brainunit/saiunit quantity as its magnitude in the internal units."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if hasattr(value, "to_decimal") or hasattr(value, "mantissa"):
        try:
            import brainunit as u
        except ImportError:  # pragma: no cover - saiunit is the other name
            import saiunit as u
        for name in _INTERNAL_UNITS:
            try:
                return float(np.asarray(value.to_decimal(getattr(u, name))))
            except Exception:
                continue
        raise ValueError(f"{what}: {value!r} has no unit brainwgpu knows ({', '.join(_INTERNAL_UNITS)})")
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    raise TypeError(f"{what}: expected a number, got {type(value).__name__}")


def _in_size(in_size):
    if isinstance(in_size, (int, np.integer)):
        return [int(in_size)]
    return [int(d) for d in in_size]


class Dynamics:
    """A brainpy.state model with its states: ``init_state(batch_size)``, then ``update(x)``
    once per step. Keyword arguments are BrainPy's constructor arguments (numbers in the
    internal units, or quantities); ``spk_reset`` is ``"soft"`` (BrainPy's default) or
    ``"hard"``. States read as attributes (``neuron.V``) and write with ``set_state``."""

    _class = None

    def __init__(self, in_size, name=None, spk_reset=None, **kwargs):
        numbers, flags = {}, {}
        for key, value in kwargs.items():
            if isinstance(value, (bool, np.bool_)):
                flags[key] = bool(value)
            else:
                numbers[key] = _magnitude(value, key)
        if spk_reset is not None:
            if spk_reset not in ("soft", "hard"):
                raise ValueError(f"spk_reset must be 'soft' or 'hard', got {spk_reset!r}")
            flags["spk_reset_hard"] = spk_reset == "hard"
        self._m = _core.Module(self._class, _in_size(in_size), numbers, flags, name)
        self._step = 0
        self._device = environ.get_device()

    @property
    def in_size(self):
        """The population's size (BrainPy's ``varshape``)."""
        return tuple(self._m.in_size)

    @property
    def name(self):
        return self._m.name

    def init_state(self, batch_size=None, device=None):
        """Creates the states, shaped ``(batch_size, *in_size)`` or ``in_size``, on ``device``
        (``"gpu"``, ``"cpu"``; default ``environ.get_device()``), and restarts the clock."""
        self._device = device or environ.get_device()
        self._m.init_state(batch_size, self._device)
        self._step = 0

    def reset_state(self, batch_size=None):
        """As ``init_state`` on the same device."""
        self.init_state(batch_size, self._device)

    def update(self, x=0.0, delta=None):
        """One step with input ``x`` (an array of the states' shape, or a number) and,
        for models that take them, delta inputs; returns the output as an array."""
        if not isinstance(x, (int, float, np.integer, np.floating)):
            x = np.ascontiguousarray(x, dtype=np.float64)
        else:
            x = float(x)
        if delta is not None:
            delta = np.ascontiguousarray(delta, dtype=np.float64)
        out = self._m.update(x, self._step, environ.get_dt(), delta)
        self._step += 1
        return out

    __call__ = update

    def state_names(self):
        """The state variables (BrainPy's names: ``"V"``, ``"g"`` ...)."""
        return self._m.state_names()

    def set_state(self, name, values):
        """Overwrites state ``name`` (as ``model.V.value = ...``)."""
        self._m.set_state(name, np.ascontiguousarray(values, dtype=np.float64))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            names = self._m.state_names()
        except ValueError:
            names = []
        if name in names:
            return self._m.state(name)
        raise AttributeError(f"{type(self).__name__} has no attribute or state {name!r}")

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(str, self.in_size))})"


class Neuron(Dynamics):
    """A neuron: ``update(x)`` returns its spikes (0/1)."""


class Synapse(Dynamics):
    """A synapse: ``update(x)`` returns its conductance."""


def _define(name, neuron):
    base = Neuron if neuron else Synapse
    params = []
    for p in _core.class_parameters(name):
        params.append("spk_reset='soft'|'hard'" if p == "spk_reset_hard" else p)
    doc = (
        f"brainpy.state.{name}: ``{name}(in_size, name=None, **kwargs)`` with BrainPy's keyword "
        f"arguments and defaults (numbers in ms, mV, uA, mS, kOhm, uF, mM, or quantities).\n\n"
        f"Keyword arguments: {', '.join(params)}.\n\n"
        f"An unknown keyword is a ValueError listing these. {base.__doc__}"
    )
    return type(name, (base,), {"_class": name, "__doc__": doc, "__module__": __name__})


for _name, _neuron in _core.classes():
    globals()[_name] = _define(_name, _neuron)
    __all__.append(_name)


def classes():
    """The brainpy.state classes implemented: a list of (name, is_neuron)."""
    return list(_core.classes())


def gpu_info():
    """The default adapter's description (a DeviceError when there is none)."""
    return _core.gpu_info()


class Linear:
    """brainstate's ``Linear(in_size, out_size)``: ``y = x @ W + b``, ``W`` of shape
    ``(in_size, out_size)`` (Kaiming-normal from ``seed`` unless given). Call it on arrays, or
    use it in a network: ``bw.output(pre).dense(linear)``."""

    def __init__(self, in_size, out_size, w=None, b=None, seed=0):
        if w is None:
            rng = np.random.default_rng(seed)
            w = rng.normal(0.0, np.sqrt(2.0 / in_size), size=(in_size, out_size))
        self.W = np.ascontiguousarray(w, dtype=np.float64)
        if self.W.shape != (in_size, out_size):
            raise ValueError(f"W must have shape ({in_size}, {out_size}), got {self.W.shape}")
        self.b = None if b is None else np.ascontiguousarray(b, dtype=np.float64)
        if self.b is not None and self.b.shape != (out_size,):
            raise ValueError(f"b must have shape ({out_size},), got {self.b.shape}")

    def __call__(self, x):
        y = np.asarray(x, dtype=np.float64) @ self.W
        return y if self.b is None else y + self.b


class Term:
    """One summand of a population's input: a population's output or state, a constant, or a
    Poisson drive; projected (``dense``, ``event``), ``scaled`` and ``delayed``."""

    def __init__(self, core):
        self._t = core

    def scaled(self, factor):
        """Times ``factor``."""
        return Term(self._t.scaled(float(factor)))

    def delayed(self, steps):
        """Read ``steps`` steps late."""
        return Term(self._t.delayed(int(steps)))

    def slice(self, start, stop):
        """Values ``start`` to ``stop`` (exclusive) of each row of the source."""
        return Term(self._t.slice(int(start), int(stop)))

    def event(self, conn):
        """Through an event-driven projection (``FixedProb``, ``connect``)."""
        return Term(self._t.event(conn))

    def dense(self, linear):
        """Through a dense projection (a ``Linear``)."""
        return Term(self._t.dense(linear.W, linear.b))


def output(node):
    """The output of a population (spikes of a neuron, conductance of a synapse)."""
    return Term(_core.Term.output(node))


def state(node, var):
    """State ``var`` of a population."""
    return Term(_core.Term.state(node, var))


def constant(value):
    """A constant input (a number in the internal units, or a quantity)."""
    return Term(_core.Term.constant(_magnitude(value)))


def per_instance(values):
    """One constant per instance of the batch: a sweep."""
    return Term(_core.Term.per_instance([float(v) for v in values]))


def per_neuron(values):
    """One constant per neuron (the same in every instance)."""
    return Term(_core.Term.per_neuron([float(v) for v in values]))


def poisson(sources, rate_hz, weight, seed=0, key=0):
    """A Poisson drive (brainpy's ``PoissonInput``): ``sources`` independent sources at
    ``rate_hz`` each, adding ``weight`` per spike; a delta input."""
    return Term(_core.Term.poisson(int(sources), float(rate_hz), float(weight), seed, key))


def FixedProb(n_pre, n_post, prob=None, weight=1.0, seed=0, k=None):
    """brainstate's ``EventFixedProb(n_pre, n_post, prob, weight)``: ``prob * n_post`` targets
    per source (or ``k``), one weight."""
    return _core.Connectivity.connect(
        "fixed_prob", n_pre, n_post, float(weight), seed=seed, p=prob, k=k
    )


def connect(rule, n_pre, n_post, weight, seed=0, key=0, delay=None, same=False, **params):
    """Connectivity by rule — ``"all_to_all"``, ``"one_to_one"``, ``"bernoulli"`` (``p``),
    ``"fixed_in_degree"`` (``k``), ``"fixed_out_degree"`` (``k``), ``"fixed_total"`` (``n``),
    ``"explicit"`` (``pre``, ``post``) — with weights and delays (ms) a number, an array, or a
    distribution ``("normal", mean, std)``, ``("uniform", low, high)``,
    ``("lognormal", mu, sigma)``, drawn from ``(seed, key)``. ``same``: pre and post are one
    population (autapses left out)."""
    return _core.Connectivity.connect(
        rule, n_pre, n_post, weight, seed=seed, key=key, delay=delay, same=same, **params
    )


def _terms(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [_term(v) for v in value]
    return [_term(value)]


def _term(value):
    if isinstance(value, Term):
        return value._t
    if isinstance(value, _core.Node):
        return _core.Term.output(value)
    return _core.Term.constant(_magnitude(value))


class Network:
    """A network: populations (``add``), one update statement each in BrainPy's order
    (``update(node, x=..., delta=..., currents=[(SynOut.coba(E), g_node), ...])``), compiled
    for a device and a batch."""

    def __init__(self):
        self._net = _core.Network()

    def add(self, module):
        """Adds a model (its states, if any, are not used: the network makes its own);
        returns its node."""
        return self._net.add(module._m)

    def update(self, node, x=None, delta=None, currents=()):
        """The statement updating ``node``: its ``x``, delta inputs and current inputs (pairs
        of a ``SynOut`` and a term or node), each a term, a node (its output) or a number."""
        self._net.update(
            node, _terms(x), _terms(delta), [(out, _term(g)) for out, g in currents]
        )

    def compile(self, device=None, batch_size=None, dt=None, executor="auto"):
        """A ``Simulation`` on ``device`` (default ``environ.get_device()``) with
        ``batch_size`` instances (or none) and step ``dt`` (default ``environ.get_dt()``)."""
        dt = environ.get_dt() if dt is None else _magnitude(dt, "dt")
        return Simulation(
            self._net.compile(device or environ.get_device(), batch_size, dt, executor)
        )


class Simulation:
    """A compiled network: ``run(steps)``, monitors, states."""

    def __init__(self, core):
        self._sim = core

    def run(self, steps):
        """Runs ``steps`` steps."""
        self._sim.run(int(steps))

    @property
    def step(self):
        """Steps run so far."""
        return self._sim.step

    def monitor_spikes(self, node):
        """Records ``node``'s spikes from now on; read them with ``spikes``."""
        return self._sim.monitor_spikes(node)

    def monitor_state(self, node, var, every=1):
        """Records state ``var`` of ``node`` every ``every`` steps; read with ``samples``."""
        return self._sim.monitor_state(node, var, every)

    def spikes(self, monitor):
        """The recorded spikes: a uint8 array (steps, batch rows, neurons) of 0/1."""
        return self._sim.spikes(monitor)[0]

    def samples(self, monitor):
        """The recorded samples: (steps array, values (samples, batch rows, neurons))."""
        return self._sim.samples(monitor)

    def state(self, node, var):
        """State ``var`` of ``node``: an array (batch rows, neurons)."""
        return self._sim.state(node, var)

    def set_state(self, node, var, values):
        """Overwrites state ``var`` of ``node``."""
        self._sim.set_state(node, var, np.ascontiguousarray(values, dtype=np.float64))
