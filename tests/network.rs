//! Networks: the network goldens on both executors, the GPU executor against the f64 executor
//! on a network that uses every kind of wiring, determinism, chunked runs, recording, and the
//! graph's validation errors.

mod common;

use brainwgpu::conformance::Case;
use brainwgpu::network::classic::{Coba, EiNetwork};
use brainwgpu::prelude::*;
use brainwgpu::{Error, Executor, GpuOptions, MonitorId};

fn network_goldens() -> Vec<std::path::PathBuf> {
    let dir = common::data_dir();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("net_"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "the network golden files are missing");
    files
}

fn check_goldens(device: &Device) {
    for path in network_goldens() {
        let case = Case::read(&path).unwrap();
        let (r, _) = case.check(device).unwrap();
        eprintln!(
            "{:34} worst {:.2e} at {}; {}",
            r.case, r.worst, r.worst_where, r.detail
        );
        assert!(r.passed, "{}: {}", r.case, r.detail);
    }
}

#[test]
fn network_goldens_pass_on_the_f64_reference() {
    check_goldens(&Device::Cpu);
}

#[test]
fn network_goldens_pass_on_the_gpu() {
    if let Some(gpu) = common::gpu() {
        check_goldens(&gpu);
    }
}

/// The f32 rule for networks can fail: a trace nudged beyond tolerance before any spike
/// differs, and a spike train with an unexplained flip, are both rejected.
#[test]
fn the_network_f32_rule_rejects_wrong_results() {
    let case = Case::read(common::data("net_ei_80_20")).unwrap();
    let golden = case.golden().unwrap();
    assert!(case.compare_f32(&golden).unwrap().passed);
    let mut nudged = golden.clone();
    let g = nudged.get_mut("g_exc").unwrap();
    let at = g.len() / 3;
    g[at] += 1e-3 * g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let r = case.compare_f32(&nudged).unwrap();
    assert!(!r.passed, "a nudged conductance passed: {}", r.detail);
    let mut flipped = golden.clone();
    let s = flipped.get_mut("exc_spikes").unwrap();
    // A spike where V was nowhere near threshold (the very first step: V = 0 below 1).
    s[3] = 1.0;
    let r = case.compare_f32(&flipped).unwrap();
    assert!(!r.passed, "an unexplained spike passed: {}", r.detail);
}

struct Recorded {
    spikes_a: Vec<u8>,
    spikes_b: Vec<u8>,
    g: Vec<f64>,
    g_steps: Vec<u64>,
    v_b: Vec<f64>,
    v_f: Vec<f64>,
    /// The outputs of A and B after the last run.
    outputs: Vec<f64>,
}

/// Runs the kitchen sink; `watch_spikes` monitors the spikes of A and B (monitors that read
/// outputs from the arena every step), otherwise their spikes are left empty.
fn run_sink(
    device: &Device,
    executor: Executor,
    batch: Option<usize>,
    parts: &[usize],
    watch_spikes: bool,
) -> Recorded {
    let s = common::sink();
    let mut sim = s
        .net
        .compile_with(device, batch, 0.1 * ms, executor)
        .unwrap();
    let rows = sim.rows();
    let steps: usize = parts.iter().sum();
    let drive: Vec<f64> = (0..steps * rows * 20)
        .map(|i| 5.0 + 7.0 * ((i * 31 % 11) as f64 / 11.0))
        .collect();
    let kicks: Vec<f64> = (0..steps * rows * 25)
        .map(|i| if i % 17 == 0 { 0.3 } else { 0.0 })
        .collect();
    sim.feed(s.drive, &drive).unwrap();
    sim.feed(s.kicks, &kicks).unwrap();
    let watched = watch_spikes.then(|| {
        (
            sim.monitor_spikes(s.a).unwrap(),
            sim.monitor_spikes(s.b).unwrap(),
        )
    });
    let mg = sim.monitor_state(s.sa, "g", 3).unwrap();
    let mv = sim.monitor_state(s.b, "V", 1).unwrap();
    for &n in parts {
        sim.run(n).unwrap();
    }
    let g = sim.samples(mg).unwrap();
    assert_eq!(sim.clock().step(), steps as u64);
    let spikes = |m| sim.spikes(m).unwrap().dense();
    let (spikes_a, spikes_b) = watched.map_or((Vec::new(), Vec::new()), |(ma, mb)| {
        (spikes(ma), spikes(mb))
    });
    Recorded {
        spikes_a,
        spikes_b,
        outputs: [sim.output(s.a).unwrap(), sim.output(s.b).unwrap()].concat(),
        g: g.values.clone(),
        g_steps: g.steps.clone(),
        v_b: sim.samples(mv).unwrap().values.clone(),
        v_f: sim.state(s.f, "V").unwrap(),
    }
}

fn assert_close(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-30);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 * scale,
            "{name}[{i}]: {g} vs {w} (scale {scale})"
        );
    }
}

/// How the kitchen-sink runs are split (32 steps): with a batch of 17, A fires in steps 12,
/// 13 and 22–26, so runs start right after steps where A fired.
const PARTS: [usize; 7] = [7, 6, 1, 9, 1, 1, 7];

#[test]
fn every_kind_of_wiring_matches_the_f64_plan_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    // No batch axis, a small batch, and one large enough for the tiled dense kernel; the runs
    // split unevenly so that sampling every 3 steps straddles the runs, and several short runs
    // make the fused kernel reload what it keeps on chip often.
    for batch in [None, Some(3), Some(17)] {
        let want = run_sink(&Device::Cpu, Executor::Auto, batch, &PARTS, true);
        assert!(
            want.spikes_a.contains(&1) && want.spikes_b.contains(&1),
            "the network is silent"
        );
        // The gathers' scan over 1024 shares too; without spike monitors, the per-step
        // executor's composed updates may keep outputs to themselves (the delay ring and the
        // dense projection read B's and A's).
        for (executor, watch) in [
            (Executor::PerStep, true),
            (Executor::PerStep, false),
            (Executor::Fused, true),
            (Executor::FusedWorkgroup(1024), true),
        ] {
            let got = run_sink(&gpu, executor, batch, &PARTS, watch);
            let what = format!("batch {batch:?}, {executor:?}, spikes watched: {watch}");
            if watch {
                assert_eq!(got.spikes_a, want.spikes_a, "spikes of A, {what}");
                assert_eq!(got.spikes_b, want.spikes_b, "spikes of B, {what}");
            }
            assert_eq!(got.outputs, want.outputs, "outputs of A and B, {what}");
            assert_eq!(got.g_steps, (0..32).step_by(3).collect::<Vec<u64>>());
            assert_eq!(got.g_steps, want.g_steps);
            assert_close(&format!("g of SA, {what}"), &got.g, &want.g);
            assert_close(&format!("V of B, {what}"), &got.v_b, &want.v_b);
            assert_close(&format!("V of F, {what}"), &got.v_f, &want.v_f);
        }
    }
}

#[test]
fn runs_longer_than_a_chunk_record_every_step() {
    let Some(gpu) = common::gpu() else { return };
    let build = |device: &Device, executor: Executor| {
        let net = Coba {
            targets: 10,
            ..Coba::new(100)
        }
        .build()
        .unwrap();
        let mut sim = net
            .network
            .compile_with(device, None, 0.1 * ms, executor)
            .unwrap();
        let m = sim.monitor_spikes(net.neurons).unwrap();
        let v = sim.monitor_state(net.neurons, "V", 500).unwrap();
        let c = sim.monitor_count(net.neurons).unwrap();
        sim.run(2300).unwrap();
        // The count monitor agrees with the spike record.
        let counts = sim.counts(c).unwrap();
        assert_eq!(counts.steps, 2300);
        assert_eq!(counts.total() as usize, sim.spikes(m).unwrap().count());
        assert!((counts.rate_hz() - sim.spikes(m).unwrap().rate_hz()).abs() < 1e-9);
        (sim, m, v)
    };
    let (cpu, cm, cv) = build(&Device::Cpu, Executor::Auto);
    assert_eq!(
        cpu.samples(cv).unwrap().steps,
        vec![0, 500, 1000, 1500, 2000]
    );
    let rate = cpu.spikes(cm).unwrap().rate_hz();
    let mut runs = Vec::new();
    for executor in [Executor::PerStep, Executor::Fused] {
        let (sim, m, v) = build(&gpu, executor);
        let r = sim.spikes(m).unwrap();
        assert_eq!(r.steps(), 2300);
        assert_eq!(
            sim.samples(v).unwrap().steps,
            vec![0, 500, 1000, 1500, 2000]
        );
        // It fires at the reference's rate (the f32 run parts from the f64 one after a while).
        let a = r.rate_hz();
        assert!(
            a > 1.0 && (a - rate).abs() < 0.3 * rate,
            "{executor:?}: rates {a} vs {rate} Hz"
        );
        runs.push((r.dense(), sim.samples(v).unwrap().values.clone()));
    }
    // The two executors do the same arithmetic in the same order: identical runs.
    assert!(
        runs[0] == runs[1],
        "the per-step and fused executors differ"
    );
}

fn coba_spikes(device: &Device, executor: Executor) -> (Vec<u8>, Vec<f64>) {
    let net = Coba::new(500).build().unwrap();
    let mut sim = net
        .network
        .compile_with(device, Some(2), 0.1 * ms, executor)
        .unwrap();
    let m = sim.monitor_spikes(net.neurons).unwrap();
    sim.run(400).unwrap();
    (
        sim.spikes(m).unwrap().dense(),
        sim.state(net.g_exc, "g").unwrap(),
    )
}

#[test]
fn repeated_runs_give_identical_spikes() {
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::PerStep, Executor::Fused] {
        let (s1, g1) = coba_spikes(&gpu, executor);
        let (s2, g2) = coba_spikes(&gpu, executor);
        assert!(
            s1.iter().filter(|&&s| s == 1).count() > 100,
            "COBA should fire"
        );
        assert_eq!(
            s1, s2,
            "{executor:?}: spikes differ between two identical runs"
        );
        assert_eq!(
            g1, g2,
            "{executor:?}: conductances differ between two identical runs"
        );
    }
}

/// COBA with 300 neurons (its inhibitory slice starts mid-word: 240) and a batch of 2.
fn coba_300(
    gpu: &Device,
    executor: Executor,
) -> (brainwgpu::network::classic::CobaNet, Simulation) {
    let net = Coba::new(300).build().unwrap();
    let sim = net
        .network
        .compile_with(gpu, Some(2), 0.1 * ms, executor)
        .unwrap();
    (net, sim)
}

/// The fused executor keeps V, t_last, gE and gI in registers and the spikes as bits in
/// workgroup memory within a dispatch (the inhibitory slice starts mid-word: 240 of 300):
/// states set and read between runs of odd lengths, outputs, and spikes with and without a
/// monitor are exactly what the per-step executor (which keeps everything in memory) gives.
#[test]
fn on_chip_values_meet_the_host_between_runs() {
    let Some(gpu) = common::gpu() else { return };
    let run = |executor: Executor| {
        let (net, mut sim) = coba_300(&gpu, executor);
        let mut seen = Vec::new();
        sim.run(37).unwrap();
        seen.push(sim.state(net.neurons, "V").unwrap());
        let v: Vec<f64> = (0..600).map(|i| -60.0 + 0.017 * i as f64).collect();
        sim.set_state(net.neurons, "V", &v).unwrap();
        sim.set_state(net.g_inh, "g", &vec![0.05; 600]).unwrap();
        let m = sim.monitor_spikes(net.neurons).unwrap();
        sim.run(55).unwrap();
        seen.push(sim.state(net.g_exc, "g").unwrap());
        seen.push(sim.state(net.g_inh, "g").unwrap());
        seen.push(sim.output(net.neurons).unwrap());
        let spikes = sim.spikes(m).unwrap().dense();
        sim.run(1).unwrap();
        seen.push(sim.state(net.neurons, "V").unwrap());
        seen.push(sim.state(net.neurons, "last_spike_time").unwrap());
        (seen, spikes, sim.cost_per_step().registers)
    };
    let (per_step, per_step_spikes, _) = run(Executor::PerStep);
    // 256 invocations (2 elements each), 32 (10 each), 1024 (1 each, most idle).
    for executor in [
        Executor::Fused,
        Executor::FusedWorkgroup(32),
        Executor::FusedWorkgroup(1024),
    ] {
        let (fused, fused_spikes, registers) = run(executor);
        assert!(registers > 0, "{executor:?} keeps states in registers");
        assert!(fused_spikes.contains(&1), "the network fires");
        assert_eq!(fused_spikes, per_step_spikes, "{executor:?}");
        assert_eq!(fused, per_step, "{executor:?}");
    }
}

/// The per-step executor's composed update keeps each element's rows in private variables
/// within a step, and stores COBA's spikes (which only the neurons' own deliveries read) at the
/// end of a run, or every step once a monitor reads them: outputs after runs of any length,
/// and the monitored spikes, are exactly the fused executor's.
#[test]
fn deferred_outputs_reach_the_arena_at_the_end_of_every_run() {
    let Some(gpu) = common::gpu() else { return };
    let run = |executor: Executor| {
        let (net, mut sim) = coba_300(&gpu, executor);
        let mut seen = Vec::new();
        for steps in [1, 1, 4, 2, 7, 1, 30, 3, 3] {
            sim.run(steps).unwrap();
            seen.push(sim.output(net.neurons).unwrap());
        }
        let m = sim.monitor_spikes(net.neurons).unwrap();
        for steps in [1, 5, 2] {
            sim.run(steps).unwrap();
            seen.push(sim.output(net.neurons).unwrap());
        }
        seen.push(sim.state(net.neurons, "last_spike_time").unwrap());
        (seen, sim.spikes(m).unwrap().dense())
    };
    let (per_step, per_step_spikes) = run(Executor::PerStep);
    let (fused, fused_spikes) = run(Executor::Fused);
    let ends_with_spikes = per_step.iter().filter(|o| o.contains(&1.0)).count();
    assert!(
        ends_with_spikes > 2,
        "{ends_with_spikes} runs end with a spike"
    );
    assert_eq!(per_step_spikes, fused_spikes);
    assert_eq!(per_step, fused);
}

#[test]
fn coba_fires_irregularly_at_about_twenty_hertz() {
    // The f64 reference, 2000 neurons for 400 ms (the GPU runs the 4000-neuron example).
    let net = Coba::new(2000).build().unwrap();
    let mut sim = net.network.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
    let m = sim.monitor_spikes(net.neurons).unwrap();
    sim.run(4000).unwrap();
    let r = sim.spikes(m).unwrap();
    let (rate, cv) = (r.rate_hz(), r.isi_cv(0).unwrap());
    assert!((10.0..35.0).contains(&rate), "rate {rate} Hz");
    assert!(cv > 0.5, "ISI CV {cv}: not irregular");
}

#[test]
fn state_output_and_records_round_trip() {
    let devices: Vec<Device> = [Some(Device::Cpu), common::gpu()]
        .into_iter()
        .flatten()
        .collect();
    let dir = std::env::temp_dir().join(format!("brainwgpu-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for device in devices {
        let net = Coba::new(50).build().unwrap();
        let mut sim = net.network.compile(&device, Some(2), 0.1 * ms).unwrap();
        assert_eq!(sim.shape(net.neurons).unwrap().dims(), [2, 50]);
        let v: Vec<f64> = (0..100).map(|i| -60.0 + 0.2 * i as f64).collect();
        sim.set_state(net.neurons, "V", &v).unwrap();
        let back = sim.state(net.neurons, "V").unwrap();
        assert_close("V round trip", &back, &v);
        let m = sim.monitor_spikes(net.neurons).unwrap();
        let s = sim.monitor_state(net.g_exc, "g", 10).unwrap();
        sim.run(200).unwrap();
        let out = sim.output(net.neurons).unwrap();
        assert_eq!(out.len(), 100);
        assert!(out.iter().all(|&x| x == 0.0 || x == 1.0));
        let r = sim.spikes(m).unwrap();
        r.to_npz(dir.join("spikes.npz")).unwrap();
        brainwgpu::plot::Raster::new()
            .population(r, "E", 0..40)
            .population(r, "I", 40..50)
            .row(1)
            .write(dir.join("raster.png"))
            .unwrap();
        sim.samples(s).unwrap().to_npz(dir.join("g.npz")).unwrap();
        let npz = brainwgpu::npz::Npz::read(dir.join("spikes.npz")).unwrap();
        assert_eq!(npz.f64s("neurons").unwrap().len(), r.count());
        assert_eq!(npz.f64s("shape").unwrap(), vec![200.0, 2.0, 50.0]);
        let g = brainwgpu::npz::Npz::read(dir.join("g.npz")).unwrap();
        assert_eq!(g.get("values").unwrap().shape, vec![20, 2, 50]);
        let png = std::fs::read(dir.join("raster.png")).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}

// ---------------------------------------------------------------------------- validation

fn expect_err(r: brainwgpu::Result<Simulation>, needle: &str) -> Error {
    match r {
        Ok(_) => panic!("expected an error mentioning {needle:?}"),
        Err(e) => {
            assert!(
                e.to_string().contains(needle),
                "error {e} does not mention {needle:?}"
            );
            e
        }
    }
}

fn compile(net: &Network) -> brainwgpu::Result<Simulation> {
    net.compile(&Device::Cpu, None, 0.1 * ms)
}

#[test]
fn the_graph_rejects_bad_wiring_with_typed_errors() {
    // A population updated twice, or never.
    let mut net = Network::new();
    let a = net.add(LIF::new(4).with_name("a")).unwrap();
    let b = net.add(LIF::new(4).with_name("b")).unwrap();
    net.update(a, Wiring::new()).update(a, Wiring::new());
    let e = expect_err(compile(&net), "`a` updated 2 times");
    assert!(matches!(e, Error::InvalidParameter { .. }));
    let mut net = Network::new();
    net.add(LIF::new(4).with_name("a")).unwrap();
    expect_err(compile(&net), "`a` updated 0 times");
    let _ = b;

    // Names are unique.
    let mut net = Network::new();
    net.add(LIF::new(4).with_name("a")).unwrap();
    assert!(net.add(LIF::new(4).with_name("a")).is_err());
    assert!(net.external("a", 3).is_err());

    // Shapes: a dense projection of the wrong size, an x of the wrong size.
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let b = net.add(LIF::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(
        b,
        Wiring::new().x(Term::output(a).dense(Dense::new(4, 6, vec![0.0; 24]))),
    );
    let e = expect_err(compile(&net), "dense projection");
    assert!(matches!(e, Error::ShapeMismatch { .. }));
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let b = net.add(LIF::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(b, Wiring::new().x(Term::output(a)));
    assert!(matches!(compile(&net), Err(Error::ShapeMismatch { .. })));
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let b = net.add(LIF::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(
        b,
        Wiring::new().x(Term::output(a).dense(Dense::new(4, 5, vec![0.0; 19]))),
    );
    expect_err(compile(&net), "weights of");

    // Event-driven projections: only into delta inputs, no scale, targets in range.
    let conn = FixedProb::per_pre(4, 5, 2, 0.1, 1);
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let s = net.add(Expon::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(s, Wiring::new().x(Term::output(a).event(conn.clone())));
    expect_err(compile(&net), "feed delta inputs");
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let s = net.add(Expon::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(
        s,
        Wiring::new().delta(Term::output(a).event(conn.clone()).scaled(2.0)),
    );
    expect_err(compile(&net), "scale");
    let bad = FixedProb::from_targets(4, 5, 1, vec![0, 1, 2, 9], Weights::Homogeneous(1.0));
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let s = net.add(Expon::new(5)).unwrap();
    net.update(a, Wiring::new());
    net.update(s, Wiring::new().delta(Term::output(a).event(bad)));
    expect_err(compile(&net), "targets");

    // Slices, delays.
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let b = net.add(LIF::new(3)).unwrap();
    net.update(a, Wiring::new());
    net.update(b, Wiring::new().x(Term::output(a).slice(2..5)));
    expect_err(compile(&net), "slice");
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    let b = net.add(LIF::new(4)).unwrap();
    net.update(a, Wiring::new());
    net.update(b, Wiring::new().x(Term::state(a, "V").delayed(1)));
    expect_err(compile(&net), "only a population's output can be delayed");
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    net.update(a, Wiring::new().x(Term::state(a, "W")));
    let e = expect_err(compile(&net), "W");
    assert!(matches!(e, Error::UnknownName { .. }));

    // Inputs a model does not read.
    let mut net = Network::new();
    let p = net.add(PoissonSpike::new(4, 10.0 * Hz)).unwrap();
    net.update(p, Wiring::new().delta(1.0));
    expect_err(compile(&net), "reads no delta inputs");
    let mut net = Network::new();
    let s = net.add(Expon::new(4)).unwrap();
    let s2 = net.add(Expon::new(4)).unwrap();
    net.update(s2, Wiring::new());
    net.update(s, Wiring::new().current(SynOut::coba(0.0 * mV), s2));
    expect_err(compile(&net), "reads no current inputs");

    // A population of another network.
    let mut other = Network::new();
    for _ in 0..5 {
        other.add(LIF::new(1)).unwrap();
    }
    let foreign = other.node("LIF4").unwrap();
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    net.update(a, Wiring::new().x(Term::output(foreign)));
    expect_err(compile(&net), "is not a population of this network");

    // Parameters, dt and batch.
    let mut net = Network::new();
    let a = net.add(LIF::new(4).tau(-1.0 * ms)).unwrap();
    net.update(a, Wiring::new());
    expect_err(compile(&net), "tau");
    let mut net = Network::new();
    let a = net.add(LIF::new(4)).unwrap();
    net.update(a, Wiring::new());
    assert!(net.compile(&Device::Cpu, None, 0.0 * ms).is_err());
    assert!(net.compile(&Device::Cpu, Some(0), 0.1 * ms).is_err());
}

#[test]
fn runs_reject_missing_or_malformed_inputs() {
    let mut net = Network::new();
    let e = net.external("e", 4).unwrap();
    let a = net.add(LIF::new(4)).unwrap();
    net.update(a, Wiring::new().x(Term::external(e)));
    let mut sim = net.compile(&Device::Cpu, Some(2), 0.1 * ms).unwrap();
    assert!(matches!(
        sim.feed(e, &[0.0; 7]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(sim.feed(e, &[f64::NAN; 8]).is_err());
    sim.feed(e, &[1.0; 8 * 3]).unwrap();
    let err = sim.run(4).unwrap_err();
    assert!(err.to_string().contains("3 steps queued"), "{err}");
    sim.run(3).unwrap();
    assert!(sim.monitor_state(a, "V", 0).is_err());
    assert!(matches!(
        sim.monitor_state(a, "nope", 1),
        Err(Error::UnknownName { .. })
    ));
    let m: MonitorId = sim.monitor_spikes(a).unwrap();
    assert!(sim.samples(m).is_err());
    assert!(sim.set_state(a, "V", &[0.0; 3]).is_err());
}

/// A dense projection with more inputs than the fused kernel gathers in workgroup memory
/// (4096) reads them where they are, and still sums in the plain loop's order.
#[test]
fn wide_dense_projections_run_fused() {
    let Some(gpu) = common::gpu() else { return };
    let n_in = 5000;
    let run = |device: &Device| {
        let mut net = Network::new();
        let x = net.external("x", n_in).unwrap();
        let p = net
            .add(Expon::new(n_in).with_name("P").tau(2.0 * ms))
            .unwrap();
        let a = net
            .add(LIF::new(3).with_name("A").tau(10.0 * ms).r(1.0).v_th(50.0))
            .unwrap();
        let w: Vec<f64> = (0..n_in * 3)
            .map(|i| ((i * 7 % 13) as f64 - 6.0) * 0.1)
            .collect();
        net.update(p, Wiring::new().x(Term::external(x)));
        net.update(
            a,
            Wiring::new().x(Term::output(p).dense(Dense::new(n_in, 3, w))),
        );
        let mut sim = net
            .compile_with(device, Some(2), 0.1 * ms, Executor::Fused)
            .unwrap();
        let input: Vec<f64> = (0..5 * 2 * n_in).map(|i| (i % 5) as f64 * 0.5).collect();
        sim.feed(x, &input).unwrap();
        sim.run(5).unwrap();
        sim.state(a, "V").unwrap()
    };
    let want = run(&Device::Cpu);
    assert!(want.iter().any(|&v| v.abs() > 0.1), "{want:?}");
    assert_close("V", &run(&gpu), &want);
}

#[test]
fn a_fused_workgroup_size_the_device_cannot_run_is_refused() {
    let Some(gpu) = common::gpu() else { return };
    let net = Coba::new(100).build().unwrap();
    for n in [0, 16, 100, 1 << 20] {
        let err = match net
            .network
            .compile_with(&gpu, None, 0.1 * ms, Executor::FusedWorkgroup(n))
        {
            Ok(_) => panic!("{n} invocations per workgroup accepted"),
            Err(e) => e,
        };
        assert!(matches!(err, Error::InvalidParameter { .. }), "{err}");
        assert!(err.to_string().contains("invocations"), "{err}");
    }
}

#[test]
fn a_network_too_large_for_one_binding_is_refused_naming_the_limit() {
    let Some(device) = common::gpu() else { return };
    let Device::Gpu(gpu) = &device else {
        unreachable!()
    };
    // LIF: V and the emitted spikes, 8 bytes per neuron.
    let n = (gpu.max_storage_binding() / 8 + 1024) as usize;
    let mut net = Network::new();
    let a = net.add(LIF::new(n)).unwrap();
    net.update(a, Wiring::new());
    match net.compile(&device, None, 0.1 * ms) {
        Err(Error::LimitExceeded { limit_name, .. }) => {
            assert_eq!(limit_name, "max_storage_buffer_binding_size")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a network larger than one binding compiled"),
    }
}

/// `got == want`, or a failure that says how many of how many values differ and the first.
fn assert_same<T: PartialEq + std::fmt::Debug>(got: &[T], want: &[T], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let differ: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    if let Some(&i) = differ.first() {
        panic!(
            "{what}: {} of {} values differ, first at {i}: {:?} vs {:?}",
            differ.len(),
            got.len(),
            got[i],
            want[i]
        );
    }
}

/// `n` Poisson sources at rates from `lo` to `lo + 39` Hz, updated first.
fn poisson_sources(net: &mut Network, n: usize, lo: usize, seed: u32) -> NodeId {
    let rates: Vec<f64> = (0..n).map(|i| 1e-3 * (lo + i % 40) as f64).collect();
    let p = net
        .add(PoissonSpike::new(n, rates).with_name("P").seed(seed))
        .unwrap();
    net.update(p, Wiring::new());
    p
}

/// A device whose storage bindings hold 256 KiB: the GPU tier's adapter opened with that limit.
fn small_binding_gpu() -> Device {
    let opts = GpuOptions {
        max_storage_binding: Some(256 << 10),
        ..GpuOptions::from_env().unwrap()
    };
    let gpu = Gpu::with_options(&opts).unwrap();
    assert_eq!(gpu.max_storage_binding(), 256 << 10);
    Device::Gpu(gpu)
}

/// Event projections whose tables exceed one storage binding run as projections of blocks of
/// their presynaptic neurons, each table bound on its own: COBA-4000's excitatory table (1 MB)
/// in four blocks under a 256 KiB limit, which also keeps it from being pushed and the network
/// from the fused executor, whose tables share one binding. Integer sums make the result
/// exactly that of the whole tables.
#[test]
fn event_tables_larger_than_a_binding_run_in_blocks_of_sources() {
    let Some(gpu) = common::gpu() else { return };
    let small = small_binding_gpu();
    let net = Coba::new(4000).build().unwrap();
    let run = |device: &Device, executor: Executor| {
        let mut sim = net
            .network
            .compile_with(device, None, 0.1 * ms, executor)
            .unwrap();
        let m = sim.monitor_spikes(net.neurons).unwrap();
        for n in [120, 1, 179] {
            sim.run(n).unwrap();
        }
        let spikes = sim.spikes(m).unwrap().dense();
        let g = [
            sim.state(net.g_exc, "g").unwrap(),
            sim.state(net.g_inh, "g").unwrap(),
        ]
        .concat();
        (spikes, g, sim.executor().0, sim.cost_per_step().dispatches)
    };
    let (spikes, g, executor, dispatches) = run(&small, Executor::Auto);
    assert_eq!(executor, "per-step");
    // The four excitatory blocks, each alone (two do not fit one binding), then the updates,
    // whose inhibitory neurons push their spikes and whose spike monitor reads the spikes.
    assert_eq!(dispatches, 4.0 + 1.0 + 1.0);
    assert!(
        spikes.iter().filter(|&&s| s == 1).count() > 500,
        "COBA fires"
    );
    for executor in [Executor::PerStep, Executor::Fused] {
        let (want_spikes, want_g, ..) = run(&gpu, executor);
        let what = format!("against whole tables, {executor:?}");
        assert_same(&spikes, &want_spikes, &format!("spikes {what}"));
        assert_same(&g, &want_g, &format!("conductances {what}"));
    }
    // Asked for, the fused executor refuses the tables that do not fit its one binding.
    match net
        .network
        .compile_with(&small, None, 0.1 * ms, Executor::Fused)
    {
        Err(Error::LimitExceeded { limit_name, .. }) => {
            assert_eq!(limit_name, "max_storage_buffer_binding_size")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("the fused executor bound more than its limit"),
    }
}

/// Dense weights larger than one binding run as projections onto blocks of the outputs, each
/// with its own columns: 200 × 700 weights and a bias (563 kB) in blocks of 256, 256 and 188
/// outputs under a 256 KiB limit, through the plain kernel (no batch) and the tiled one (batch
/// 17), with a scale and onto a destination another term adds to. Each output sums its inputs
/// in the same order, so results are those of the whole matrix, bit for bit.
#[test]
fn dense_weights_larger_than_a_binding_run_in_blocks_of_outputs() {
    let Some(gpu) = common::gpu() else { return };
    let small = small_binding_gpu();
    let (n_in, n_out) = (200, 700);
    let mut net = Network::new();
    let p = poisson_sources(&mut net, n_in, 20, 7);
    let g = net
        .add(Expon::new(n_in).with_name("G").tau(4.0 * ms))
        .unwrap();
    let l = common::unit_lif(&mut net, n_out, "L");
    let w: Vec<f64> = (0..n_in * n_out)
        .map(|i| ((i * 7919 % 23) as f64 - 9.0) * 0.02)
        .collect();
    let bias: Vec<f64> = (0..n_out).map(|j| 0.2 + 0.001 * j as f64).collect();
    let dense = Dense::new(n_in, n_out, w).bias(bias);
    net.update(g, Wiring::new().x(Term::output(p)));
    net.update(
        l,
        Wiring::new()
            .x(0.3)
            .x(Term::output(g).dense(dense).scaled(0.8)),
    );
    for batch in [None, Some(17)] {
        let run = |device: &Device, executor: Executor| {
            let mut sim = net.compile_with(device, batch, 0.1 * ms, executor).unwrap();
            let m = sim.monitor_spikes(l).unwrap();
            for n in [40, 3, 57] {
                sim.run(n).unwrap();
            }
            let dispatches = sim.cost_per_step().dispatches;
            (
                sim.spikes(m).unwrap().dense(),
                sim.state(l, "V").unwrap(),
                sim.executor().0,
                dispatches,
            )
        };
        let (spikes, v, executor, dispatches) = run(&small, Executor::Auto);
        let (want_spikes, want_v, _, whole) = run(&gpu, Executor::PerStep);
        assert_eq!(executor, "per-step");
        assert_eq!(
            dispatches,
            whole + 2.0,
            "three blocks instead of one, batch {batch:?}"
        );
        assert!(spikes.contains(&1), "L fires, batch {batch:?}");
        assert_same(&spikes, &want_spikes, &format!("spikes, batch {batch:?}"));
        assert_same(&v, &want_v, &format!("V, batch {batch:?}"));
    }
}

/// A state monitor sampled every 10 steps gets the longest chunk whose entries fit the binding
/// (its chunk holds one entry per 10 steps plus one): on a 256 KiB binding, 1000 values per
/// sample, the fused executor records runs of 640 steps, and the samples are those of a
/// device with the full binding.
#[test]
fn monitor_chunks_fill_a_small_binding_exactly() {
    let Some(gpu) = common::gpu() else { return };
    let small = small_binding_gpu();
    let mut net = Network::new();
    let a = common::unit_lif(&mut net, 1000, "A");
    net.update(a, Wiring::new().x(1.5));
    let run = |device: &Device| {
        let mut sim = net
            .compile_with(device, None, 0.1 * ms, Executor::Fused)
            .unwrap();
        let m = sim.monitor_state(a, "V", 10).unwrap();
        sim.run(1300).unwrap();
        let r = sim.samples(m).unwrap();
        (r.steps.clone(), r.values.clone())
    };
    let (steps, values) = run(&small);
    assert_eq!(steps, (0..1300).step_by(10).collect::<Vec<u64>>());
    let (want_steps, want_values) = run(&gpu);
    assert_eq!(steps, want_steps);
    assert_same(&values, &want_values, "samples on a small binding");
}

/// The same for a delayed projection (read from a ring) with per-synapse weights, whose table
/// (targets and weights, 720 kB) is split into three blocks.
#[test]
fn delayed_per_synapse_event_tables_run_in_blocks_of_sources() {
    let Some(gpu) = common::gpu() else { return };
    let small = small_binding_gpu();
    let (n_pre, n_post, k) = (3000, 500, 30);
    let targets: Vec<u32> = (0..n_pre * k)
        .map(|i| ((i * 7919) % n_post) as u32)
        .collect();
    let weights: Vec<f64> = (0..n_pre * k)
        .map(|i| 0.02 + 0.01 * (i % 11) as f64)
        .collect();
    let conn = FixedProb::from_targets(
        n_pre,
        n_post,
        k,
        targets,
        Weights::PerSynapse(weights.into()),
    );
    let mut net = Network::new();
    let p = poisson_sources(&mut net, n_pre, 10, 5);
    let s = net
        .add(Expon::new(n_post).with_name("S").tau(5.0 * ms))
        .unwrap();
    let l = common::unit_lif(&mut net, n_post, "L");
    net.update(
        s,
        Wiring::new().delta(Term::output(p).event(conn).delayed(3)),
    );
    net.update(l, Wiring::new().x(Term::output(s)));
    let run = |device: &Device, executor: Executor| {
        let mut sim = net
            .compile_with(device, Some(2), 0.1 * ms, executor)
            .unwrap();
        let m = sim.monitor_spikes(l).unwrap();
        for n in [150, 7, 143] {
            sim.run(n).unwrap();
        }
        (
            sim.spikes(m).unwrap().dense(),
            sim.state(s, "g").unwrap(),
            sim.executor().0,
        )
    };
    let (spikes, g, executor) = run(&small, Executor::Auto);
    assert_eq!(executor, "per-step");
    assert!(spikes.contains(&1), "L fires");
    assert!(g.iter().all(|&x| x > 0.0), "every synapse is reached");
    for executor in [Executor::PerStep, Executor::Fused] {
        let (want_spikes, want_g, _) = run(&gpu, executor);
        let what = format!("against the whole table, {executor:?}");
        assert_same(&spikes, &want_spikes, &format!("spikes {what}"));
        assert_same(&g, &want_g, &format!("conductances {what}"));
    }
    let (_, want_g, _) = run(&Device::Cpu, Executor::Auto);
    assert_close("g against the f64 plan", &g, &want_g);
}

/// A delay of d steps shows the value the undelayed term would read d steps later, whether
/// the reader updates before the source in a step (and so reads the previous step's value)
/// or after it.
#[test]
fn delays_shift_by_whole_steps_on_either_side_of_the_source() {
    let devices: Vec<Device> = [Some(Device::Cpu), common::gpu()]
        .into_iter()
        .flatten()
        .collect();
    for device in devices {
        let mut net = Network::new();
        let times = [0.2 * ms, 0.5 * ms, 0.6 * ms, 1.3 * ms];
        let src = net
            .add(SpikeTime::new(1, &[0, 0, 0, 0], &times).with_name("src"))
            .unwrap();
        let g = |net: &mut Network, name: &str| {
            net.add(Expon::new(1).with_name(name).tau(1e9 * ms))
                .unwrap()
        };
        let before_now = g(&mut net, "before_now");
        let before_late = g(&mut net, "before_late");
        let after_now = g(&mut net, "after_now");
        let after_late = g(&mut net, "after_late");
        net.update(before_now, Wiring::new().x(Term::output(src)));
        net.update(before_late, Wiring::new().x(Term::output(src).delayed(3)));
        net.update(src, Wiring::new());
        net.update(after_now, Wiring::new().x(Term::output(src)));
        net.update(after_late, Wiring::new().x(Term::output(src).delayed(3)));
        let mut sim = net.compile(&device, None, 0.1 * ms).unwrap();
        let ids: Vec<_> = [before_now, before_late, after_now, after_late]
            .iter()
            .map(|&n| sim.monitor_state(n, "g", 1).unwrap())
            .collect();
        sim.run(25).unwrap();
        // g counts the spikes seen so far (τ is effectively infinite).
        let trace = |i: usize| {
            sim.samples(ids[i])
                .unwrap()
                .values
                .iter()
                .map(|x| x.round() as i64)
                .collect::<Vec<_>>()
        };
        let (bn, bl, an, al) = (trace(0), trace(1), trace(2), trace(3));
        assert_eq!(*an.last().unwrap(), 4, "{device}: {an:?}");
        for k in 0..25 {
            assert_eq!(
                bn[k],
                if k >= 1 { an[k - 1] } else { 0 },
                "{device}: before, step {k}"
            );
            assert_eq!(
                al[k],
                if k >= 3 { an[k - 3] } else { 0 },
                "{device}: after, delayed, step {k}"
            );
            assert_eq!(
                bl[k],
                if k >= 3 { bn[k - 3] } else { 0 },
                "{device}: before, delayed, step {k}"
            );
        }
    }
}

#[test]
fn the_executor_is_chosen_by_size() {
    let Some(gpu) = common::gpu() else { return };
    let small = Coba::new(1000).build().unwrap();
    let sim = small.network.compile(&gpu, None, 0.1 * ms).unwrap();
    assert_eq!(sim.executor().0, "fused");
    let fused = sim.cost_per_step();
    assert!(fused.dispatches < 1.0);
    // V and t_last of the neurons, gE and gI stay in registers (4 elements per invocation
    // each); the spikes, which the projections read, do not.
    assert_eq!(fused.registers, 16);
    let per_step = small
        .network
        .compile_with(&gpu, None, 0.1 * ms, Executor::PerStep)
        .unwrap()
        .cost_per_step();
    assert_eq!(per_step.registers, 0);
    // The spikes are bits and the event sums are in workgroup memory: apart from the
    // synapses' targets, which are not counted, a step moves nothing through device memory.
    assert_eq!(fused.bytes, 0);
    // Per step, per neuron: V and t_last read and written, gE and gI read and written (the
    // neurons read them as conductances from the step's cache), their sums read (and cleared
    // only where a spike filled them). The neurons deliver their spikes as they emit them, so
    // no projection reads the spikes back, and the spike row reaches the arena at a run's end.
    assert_eq!(per_step.bytes, 1000 * (16 + 2 * 8 + 2 * 4));
    // Both event projections between one pair of barriers, then the three updates.
    assert_eq!(fused.barriers, 2);
    let large = Coba::new(20_000).build().unwrap();
    let mut sim = large.network.compile(&gpu, None, 0.1 * ms).unwrap();
    assert_eq!(sim.executor(), ("per-step", 1));
    // One dispatch: gE, gI and the neurons, whose update delivers each spike into the next
    // step's sums of gE or gI (no projection dispatch reads the spikes back) and counts it
    // (a count monitor adds no dispatch; a spike monitor does).
    assert_eq!(sim.cost_per_step().dispatches, 1.0);
    assert_eq!(sim.cost_per_step().bytes, 20_000 * (16 + 2 * 8 + 2 * 4));
    sim.monitor_count(large.neurons).unwrap();
    assert_eq!(sim.cost_per_step().dispatches, 1.0);
    assert_eq!(sim.cost_per_step().bytes, 20_000 * (16 + 2 * 8 + 2 * 4));
    // The monitor reads the spikes from the arena: the update stores them every step.
    sim.monitor_spikes(large.neurons).unwrap();
    assert_eq!(sim.cost_per_step().dispatches, 2.0);
    assert_eq!(
        sim.cost_per_step().bytes,
        20_000 * (16 + 2 * 8 + 2 * 4 + 4 + 4) + 20_000 / 8
    );
    let cpu = small.network.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
    assert_eq!(cpu.executor().0, "f64");
}

/// Dense projections of real values over a batch and outputs larger than one 128 × 128 block
/// of the tiled kernel (and the inputs in more than one 16-input slice) give the f64 plan's
/// results.
#[test]
fn tiled_dense_projections_over_a_large_batch_match_the_f64_plan() {
    let Some(gpu) = common::gpu() else { return };
    let run = |device: &Device| {
        let ei = EiNetwork::benchmark(70, 140, 3).build().unwrap();
        let mut sim = ei.network.compile(device, Some(130), 0.1 * ms).unwrap();
        let m = sim.monitor_spikes(ei.exc).unwrap();
        let g = sim.monitor_state(ei.g_exc, "g", 10).unwrap();
        sim.run(120).unwrap();
        let executor = sim.executor().0;
        (
            executor,
            sim.spikes(m).unwrap().dense(),
            sim.samples(g).unwrap().values.clone(),
            sim.state(ei.exc, "V").unwrap(),
        )
    };
    let (_, want_spikes, want_g, want_v) = run(&Device::Cpu);
    let (executor, spikes, g, v) = run(&gpu);
    assert_eq!(
        executor, "per-step",
        "a large batch of dense projections runs per step"
    );
    assert!(want_spikes.contains(&1), "the network is silent");
    assert_eq!(spikes, want_spikes);
    assert_close("g of AMPA", &g, &want_g);
    assert_close("V", &v, &want_v);
}

/// Count monitors agree with spike monitors on every executor, with several of them at once.
#[test]
fn count_monitors_agree_with_spike_monitors() {
    let devices: Vec<Device> = [Some(Device::Cpu), common::gpu()]
        .into_iter()
        .flatten()
        .collect();
    for device in devices {
        for executor in [Executor::PerStep, Executor::Fused] {
            let ei = EiNetwork::benchmark(80, 20, 1).build().unwrap();
            let mut sim = ei
                .network
                .compile_with(&device, Some(2), 0.1 * ms, executor)
                .unwrap();
            let counts: Vec<_> = [ei.exc, ei.inh]
                .iter()
                .map(|&p| sim.monitor_count(p).unwrap())
                .collect();
            let spikes: Vec<_> = [ei.exc, ei.inh]
                .iter()
                .map(|&p| sim.monitor_spikes(p).unwrap())
                .collect();
            sim.run(20).unwrap();
            sim.run(180).unwrap();
            for (c, s) in counts.iter().zip(&spikes) {
                let (c, s) = (sim.counts(*c).unwrap(), sim.spikes(*s).unwrap());
                let per_row: Vec<u64> = (0..2)
                    .map(|b| s.events().iter().filter(|e| e.1 == b).count() as u64)
                    .collect();
                assert_eq!(c.counts, per_row, "{device} {executor:?} {}", c.name);
                assert_eq!(c.steps, 200);
            }
            assert!(
                sim.counts(counts[0]).unwrap().total() > 0,
                "{device}: the excitatory neurons never fire"
            );
        }
    }
}
