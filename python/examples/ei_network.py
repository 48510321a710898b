"""The E/I network of brainpy.state's ``Synapse`` docstring: 800 excitatory LIF (tau 10) with
AMPA, 200 inhibitory LIF (tau 8) with GABAa, coupled by four dense projections of the
conductances, and an external current 2 + 0.6 N(0, 1) — drawn here once per neuron (frozen
noise); the docstring draws it every step, as the Rust example does on the device."""

import argparse

import numpy as np

import brainwgpu as bw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--batch", type=int, default=16)
parser.add_argument("--steps", type=int, default=1000)
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

n_e, n_i = 800, 200
unitless = dict(V_th=1.0, V_reset=0.0, V_rest=0.0, R=1.0)
rng = np.random.default_rng(0)
net = bw.Network()
exc = net.add(bw.LIF(n_e, tau=10.0, **unitless))
inh = net.add(bw.LIF(n_i, tau=8.0, **unitless))
g_e = net.add(bw.AMPA(n_e))
g_i = net.add(bw.GABAa(n_i))


def w(n_in, n_out, scale):
    """Non-negative random weights of an (n_in, n_out) dense projection."""
    return bw.Linear(n_in, n_out, w=np.abs(rng.normal(0.0, scale, size=(n_in, n_out))))


net.update(g_e, x=exc)
net.update(g_i, x=inh)
net.update(
    exc,
    x=bw.per_neuron(2.0 + 0.6 * rng.standard_normal(n_e)),
    currents=[
        (bw.SynOut.coba(0.0), bw.output(g_e).dense(w(n_e, n_e, 0.001))),
        (bw.SynOut.coba(-1.0), bw.output(g_i).dense(w(n_i, n_e, 0.004))),
    ],
)
net.update(
    inh,
    x=bw.per_neuron(2.0 + 0.6 * rng.standard_normal(n_i)),
    currents=[
        (bw.SynOut.coba(0.0), bw.output(g_e).dense(w(n_e, n_i, 0.001))),
        (bw.SynOut.coba(-1.0), bw.output(g_i).dense(w(n_i, n_i, 0.004))),
    ],
)
sim = net.compile(device=args.device, batch_size=args.batch, dt=0.1)
m_e, m_i = sim.monitor_spikes(exc), sim.monitor_spikes(inh)
sim.run(args.steps)
for name, m, n in (("exc", m_e, n_e), ("inh", m_i, n_i)):
    s = sim.spikes(m)
    rate = s.sum() / (n * args.batch * args.steps * 1e-4)
    print(f"{name}: spikes {s.shape}, {rate:.1f} Hz mean")
