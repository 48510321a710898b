//! Connectivity rules in networks: projections drawn by every random rule, with distributed
//! weights, per-synapse delays and variable numbers of synapses per source, run spike for spike
//! alike on the f64 reference and both GPU executors; delayed spikes arrive in the steps their
//! delays say; bad specifications are typed errors.

mod common;

use brainwgpu::network::{
    Bounds, Delays, Dist, Executor, PoissonDrive, Procedural, Rule, Sparse, Stream, Synapses,
    Weights,
};
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

/// With `delays`, every event projection also has per-synapse transmission delays: normal,
/// clipped at one step (E → E, E → I), uniform (I → E), one constant (P → E).
fn build(delays: bool) -> Net {
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
    let (pe, ee, ei, ie) = if delays {
        let clipped = Dist::normal_clipped(1.5, 0.75, 0.1, f64::INFINITY);
        (
            pe.with_delays(&Dist::Constant(0.8), stream(0)).unwrap(),
            ee.with_delays(&clipped, stream(1)).unwrap(),
            ei.with_delays(&clipped, stream(2)).unwrap(),
            ie.with_delays(
                &Dist::Uniform {
                    low: 0.0,
                    high: 2.0,
                },
                stream(3),
            )
            .unwrap(),
        )
    } else {
        (pe, ee, ei, ie)
    };
    net.update(p, Wiring::new());
    net.update(
        g,
        Wiring::new()
            .delta(Term::output(p).event(pe))
            .delta(Term::output(e).event(ee))
            .delta(Term::output(i).event(ie)),
    );
    // GI also gets a Poisson drive, summed with the spikes of E (a weight of 2⁻⁴, exact in f32
    // and in fixed point, keeps the f32 runs as close to the f64 one as spikes need).
    let drive = PoissonDrive::new(50, 10.0 * Hz, 0.0625, stream(4));
    net.update(
        gi,
        Wiring::new()
            .delta(Term::output(e).event(ei))
            .delta(Term::poisson(drive)),
    );
    net.update(e, Wiring::new().x(Term::output(g)));
    net.update(i, Wiring::new().x(Term::output(gi).scaled(4.0)));
    Net { net, e, i, g }
}

/// Spikes of E and I and the conductance of E's synapses after 400 steps, run in uneven parts.
fn run(
    device: &Device,
    executor: Executor,
    batch: Option<usize>,
    delays: bool,
) -> (Vec<u8>, Vec<u8>, Vec<f64>) {
    let n = build(delays);
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
    agree_on_every_executor(false);
}

#[test]
fn per_synapse_delays_agree_spike_for_spike_on_every_executor() {
    agree_on_every_executor(true);
    // The delays change the run.
    assert_ne!(
        run(&Device::Cpu, Executor::Auto, None, true).0,
        run(&Device::Cpu, Executor::Auto, None, false).0
    );
}

fn agree_on_every_executor(delays: bool) {
    let Some(gpu) = common::gpu() else { return };
    for batch in [None, Some(3)] {
        let (want_e, want_i, want_g) = run(&Device::Cpu, Executor::Auto, batch, delays);
        let fired = |s: &[u8]| s.iter().filter(|&&x| x == 1).count();
        assert!(
            fired(&want_e) > 100 && fired(&want_i) > 20,
            "the network fires: E {}, I {}",
            fired(&want_e),
            fired(&want_i)
        );
        for executor in [Executor::PerStep, Executor::Fused] {
            let (e, i, g) = run(&gpu, executor, batch, delays);
            let what = format!("batch {batch:?}, {executor:?}, delays {delays}");
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
    let a = build(false);
    let b = build(false);
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

/// Spike generator S (3 sources: steps 0, 3 and 5 at dt 0.1 ms) → G (4 accumulators, `Expon`
/// with τ = 10⁹ ms) through explicit synapses with delays; G updated after S (it reads S's
/// spikes of the same step) or before (of the previous step). Returns g after each step.
fn delayed_arrivals(
    device: &Device,
    executor: Executor,
    g_first: bool,
    term_delay: usize,
) -> Vec<Vec<f64>> {
    let mut net = Network::new();
    let s = net
        .add(SpikeTime::new(3, &[0, 1, 2], &[0.0 * ms, 0.3 * ms, 0.5 * ms]).with_name("S"))
        .unwrap();
    let g = net.add(Expon::new(4).with_name("G").tau(1e9 * ms)).unwrap();
    // Synapses 0→0, 0→1, 1→2, 2→3, 2→0 with weights 1, 2, 4, 8, 16 and delays 0.1 ms (1 step),
    // 0.2 ms (2), 0.04 ms (below a step: 1), 1.0 ms (10) and 0.52 ms (5).
    let conn = Sparse::connect(
        &Rule::explicit(vec![0u32, 0, 1, 2, 2], vec![0u32, 1, 2, 3, 0]),
        3,
        4,
        false,
        &Dist::Array(vec![1.0, 2.0, 4.0, 8.0, 16.0].into()),
        Stream::new(0, 0),
    )
    .unwrap()
    .delayed(Delays::PerSynapse(vec![0.1, 0.2, 0.04, 1.0, 0.52].into()))
    .unwrap();
    let wiring = Wiring::new().delta(Term::output(s).delayed(term_delay).event(conn));
    if g_first {
        net.update(g, wiring);
        net.update(s, Wiring::new());
    } else {
        net.update(s, Wiring::new());
        net.update(g, wiring);
    }
    let mut sim = net.compile_with(device, None, 0.1 * ms, executor).unwrap();
    (0..18)
        .map(|_| {
            sim.run(1).unwrap();
            sim.state(g, "g").unwrap()
        })
        .collect()
}

#[test]
fn a_delayed_spike_arrives_its_delay_in_steps_after_it_was_emitted() {
    // Spikes at steps 0 (source 0), 3 (1) and 5 (2): g[0] gets 1 at step 0 + 1 and 16 at
    // 5 + 5; g[1] 2 at 0 + 2; g[2] 4 at 3 + 1; g[3] 8 at 5 + 10.
    // A whole-population delay of the term adds to every synapse's.
    let want = |k: usize, extra: usize| {
        let at = |step: usize, w: f64| if k >= step + extra { w } else { 0.0 };
        vec![
            at(1, 1.0) + at(10, 16.0),
            at(2, 2.0),
            at(4, 4.0),
            at(15, 8.0),
        ]
    };
    let mut devices = vec![(Device::Cpu, Executor::Auto)];
    if let Some(gpu) = common::gpu() {
        devices.push((gpu.clone(), Executor::PerStep));
        devices.push((gpu, Executor::Fused));
    }
    for (device, executor) in devices {
        for (g_first, extra) in [(false, 0), (true, 0), (false, 2), (true, 2)] {
            let got = delayed_arrivals(&device, executor, g_first, extra);
            for (k, g) in got.iter().enumerate() {
                for (j, (a, b)) in g.iter().zip(want(k, extra)).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-6,
                        "g[{j}] after step {k}: {a}, want {b} ({executor:?}, G first: {g_first}, term delay {extra})"
                    );
                }
            }
        }
    }
}

#[test]
fn bad_delays_are_typed_errors_naming_the_delay() {
    let c = || {
        Sparse::connect(
            &Rule::fixed_total(20),
            10,
            10,
            false,
            &Dist::Constant(1.0),
            Stream::new(1, 0),
        )
        .unwrap()
    };
    for bad in [-0.5, f64::NAN, f64::INFINITY] {
        let e = c()
            .with_delays(&Dist::Constant(bad), Stream::new(1, 0))
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { param, .. } if param == "delay"),
            "{bad}: {e}"
        );
    }
    let e = c()
        .with_delays(&Dist::normal(1.0, f64::NAN), Stream::new(1, 0))
        .unwrap_err();
    assert!(e.to_string().contains("std"), "{e}");
    let e = c()
        .delayed(Delays::PerSynapse(vec![1.0; 3].into()))
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    // A delay of 10⁹ steps: refused at compile, naming the delay.
    let mut net = Network::new();
    let p = common::unit_lif(&mut net, 10, "P");
    let q = common::unit_lif(&mut net, 10, "Q");
    net.update(p, Wiring::new());
    let far = c()
        .with_delays(&Dist::Constant(1e8), Stream::new(1, 0))
        .unwrap();
    net.update(q, Wiring::new().delta(Term::output(p).event(far)));
    let e = match net.compile(&Device::Cpu, None, 0.1 * ms) {
        Err(e) => e,
        Ok(_) => panic!("a delay of 10^9 steps compiled"),
    };
    assert!(e.to_string().contains("delay"), "{e}");
    // A ring of sums larger than the device's buffers: a limit error before anything runs.
    if let Some(gpu) = common::gpu() {
        let mut net = Network::new();
        let p = common::unit_lif(&mut net, 10, "P");
        let q = common::unit_lif(&mut net, 100_000, "Q");
        net.update(p, Wiring::new());
        let long = Sparse::connect(
            &Rule::fixed_total(20),
            10,
            100_000,
            false,
            &Dist::Constant(1.0),
            Stream::new(1, 0),
        )
        .unwrap()
        .with_delays(&Dist::Constant(100_000.0), Stream::new(1, 0))
        .unwrap();
        net.update(q, Wiring::new().delta(Term::output(p).event(long)));
        let e = match net.compile(&gpu, None, 0.1 * ms) {
            Err(e) => e,
            Ok(_) => panic!("10^6 sets of 10^5 sums compiled"),
        };
        assert!(matches!(e, Error::LimitExceeded { .. }), "{e}");
    }
}

/// G (`Expon`, τ = 10⁹ ms: it sums its delta inputs) driven by a Poisson drive alone; g after
/// `steps` steps, every row.
fn driven(device: &Device, executor: Executor, batch: Option<usize>, steps: usize) -> Vec<f64> {
    let mut net = Network::new();
    let g = net
        .add(Expon::new(500).with_name("G").tau(1e9 * ms))
        .unwrap();
    let drive = PoissonDrive::new(1000, 20.0 * Hz, 0.5, Stream::new(SEED, 9));
    net.update(g, Wiring::new().delta(Term::poisson(drive)));
    let mut sim = net.compile_with(device, batch, 0.1 * ms, executor).unwrap();
    sim.run(steps).unwrap();
    sim.state(g, "g").unwrap()
}

#[test]
fn a_poisson_drive_adds_binomial_counts_the_same_on_every_executor() {
    let (steps, rows) = (200, 2);
    let want = driven(&Device::Cpu, Executor::Auto, Some(rows), steps);
    // Sum over 200 steps of Binomial(1000, p), p = 1 − e^(−0.002), times 0.5: its mean and
    // variance; the sample mean over 1,000 neurons is within 5 standard errors.
    let p = -(-0.02f64 * 0.1).exp_m1();
    let mean = 0.5 * steps as f64 * 1000.0 * p;
    let var = 0.25 * steps as f64 * 1000.0 * p * (1.0 - p);
    let m = want.iter().sum::<f64>() / want.len() as f64;
    let v = want.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (want.len() - 1) as f64;
    assert!(
        (m - mean).abs() < 5.0 * (var / want.len() as f64).sqrt(),
        "mean {m} vs {mean}"
    );
    assert!((v / var - 1.0).abs() < 0.2, "variance {v} vs {var}");
    // Rows draw apart.
    assert_ne!(want[..500], want[500..]);
    if let Some(gpu) = common::gpu() {
        for executor in [Executor::PerStep, Executor::Fused] {
            // The same counts: sums of halves, exact in f32 (the f64 run's τ of 10⁹ ms decays
            // by 1e-10 per step, which f32 rounds away).
            let got = driven(&gpu, executor, Some(rows), steps);
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!((a - b).abs() < 1e-3, "g[{i}]: {a} vs {b}, {executor:?}");
            }
        }
    }
}

#[test]
fn a_poisson_drive_feeds_only_delta_inputs() {
    let mut net = Network::new();
    let q = common::unit_lif(&mut net, 10, "Q");
    let drive = PoissonDrive::new(10, 5.0 * Hz, 1.0, Stream::new(1, 0));
    net.update(q, Wiring::new().x(Term::poisson(drive.clone())));
    let e = match net.compile(&Device::Cpu, None, 0.1 * ms) {
        Err(e) => e,
        Ok(_) => panic!("a Poisson drive compiled as an x input"),
    };
    assert!(e.to_string().contains("Poisson"), "{e}");
    let mut net = Network::new();
    let q = common::unit_lif(&mut net, 10, "Q");
    let bad = PoissonDrive::new(10, -5.0 * Hz, 1.0, Stream::new(1, 0));
    net.update(q, Wiring::new().delta(Term::poisson(bad)));
    let e = match net.compile(&Device::Cpu, None, 0.1 * ms) {
        Err(e) => e,
        Ok(_) => panic!("a negative rate compiled"),
    };
    assert!(
        matches!(&e, Error::InvalidParameter { param, .. } if param.contains("rate")),
        "{e}"
    );
}

#[test]
fn explicit_lists_round_trip_through_npz_files() {
    let dir = std::env::temp_dir().join(format!("brainwgpu_explicit_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = Stream::new(SEED, 5);
    let drawn = Sparse::connect(
        &Rule::fixed_total(300),
        40,
        50,
        false,
        &Dist::normal(0.5, 0.1),
        s,
    )
    .unwrap()
    .with_delays(
        &Dist::Uniform {
            low: 0.5,
            high: 3.0,
        },
        s,
    )
    .unwrap();
    let path = dir.join("drawn.npz");
    drawn.write_npz(&path).unwrap();
    let read = Sparse::read_npz(&path, 40, 50, 0.0).unwrap();
    assert_eq!(read.synapses().offsets(), drawn.synapses().offsets());
    assert_eq!(read.synapses().post(), drawn.synapses().post());
    assert_eq!(read.weights(), drawn.weights());
    assert_eq!(read.delays(), drawn.delays());

    // Pairs in any order, float indices, one weight for all and no delays, as numpy's savez
    // of such arrays gives them.
    use brainwgpu::npz::{NpyData, NpzWriter};
    let mut w = NpzWriter::new();
    w.add("pre", &[4], NpyData::F64(vec![2.0, 0.0, 2.0, 1.0]))
        .unwrap()
        .add("post", &[4], NpyData::I32(vec![1, 3, 0, 2]))
        .unwrap()
        .add("weight", &[], NpyData::F64(vec![0.25]))
        .unwrap();
    let path = dir.join("pairs.npz");
    w.write(&path).unwrap();
    let read = Sparse::read_npz(&path, 3, 4, 1.0).unwrap();
    assert_eq!(read.synapses().offsets(), &[0, 1, 2, 4]);
    assert_eq!(read.synapses().post(), &[3, 2, 1, 0]);
    assert_eq!(read.weights(), &Weights::Homogeneous(0.25));
    assert_eq!(read.delays(), &Delays::None);

    // A target beyond the population, a negative index: typed errors.
    assert!(Sparse::read_npz(&path, 3, 2, 1.0).is_err());
    let mut w = NpzWriter::new();
    w.add("pre", &[1], NpyData::I64(vec![-1]))
        .unwrap()
        .add("post", &[1], NpyData::I64(vec![0]))
        .unwrap();
    let path = dir.join("negative.npz");
    w.write(&path).unwrap();
    let e = Sparse::read_npz(&path, 3, 4, 1.0).unwrap_err();
    assert!(
        matches!(e, Error::Format { .. }) && e.to_string().contains("pre"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn procedural_and_stored_connectivity_give_identical_spikes() {
    let mut devices = vec![(Device::Cpu, Executor::Auto)];
    if let Some(gpu) = common::gpu() {
        devices.push((gpu.clone(), Executor::PerStep));
        devices.push((gpu, Executor::Fused));
    }
    for (device, executor) in devices {
        // Without delays the fused kernel keeps G's sums in workgroup memory.
        for (batch, delay) in [(None, true), (Some(2), true), (Some(2), false)] {
            let net = |procedural| common::twin_net(procedural, SEED, delay.then_some(0.7), None);
            let what = format!("{executor:?}, batch {batch:?}, delay {delay}");
            common::assert_twins_agree(net, &device, batch, executor, &what);
        }
    }
    // Four words of table, whatever the synapses.
    let p = Procedural::fixed_out_degree(500, 10_000, 10_000, true, false, 1.0, Stream::new(1, 0))
        .unwrap();
    assert_eq!(p.len(), 5_000_000);
    let e = Procedural::fixed_out_degree(5, 10, 20, true, false, 1.0, Stream::new(1, 0));
    assert!(matches!(e, Err(Error::ShapeMismatch { .. })));
    let e = Procedural::fixed_out_degree(5, 10, 10, false, true, f64::NAN, Stream::new(1, 0));
    assert!(matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "weight"));
    let e = Procedural::fixed_out_degree(5, 10, 10, false, true, 1.0, Stream::new(1, 0))
        .unwrap()
        .with_weights(&Dist::Array(vec![1.0; 50].into()));
    assert!(matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "weight"));
    for p in [1.0, 1e-7, -0.1] {
        let e = Procedural::bernoulli(p, 10, 10, false, true, 1.0, Stream::new(1, 0));
        assert!(
            matches!(&e, Err(Error::InvalidParameter { param, .. }) if param == "p"),
            "{p}"
        );
    }
}
