"""Brunel (2000) model A in Brian2, as examples/brunel.rs builds it, for comparing statistics.

    python benches/reference/brunel_brian2.py --g 5 --eta 2 --duration 1000 --seed 0

Prints the excitatory and inhibitory rates, the ISI CV and the Fano factor of the population
count in 1 ms bins (from 100 ms on), as the Rust example does. Fixed in-degree with autapses
and multapses allowed, delays of D for every synapse, delta synapses, C_E external Poisson
sources per neuron (PoissonInput), refractory neurons losing their input (iaf_psc_delta).
"""
import argparse

import numpy as np
from brian2 import (NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, ms, mV,
                    Hz, run, seed as b2seed, prefs)

p = argparse.ArgumentParser()
p.add_argument("--g", type=float, default=5.0)
p.add_argument("--eta", type=float, default=2.0)
p.add_argument("--n-exc", type=int, default=10000)
p.add_argument("--duration", type=float, default=1000.0)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()

prefs.codegen.target = "numpy"
b2seed(a.seed)
rng = np.random.default_rng(a.seed)
defaultclock.dt = 0.1 * ms
n_e = a.n_exc
n_i = n_e // 4
n = n_e + n_i
c_e, c_i = round(0.1 * n_e), round(0.1 * n_i)
tau, theta, v_r, t_ref, J, D = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 0.1 * mV, 1.5 * ms
nu_thr = theta / (J * c_e * tau)
nu_ext = a.eta * nu_thr

G = NeuronGroup(n, "dv/dt = -v/tau : volt (unless refractory)", threshold="v >= theta",
                reset="v = v_r", refractory=t_ref, method="exact")
G.v = rng.uniform(0, 20, n) * mV
post = np.repeat(np.arange(n), c_e)
pre = rng.integers(0, n_e, n * c_e)
S_e = Synapses(G, G, on_pre="v_post += J * int(not_refractory_post)", delay=D)
S_e.connect(i=pre, j=post)
post = np.repeat(np.arange(n), c_i)
pre = n_e + rng.integers(0, n_i, n * c_i)
g = a.g
S_i = Synapses(G, G, on_pre="v_post += -g * J * int(not_refractory_post)", delay=D)
S_i.connect(i=pre, j=post)
ext = PoissonInput(G, "v", c_e, nu_ext, weight="J * int(not_refractory)")
mon = SpikeMonitor(G)
run(a.duration * ms)

t = np.asarray(mon.t / ms)
i = np.asarray(mon.i)
keep = t >= 100.0
t, i = t[keep], i[keep]
seconds = (a.duration - 100.0) * 1e-3
print(f"nu_ext {float(nu_ext / Hz):.2f} Hz")
print(f"rates: excitatory {np.sum(i < n_e) / (n_e * seconds):.2f} Hz, "
      f"inhibitory {np.sum(i >= n_e) / (n_i * seconds):.2f} Hz")
cvs = []
order = np.lexsort((t, i))
t, i = t[order], i[order]
for k in np.unique(i):
    ts = t[i == k]
    if len(ts) >= 3:
        isi = np.diff(ts)
        cvs.append(isi.std() / isi.mean())
print(f"ISI CV {np.mean(cvs):.2f}")
counts = np.histogram(t, bins=np.arange(100.0, a.duration + 1e-9, 1.0))[0]
print(f"Fano factor (1 ms bins) {counts.var(ddof=1) / counts.mean():.2f}, "
      f"population-rate CV {counts.std(ddof=1) / counts.mean():.2f}")
x = counts - counts.mean()
k = np.arange(len(x))
best, total = (0, 0.0), 0.0
for f in range(2, 500):
    w = 2 * np.pi * f * 1e-3
    power = np.sum(x * np.cos(w * k)) ** 2 + np.sum(x * np.sin(w * k)) ** 2
    total += power
    if power > best[1]:
        best = (f, power)
print(f"strongest frequency of the population rate {best[0]} Hz ({100 * best[1] / total:.0f} % of the power)")
