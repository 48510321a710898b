//! Every model family inside networks: neurons of several families, each with a synapse family
//! fed by its own spikes and read back as a current, run alike on the per-step executor (whose
//! composed updates cache each element's rows for a step) and the fused one (rows in registers,
//! spikes as bits), and follow the f64 plan.

mod common;

use brainwgpu::network::{FixedProb, Network, NodeId, Term, Wiring};
use brainwgpu::prelude::*;
use brainwgpu::{Dynamics, Executor, Model, Module, Simulation};

const N: usize = 24;

/// A population and the names of its states.
type Pop = (NodeId, Vec<String>);

fn add<M: Model>(net: &mut Network, module: Module<M>) -> Pop {
    let names = module.state_names();
    (net.add(module).unwrap(), names)
}

/// The network: per block, a neuron population driven by a constant input and by the current
/// of a synapse population that its own spikes drive (through an event projection or as `x`).
fn build() -> (Network, Vec<Pop>) {
    let mut net = Network::new();
    let mut pops = Vec::new();
    let conn = |seed| FixedProb::per_pre(N, N, 4, 0.5, seed);
    // (neuron, synapse, drive, synapse fed by events (else by x), output of the synapse)
    let blocks: Vec<(Pop, Pop, Term, bool, SynOut)> = vec![
        (
            add(&mut net, HH::new(N).with_name("hh")),
            add(&mut net, AMPA::new(N).with_name("ampa")),
            (10.0 * uA).into(),
            false,
            SynOut::coba(0.0 * mV),
        ),
        (
            add(&mut net, Izhikevich::new(N).with_name("izh")),
            add(&mut net, DualExpon::new(N).with_name("dual")),
            20.0.into(),
            true,
            SynOut::coba(-80.0 * mV),
        ),
        (
            add(&mut net, AdExIF::new(N).with_name("adex")),
            add(&mut net, Alpha::new(N).with_name("alpha")),
            (40.0 * mA).into(),
            true,
            SynOut::cuba_default(),
        ),
        (
            add(&mut net, GifRef::new(N).with_name("gif")),
            add(&mut net, GABAa::new(N).with_name("gabaa")),
            (3.0 * mA).into(),
            false,
            SynOut::coba(-80.0 * mV),
        ),
        (
            add(&mut net, AdQuaIF::new(N).with_name("adqif")),
            add(&mut net, Expon::new(N).with_name("expon")),
            (40.0 * mA).into(),
            true,
            SynOut::cuba_default(),
        ),
    ];
    for (i, (neuron, syn, drive, events, out)) in blocks.into_iter().enumerate() {
        net.update(neuron.0, Wiring::new().x(drive).current(out, syn.0));
        let input = Term::output(neuron.0);
        net.update(
            syn.0,
            if events {
                Wiring::new().delta(input.event(conn(i as u64 + 1)))
            } else {
                Wiring::new().x(input)
            },
        );
        pops.push(neuron);
        pops.push(syn);
    }
    (net, pops)
}

struct Seen {
    spikes: Vec<Vec<u8>>,
    counts: Vec<Vec<u64>>,
    states: Vec<Vec<f64>>,
}

fn run(device: &Device, executor: Executor, parts: &[usize]) -> Seen {
    let (net, pops) = build();
    let mut sim: Simulation = net
        .compile_with(device, Some(2), 0.1 * ms, executor)
        .unwrap();
    // The neurons are every other population.
    let neurons: Vec<NodeId> = pops.iter().step_by(2).map(|p| p.0).collect();
    let spike_monitors: Vec<_> = neurons
        .iter()
        .map(|&n| sim.monitor_spikes(n).unwrap())
        .collect();
    let count_monitors: Vec<_> = neurons
        .iter()
        .map(|&n| sim.monitor_count(n).unwrap())
        .collect();
    for &steps in parts {
        sim.run(steps).unwrap();
    }
    let mut states = Vec::new();
    for (n, names) in &pops {
        for name in names {
            states.push(sim.state(*n, name).unwrap());
        }
        states.push(sim.output(*n).unwrap());
    }
    Seen {
        spikes: spike_monitors
            .into_iter()
            .map(|m| sim.spikes(m).unwrap().dense())
            .collect(),
        counts: count_monitors
            .into_iter()
            .map(|m| sim.counts(m).unwrap().counts.clone())
            .collect(),
        states,
    }
}

/// Over 20 ms split into uneven runs (the fused kernel reloads what it keeps on chip, the
/// per-step one stores deferred outputs at each run's end), every block fires and both GPU
/// executors give the same spikes, counts, states and outputs, bit for bit.
#[test]
fn every_family_runs_alike_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    let parts = [13, 1, 40, 7, 139];
    let per_step = run(&gpu, Executor::PerStep, &parts);
    let fused = run(&gpu, Executor::Fused, &parts);
    for (i, (spikes, counts)) in per_step.spikes.iter().zip(&per_step.counts).enumerate() {
        let fired = spikes.iter().filter(|&&x| x == 1).count() as u64;
        assert!(fired > 10, "block {i} fires ({fired} spikes)");
        assert_eq!(
            counts.iter().sum::<u64>(),
            fired,
            "block {i}: counts and spikes"
        );
    }
    assert_eq!(per_step.spikes, fused.spikes);
    assert_eq!(per_step.counts, fused.counts);
    assert_eq!(per_step.states, fused.states);
}

/// Over the first steps (before f32 and f64 part at a threshold), every state and output on
/// both GPU executors is the f64 plan's within f32 rounding.
#[test]
fn every_family_follows_the_f64_plan_over_its_first_steps() {
    let Some(gpu) = common::gpu() else { return };
    let parts = [13, 1];
    let want = run(&Device::Cpu, Executor::Auto, &parts);
    for executor in [Executor::PerStep, Executor::Fused] {
        let got = run(&gpu, executor, &parts);
        assert_eq!(got.spikes, want.spikes, "{executor:?}");
        for (k, (g, w)) in got.states.iter().zip(&want.states).enumerate() {
            let scale = w.iter().fold(1e-6f64, |m, x| m.max(x.abs()));
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-4 * scale,
                    "{executor:?}: array {k}[{i}] {a} vs {b} (scale {scale})"
                );
            }
        }
    }
}
