"""The E/I network of brainpy.state's ``Synapse`` docstring — excitatory LIF (tau 10) with
AMPA, inhibitory LIF (tau 8) with GABAa, four dense projections of the conductances, an external
input 1.2 + 0.6 N(0, 1) per neuron and step — written as the brainpy.state script is (this exact
structure reproduces BrainPy's own traces on the f64 device: python/tests). Only the imports
differ from the brainpy.state version."""

import argparse

import numpy as np

import brainwgpu as bw


class EINetwork:
    def __init__(self, ne, ni, seed=0):
        rng = np.random.default_rng(seed)

        def lif(n, tau):
            return bw.LIF(n, R=1.0, tau=tau, V_th=1.0, V_reset=0.0, V_rest=0.0)

        def linear(n_in, n_out, scale):
            return bw.Linear(n_in, n_out, w=np.abs(rng.standard_normal((n_in, n_out))) * scale)

        self.exc_neurons = lif(ne, 10.0)
        self.exc_syn = bw.AMPA(ne)
        self.inh_neurons = lif(ni, 8.0)
        self.inh_syn = bw.GABAa(ni)
        self.exc_to_exc = linear(ne, ne, 12.0 / ne)
        self.exc_to_inh = linear(ne, ni, 20.0 / ne)
        self.inh_to_exc = linear(ni, ne, 10.0 / ni)
        self.inh_to_inh = linear(ni, ni, 4.0 / ni)

    def init_state(self, batch_size, device):
        for m in (self.exc_neurons, self.exc_syn, self.inh_neurons, self.inh_syn):
            m.init_state(batch_size, device=device)

    def __call__(self, ext_input):
        exc_current = ext_input + self.exc_to_exc(self.exc_syn.g) - self.inh_to_exc(self.inh_syn.g)
        exc_spikes = self.exc_neurons.update(exc_current)
        self.exc_syn.update(exc_spikes)
        inh_current = self.exc_to_inh(self.exc_syn.g) - self.inh_to_inh(self.inh_syn.g)
        inh_spikes = self.inh_neurons.update(inh_current)
        self.inh_syn.update(inh_spikes)
        return exc_spikes, inh_spikes


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--exc", type=int, default=800)
parser.add_argument("--inh", type=int, default=200)
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--steps", type=int, default=500)
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

bw.environ.set(dt=0.1)
net = EINetwork(args.exc, args.inh)
net.init_state(args.batch, args.device)
rng = np.random.default_rng(1)
n_exc = n_inh = 0
for _ in range(args.steps):
    ext = 1.2 + 0.6 * rng.standard_normal((args.batch, args.exc))
    e, i = net(ext)
    n_exc, n_inh = n_exc + e.sum(), n_inh + i.sum()
scale = args.batch * args.steps * 1e-4
print(f"exc: {n_exc / (args.exc * scale):.1f} Hz, inh: {n_inh / (args.inh * scale):.1f} Hz")
