"""A parameter sweep over the batch axis: one LIF population run as many instances at once, a
different input current in each (``per_instance``): its f-I curve in one simulation."""

import argparse

import numpy as np

import brainwgpu as bw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--instances", type=int, default=64)
parser.add_argument("--neurons", type=int, default=100)
parser.add_argument("--duration", type=float, default=500.0, help="ms")
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

currents = np.linspace(0.0, 40.0, args.instances)  # uA, with R = 1 kOhm: mV of drive
net = bw.Network()
lif = net.add(bw.LIF(args.neurons, tau=10.0, V_rest=-65.0, V_reset=-65.0, V_th=-50.0, R=1.0))
net.update(lif, x=bw.per_instance(currents))
sim = net.compile(device=args.device, batch_size=args.instances, dt=0.1)
m = sim.monitor_spikes(lif)
steps = int(round(args.duration / 0.1))
sim.run(steps)
rates = sim.spikes(m).sum(axis=(0, 2)) / (args.neurons * args.duration * 1e-3)
for i in range(0, args.instances, max(1, args.instances // 8)):
    print(f"I = {currents[i]:5.1f} uA: {rates[i]:6.1f} Hz")
assert np.all(np.diff(rates) >= 0), "the f-I curve never decreases"
