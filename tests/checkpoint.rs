//! Checkpoints: a run saved at step k and restored into a fresh simulation — in this process
//! or another — goes on exactly as the uninterrupted run, on every executor; a checkpoint of
//! another network, executor or a damaged file is a typed error.

mod common;

use std::path::{Path, PathBuf};

use brainwgpu::network::classic::{Brunel, BrunelState, Coba};
use brainwgpu::network::{MonitorId, Network, NodeId, Simulation};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error, Executor};

/// A saved step that is not a chunk boundary, and the steps run after it.
const FIRST: usize = 1234;
const SECOND: usize = 1500;

/// The networks: COBA (recurrent event sums, refractoriness) and a small Brunel network
/// (transmission delays: rings of sums; a Poisson drive drawn per step).
fn networks() -> Vec<(&'static str, Network, NodeId)> {
    let coba = Coba::new(300).build().unwrap();
    let mut brunel = Brunel::new(BrunelState::AsynchronousIrregular);
    brunel.n_exc = 400;
    let brunel = brunel.build().unwrap();
    vec![
        ("COBA", coba.network, coba.neurons),
        ("Brunel", brunel.network, brunel.neurons),
    ]
}

fn compile(net: &Network, device: &Device, executor: Executor) -> Simulation {
    net.compile_with(device, Some(2), 0.1 * ms, executor)
        .unwrap()
}

fn executors(device: &Device) -> Vec<Executor> {
    match device {
        Device::Cpu => vec![Executor::Auto],
        _ => vec![Executor::PerStep, Executor::Fused],
    }
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("brainwgpu-ckpt-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The spikes of the steps after `FIRST`, V at the end, and V sampled every 7 steps after
/// `FIRST` (steps and values), run without a break.
fn uninterrupted(
    net: &Network,
    neurons: NodeId,
    device: &Device,
    ex: Executor,
) -> (Vec<u8>, Vec<f64>) {
    let mut sim = compile(net, device, ex);
    let sampled = sim.monitor_state(neurons, "V", 7).unwrap();
    sim.run(FIRST).unwrap();
    let m = sim.monitor_spikes(neurons).unwrap();
    sim.run(SECOND).unwrap();
    (
        sim.spikes(m).unwrap().dense(),
        v_and_samples(&sim, neurons, sampled),
    )
}

/// V now, then each sample from step `FIRST` on: its step and its values.
fn v_and_samples(sim: &Simulation, neurons: NodeId, sampled: MonitorId) -> Vec<f64> {
    let s = sim.samples(sampled).unwrap();
    let per = s.values.len() / s.steps.len();
    let mut v = sim.state(neurons, "V").unwrap();
    for (i, &k) in s
        .steps
        .iter()
        .enumerate()
        .filter(|(_, k)| **k >= FIRST as u64)
    {
        v.push(k as f64);
        v.extend_from_slice(&s.values[i * per..(i + 1) * per]);
    }
    v
}

/// The same from a checkpoint at `FIRST` restored into a fresh simulation, its monitors
/// added again after the restore.
fn restored(
    path: &Path,
    net: &Network,
    neurons: NodeId,
    device: &Device,
    ex: Executor,
) -> (Vec<u8>, Vec<f64>) {
    let mut sim = compile(net, device, ex);
    let m = sim.monitor_spikes(neurons).unwrap();
    sim.restore(path).unwrap();
    assert_eq!(sim.clock().step(), FIRST as u64);
    let sampled = sim.monitor_state(neurons, "V", 7).unwrap();
    sim.run(SECOND).unwrap();
    let r = sim.spikes(m).unwrap();
    assert_eq!(
        r.first_step, FIRST as u64,
        "records number steps from the restored step"
    );
    (r.dense(), v_and_samples(&sim, neurons, sampled))
}

fn check(device: &Device, tag: &str) {
    let d = dir(tag);
    for (name, net, neurons) in networks() {
        for ex in executors(device) {
            let path = d.join(format!("{name}-{ex:?}.npz"));
            let mut sim = compile(&net, device, ex);
            sim.run(FIRST).unwrap();
            sim.save(&path).unwrap();
            let (want_spikes, want_v) = uninterrupted(&net, neurons, device, ex);
            assert!(
                want_spikes.contains(&1),
                "{name}: spikes after the checkpoint"
            );
            let (spikes, v) = restored(&path, &net, neurons, device, ex);
            assert_eq!(
                spikes, want_spikes,
                "{name} on {ex:?}: spikes after restoring"
            );
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&v),
                bits(&want_v),
                "{name} on {ex:?}: V after restoring"
            );
        }
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_restored_run_goes_on_as_the_uninterrupted_one_on_the_f64_executor() {
    check(&Device::Cpu, "cpu");
}

#[test]
fn a_restored_run_goes_on_as_the_uninterrupted_one_on_both_gpu_executors() {
    let Some(gpu) = common::gpu() else { return };
    check(&gpu, "gpu");
}

/// Saves in this process, restores in a fresh one (this test binary run again with only the
/// second half selected).
#[test]
fn a_checkpoint_restores_in_another_process() {
    let phase = std::env::var("BRAINWGPU_CHECKPOINT_PHASE").ok();
    let mut devices = vec![("cpu", Device::Cpu)];
    devices.extend(common::gpu().map(|g| ("gpu", g)));
    let (name, net, neurons) = networks().remove(1);
    match phase.as_deref() {
        Some(path) => {
            // The second process: restore and write what followed.
            for (tag, device) in &devices {
                for ex in executors(device) {
                    let saved = Path::new(path).join(format!("{name}-{tag}-{ex:?}.npz"));
                    let (spikes, v) = restored(&saved, &net, neurons, device, ex);
                    let out = saved.with_extension("out");
                    let mut bytes = spikes;
                    bytes.extend(v.iter().flat_map(|x| x.to_le_bytes()));
                    std::fs::write(out, bytes).unwrap();
                }
            }
        }
        None => {
            let d = dir("process");
            for (tag, device) in &devices {
                for ex in executors(device) {
                    let mut sim = compile(&net, device, ex);
                    sim.run(FIRST).unwrap();
                    sim.save(d.join(format!("{name}-{tag}-{ex:?}.npz")))
                        .unwrap();
                }
            }
            let status = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "a_checkpoint_restores_in_another_process",
                    "--test-threads",
                    "1",
                ])
                .env("BRAINWGPU_CHECKPOINT_PHASE", &d)
                .status()
                .unwrap();
            assert!(status.success(), "the restoring process failed");
            for (tag, device) in &devices {
                for ex in executors(device) {
                    let (spikes, v) = uninterrupted(&net, neurons, device, ex);
                    let mut want = spikes;
                    want.extend(v.iter().flat_map(|x| x.to_le_bytes()));
                    let got = std::fs::read(d.join(format!("{name}-{tag}-{ex:?}.out"))).unwrap();
                    assert!(got == want, "{tag} {ex:?}: the other process's run differs");
                }
            }
            std::fs::remove_dir_all(&d).ok();
        }
    }
}

#[test]
fn checkpoints_of_other_networks_executors_or_damaged_files_are_refused() {
    let d = dir("refused");
    let coba = Coba::new(300).build().unwrap();
    let mut sim = compile(&coba.network, &Device::Cpu, Executor::Auto);
    sim.run(10).unwrap();
    let path = d.join("coba.npz");
    sim.save(&path).unwrap();
    // Another seed: the same populations, other connectivity.
    let mut other = Coba::new(300);
    other.seed = 7;
    let other = other.build().unwrap();
    let mut sim2 = compile(&other.network, &Device::Cpu, Executor::Auto);
    match sim2.restore(&path) {
        Err(Error::Checkpoint { got, .. }) => {
            assert!(
                got.contains("other parameters, wiring or connectivity"),
                "{got}"
            )
        }
        other => panic!("expected a checkpoint error, got {other:?}"),
    }
    // Another size.
    let small = Coba::new(200).build().unwrap();
    let mut sim3 = compile(&small.network, &Device::Cpu, Executor::Auto);
    let err = sim3.restore(&path).unwrap_err();
    assert!(matches!(err, Error::Checkpoint { .. }), "{err}");
    assert!(
        err.to_string().contains("(300)") && err.to_string().contains("(200)"),
        "{err}"
    );
    // Another executor.
    if let Some(gpu) = common::gpu() {
        let mut on_gpu = compile(&coba.network, &gpu, Executor::PerStep);
        let err = on_gpu.restore(&path).unwrap_err();
        assert!(err.to_string().contains("f64 executor"), "{err}");
    }
    // A damaged file, and a missing one.
    std::fs::write(d.join("bad.npz"), b"not a checkpoint").unwrap();
    assert!(sim.restore(d.join("bad.npz")).is_err());
    assert!(sim.restore(d.join("missing.npz")).is_err());
    // Spike monitors that recorded must be drained first.
    let m = sim.monitor_spikes(coba.neurons).unwrap();
    sim.run(5).unwrap();
    assert!(sim.restore(&path).is_err());
    sim.drain(m).unwrap();
    sim.restore(&path).unwrap();
    assert_eq!(sim.clock().step(), 10);
    std::fs::remove_dir_all(&d).ok();
}

/// The `coba` example's checkpoint flags, each run a fresh process: `--duration 100 --save a`
/// then `--restore a --duration 100` give the spikes of the second half of `--duration 200`,
/// with absolute step numbers.
#[test]
fn the_coba_example_saves_and_restores_across_processes() {
    let Some(coba) = common::example("coba") else {
        return;
    };
    let d = dir("coba-cli");
    let mut backends = vec!["cpu"];
    if common::gpu().is_some() {
        backends.push("gpu");
    }
    for backend in backends {
        let run = |args: &[&str], out: &str| {
            let status = std::process::Command::new(&coba)
                .args(["--neurons", "500", "--backend", backend, "--out"])
                .arg(d.join(out))
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "coba {args:?} on {backend}");
            brainwgpu::npz::Npz::read(d.join(out).join("spikes.npz")).unwrap()
        };
        let ckpt = d.join(format!("{backend}.npz"));
        let ckpt = ckpt.to_str().unwrap();
        run(&["--duration", "100", "--save", ckpt], "first");
        let second = run(&["--duration", "100", "--restore", ckpt], "second");
        let whole = run(&["--duration", "200"], "whole");
        let (steps, neurons) = (whole.f64s("steps").unwrap(), whole.f64s("neurons").unwrap());
        let keep: Vec<usize> = (0..steps.len()).filter(|&i| steps[i] >= 1000.0).collect();
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<_>>();
        assert!(keep.len() > 100, "{backend}: spikes in the second half");
        assert_eq!(
            second.f64s("steps").unwrap(),
            pick(&steps),
            "{backend}: steps"
        );
        assert_eq!(
            second.f64s("neurons").unwrap(),
            pick(&neurons),
            "{backend}: neurons"
        );
    }
    std::fs::remove_dir_all(&d).ok();
}
