"""The feed-forward network of brainpy.state's ``Synapse`` docstring, 784 -> 256 -> 128 -> 10,
written as the brainpy.state script is — modules called one after another each step — with a
batch of independent samples driven by Poisson spikes x 15. Only the imports differ
(``brainpy.state`` -> ``brainwgpu``, ``brainstate.nn.Linear`` -> ``bw.Linear``,
``brainstate.environ`` -> ``bw.environ``): python/tests runs this ``FeedForward`` with BrainPy's
weights and reproduces BrainPy's own traces on the f64 device. Voltages are unitless (V_th = 1,
R = 1) as the docstring needs. Each module runs its own kernel and the Linear layers run in
NumPy; ``bw.Network`` runs a whole network on the device instead (python/examples/coba.py)."""

import argparse

import numpy as np

import brainwgpu as bw


class FeedForward:
    def __init__(self, W1, b1, W2, b2, W3, b3, R_hidden2=1.0):
        def lif(n, tau, R=1.0):
            return bw.LIF(n, R=R, tau=tau, V_th=1.0, V_reset=0.0, V_rest=0.0)

        self.input_neurons = lif(784, 5.0)
        self.fc1 = bw.Linear(784, 256, w=W1, b=b1)
        self.syn1 = bw.Expon(256, tau=8.0)
        self.hidden1 = lif(256, 10.0)
        self.fc2 = bw.Linear(256, 128, w=W2, b=b2)
        self.syn2 = bw.AMPA(128)
        self.hidden2 = lif(128, 10.0, R_hidden2)
        self.fc3 = bw.Linear(128, 10, w=W3, b=b3)
        self.output_neurons = lif(10, 8.0)

    def init_state(self, batch_size, device):
        for m in (self.input_neurons, self.syn1, self.hidden1, self.syn2, self.hidden2,
                  self.output_neurons):
            m.init_state(batch_size, device=device)

    def __call__(self, x):
        spikes0 = self.input_neurons.update(x)
        current1 = self.fc1(spikes0)
        g1 = self.syn1.update(current1)
        spikes1 = self.hidden1.update(g1)
        current2 = self.fc2(spikes1)
        g2 = self.syn2.update(current2)
        spikes2 = self.hidden2.update(g2)
        current3 = self.fc3(spikes2)
        out = self.output_neurons.update(current3)
        return dict(s0=spikes0, s1=spikes1, s2=spikes2, s3=out, V1=self.hidden1.V,
                    V3=self.output_neurons.V)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
    args = parser.parse_args()

    bw.environ.set(dt=0.1)
    rng = np.random.default_rng(0)

    def weights(n_in, n_out, gain):
        return rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in) * gain

    # Hidden layer 2 with R = 4, as BrainPy's "active" variant: with R = 1 it cannot fire.
    net = FeedForward(weights(784, 256, 2.5), np.zeros(256), weights(256, 128, 2.0),
                      np.zeros(128), np.abs(weights(128, 10, 5.0)), np.zeros(10), R_hidden2=4.0)
    net.init_state(args.batch, args.device)
    rates = rng.random((args.batch, 784)) * 0.3
    counts = np.zeros(4)
    for _ in range(args.steps):
        x = (rng.random((args.batch, 784)) < rates) * 15.0
        rec = net(x)
        counts += [rec[k].sum() for k in ("s0", "s1", "s2", "s3")]
    for name, c, n in zip(["input", "hidden 1", "hidden 2", "output"], counts, [784, 256, 128, 10]):
        print(f"{name:9} {int(c):7d} spikes, {c / (n * args.batch * args.steps * 1e-4):6.1f} Hz")
    print(f"output shape {net.output_neurons.V.shape}")


if __name__ == "__main__":
    main()
