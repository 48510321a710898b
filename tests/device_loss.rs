//! A lost or destroyed device turns every later call into a typed error, never a panic
//! (issue 14): simulations on both executors, modules, and new work on the device.

mod common;

use brainwgpu::network::classic::Coba;
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error, Executor, Gpu};

fn lost(r: brainwgpu::Result<impl std::fmt::Debug>, what: &str) {
    match r {
        Err(Error::DeviceLost { .. }) => {}
        other => panic!("{what}: expected DeviceLost, got {other:?}"),
    }
}

#[test]
fn a_destroyed_device_fails_every_later_call_with_a_typed_error() {
    if common::gpu().is_none() {
        return;
    }
    // A device of its own: destroying it must not touch the other tests' device.
    let gpu = Gpu::new().unwrap();
    let device = Device::Gpu(gpu.clone());
    let net = Coba::new(300).build().unwrap();
    let mut per_step = net
        .network
        .compile_with(&device, Some(2), 0.1 * ms, Executor::PerStep)
        .unwrap();
    let mut fused = net
        .network
        .compile_with(&device, Some(2), 0.1 * ms, Executor::Fused)
        .unwrap();
    let m = per_step.monitor_spikes(net.neurons).unwrap();
    per_step.run(200).unwrap();
    fused.run(200).unwrap();
    let mut lif = LIF::new(10);
    lif.init_state(&device, Some(2)).unwrap();
    let clock = Clock::new(0.1 * ms).unwrap();
    lif.update(&clock, 1.0 * mA).unwrap();

    let saved = std::env::temp_dir().join(format!("lost-{}.npz", std::process::id()));
    fused.save(&saved).unwrap();

    gpu.destroy();

    lost(per_step.run(100), "per-step run");
    lost(fused.run(100), "fused run");
    lost(per_step.state(net.neurons, "V"), "read a state");
    lost(fused.output(net.neurons), "read an output");
    lost(
        per_step.set_state(net.neurons, "V", &vec![0.0; 600]),
        "write a state",
    );
    lost(per_step.synchronize(), "synchronize");
    lost(per_step.save(std::env::temp_dir().join("lost.npz")), "save");
    lost(fused.monitor_spikes(net.neurons), "add a monitor");
    assert!(
        per_step.spikes(m).is_ok(),
        "what was recorded stays readable"
    );
    lost(fused.restore(&saved), "restore");
    std::fs::remove_file(&saved).ok();
    lost(lif.update(&clock, 1.0 * mA), "module update");
    lost(lif.set_state("V", &[0.0; 20]), "module state write");
    lost(
        net.network.compile(&device, None, 0.1 * ms).map(|_| ()),
        "compile on the lost device",
    );
    lost(gpu.synchronize(), "the device itself");
}
