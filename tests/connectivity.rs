//! Connectivity rules in networks: projections drawn by every random rule, with distributed
//! weights and variable numbers of synapses per source, run spike for spike alike on the f64
//! reference and both GPU executors; bad specifications are typed errors.

mod common;

use brainwgpu::network::{Bounds, Dist, Executor, Rule, Sparse, Stream, Synapses};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error};

const SEED: u64 = 2026;

/// Poisson sources → E (LIF) through an Expon, E → E recurrent, E → I, I → E inhibition: every
/// event projection drawn by a different rule, from its own stream.
struct Net {
    net: Network,
    e: NodeId,
    i: NodeId,
    g: NodeId,
}

fn build() -> Net {
    let (n_p, n_e, n_i) = (200, 100, 30);
    let stream = |key| Stream::new(SEED, key);
    let mut net = Network::new();
    let rates: Vec<f64> = (0..n_p).map(|i| 1e-3 * (20 + i % 40) as f64).collect();
    let p = net
        .add(PoissonSpike::new(n_p, rates).with_name("P").seed(5))
        .unwrap();
    let e = common::unit_lif(&mut net, n_e, "E");
    let i = common::unit_lif(&mut net, n_i, "I");
    let g = net
        .add(Expon::new(n_e).with_name("G").tau(5.0 * ms))
        .unwrap();
    let gi = net
        .add(Expon::new(n_i).with_name("GI").tau(5.0 * ms))
        .unwrap();
    let keep_sign = Dist::Normal {
        mean: 0.5,
        std: 0.2,
        bounds: Bounds::KeepSign,
    };
    let pe = Sparse::connect(
        &Rule::bernoulli(0.1),
        n_p,
        n_e,
        false,
        &keep_sign,
        stream(0),
    )
    .unwrap();
    let ee = Sparse::connect(
        &Rule::fixed_in_degree(5),
        n_e,
        n_e,
        true,
        &Dist::Constant(0.2),
        stream(1),
    )
    .unwrap();
    let ei = Sparse::connect(
        &Rule::fixed_total(600),
        n_e,
        n_i,
        false,
        &Dist::LogNormal {
            mu: -2.0,
            sigma: 0.3,
        },
        stream(2),
    )
    .unwrap();
    let per_source: Vec<usize> = (0..n_i).map(|j| 5 + j % 11).collect();
    let ie = Sparse::connect(
        &Rule::FixedOutDegree {
            k: per_source.into(),
            autapses: false,
            multapses: false,
        },
        n_i,
        n_e,
        false,
        &Dist::Uniform {
            low: -0.6,
            high: -0.2,
        },
        stream(3),
    )
    .unwrap();
    assert!(pe.targets_per_neuron().is_none() && ei.targets_per_neuron().is_none());
    net.update(p, Wiring::new());
    net.update(
        g,
        Wiring::new()
            .delta(Term::output(p).event(pe))
            .delta(Term::output(e).event(ee))
            .delta(Term::output(i).event(ie)),
    );
    net.update(gi, Wiring::new().delta(Term::output(e).event(ei)));
    net.update(e, Wiring::new().x(Term::output(g)));
    net.update(i, Wiring::new().x(Term::output(gi).scaled(4.0)));
    Net { net, e, i, g }
}

/// Spikes of E and I and the conductance of E's synapses after 400 steps, run in uneven parts.
fn run(device: &Device, executor: Executor, batch: Option<usize>) -> (Vec<u8>, Vec<u8>, Vec<f64>) {
    let n = build();
    let mut sim = n
        .net
        .compile_with(device, batch, 0.1 * ms, executor)
        .unwrap();
    let me = sim.monitor_spikes(n.e).unwrap();
    let mi = sim.monitor_spikes(n.i).unwrap();
    for steps in [150, 1, 249] {
        sim.run(steps).unwrap();
    }
    (
        sim.spikes(me).unwrap().dense(),
        sim.spikes(mi).unwrap().dense(),
        sim.state(n.g, "g").unwrap(),
    )
}

#[test]
fn rule_drawn_projections_agree_spike_for_spike_on_every_executor() {
    let Some(gpu) = common::gpu() else { return };
    for batch in [None, Some(3)] {
        let (want_e, want_i, want_g) = run(&Device::Cpu, Executor::Auto, batch);
        let fired = |s: &[u8]| s.iter().filter(|&&x| x == 1).count();
        assert!(
            fired(&want_e) > 100 && fired(&want_i) > 20,
            "the network fires: E {}, I {}",
            fired(&want_e),
            fired(&want_i)
        );
        for executor in [Executor::PerStep, Executor::Fused] {
            let (e, i, g) = run(&gpu, executor, batch);
            let what = format!("batch {batch:?}, {executor:?}");
            assert_eq!(e, want_e, "spikes of E, {what}");
            assert_eq!(i, want_i, "spikes of I, {what}");
            let scale = want_g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            for (k, (a, b)) in g.iter().zip(&want_g).enumerate() {
                assert!((a - b).abs() <= 1e-4 * scale, "g[{k}] {a} vs {b}, {what}");
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_synapses_and_other_keys_do_not() {
    let a = build();
    let b = build();
    // Same network, same seed: the compiled f64 runs are equal.
    let run = |n: &Net| {
        let mut sim = n.net.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
        let m = sim.monitor_spikes(n.e).unwrap();
        sim.run(100).unwrap();
        sim.spikes(m).unwrap().dense()
    };
    assert_eq!(run(&a), run(&b));
    let x = Rule::fixed_in_degree(5)
        .build(100, 100, true, Stream::new(SEED, 1))
        .unwrap();
    let y = Rule::fixed_in_degree(5)
        .build(100, 100, true, Stream::new(SEED + 1, 0))
        .unwrap();
    assert_ne!(x, y, "seed s + 1 of key 0 repeats seed s of key 1");
}

#[test]
fn bad_connectivity_is_a_typed_error_naming_the_rule_and_parameter() {
    let s = Stream::new(1, 0);
    let e = Sparse::connect(
        &Rule::bernoulli(-0.1),
        10,
        10,
        false,
        &Dist::Constant(1.0),
        s,
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidParameter { owner, param, .. } if owner == "Bernoulli" && param == "p"),
        "{e}"
    );
    let e = Sparse::connect(
        &Rule::fixed_in_degree(3),
        10,
        10,
        false,
        &Dist::normal(0.0, f64::NAN),
        s,
    )
    .unwrap_err();
    assert!(e.to_string().contains("std"), "{e}");
    // Rows whose offsets do not cover the targets.
    let e = Synapses::from_rows(3, 4, vec![0u32, 2, 1, 3], vec![0u32, 1, 2]).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    // A target beyond the population, caught when the network compiles.
    let syn = Synapses::from_rows(2, 9, vec![0u32, 1, 2], vec![0u32, 8]).unwrap();
    let mut net = Network::new();
    let p = common::unit_lif(&mut net, 2, "P");
    let q = common::unit_lif(&mut net, 4, "Q");
    net.update(p, Wiring::new());
    net.update(
        q,
        Wiring::new()
            .delta(Term::output(p).event(Sparse::from_synapses(syn, Weights::Homogeneous(1.0)))),
    );
    let e = match net.compile(&Device::Cpu, None, 0.1 * ms) {
        Err(e) => e,
        Ok(_) => panic!("a projection onto 9 targets compiled onto 4"),
    };
    assert!(e.to_string().contains("4"), "{e}");
}
