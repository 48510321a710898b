//! GPU tier: the f32 WGSL kernels against the f64 reference, on whatever adapter exists
//! (the software Vulkan adapter in CI). Tolerances are those of `brainwgpu::compare`.

mod common;

use std::collections::BTreeMap;

use brainwgpu::compare::{F32_TOL, compare_spiking, compare_trace};
use brainwgpu::model::{ElemF64, Model, Output, ParamValue};
use brainwgpu::numerics::exprel;
use brainwgpu::prelude::*;
use brainwgpu::rng::Rng;
use brainwgpu::shaders::{KernelDef, builtin};
use brainwgpu::{GpuOptions, Module};

macro_rules! gpu_or_skip {
    () => {
        match common::gpu() {
            Some(d) => d,
            None => return,
        }
    };
}

/// Runs `model` for `steps` steps with `inputs[k]`, recording `states` (and `out`).
fn record(
    model: &mut dyn Dynamics,
    device: &Device,
    batch: Option<usize>,
    inputs: &[Vec<f64>],
    states: &[&str],
) -> BTreeMap<String, Vec<f64>> {
    model.init_state(device, batch).unwrap();
    let shape = TensorShape::new(batch, model.in_size().clone());
    let mut clock = Clock::default();
    let mut traces: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for x in inputs {
        let x = Tensor::from_f64(device, shape.clone(), x).unwrap();
        let out = model
            .update(&clock, Input::Tensor(&x))
            .unwrap()
            .to_vec_f64()
            .unwrap();
        traces.entry("out".into()).or_default().extend(out);
        for s in states {
            let v = model.state(s).unwrap().to_vec_f64().unwrap();
            traces.entry(s.to_string()).or_default().extend(v);
        }
        clock.advance();
    }
    traces
}

/// A noisy ramp current that makes LIF neurons with these parameters fire irregularly.
fn currents(rng: &mut Rng, steps: usize, numel: usize, amp: f64) -> Vec<Vec<f64>> {
    (0..steps)
        .map(|k| {
            (0..numel)
                .map(|i| {
                    let gain = 0.6 + 0.8 * (i % 7) as f64 / 6.0;
                    amp * (0.6 + 0.8 * k as f64 / steps as f64) * gain + 0.15 * amp * rng.normal()
                })
                .collect()
        })
        .collect()
}

/// Bernoulli(0.05) spikes times weights in 0.5..1.5.
fn spike_weights(rng: &mut Rng, steps: usize, numel: usize) -> Vec<Vec<f64>> {
    (0..steps)
        .map(|_| {
            (0..numel)
                .map(|_| {
                    if rng.bernoulli(0.05) {
                        rng.range(0.5, 1.5)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

const SHAPES: [(Option<usize>, &[usize]); 5] = [
    (None, &[50]),
    (Some(1), &[50]),
    (Some(3), &[7]),
    (Some(3), &[2, 3]),
    (Some(64), &[10, 10]),
];

#[test]
fn expon_on_random_inputs_matches_the_reference() {
    let gpu = gpu_or_skip!();
    for (batch, size) in SHAPES {
        let numel = batch.unwrap_or(1) * size.iter().product::<usize>();
        let inputs = spike_weights(&mut Rng::new(11), 300, numel);
        let make = || Expon::new(size).tau(5.0 * ms);
        let want = record(&mut make(), &Device::Cpu, batch, &inputs, &["g"]);
        let got = record(&mut make(), &gpu, batch, &inputs, &["g"]);
        let r = compare_trace(&got["g"], &want["g"]).unwrap();
        eprintln!("Expon batch {batch:?} size {size:?}: worst {:.2e}", r.worst);
        assert!(r.within(F32_TOL), "batch {batch:?} size {size:?}: {r:?}");
        assert_eq!(got["out"], got["g"], "update returns g");
    }
}

fn check_lif(gpu: &Device, make: &dyn Fn(&[usize]) -> LIF, theta: &dyn Fn(usize) -> f64, amp: f64) {
    for (batch, size) in SHAPES {
        let n: usize = size.iter().product();
        let numel = batch.unwrap_or(1) * n;
        let steps = 300;
        let inputs = currents(&mut Rng::new(5), steps, numel, amp);
        let want = record(&mut make(size), &Device::Cpu, batch, &inputs, &["V"]);
        let got = record(&mut make(size), gpu, batch, &inputs, &["V"]);
        let r = compare_spiking(
            steps,
            numel,
            &got["V"],
            &want["V"],
            &got["out"],
            &want["out"],
            |e| theta(e % n),
            F32_TOL,
        )
        .unwrap();
        eprintln!(
            "LIF batch {batch:?} size {size:?}: {} spikes (ref {}), worst V {:.2e}, {} shifted by ≤ {}",
            r.spikes_got, r.spikes_want, r.worst, r.threshold_flips, r.max_shift
        );
        assert!(r.passed(), "batch {batch:?} size {size:?}: {r:?}");
        assert!(
            r.spikes_want > numel,
            "the drive must make neurons fire ({} spikes)",
            r.spikes_want
        );
    }
}

#[test]
fn lif_soft_reset_on_random_inputs_matches_the_reference() {
    let gpu = gpu_or_skip!();
    check_lif(&gpu, &|size| LIF::new(size), &|_| 1.0, 1.5 * 1000.0);
}

#[test]
fn lif_hard_reset_with_bio_parameters_matches_the_reference() {
    let gpu = gpu_or_skip!();
    let make = |size: &[usize]| {
        LIF::new(size)
            .tau(20.0 * ms)
            .v_rest(-60.0 * mV)
            .v_reset(-70.0 * mV)
            .v_th(-50.0 * mV)
            .v_initializer(Init::uniform(-70.0 * mV, -50.0 * mV, 3))
            .spk_reset(SpikeReset::Hard)
    };
    check_lif(&gpu, &make, &|_| -50.0, 18.0 * 1000.0);
}

#[test]
fn lif_per_neuron_parameters_match_the_reference() {
    let gpu = gpu_or_skip!();
    let make = |size: &[usize]| {
        let n: usize = size.iter().product();
        LIF::new(size)
            .tau(Param::per_neuron(
                (0..n).map(|j| (3.0 + (j % 5) as f64) * ms),
            ))
            .v_th(Param::per_neuron(
                (0..n).map(|j| (0.8 + 0.1 * (j % 4) as f64) * mV),
            ))
    };
    check_lif(&gpu, &make, &|j| 0.8 + 0.1 * (j % 4) as f64, 1.5 * 1000.0);
}

#[test]
fn spikes_feed_the_next_model_without_leaving_the_gpu() {
    // LIF → Expon, the spikes passed as the synapse's input tensor on the device.
    let gpu = gpu_or_skip!();
    let run = |device: &Device| {
        let mut lif = LIF::new((4, 25)).tau(10.0 * ms);
        let mut syn = Expon::new((4, 25)).tau(8.0 * ms);
        lif.init_state(device, Some(8)).unwrap();
        syn.init_state(device, Some(8)).unwrap();
        let drive = currents(&mut Rng::new(2), 200, 800, 1500.0);
        let shape = TensorShape::new(Some(8), (4, 25));
        let mut clock = Clock::default();
        for x in &drive {
            let x = Tensor::from_f64(device, shape.clone(), x).unwrap();
            let spikes = lif.update(&clock, &x).unwrap();
            syn.update(&clock, spikes).unwrap();
            clock.advance();
        }
        syn.state("g").unwrap().to_vec_f64().unwrap()
    };
    let want = run(&Device::Cpu);
    let got = run(&gpu);
    assert!(
        want.iter().any(|&g| g > 0.0),
        "the synapses received spikes"
    );
    let r = compare_trace(&got, &want).unwrap();
    assert!(r.within(F32_TOL), "{r:?}");
}

#[test]
fn input_broadcast_over_the_batch_matches_the_reference() {
    let gpu = gpu_or_skip!();
    let run = |device: &Device| {
        let mut lif = LIF::new(30);
        lif.init_state(device, Some(4)).unwrap();
        let mut clock = Clock::default();
        let per_neuron: Vec<f64> = (0..30).map(|j| 900.0 + 40.0 * j as f64).collect();
        let x = Tensor::from_f64(device, TensorShape::new(None, 30), &per_neuron).unwrap();
        let mut count = 0.0;
        for _ in 0..200 {
            count += lif
                .update(&clock, &x)
                .unwrap()
                .to_vec_f64()
                .unwrap()
                .iter()
                .sum::<f64>();
            clock.advance();
        }
        (count, lif.state("V").unwrap().to_vec_f64().unwrap())
    };
    let (cw, vw) = run(&Device::Cpu);
    let (cg, vg) = run(&gpu);
    assert_eq!(cg, cw);
    assert!(cw > 0.0);
    // All four batch rows saw the same input.
    assert_eq!(vg[..30], vg[90..]);
    assert!(compare_trace(&vg, &vw).unwrap().within(F32_TOL));
}

/// A model of the test's own: evaluates the ABI's `exprel` on its input.
#[derive(Clone)]
struct ExprelProbe(KernelDef);

impl Model for ExprelProbe {
    fn kind(&self) -> &str {
        "ExprelProbe"
    }
    fn kernel(&self) -> &KernelDef {
        &self.0
    }
    fn state_names(&self) -> Vec<&str> {
        vec![]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn validate(&self, _n: usize) -> Result<()> {
        Ok(())
    }
    fn initial_state(&self, _rows: usize, _n: usize) -> Vec<Vec<f64>> {
        vec![]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        e.out = exprel(e.x);
    }
}

#[test]
fn gpu_exprel_is_accurate_everywhere() {
    let gpu = gpu_or_skip!();
    let mut z: Vec<f64> = vec![
        0.0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 0.3466, -0.3466, 90.0, -100.0,
    ];
    z.extend((0..4000).map(|i| -60.0 + 120.0 * i as f64 / 3999.0));
    z.extend((0..2000).map(|i| -0.01 + 0.02 * i as f64 / 1999.0));
    let z: Vec<f64> = z.iter().map(|&v| v as f32 as f64).collect();
    let n = z.len();
    let mut probe = Module::from_model(ExprelProbe(builtin::EXPREL_PROBE.clone()), n);
    probe.init_state(&gpu, None).unwrap();
    let x = Tensor::from_f64(&gpu, TensorShape::new(None, n), &z).unwrap();
    let got = probe
        .update(&Clock::default(), &x)
        .unwrap()
        .to_vec_f64()
        .unwrap();
    let mut worst = 0.0f64;
    for (&zi, &g) in z.iter().zip(&got) {
        let want = exprel(zi);
        if zi > 88.72 {
            // e^z overflows f32 (as BrainPy's float32 expm1 does): the step runs away to inf.
            assert!(g.is_infinite(), "exprel({zi}) = {g}");
            continue;
        }
        let rel = (g - want).abs() / want.abs();
        worst = worst.max(rel);
        assert!(rel < 1e-6, "exprel({zi}): {g} vs {want} ({rel:.2e})");
    }
    eprintln!("exprel on the GPU: worst relative error {worst:.2e}");
}

/// A user kernel with a type error: reported when the states are created (naga validates the
/// kernel there), naming the kernel and the line of its own source.
#[test]
fn a_failing_kernel_surfaces_as_an_error_naming_it() {
    let gpu = gpu_or_skip!();
    let bad = KernelDef::new(
        "typo_kernel",
        "fn typo_kernel_step(e: Elem) { emit(Elem(0u, 0u), 1u); }",
        "typo_kernel",
    );
    let mut m = Module::from_model(ExprelProbe(bad), 8);
    match m.init_state(&gpu, None) {
        Err(Error::Kernel { kernel, message }) => {
            assert_eq!(kernel, "typo_kernel");
            assert!(
                message.contains("line 1 of the kernel's own source"),
                "{message}"
            );
        }
        other => panic!("expected a kernel error, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_typed_errors_on_the_gpu() {
    let gpu = gpu_or_skip!();
    let mut syn = Expon::new(10);
    syn.init_state(&gpu, Some(2)).unwrap();
    let clock = Clock::default();
    let wrong = Tensor::zeros(&gpu, TensorShape::new(Some(3), 10)).unwrap();
    match syn.update(&clock, &wrong) {
        Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        }) => {
            assert!(what.contains('x') && what.contains("Expon"), "{what}");
            assert_eq!(expected, "(2, 10) or (10,) (broadcast over the batch)");
            assert_eq!(got, "(3, 10)");
        }
        other => panic!("{:?}", other.map(|t| t.shape().clone())),
    }
    let host = Tensor::zeros(&Device::Cpu, TensorShape::new(Some(2), 10)).unwrap();
    assert!(matches!(
        syn.update(&clock, &host),
        Err(Error::DeviceMismatch { .. })
    ));

    // A state larger than one storage binding is refused, naming the limit.
    let Device::Gpu(g) = &gpu else { unreachable!() };
    let too_many = (g.max_storage_binding() / 4 + 1) as usize;
    let mut huge = Expon::new(too_many);
    match huge.init_state(&gpu, None) {
        Err(Error::LimitExceeded { limit_name, .. }) => {
            assert!(
                limit_name == "max_storage_buffer_binding_size" || limit_name == "max_buffer_size"
            )
        }
        other => panic!("{other:?}"),
    }
    // Nothing was left behind in wgpu's error log.
    g.synchronize().unwrap();
}

#[test]
fn an_unknown_adapter_name_is_an_error_not_a_panic() {
    if common::gpu().is_none() {
        return;
    }
    let opts = GpuOptions {
        adapter_name: Some("no adapter is called this".into()),
        ..GpuOptions::default()
    };
    match Gpu::with_options(&opts) {
        Err(Error::AdapterNotFound {
            requested,
            available,
        }) => {
            assert_eq!(requested, "no adapter is called this");
            assert!(!available.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_binding_limit_below_one_word_is_an_error_not_a_panic() {
    if common::gpu().is_none() {
        return;
    }
    let opts = GpuOptions {
        max_storage_binding: Some(3),
        ..GpuOptions::default()
    };
    match Gpu::with_options(&opts) {
        Err(Error::InvalidParameter { param, .. }) => assert_eq!(param, "max_storage_binding"),
        other => panic!("{other:?}"),
    }
    // A limit above the adapter's is the adapter's.
    let with = |limit: Option<u64>| {
        let opts = GpuOptions {
            max_storage_binding: limit,
            ..GpuOptions::from_env().unwrap()
        };
        Gpu::with_options(&opts).unwrap().max_storage_binding()
    };
    assert_eq!(with(Some(u64::MAX)), with(None));
}

/// Run by `the_binding_limit_can_be_set_from_the_environment` in a child process.
#[test]
#[ignore = "run by the_binding_limit_can_be_set_from_the_environment with its environment"]
fn probe_binding_limit() {
    match Gpu::new() {
        Ok(g) => println!("binding limit: {}", g.max_storage_binding()),
        Err(e) => println!("error: {e}"),
    }
}

#[test]
fn the_binding_limit_can_be_set_from_the_environment() {
    if common::gpu().is_none() {
        return;
    }
    let probe = |value: &str| {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "probe_binding_limit", "--nocapture"])
            .env("BRAINWGPU_MAX_STORAGE_BINDING", value)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = probe("65536");
    assert!(text.contains("binding limit: 65536"), "{text}");
    let text = probe("lots");
    assert!(
        text.contains("error: ") && text.contains("BRAINWGPU_MAX_STORAGE_BINDING"),
        "{text}"
    );
}

/// Run by `without_an_adapter_ci_fails_loudly` in a child process.
#[test]
#[ignore = "run by without_an_adapter_ci_fails_loudly with an environment that hides every adapter"]
fn probe_gpu_tier() {
    assert!(common::gpu().is_some());
}

#[test]
fn without_an_adapter_ci_fails_loudly() {
    // A backend this platform does not have, so no adapter exists.
    let absent = if cfg!(target_os = "macos") {
        "dx12"
    } else {
        "metal"
    };
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "probe_gpu_tier", "--nocapture"])
        .env("CI", "1")
        .env("WGPU_BACKEND", absent)
        .env_remove("WGPU_ADAPTER_NAME")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the GPU tier passed without an adapter:\n{text}"
    );
    assert!(text.contains("no GPU adapter found"), "{text}");
    assert!(
        text.contains("apt-get install mesa-vulkan-drivers libvulkan1"),
        "{text}"
    );
}

#[test]
fn the_software_adapter_can_be_chosen_explicitly() {
    if common::gpu().is_none() {
        return;
    }
    match Gpu::software() {
        Ok(g) => assert!(g.info().is_software(), "{}", g.info()),
        // A GPU machine without Mesa has no software adapter: that must be said, not hidden.
        Err(Error::NoAdapter { reason }) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI has lavapipe: {reason}"
            );
            assert!(reason.contains("software"), "{reason}");
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn reset_state_on_the_gpu_restores_the_initial_values() {
    let gpu = gpu_or_skip!();
    let mut syn = Expon::new((3, 3)).g_initializer(Init::normal(2.0 * mS, 0.5 * mS, 4));
    syn.init_state(&gpu, Some(2)).unwrap();
    let g0 = syn.state("g").unwrap().to_vec_f64().unwrap();
    let mut clock = Clock::default();
    for _ in 0..10 {
        syn.update(&clock, 1.0).unwrap();
        clock.advance();
    }
    assert_ne!(syn.state("g").unwrap().to_vec_f64().unwrap(), g0);
    syn.reset_state(Some(2)).unwrap();
    assert_eq!(syn.state("g").unwrap().to_vec_f64().unwrap(), g0);
}
