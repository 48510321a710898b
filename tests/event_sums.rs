//! Fixed-point event sums: a target's precision depends on what it can receive, never on what
//! other targets receive. (With one unit for every target, a target receiving 1e6 made another
//! target's 999 × 1e-4 add up to 0 on the GPU.) The bound checked is the one documented in
//! `src/network/projection/fixed_point.rs` and the README: a sum of m events into target j is
//! within m·2^-23·S_j of the exact sum, S_j being the most j can receive in a step.

mod common;

use brainwgpu::Device;
use brainwgpu::network::{Dist, Executor, PoissonDrive, Rule, Sparse, Stream, Synapses, Weights};
use brainwgpu::prelude::*;

const SOURCES: usize = 1001;
const TARGETS: usize = 4;
/// The Poisson drive: K sources at 50 Hz, weight 2e-3.
const K: u64 = 400;
const W_DRIVE: f64 = 2e-3;

/// Explicit synapses (pre, post, weight): source 0 → target 0 with 1e6; sources 1 … 999 →
/// target 1 with 1e-4 each; the same sources → target 2 with weights of both signs from
/// 2.4e-5 to 4e4; source 1000 → target 3 with −3e-30 (beside the drive's counts).
fn synapses() -> Vec<(u32, u32, f64)> {
    let mut s = vec![(0, 0, 1e6)];
    s.extend((1..1000).map(|i| (i, 1, 1e-4)));
    s.extend((1..1000).map(|i| {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        (i, 2, sign * 1.7f64.powi((i % 41) as i32 - 20))
    }));
    s.push((1000, 3, -3e-30));
    s
}

/// One weight for all: every source i ≥ 1 with i % 7 = 0 → targets 1 and 2.
fn homogeneous() -> (Vec<(u32, u32)>, f64) {
    let pairs = (1..1000)
        .filter(|i| i % 7 == 0)
        .flat_map(|i| [(i, 1), (i, 2)])
        .collect();
    (pairs, 0.37)
}

/// The most each target can receive in a step (S_j) and the events it can receive (m_j).
fn bounds() -> (Vec<f64>, Vec<f64>) {
    let mut most = vec![K as f64 * W_DRIVE; TARGETS];
    let mut events = vec![K as f64; TARGETS];
    for (_, post, w) in synapses() {
        most[post as usize] += w.abs();
        events[post as usize] += 1.0;
    }
    let (pairs, w) = homogeneous();
    for (_, post) in pairs {
        most[post as usize] += w;
        events[post as usize] += 1.0;
    }
    (most, events)
}

/// Every source spikes at step 0 into G (`Expon`, τ = 10⁹ ms: g is its delta input), through
/// the explicit synapses, the homogeneous ones and a Poisson drive; g after one step.
fn sums(device: &Device, executor: Executor, batch: Option<usize>) -> Vec<f64> {
    let mut net = Network::new();
    let all: Vec<usize> = (0..SOURCES).collect();
    let s = net
        .add(SpikeTime::new(SOURCES, &all, &vec![0.0 * ms; SOURCES]).with_name("S"))
        .unwrap();
    let g = net
        .add(Expon::new(TARGETS).with_name("G").tau(1e9 * ms))
        .unwrap();
    let (pre, post, w): (Vec<u32>, Vec<u32>, Vec<f64>) = synapses().into_iter().fold(
        (vec![], vec![], vec![]),
        |(mut a, mut b, mut c), (x, y, z)| {
            a.push(x);
            b.push(y);
            c.push(z);
            (a, b, c)
        },
    );
    let explicit = Sparse::connect(
        &Rule::explicit(pre, post),
        SOURCES,
        TARGETS,
        false,
        &Dist::Array(w.into()),
        Stream::new(0, 0),
    )
    .unwrap();
    let (pairs, weight) = homogeneous();
    let one_weight = Sparse::connect(
        &Rule::explicit(
            pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
            pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
        ),
        SOURCES,
        TARGETS,
        false,
        &Dist::Constant(weight),
        Stream::new(0, 1),
    )
    .unwrap();
    let drive = PoissonDrive::new(K, 50.0 * Hz, W_DRIVE, Stream::new(3, 0));
    net.update(s, Wiring::new());
    net.update(
        g,
        Wiring::new()
            .delta(Term::output(s).event(explicit))
            .delta(Term::output(s).event(one_weight))
            .delta(Term::poisson(drive)),
    );
    let mut sim = net.compile_with(device, batch, 0.1 * ms, executor).unwrap();
    sim.run(1).unwrap();
    sim.state(g, "g").unwrap()
}

#[test]
fn a_target_s_precision_does_not_depend_on_what_other_targets_receive() {
    let batch = Some(2);
    // The f64 executor sums exactly (the same Poisson counts as the GPU's).
    let exact = sums(&Device::Cpu, Executor::Auto, batch);
    let (most, events) = bounds();
    let want_1 = 999e-4 + 0.37 * 142.0;
    assert!(
        (exact[1] - want_1).abs() < K as f64 * W_DRIVE + 1e-9,
        "{}",
        exact[1]
    );
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::PerStep, Executor::Fused] {
        let got = sums(&gpu, executor, batch);
        for (i, (a, b)) in got.iter().zip(&exact).enumerate() {
            let j = i % TARGETS;
            // The documented bound, plus the f32 rounding of the read.
            let bound = events[j] * 2f64.powi(-23) * most[j] + 2f64.powi(-23) * b.abs();
            assert!(
                (a - b).abs() <= bound,
                "{executor:?}, g[{i}] = {a}, exact {b}: off by {}, bound {bound}",
                (a - b).abs()
            );
        }
        // Target 1 beside target 0's 1e6: its small weights count to f32 precision.
        assert!(
            ((got[1] - exact[1]) / exact[1]).abs() < 1e-6,
            "{executor:?}: {} vs {}",
            got[1],
            exact[1]
        );
    }
}

/// The twin network of `common::twin_net` (E → G delayed 0.3 ms) plus a stored synapse from
/// P's source 0 onto G's neuron 0 of 1e5, which gives G's targets units of their own.
fn procedural_net(procedural: bool) -> (Network, NodeId, NodeId) {
    let offsets: Vec<u32> = (0..=300).map(|i| u32::from(i > 0)).collect();
    let strong = Sparse::from_synapses(
        Synapses::from_rows(300, 120, offsets, vec![0u32]).unwrap(),
        Weights::Homogeneous(1e5),
    );
    common::twin_net(procedural, 7, Some(0.3), Some(strong))
}

#[test]
fn procedural_and_stored_twins_add_the_same_counts_with_units_per_target() {
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::PerStep, Executor::Fused] {
        for batch in [None, Some(2)] {
            let what = format!("{executor:?}, batch {batch:?}");
            common::assert_twins_agree(procedural_net, &gpu, batch, executor, &what);
        }
    }
}

#[test]
fn weights_below_the_smallest_unit_add_nothing() {
    // A weight below 2^-127 rounds to no count (the documented floor).
    let mut net = Network::new();
    let s = net
        .add(SpikeTime::new(1, &[0], &[0.0 * ms]).with_name("S"))
        .unwrap();
    let g = net.add(Expon::new(1).with_name("G").tau(1e9 * ms)).unwrap();
    let tiny = Sparse::from_synapses(
        Synapses::from_rows(1, 1, vec![0u32, 1], vec![0u32]).unwrap(),
        Weights::Homogeneous(1e-39),
    );
    net.update(s, Wiring::new());
    net.update(g, Wiring::new().delta(Term::output(s).event(tiny)));
    let Some(gpu) = common::gpu() else { return };
    let mut sim = net.compile(&gpu, None, 0.1 * ms).unwrap();
    sim.run(1).unwrap();
    assert_eq!(sim.state(g, "g").unwrap(), vec![0.0]);
}
