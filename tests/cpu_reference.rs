//! CPU-only tier: no adapter needed. Every kernel validates with naga, and the f64 reference
//! reproduces BrainPy's golden traces.

mod common;

use std::path::Path;

use brainwgpu::conformance::Case;
use brainwgpu::prelude::*;
use brainwgpu::shaders::{self, KernelDef};

fn wgsl_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            wgsl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "wgsl") {
            out.push(path.to_string_lossy().into_owned());
        }
    }
}

/// A network's composed kernel concatenates the family files of its models: every family must
/// coexist with every other one under the network ABI (no clashing names).
#[test]
fn every_model_family_composes_under_the_network_abi() {
    let mut families: Vec<&str> = Vec::new();
    for (_, kernel) in shaders::builtin::ALL {
        if kernel.abi() == shaders::Abi::Element && !families.contains(&kernel.source()) {
            families.push(kernel.source());
        }
    }
    let source = format!(
        "{}\n{}\n{}\n@compute @workgroup_size(WORKGROUP_SIZE)\nfn network() {{}}\n",
        shaders::Abi::Network.prelude(),
        shaders::plain_network_hooks(),
        families.join("\n")
    );
    shaders::validate_wgsl("all families", &source, Some("network")).unwrap();
}

#[test]
fn every_wgsl_file_is_registered_and_validates_with_naga() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files = Vec::new();
    wgsl_files(&root, &mut files);
    shaders::validate_wgsl("abi/element", &shaders::Abi::Element.prelude(), None)
        .expect("the element ABI validates with the shared numerics");
    shaders::validate_wgsl(
        "abi/network",
        &format!(
            "{}\n{}",
            shaders::Abi::Network.prelude(),
            shaders::plain_network_hooks()
        ),
        None,
    )
    .expect("the network ABI validates with the shared numerics and its projections");
    shaders::validate_wgsl("comm/common", &shaders::Abi::Comm.prelude(), None)
        .expect("the communication ABI validates alone");
    for file in &files {
        let rel = Path::new(file)
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if matches!(
            rel.as_str(),
            "common.wgsl"
                | "rng.wgsl"
                | "delivery.wgsl"
                | "comm/common.wgsl"
                | "abi/element.wgsl"
                | "abi/shared.wgsl"
                | "abi/network.wgsl"
                | "abi/network_memory.wgsl"
                | "abi/network_arena.wgsl"
                | "abi/network_tables.wgsl"
                | "network/ops.wgsl"
        ) {
            continue;
        }
        let kernels: Vec<_> = shaders::builtin::ALL
            .iter()
            .filter(|(path, _)| *path == rel)
            .collect();
        assert!(
            !kernels.is_empty(),
            "shaders/{rel} is not in shaders::builtin::ALL"
        );
        for (_, kernel) in kernels {
            // The registered source is the file on disk.
            assert_eq!(
                kernel.source(),
                std::fs::read_to_string(file).unwrap(),
                "{rel}"
            );
            kernel.validate().unwrap_or_else(|e| panic!("{rel}: {e}"));
        }
    }
    for (path, kernel) in shaders::builtin::ALL {
        assert!(
            root.join(path).is_file(),
            "kernel {} names a missing file {path}",
            kernel.name()
        );
    }
}

#[test]
fn a_broken_kernel_is_an_error_naming_it() {
    let k = KernelDef::new(
        "my_syn",
        "fn my_syn_update(e: Elem) { let x = ; }",
        "my_syn",
    );
    match k.validate() {
        Err(Error::Kernel { kernel, message }) => {
            assert_eq!(kernel, "my_syn");
            assert!(!message.is_empty());
        }
        other => panic!("expected a kernel error, got {other:?}"),
    }
    let missing_step = KernelDef::new("no_step", "fn helper() {}", "main");
    match missing_step.validate() {
        Err(Error::Kernel { message, .. }) => {
            assert!(message.contains("fn main_step(e: Elem)"), "{message}")
        }
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

#[test]
fn the_f64_comparison_catches_a_wrong_time_constant() {
    // The LIF file replayed through a LIF whose tau is 5 % off must fail: the 1e-9 check is
    // not vacuous. (tests/conformance.rs runs every golden file; tests/f32_rule.rs the f32
    // rule's mutations.)
    let case = Case::read(common::data("LIF")).unwrap();
    let honest = case.replay(case.build().unwrap(), &Device::Cpu).unwrap();
    assert!(case.compare_f64(&honest).unwrap().passed);
    let tau = case.param("tau").unwrap();
    let wrong = case
        .replay(Box::new(LIF::new(7).tau(tau * 1.05)), &Device::Cpu)
        .unwrap();
    let r = case.compare_f64(&wrong).unwrap();
    assert!(
        !r.passed && r.worst > 1e-3,
        "a 5 % wrong tau went unnoticed: {r:?}"
    );
}

#[test]
fn expon_matches_its_closed_form() {
    // An impulse w at step 0 decays as w·e^{−k·dt/τ}.
    let (tau, dt, w) = (3.0, 0.1, 0.7);
    let mut syn = Expon::new(4).tau(tau * ms);
    syn.init_state(&Device::Cpu, None).unwrap();
    let mut clock = Clock::new(dt * ms).unwrap();
    let impulse = Tensor::from_f64(&Device::Cpu, TensorShape::new(None, 4), &[w; 4]).unwrap();
    for k in 0..200 {
        let g = if k == 0 {
            syn.update(&clock, &impulse)
        } else {
            syn.update(&clock, None)
        }
        .unwrap();
        let want = w * (-(k as f64) * dt / tau).exp();
        let got = g.to_vec_f64().unwrap()[2];
        assert!((got - want).abs() <= 1e-13 * w, "step {k}: {got} vs {want}");
        clock.advance();
    }
}

#[test]
fn lif_per_neuron_parameters_match_scalar_runs() {
    // Neuron j with tau_j behaves exactly like a population whose scalar tau is tau_j.
    let taus = [2.0, 5.0, 11.0];
    let mut mixed = LIF::new(3)
        .tau(Param::per_neuron(taus.map(|t| t * ms)))
        .spk_reset(SpikeReset::Hard);
    mixed.init_state(&Device::Cpu, Some(2)).unwrap();
    let mut single: Vec<LIF> = taus
        .iter()
        .map(|&t| {
            let mut m = LIF::new(3).tau(t * ms).spk_reset(SpikeReset::Hard);
            m.init_state(&Device::Cpu, Some(2)).unwrap();
            m
        })
        .collect();
    let mut clock = Clock::default();
    for _ in 0..300 {
        let v = mixed
            .update(&clock, 1.3 * mA)
            .unwrap()
            .to_vec_f64()
            .unwrap();
        for (j, m) in single.iter_mut().enumerate() {
            let s = m.update(&clock, 1.3 * mA).unwrap().to_vec_f64().unwrap();
            assert_eq!(v[j], s[j]);
            assert_eq!(v[3 + j], s[3 + j]);
        }
        clock.advance();
    }
}
