//! Parameters and constants given per instance: a batch is a sweep. Row b of a batched run
//! must equal a separate run with row b's values, bit for bit, on every executor.

mod common;

use brainwgpu::network::{Dense, FixedProb, Network, NodeId, Simulation, Term, Wiring};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Executor};

const N: usize = 60;
const STEPS: usize = 300;

/// What row b sweeps: the input current, τ, and the threshold of every neuron.
#[derive(Clone)]
struct Row {
    current: f64,
    tau: f64,
    v_th: Vec<f64>,
    /// The gain of a dense recurrent input, and of a constant drive.
    gain: f64,
}

fn row(b: usize) -> Row {
    Row {
        current: ((14.0 + 3.0 * b as f64) * mA).value(),
        tau: 12.0 + 4.0 * b as f64,
        v_th: (0..N)
            .map(|j| -50.0 - 0.05 * ((j + b) % 7) as f64)
            .collect(),
        gain: 0.5 + 0.3 * b as f64,
    }
}

/// How the swept values are given.
#[derive(Clone, Copy, PartialEq)]
enum Given {
    /// Per instance (and per instance and neuron for the threshold).
    PerInstance,
    /// As single values and per-neuron arrays (only for one row).
    Plain,
}

fn network(rows: &[Row], given: Given) -> (Network, NodeId) {
    let mut net = Network::new();
    let lif = LIFRef::new(N)
        .v_rest(-60.0 * mV)
        .v_reset(-60.0 * mV)
        .tau_ref(2.0 * ms)
        .r(1.0 * ohm)
        .v_initializer(Init::per_neuron((0..N).map(|j| -60.0 + 0.15 * j as f64)));
    let lif = match given {
        Given::PerInstance => lif
            .tau(Param::per_instance(rows.iter().map(|r| r.tau)))
            .v_th(Param::per_instance_neuron(
                rows.iter().flat_map(|r| r.v_th.clone()),
            )),
        Given::Plain => lif
            .tau(rows[0].tau * ms)
            .v_th(Param::per_neuron(rows[0].v_th.clone())),
    };
    let neurons = net.add(lif).unwrap();
    let g = net.add(Expon::new(N).tau(5.0 * ms)).unwrap();
    let current = match given {
        Given::PerInstance => {
            Term::per_instance(rows.iter().map(|r| r.current).collect::<Vec<_>>())
        }
        Given::Plain => Term::constant(rows[0].current),
    };
    net.update(
        g,
        Wiring::new().delta(Term::output(neurons).event(FixedProb::per_pre(N, N, 8, 0.4, 3))),
    );
    // A dense recurrent input and a constant drive, each with a gain per instance.
    let w: Vec<f64> = (0..N * N)
        .map(|i| if i % 13 == 0 { 400.0 } else { 0.0 })
        .collect();
    let recurrent = Term::output(neurons).dense(Dense::new(N, N, w));
    let drive = Term::constant(300.0);
    let (recurrent, drive) = match given {
        Given::PerInstance => {
            let gains: Vec<f64> = rows.iter().map(|r| r.gain).collect();
            let halves: Vec<f64> = gains.iter().map(|g| g / 2.0).collect();
            (
                recurrent.scaled_per_instance(gains),
                drive.scaled(2.0).scaled_per_instance(halves),
            )
        }
        Given::Plain => (recurrent.scaled(rows[0].gain), drive.scaled(rows[0].gain)),
    };
    net.update(
        neurons,
        Wiring::new()
            .x(current)
            .x(recurrent)
            .x(drive)
            .current(SynOut::coba(0.0 * mV), g),
    );
    (net, neurons)
}

fn run(sim: &mut Simulation, neurons: NodeId) -> (Vec<u8>, Vec<f64>) {
    let m = sim.monitor_spikes(neurons).unwrap();
    sim.run(STEPS).unwrap();
    (
        sim.spikes(m).unwrap().dense(),
        sim.state(neurons, "V").unwrap(),
    )
}

fn check(device: &Device, executor: Executor) {
    // 17 rows: the per-step executor's dense projections take their tiled kernel from 16.
    let rows: Vec<Row> = (0..17).map(row).collect();
    let (net, neurons) = network(&rows, Given::PerInstance);
    let mut sim = net
        .compile_with(device, Some(rows.len()), 0.1 * ms, executor)
        .unwrap();
    let (spikes, v) = run(&mut sim, neurons);
    let raster = |b: usize| -> Vec<u8> {
        (0..STEPS)
            .flat_map(|k| spikes[(k * rows.len() + b) * N..][..N].to_vec())
            .collect()
    };
    let rasters: Vec<Vec<u8>> = (0..rows.len()).map(raster).collect();
    assert!(
        rasters.iter().all(|r| r.contains(&1)) && rasters.windows(2).all(|w| w[0] != w[1]),
        "every row must spike, and differently"
    );
    for (b, r) in rows
        .iter()
        .enumerate()
        .filter(|(b, _)| [0, 1, 2, 16].contains(b))
    {
        for (given, batch) in [(Given::PerInstance, Some(1)), (Given::Plain, None)] {
            let (net, neurons) = network(std::slice::from_ref(r), given);
            let mut one = net.compile_with(device, batch, 0.1 * ms, executor).unwrap();
            let (s1, v1) = run(&mut one, neurons);
            let label = if given == Given::Plain {
                "plain values"
            } else {
                "a batch of one"
            };
            for k in 0..STEPS {
                let at = (k * rows.len() + b) * N;
                assert_eq!(
                    spikes[at..at + N],
                    s1[k * N..(k + 1) * N],
                    "{executor:?}: spikes of row {b} at step {k} differ from {label}"
                );
            }
            let want: Vec<u64> = v1.iter().map(|x| x.to_bits()).collect();
            let got: Vec<u64> = v[b * N..(b + 1) * N].iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, want, "{executor:?}: V of row {b} differs from {label}");
        }
    }
}

#[test]
fn rows_of_a_sweep_equal_separate_runs_on_the_f64_executor() {
    check(&Device::Cpu, Executor::Auto);
}

#[test]
fn rows_of_a_sweep_equal_separate_runs_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    check(&gpu, Executor::PerStep);
    check(&gpu, Executor::Fused);
}

#[test]
fn values_per_instance_must_match_the_batch() {
    let rows: Vec<Row> = (0..3).map(row).collect();
    let (net, _) = network(&rows, Given::PerInstance);
    let err = net.compile(&Device::Cpu, Some(4), 0.1 * ms).err().unwrap();
    let text = err.to_string();
    assert!(
        text.contains("per instance") && text.contains("4"),
        "{text}"
    );
    // A constant per instance with too few values names the input.
    let mut net = Network::new();
    let lif = net.add(LIF::new(5)).unwrap();
    net.update(lif, Wiring::new().x(Term::per_instance(vec![1.0, 2.0])));
    let text = net
        .compile(&Device::Cpu, Some(3), 0.1 * ms)
        .err()
        .unwrap()
        .to_string();
    assert!(
        text.contains("x of LIF") && text.contains("3 values"),
        "{text}"
    );
    // Per-neuron constants of the wrong length, and values that are not finite.
    let mut net = Network::new();
    let lif = net.add(LIF::new(5)).unwrap();
    net.update(lif, Wiring::new().x(Term::per_neuron(vec![1.0; 4])));
    assert!(net.compile(&Device::Cpu, Some(3), 0.1 * ms).is_err());
    let mut net = Network::new();
    let lif = net
        .add(LIF::new(2).tau(Param::per_instance([1.0, f64::NAN])))
        .unwrap();
    net.update(lif, Wiring::new());
    let text = net
        .compile(&Device::Cpu, Some(2), 0.1 * ms)
        .err()
        .unwrap()
        .to_string();
    assert!(text.contains("tau"), "{text}");
}

/// COBA with the values a sweep by rebuilding changes: the external current, both weights
/// and the connectivity's seed (the tables are data either way).
fn coba(i: usize, read: bool) -> brainwgpu::network::classic::CobaNet {
    let mut c = brainwgpu::network::classic::Coba::new(500);
    c.i_ext = (18.0 + i as f64) * mA;
    c.w_exc = (0.6 + 0.1 * i as f64) * nS;
    c.w_inh = (6.7 + 0.5 * i as f64) * nS;
    c.seed = i as u64;
    let mut net = c.build().unwrap();
    net.network.read_values(read);
    net
}

#[test]
fn networks_that_read_their_values_share_their_kernels() {
    use brainwgpu::DeviceLimits;
    let limits = DeviceLimits::LARGE_GPU;
    for executor in [Executor::Fused, Executor::PerStep] {
        let sources = |i: usize, read: bool| -> Vec<String> {
            let (_, kernels) = coba(i, read)
                .network
                .kernels(None, 0.1 * ms, executor, &limits)
                .unwrap();
            assert!(!kernels.is_empty());
            kernels.iter().map(|k| k.source().to_string()).collect()
        };
        assert_eq!(
            sources(0, true),
            sources(3, true),
            "{executor:?}: read values"
        );
        assert_ne!(
            sources(0, false),
            sources(3, false),
            "{executor:?}: folded values"
        );
    }
}

#[test]
fn reading_values_gives_the_spikes_of_folding_them() {
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::Fused, Executor::PerStep] {
        let spikes = |read: bool| -> Vec<u8> {
            let net = coba(2, read);
            let mut sim = net
                .network
                .compile_with(&gpu, None, 0.1 * ms, executor)
                .unwrap();
            let m = sim.monitor_spikes(net.neurons).unwrap();
            sim.run(400).unwrap();
            sim.spikes(m).unwrap().dense()
        };
        let folded = spikes(false);
        assert!(folded.iter().filter(|&&s| s == 1).count() > 100);
        assert_eq!(spikes(true), folded, "{executor:?}");
    }
}
