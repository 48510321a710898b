"""The feed-forward network of brainpy.state's ``Synapse`` docstring, 784 -> 256 -> 128 -> 10:
LIF(tau 5) -> Linear -> Expon(tau 8) -> LIF(tau 10) -> Linear -> AMPA -> LIF(tau 10) ->
Linear -> LIF(tau 8), driven by Poisson spikes, as a batch of independent samples. Unitless
voltages (V_th = 1, R = 1) as the docstring's network needs (see the package docs). The input
spikes enter the first layer as a delta input (a Poisson drive) rather than as its x."""

import argparse

import numpy as np

import brainwgpu as bw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

unitless = dict(V_th=1.0, V_reset=0.0, V_rest=0.0, R=1.0)
net = bw.Network()
l1 = net.add(bw.LIF(784, tau=5.0, **unitless))
syn1 = net.add(bw.Expon(256, tau=8.0))
l2 = net.add(bw.LIF(256, tau=10.0, **unitless))
syn2 = net.add(bw.AMPA(128))
l3 = net.add(bw.LIF(128, tau=10.0, **{**unitless, "R": 4.0}))
l4 = net.add(bw.LIF(10, tau=8.0, **unitless))
w1, w2, w3 = bw.Linear(784, 256, seed=1), bw.Linear(256, 128, seed=2), bw.Linear(128, 10, seed=3)
# Poisson input spikes x 15 (one source per input neuron at 20 Hz), as a delta input.
net.update(l1, delta=bw.poisson(sources=1, rate_hz=20.0, weight=15.0, seed=1))
net.update(syn1, x=bw.output(l1).dense(w1))
net.update(l2, x=syn1)
net.update(syn2, x=bw.output(l2).dense(w2))
net.update(l3, x=syn2)
net.update(l4, x=bw.output(l3).dense(w3))
sim = net.compile(device=args.device, batch_size=args.batch, dt=0.1)
monitors = [sim.monitor_spikes(n) for n in (l1, l2, l3, l4)]
sim.run(args.steps)
for name, m in zip(["input", "hidden 1", "hidden 2", "output"], monitors):
    s = sim.spikes(m)
    print(f"{name:9} spikes {s.shape}: {int(s.sum())} in all")
