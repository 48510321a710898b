//! Monitors that record what matters: state samples of a subset within a window, population
//! rates without per-neuron storage, drained and removed monitors — the same on every
//! executor as the full records they stand for.

mod common;

use brainwgpu::network::classic::Coba;
use brainwgpu::network::{Record, Sampling, Simulation};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Executor};

const ROWS: usize = 2;

fn coba(device: &Device, executor: Executor) -> (Simulation, brainwgpu::network::classic::CobaNet) {
    let net = Coba::new(300).build().unwrap();
    let sim = net
        .network
        .compile_with(device, Some(ROWS), 0.1 * ms, executor)
        .unwrap();
    (sim, net)
}

fn executors(device: &Device) -> Vec<Executor> {
    match device {
        Device::Cpu => vec![Executor::Auto],
        _ => vec![Executor::PerStep, Executor::Fused],
    }
}

fn check_subsets_and_windows(device: &Device) {
    for executor in executors(device) {
        let (mut sim, net) = coba(device, executor);
        let full = sim.monitor_state(net.neurons, "V", 1).unwrap();
        let neurons = vec![7, 0, 299, 150];
        let sub = sim
            .monitor_state_with(
                net.neurons,
                "V",
                &Sampling::every(7).neurons(neurons.clone()).steps(995..1410),
            )
            .unwrap();
        // Two runs, the second across a chunk boundary of the GPU executors.
        sim.run(400).unwrap();
        sim.run(1200).unwrap();
        let full = sim.samples(full).unwrap();
        let sub = sim.samples(sub).unwrap();
        let want_steps: Vec<u64> = (995..1410).step_by(7).collect();
        assert_eq!(sub.steps, want_steps, "{executor:?}: sampled steps");
        assert_eq!(sub.n, neurons.len());
        assert_eq!(sub.values.len(), want_steps.len() * ROWS * neurons.len());
        for (s, &k) in sub.steps.iter().enumerate() {
            for b in 0..ROWS {
                for (q, &j) in neurons.iter().enumerate() {
                    let got = sub.values[(s * ROWS + b) * neurons.len() + q];
                    let want = full.values[(k as usize * ROWS + b) * 300 + j];
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{executor:?}: V of neuron {j}, row {b} at step {k}"
                    );
                }
            }
        }
    }
}

#[test]
fn state_subsets_and_windows_on_the_f64_executor() {
    check_subsets_and_windows(&Device::Cpu);
}

#[test]
fn state_subsets_and_windows_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    check_subsets_and_windows(&gpu);
}

fn check_rates_drain_and_remove(device: &Device) {
    for executor in executors(device) {
        let (mut sim, net) = coba(device, executor);
        let spikes = sim.monitor_spikes(net.neurons).unwrap();
        let rate = sim.monitor_rate(net.neurons).unwrap();
        let drained = sim.monitor_spikes(net.neurons).unwrap();
        let g = sim.monitor_state(net.g_exc, "g", 10).unwrap();
        sim.run(300).unwrap();
        let first = match sim.drain(drained).unwrap() {
            Record::Spikes(r) => r,
            other => panic!("drained a spike monitor, got {other:?}"),
        };
        assert_eq!(first.steps(), 300);
        assert_eq!(sim.spikes(drained).unwrap().steps(), 0, "drained empty");
        let g_part = match sim.remove_monitor(g).unwrap() {
            Record::State(r) => r,
            other => panic!("removed a state monitor, got {other:?}"),
        };
        assert_eq!(g_part.steps.len(), 30);
        assert!(sim.samples(g).is_err(), "a removed monitor is gone");
        assert!(sim.drain(g).is_err());
        sim.run(1300).unwrap();
        let all = sim.spikes(spikes).unwrap();
        let second = sim.spikes(drained).unwrap();
        assert_eq!(second.first_step, 300);
        assert_eq!(all.steps(), 1600);
        // The drained record and what followed it are the whole record.
        let mut joined = first.dense();
        joined.extend(second.dense());
        assert_eq!(joined, all.dense(), "{executor:?}: drained + rest = whole");
        // The rate monitor counts what the spike monitor records, per step and row.
        let rates = sim.rates(rate).unwrap();
        let want: Vec<u32> = all.counts().iter().map(|&c| c as u32).collect();
        assert_eq!(rates.counts(), &want[..], "{executor:?}: counts per step");
        assert!(rates.mean_rate_hz() > 1.0);
        assert!((rates.mean_rate_hz() - all.rate_hz()).abs() < 1e-9);
        assert_eq!(rates.rate_hz(1).len(), 1600);
        // Wrong kinds and bad samplings are typed errors.
        assert!(sim.samples(rate).is_err());
        assert!(
            sim.monitor_state_with(net.neurons, "V", &Sampling::every(1).neurons(vec![300]))
                .is_err()
        );
        assert!(
            sim.monitor_state_with(net.neurons, "V", &Sampling::every(0))
                .is_err()
        );
        assert!(
            sim.monitor_state_with(
                net.neurons,
                "V",
                &Sampling {
                    start: Some(10),
                    stop: Some(5),
                    ..Sampling::every(1)
                }
            )
            .is_err()
        );
    }
}

#[test]
fn rates_drains_and_removals_on_the_f64_executor() {
    check_rates_drain_and_remove(&Device::Cpu);
}

#[test]
fn rates_drains_and_removals_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    check_rates_drain_and_remove(&gpu);
}

/// Ten neurons' V of a 5,000-neuron network over 1 s (10,000 steps) keep 10 × 10,000 values:
/// 0.8 MB, against 400 MB for every neuron.
#[test]
fn a_subset_record_holds_memory_for_its_neurons_only() {
    let Some(gpu) = common::gpu() else { return };
    let net = Coba::new(5000).build().unwrap();
    let mut sim = net.network.compile(&gpu, None, 0.1 * ms).unwrap();
    let m = sim
        .monitor_state_with(
            net.neurons,
            "V",
            &Sampling::every(1).neurons((0..10).map(|i| i * 500).collect()),
        )
        .unwrap();
    sim.run(10_000).unwrap();
    let r = sim.samples(m).unwrap();
    assert_eq!(r.values.len(), 10 * 10_000);
    assert!(r.values.capacity() * 8 <= 2 * 800_000, "values are 0.8 MB");
    assert!(r.values.iter().all(|v| v.is_finite() && *v < -40.0));
}

fn check_streams(device: &Device, tag: &str) {
    let dir = std::env::temp_dir().join(format!("brainwgpu-streams-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for executor in executors(device) {
        let (mut sim, net) = coba(device, executor);
        let spikes = sim.monitor_spikes(net.neurons).unwrap();
        let rate = sim.monitor_rate(net.neurons).unwrap();
        let v = sim
            .monitor_state_with(
                net.neurons,
                "V",
                &Sampling::every(3).neurons(vec![5, 6]).steps(102..100_000),
            )
            .unwrap();
        // Twins streamed to disk, one of them after it recorded 100 steps in memory.
        let s_spikes = sim.monitor_spikes(net.neurons).unwrap();
        sim.run(100).unwrap();
        let s_rate = sim.monitor_rate(net.neurons).unwrap();
        let s_v = sim
            .monitor_state_with(
                net.neurons,
                "V",
                &Sampling::every(3).neurons(vec![5, 6]).steps(102..100_000),
            )
            .unwrap();
        let names = ["spikes", "rate", "v"].map(|n| dir.join(format!("{n}-{executor:?}.npz")));
        // A stream that cannot start leaves the monitor's record where it was; a count
        // monitor is not streamed.
        let unwritable = dir.join("missing-folder").join("x.npz");
        assert!(sim.stream_to(s_spikes, &unwritable).is_err());
        assert_eq!(
            sim.spikes(s_spikes).unwrap().steps(),
            100,
            "the record stays"
        );
        let counted = sim.monitor_count(net.neurons).unwrap();
        assert!(sim.stream_to(counted, dir.join("count.npz")).is_err());
        sim.remove_monitor(counted).unwrap();
        sim.stream_to(s_spikes, &names[0]).unwrap();
        // The twins streamed from step 100: their in-memory twins start there too.
        sim.drain(v).unwrap();
        sim.drain(rate).unwrap();
        sim.stream_to(s_rate, &names[1]).unwrap();
        sim.stream_to(s_v, &names[2]).unwrap();
        assert!(
            sim.counts(s_v).is_err(),
            "a state monitor is not a count monitor"
        );
        assert!(sim.stream_to(s_v, &names[2]).is_err(), "streamed once");
        sim.run(2500).unwrap();
        assert_eq!(sim.spikes(s_spikes).unwrap().steps(), 0, "streamed away");
        let dir_files = std::fs::read_dir(&dir).unwrap().count();
        assert!(dir_files >= 3, "part files beside the archives");
        sim.finish_stream(s_spikes).unwrap();
        sim.remove_monitor(s_rate).unwrap();
        let want_spikes = dir.join(format!("want-spikes-{executor:?}.npz"));
        sim.spikes(spikes).unwrap().to_npz(&want_spikes).unwrap();
        let want_rate = dir.join(format!("want-rate-{executor:?}.npz"));
        sim.rates(rate).unwrap().to_npz(&want_rate).unwrap();
        let want_v = dir.join(format!("want-v-{executor:?}.npz"));
        sim.samples(v).unwrap().to_npz(&want_v).unwrap();
        drop(sim); // writes the V stream
        let read = |p: &std::path::Path| brainwgpu::npz::Npz::read(p).unwrap();
        let (got, want) = (read(&names[0]), read(&want_spikes));
        for a in ["times_ms", "steps", "rows", "neurons", "shape", "dt_ms"] {
            assert_eq!(
                got.get(a).unwrap(),
                want.get(a).unwrap(),
                "{executor:?}: {a}"
            );
        }
        let (got, want) = (read(&names[1]), read(&want_rate));
        for a in ["times_ms", "counts"] {
            assert_eq!(
                got.get(a).unwrap(),
                want.get(a).unwrap(),
                "{executor:?}: {a}"
            );
        }
        let (got, want) = (read(&names[2]), read(&want_v));
        for a in ["times_ms", "values", "neurons"] {
            assert_eq!(
                got.get(a).unwrap(),
                want.get(a).unwrap(),
                "{executor:?}: {a}"
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn streamed_monitors_write_what_memory_records_on_the_f64_executor() {
    check_streams(&Device::Cpu, "cpu");
}

#[test]
fn streamed_monitors_write_what_memory_records_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    check_streams(&gpu, "gpu");
}

/// A run reports its progress after every chunk and stops between chunks when told; a later
/// run goes on as if it had not stopped.
#[test]
fn runs_report_progress_and_stop_between_chunks() {
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu());
    for device in devices {
        let (mut whole, net) = coba(&device, Executor::Auto);
        let all = whole.monitor_spikes(net.neurons).unwrap();
        whole.run(3500).unwrap();
        let (mut sim, _) = coba(&device, Executor::Auto);
        let m = sim.monitor_spikes(net.neurons).unwrap();
        let mut seen = Vec::new();
        let ran = sim
            .run_with(3500, |p| {
                seen.push((p.done, p.total, p.step));
                assert!(p.eta() <= p.elapsed * 4, "{p:?}");
                if p.done >= 2000 {
                    std::ops::ControlFlow::Break(())
                } else {
                    std::ops::ControlFlow::Continue(())
                }
            })
            .unwrap();
        assert_eq!(ran, 2000);
        assert_eq!(seen, vec![(1000, 3500, 1000), (2000, 3500, 2000)]);
        assert_eq!(sim.clock().step(), 2000);
        sim.run(1500).unwrap();
        assert_eq!(
            sim.spikes(m).unwrap().dense(),
            whole.spikes(all).unwrap().dense(),
            "{device}: stopped and resumed = whole"
        );
    }
}

/// Adding a monitor between runs leaves the run as it was: the event sums in flight (delayed
/// spikes, recurrent spikes of the last step) survive the executor's new layout.
#[test]
fn adding_a_monitor_mid_run_changes_nothing() {
    use brainwgpu::network::classic::{Brunel, BrunelState};
    let Some(gpu) = common::gpu() else { return };
    let mut brunel = Brunel::new(BrunelState::AsynchronousIrregular);
    brunel.n_exc = 400;
    let net = brunel.build().unwrap();
    for executor in [Executor::PerStep, Executor::Fused] {
        let compile = || {
            net.network
                .compile_with(&gpu, None, 0.1 * ms, executor)
                .unwrap()
        };
        let mut whole = compile();
        let all = whole.monitor_spikes(net.neurons).unwrap();
        whole.run(1000).unwrap();
        let mut late = compile();
        late.run(500).unwrap();
        let m = late.monitor_spikes(net.neurons).unwrap();
        late.run(500).unwrap();
        let want = whole.spikes(all).unwrap().dense();
        let got = late.spikes(m).unwrap().dense();
        assert!(got.contains(&1));
        assert_eq!(got, want[want.len() / 2..], "{executor:?}");
    }
}
