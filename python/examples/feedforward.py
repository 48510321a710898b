"""The feed-forward network of brainpy.state's ``Synapse`` docstring, 784 -> 256 -> 128 -> 10,
written as the brainpy.state script is — modules called one after another each step — with a
batch of independent samples driven by Poisson spikes x 15. Only the imports differ
(``brainpy.state`` -> ``brainwgpu``, ``brainstate.nn.Linear`` -> ``bw.Linear``,
``brainstate.environ`` -> ``bw.environ``); this exact script reproduces BrainPy's own traces on
the f64 device (python/tests). Voltages are unitless (V_th = 1, R = 1) as the docstring needs.
Each module runs its own kernel and the Linear layers run in NumPy; ``bw.Network`` runs a whole
network on the device instead (python/examples/coba.py)."""

import argparse

import numpy as np

import brainwgpu as bw


class FeedForward:
    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)

        def lif(n, tau, R=1.0):
            return bw.LIF(n, R=R, tau=tau, V_th=1.0, V_reset=0.0, V_rest=0.0)

        def linear(n_in, n_out, gain):
            return bw.Linear(n_in, n_out, w=rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in) * gain)

        self.input_neurons = lif(784, 5.0)
        self.fc1 = linear(784, 256, 2.5)
        self.syn1 = bw.Expon(256, tau=8.0)
        self.hidden1 = lif(256, 10.0)
        self.fc2 = linear(256, 128, 2.0)
        self.syn2 = bw.AMPA(128)
        self.hidden2 = lif(128, 10.0, R=4.0)
        self.fc3 = linear(128, 10, 5.0)
        self.output_neurons = lif(10, 8.0)

    def init_state(self, batch_size, device):
        for m in (self.input_neurons, self.syn1, self.hidden1, self.syn2, self.hidden2,
                  self.output_neurons):
            m.init_state(batch_size, device=device)

    def __call__(self, x):
        spikes0 = self.input_neurons.update(x)
        g1 = self.syn1.update(self.fc1(spikes0))
        spikes1 = self.hidden1.update(g1)
        g2 = self.syn2.update(self.fc2(spikes1))
        spikes2 = self.hidden2.update(g2)
        out = self.output_neurons.update(self.fc3(spikes2))
        return spikes0, spikes1, spikes2, out


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

bw.environ.set(dt=0.1)
net = FeedForward()
net.init_state(args.batch, args.device)
rng = np.random.default_rng(1)
rates = rng.random((args.batch, 784)) * 0.3
counts = np.zeros(4)
for _ in range(args.steps):
    x = (rng.random((args.batch, 784)) < rates) * 15.0
    counts += [s.sum() for s in net(x)]
for name, c, n in zip(["input", "hidden 1", "hidden 2", "output"], counts, [784, 256, 128, 10]):
    print(f"{name:9} {int(c):7d} spikes, {c / (n * args.batch * args.steps * 1e-4):6.1f} Hz")
print(f"output shape {net.output_neurons.V.shape}")
