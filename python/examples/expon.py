"""The seed's "Using Built-in Synapse Models": an Expon(100, tau=8 ms) synapse with a batch of
32, driven every step by Bernoulli(0.1) spikes, on the default adapter (``--device cpu`` for
the f64 reference). As brainpy.state:

    syn = brainpy.state.Expon(100, tau=8.0 * u.ms)
    syn.init_state(batch_size=32)
    g = syn.update(spikes)
"""

import argparse

import numpy as np

import brainwgpu as bw

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=1000)
parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
args = parser.parse_args()

bw.environ.set(dt=0.1)
syn = bw.Expon(100, tau=8.0)
syn.init_state(batch_size=32, device=args.device)
rng = np.random.default_rng(2024)
for _ in range(args.steps):
    g = syn.update((rng.random((32, 100)) < 0.1).astype(np.float64))
stationary = 0.1 / (1.0 - np.exp(-0.1 / 8.0))
print(f"output shape: {g.shape}")
print(f"g mean {g.mean():.3f} mS (stationary mean {stationary:.3f} mS), sd {g.std():.3f}")
