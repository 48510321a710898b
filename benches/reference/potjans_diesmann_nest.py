"""The Potjans & Diesmann (2014) microcircuit in NEST 3, built as examples/potjans_diesmann.rs
builds it (the parameters of NEST's reference implementation), to compare rates over seeds.

    python benches/reference/potjans_diesmann_nest.py --scale 0.1 --duration 1000 --seed 1

Prints the mean rate of every population over `duration` ms after a 100 ms transient.
"""
import argparse
import time

import numpy as np
import nest

p = argparse.ArgumentParser()
p.add_argument("--scale", type=float, default=0.1)
p.add_argument("--duration", type=float, default=1000.0)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()

names = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
n_full = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
probs = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
k_ext = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
ref_rates = np.array([0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523])
c_m, tau_m, tau_syn = 250.0, 10.0, 0.5

# PSC of a 0.15 mV PSP, as the reference implementation converts it.
sub = 1.0 / (tau_syn - tau_m)
pre = tau_m * tau_syn / c_m * sub
frac = (tau_m / tau_syn) ** sub
psc_e = 0.15 / (pre * (frac ** tau_m - frac ** tau_syn))
psc = np.tile([psc_e, -4 * psc_e], (8, 4))
psc[0, 2] *= 2
prod = np.outer(n_full, n_full)
k_full = np.log(1.0 - probs) / np.log((prod - 1.0) / prod)
n = np.round(n_full * a.scale).astype(int)
k = np.round(k_full * a.scale * a.scale).astype(int)
# In-degree scaling: weights / sqrt(K), DC restoring the mean input at the full model's rates.
rec = np.sum(psc * k_full / n_full[:, None] * ref_rates, axis=1)
dc = 0.001 * tau_syn * (1 - np.sqrt(a.scale)) * (rec + psc_e * k_ext * 8.0)
w = psc / np.sqrt(a.scale)
w_ext = psc_e / np.sqrt(a.scale)

nest.ResetKernel()
nest.set_verbosity("M_ERROR")
nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": a.threads, "rng_seed": a.seed})
start = time.time()
pops = []
for i in range(8):
    pop = nest.Create("iaf_psc_exp", n[i], params={
        "C_m": c_m, "tau_m": tau_m, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0,
        "t_ref": 2.0, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn, "I_e": dc[i]})
    pop.V_m = nest.random.normal(mean=-58.0, std=10.0)
    pops.append(pop)
for t in range(8):
    for s in range(8):
        if k[t, s] == 0:
            continue
        mean = w[t, s]
        lo, hi = (0.0, np.inf) if mean > 0 else (-np.inf, 0.0)
        d = 1.5 if s % 2 == 0 else 0.75
        nest.Connect(pops[s], pops[t], {"rule": "fixed_total_number", "N": int(k[t, s])}, {
            "synapse_model": "static_synapse",
            "weight": nest.math.redraw(nest.random.normal(mean=mean, std=abs(mean) * 0.1), min=lo, max=hi),
            "delay": nest.math.redraw(nest.random.normal(mean=d, std=0.5 * d), min=0.1, max=np.inf)})
    pg = nest.Create("poisson_generator", params={"rate": 8.0 * round(k_ext[t] * a.scale)})
    nest.Connect(pg, pops[t], "all_to_all", {"weight": w_ext, "delay": 1.5})
recorders = []
for pop in pops:
    sr = nest.Create("spike_recorder", params={"start": 100.0})
    nest.Connect(pop, sr)
    recorders.append(sr)
built = time.time()
nest.Simulate(100.0 + a.duration)
done = time.time()
print(f"NEST {nest.__version__}, scale {a.scale}, seed {a.seed}: build {built - start:.1f} s, "
      f"simulate {done - built:.1f} s")
for i, sr in enumerate(recorders):
    rate = sr.n_events / (n[i] * a.duration * 1e-3)
    print(f"{names[i]:<6} {rate:8.3f} Hz   (reference {ref_rates[i]})")
