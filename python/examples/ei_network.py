"""The E/I network of brainpy.state's ``Synapse`` docstring — excitatory LIF (tau 10) with
AMPA, inhibitory LIF (tau 8) with GABAa, four dense projections of the conductances, an external
input 1.2 + 0.6 N(0, 1) per neuron and step — written as the brainpy.state script is. Only the
imports differ from the brainpy.state version: python/tests runs this ``EINetwork`` with
BrainPy's weights and reproduces BrainPy's own traces on the f64 device."""

import argparse

import numpy as np

import brainwgpu as bw


class EINetwork:
    def __init__(self, W_ee, W_ei, W_ie, W_ii, b_ee=None, b_ei=None, b_ie=None, b_ii=None):
        ne, ni = W_ee.shape[0], W_ii.shape[0]

        def lif(n, tau):
            return bw.LIF(n, R=1.0, tau=tau, V_th=1.0, V_reset=0.0, V_rest=0.0)

        self.exc_neurons = lif(ne, 10.0)
        self.exc_syn = bw.AMPA(ne)
        self.inh_neurons = lif(ni, 8.0)
        self.inh_syn = bw.GABAa(ni)
        self.exc_to_exc = bw.Linear(ne, ne, w=W_ee, b=b_ee)
        self.exc_to_inh = bw.Linear(ne, ni, w=W_ei, b=b_ei)
        self.inh_to_exc = bw.Linear(ni, ne, w=W_ie, b=b_ie)
        self.inh_to_inh = bw.Linear(ni, ni, w=W_ii, b=b_ii)

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
        return dict(exc_spikes=exc_spikes, inh_spikes=inh_spikes, V_exc=self.exc_neurons.V,
                    V_inh=self.inh_neurons.V, g_exc=self.exc_syn.g, g_inh=self.inh_syn.g)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exc", type=int, default=800)
    parser.add_argument("--inh", type=int, default=200)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
    args = parser.parse_args()

    bw.environ.set(dt=0.1)
    rng = np.random.default_rng(0)
    ne, ni = args.exc, args.inh

    def weights(n_in, n_out, total):
        return np.abs(rng.standard_normal((n_in, n_out))) * total / n_in

    net = EINetwork(weights(ne, ne, 12.0), weights(ne, ni, 20.0), weights(ni, ne, 10.0),
                    weights(ni, ni, 4.0))
    net.init_state(args.batch, args.device)
    n_exc = n_inh = 0
    for _ in range(args.steps):
        rec = net(1.2 + 0.6 * rng.standard_normal((args.batch, ne)))
        n_exc, n_inh = n_exc + rec["exc_spikes"].sum(), n_inh + rec["inh_spikes"].sum()
    scale = args.batch * args.steps * 1e-4
    print(f"exc: {n_exc / (ne * scale):.1f} Hz, inh: {n_inh / (ni * scale):.1f} Hz")


if __name__ == "__main__":
    main()
