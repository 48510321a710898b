//! What the two GPU executors guarantee each other, checked over 20,000 steps on the classic
//! networks (issue 14): COBA and the feed-forward network bit for bit (every spike and
//! state); the E/I benchmark — whose Wiener noise parameters the fused kernel folds into its
//! code, where the compiler evaluates the noise's scaling at compile time — identical spikes
//! and V within f32 rounding, and bit for bit with folding off.

mod common;

use brainwgpu::network::classic::{Coba, EiNetwork};
use brainwgpu::network::{Network, NodeId};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Executor};

const STEPS: usize = 20_000;

fn run(net: &Network, node: NodeId, device: &Device, ex: Executor) -> (Vec<u8>, Vec<f64>) {
    let mut sim = net.compile_with(device, None, 0.1 * ms, ex).unwrap();
    let m = sim.monitor_spikes(node).unwrap();
    sim.run(STEPS).unwrap();
    (
        sim.spikes(m).unwrap().dense(),
        sim.state(node, "V").unwrap(),
    )
}

#[test]
fn gpu_executors_agree_as_the_readme_says_over_20k_steps() {
    let Some(gpu) = common::gpu() else { return };
    let coba = Coba::new(500).build().unwrap();
    let (s1, v1) = run(&coba.network, coba.neurons, &gpu, Executor::PerStep);
    let (s2, v2) = run(&coba.network, coba.neurons, &gpu, Executor::Fused);
    assert!(s1.contains(&1));
    assert_eq!(s1, s2, "COBA: spikes");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&v1), bits(&v2), "COBA: V bit for bit");

    let ei = EiNetwork::benchmark(320, 80, 0).build().unwrap();
    let (s1, v1) = run(&ei.network, ei.exc, &gpu, Executor::PerStep);
    let (s2, v2) = run(&ei.network, ei.exc, &gpu, Executor::Fused);
    assert!(s1.contains(&1));
    assert_eq!(s1, s2, "E/I: spikes");
    let worst = v1
        .iter()
        .zip(&v2)
        .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
        .fold(0.0, f64::max);
    eprintln!("E/I: V differs by at most {worst:.2e} (relative)");
    assert!(worst <= 1e-5, "E/I: V differs by {worst:e}");
    // With single parameter values read from the table, the fused kernel computes what the
    // per-step kernels do, bit for bit. (This test is the only one in its binary, so the
    // variable reaches no other compile.)
    // SAFETY: no other thread of this test binary reads the environment now.
    unsafe { std::env::set_var("BRAINWGPU_FOLD_PARAMETERS", "0") };
    let (s3, v3) = run(&ei.network, ei.exc, &gpu, Executor::Fused);
    unsafe { std::env::remove_var("BRAINWGPU_FOLD_PARAMETERS") };
    assert_eq!(s1, s3, "E/I unfolded: spikes");
    assert_eq!(bits(&v1), bits(&v3), "E/I unfolded: V bit for bit");
}
