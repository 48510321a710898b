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

#[test]
fn every_wgsl_file_is_registered_and_validates_with_naga() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files = Vec::new();
    wgsl_files(&root, &mut files);
    shaders::validate_wgsl("common", shaders::PRELUDE, None).expect("the ABI validates alone");
    for file in &files {
        let rel = Path::new(file)
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "common.wgsl" {
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
    let missing_entry = KernelDef::new("no_entry", "fn helper() {}", "main");
    assert!(matches!(
        missing_entry.validate(),
        Err(Error::Kernel { .. })
    ));
}

fn check_goldens(prefixes: &[&str]) {
    for path in common::goldens(prefixes) {
        let case = Case::read(&path).unwrap();
        let report = case.check_cpu().unwrap();
        eprintln!(
            "{}: worst {:.2e} at {}",
            report.case, report.worst, report.worst_where
        );
        assert!(report.passed, "{}: {}", report.case, report.detail);
        assert!(report.worst <= 1e-9);
    }
}

#[test]
fn f64_reference_reproduces_expon_goldens() {
    check_goldens(&["Expon"]);
}

#[test]
fn f64_reference_reproduces_lif_goldens() {
    check_goldens(&["LIF"]);
}

#[test]
fn the_golden_comparison_catches_a_wrong_time_constant() {
    // The same LIF file with tau 5 % off must fail: the check is not vacuous.
    let case = Case::read(common::data("LIF")).unwrap();
    let mut lif = LIF::new(case.in_size.clone()).tau(case.param("tau").unwrap() * 1.05);
    lif.init_state(&Device::Cpu, case.batch).unwrap();
    let x = case.array("in_x").unwrap();
    let per_step = x.len() / case.steps;
    let clock0 = Clock::new(case.dt).unwrap();
    let mut v = Vec::new();
    for k in 0..case.steps {
        let mut clock = clock0.clone();
        clock.set_step(k as u64);
        let shape = TensorShape::new(case.batch, case.in_size.clone());
        let xt =
            Tensor::from_f64(&Device::Cpu, shape, &x[k * per_step..(k + 1) * per_step]).unwrap();
        lif.update(&clock, &xt).unwrap();
        v.extend(lif.state("V").unwrap().to_vec_f64().unwrap());
    }
    let want = case.golden().unwrap();
    let r = brainwgpu::compare::compare_trace(&v, &want["rec_V"]).unwrap();
    assert!(r.worst > 1e-3, "a 5 % wrong tau went unnoticed: {r:?}");
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
