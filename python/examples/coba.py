"""The COBA benchmark (Vogels & Abbott 2005, as brainpy.state's 103_COBA_2005 example builds
it) written with the Python API: LIFRef neurons, 80 % excitatory, conductance-based Expon
synapses, 80 event-driven targets per neuron. Prints the speed and the firing rate."""

import argparse
import time

import numpy as np

import brainwgpu as bw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--neurons", type=int, default=4000)
parser.add_argument("--duration", type=float, default=1000.0, help="ms")
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

n = args.neurons
n_exc = n * 4 // 5
net = bw.Network()
neurons = net.add(
    bw.LIFRef(n, V_rest=-60.0, V_th=-50.0, V_reset=-60.0, tau=20.0, tau_ref=5.0, R=1.0)
)
g_exc = net.add(bw.Expon(n, tau=5.0))
g_inh = net.add(bw.Expon(n, tau=10.0))
# Weights in units of the leak conductance (the classic benchmark's dynamics).
net.update(g_exc, delta=bw.output(neurons).slice(0, n_exc).event(bw.FixedProb(n_exc, n, k=80, weight=0.6, seed=0)))
net.update(g_inh, delta=bw.output(neurons).slice(n_exc, n).event(bw.FixedProb(n - n_exc, n, k=80, weight=6.7, seed=1)))
net.update(neurons, x=20.0, currents=[(bw.SynOut.coba(0.0), g_exc), (bw.SynOut.coba(-80.0), g_inh)])

start = time.perf_counter()
sim = net.compile(device=args.device, dt=0.1)
sim.set_state(neurons, "V", np.random.default_rng(1).normal(-55.0, 2.0, size=(1, n)))
spikes = sim.monitor_spikes(neurons)
print(f"device: {args.device}, build {time.perf_counter() - start:.2f} s")
steps = int(round(args.duration / 0.1))
start = time.perf_counter()
sim.run(steps)
wall = time.perf_counter() - start
s = sim.spikes(spikes)
print(f"{n} neurons, {steps} steps: {wall:.2f} s wall, {steps / wall:.0f} steps/s")
print(f"firing: {s.sum() / (n * args.duration * 1e-3):.2f} Hz mean")
