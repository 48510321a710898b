//! Models defined outside the library — state variables, parameters and a WGSL update — get
//! the same batching, states, clock, inputs and devices as the built-in ones.

mod common;

use brainwgpu::compare::{F32_TOL, compare_spiking};
use brainwgpu::model::{Accepts, ElemF64, Model, Output, Param, ParamValue};
use brainwgpu::module::{NeuronModel, SynapseModel};
use brainwgpu::numerics::{exp_euler, heaviside};
use brainwgpu::prelude::*;
use brainwgpu::rng::Rng;
use brainwgpu::shaders::KernelDef;
use brainwgpu::{Executor, Module};

/// The seed's SimpleSynapse: dg/dt = −g/τ by exponential Euler, then g += x.
#[derive(Clone)]
struct SimpleSynapse {
    tau: Param<Time>,
    kernel: KernelDef,
}

impl SimpleSynapse {
    fn new(tau: Quantity<Time>) -> Self {
        SimpleSynapse {
            tau: tau.into(),
            kernel: KernelDef::new(
                "simple_synapse",
                r#"
fn simple_synapse_step(e: Elem) {
    let tau = param(0u, e);
    let g = state_get(0u, e);
    state_set(0u, e, exp_euler(g, -g / tau, -1.0 / tau) + input_x(e));
}"#,
                "simple_synapse",
            ),
        }
    }
}

impl Model for SimpleSynapse {
    fn kind(&self) -> &str {
        "SimpleSynapse"
    }
    fn kernel(&self) -> &KernelDef {
        &self.kernel
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["g"]
    }
    fn output(&self) -> Output {
        Output::State(0)
    }
    fn validate(&self, n: usize) -> Result<()> {
        self.tau.check_positive("SimpleSynapse", "tau", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![0.0; rows * n]]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![self.tau.value().clone()]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let (g, tau) = (e.state[0], e.param(0));
        e.state[0] = exp_euler(g, -g / tau, -1.0 / tau, e.dt) + e.x;
    }
}

impl SynapseModel for SimpleSynapse {}

/// A perfect integrator with a hard reset and a per-neuron threshold, reading current inputs
/// (in the drift, with their Jacobian) and delta inputs like the built-in neurons.
#[derive(Clone)]
struct Integrator {
    v_th: Param<Voltage>,
    kernel: KernelDef,
}

impl Model for Integrator {
    fn kind(&self) -> &str {
        "Integrator"
    }
    fn kernel(&self) -> &KernelDef {
        &self.kernel
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["V"]
    }
    fn output(&self) -> Output {
        Output::Emitted
    }
    fn accepts(&self) -> Accepts {
        Accepts {
            delta: true,
            currents: true,
        }
    }
    fn validate(&self, n: usize) -> Result<()> {
        self.v_th.check_positive("Integrator", "V_th", n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![0.0; rows * n]]
    }
    fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
        vec![self.v_th.value().clone()]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let th = e.param(0);
        let mut v = e.state[0];
        if v >= th {
            v = 0.0;
        }
        let (i, di) = e.current_at(v);
        v = exp_euler(v, i, di, e.dt) + e.delta;
        e.state[0] = v;
        e.out = heaviside(v - th);
    }
}

impl NeuronModel for Integrator {}

fn integrator(n: usize) -> Module<Integrator> {
    let kernel = KernelDef::new(
        "integrator",
        r#"
fn integrator_step(e: Elem) {
    let th = param(0u, e);
    var v = state_get(0u, e);
    v = select(v, 0.0, v >= th);
    let i = current_at(e, v);
    v = exp_euler(v, i.x, i.y) + input_delta(e);
    state_set(0u, e, v);
    emit(e, heaviside(v - th));
}"#,
        "integrator",
    );
    let v_th = Param::per_neuron((0..n).map(|j| (1.0 + 0.02 * j as f64) * mV));
    Module::from_model(Integrator { v_th, kernel }, n)
}

fn devices() -> Vec<Device> {
    let mut d = vec![Device::Cpu];
    d.extend(common::gpu());
    d
}

#[test]
fn a_user_synapse_follows_its_closed_form_on_every_device() {
    for device in devices() {
        let (n, batch, tau, dt) = (32usize, 3usize, 4.0, 0.1);
        let mut syn = Module::from_model(SimpleSynapse::new(tau * ms), n).with_name("mine");
        syn.init_state(&device, Some(batch)).unwrap();
        assert_eq!(syn.kind(), "SimpleSynapse");
        assert_eq!(Dynamics::output(&syn).unwrap().shape().dims(), [3, 32]);
        fn is_a_synapse(_: &impl Synapse) {}
        is_a_synapse(&syn);
        let mut rng = Rng::new(1);
        let mut clock = Clock::new(dt * ms).unwrap();
        let mut exact = vec![0.0; n * batch];
        let mut worst = 0.0f64;
        for _ in 0..300 {
            let x: Vec<f64> = (0..n * batch)
                .map(|_| if rng.bernoulli(0.05) { 1.0 } else { 0.0 })
                .collect();
            let xt = Tensor::from_f64(&device, TensorShape::new(Some(batch), n), &x).unwrap();
            let g = syn.update(&clock, &xt).unwrap().to_vec_f64().unwrap();
            for i in 0..exact.len() {
                exact[i] = exact[i] * (-dt / tau).exp() + x[i];
                worst = worst.max((g[i] - exact[i]).abs());
            }
            clock.advance();
        }
        let tol = if matches!(device, Device::Cpu) {
            1e-12
        } else {
            1e-5
        };
        assert!(worst < tol, "{worst} on {device}");
        // Parameters are validated like the built-in ones.
        let mut bad = Module::from_model(SimpleSynapse::new(-1.0 * ms), 4);
        assert!(matches!(
            bad.init_state(&device, None),
            Err(Error::InvalidParameter { .. })
        ));
    }
}

#[test]
fn a_user_neuron_reads_currents_and_deltas_like_the_built_in_ones() {
    let run = |device: &Device| {
        let (n, batch, steps) = (40usize, 2usize, 300usize);
        let shape = TensorShape::new(Some(batch), n);
        let mut neuron = integrator(n);
        neuron.init_state(device, Some(batch)).unwrap();
        let mut rng = Rng::new(8);
        let mut clock = Clock::default();
        let (mut v, mut s) = (Vec::new(), Vec::new());
        for _ in 0..steps {
            let g: Vec<f64> = (0..batch * n).map(|_| rng.range(0.0, 0.1)).collect();
            let d: Vec<f64> = (0..batch * n)
                .map(|_| if rng.bernoulli(0.02) { 0.3 } else { 0.0 })
                .collect();
            let g = Tensor::from_f64(device, shape.clone(), &g).unwrap();
            let d = Tensor::from_f64(device, shape.clone(), &d).unwrap();
            let spikes = neuron
                .update_with(
                    &clock,
                    Inputs {
                        x: Input::None,
                        delta: (&d).into(),
                        currents: &[CurrentInput {
                            out: SynOut::coba(10.0 * mV),
                            g: &g,
                        }],
                    },
                )
                .unwrap();
            s.extend(spikes.to_vec_f64().unwrap());
            v.extend(neuron.state("V").unwrap().to_vec_f64().unwrap());
            clock.advance();
        }
        (v, s, batch * n, steps)
    };
    let (v, s, elems, steps) = run(&Device::Cpu);
    assert!(s.iter().sum::<f64>() > 100.0);
    if let Some(gpu) = common::gpu() {
        let (vg, sg, _, _) = run(&gpu);
        let r = compare_spiking(
            steps,
            elems,
            &vg,
            &v,
            &sg,
            &s,
            |e| 1.0 + 0.02 * (e % 40) as f64,
            F32_TOL,
        )
        .unwrap();
        assert!(r.passed(), "{r:?}");
    }
}

/// User models run inside a network on every executor: the composed kernel calls their step
/// functions like the built-in ones.
#[test]
fn user_models_run_inside_networks_on_every_executor() {
    let run = |device: &Device, executor: Executor| {
        let (n, steps) = (40usize, 200usize);
        let mut net = Network::new();
        let drive = net
            .add(PoissonSpike::new(n, 200.0 * Hz).with_name("drive").seed(5))
            .unwrap();
        let syn = net
            .add(Module::from_model(SimpleSynapse::new(5.0 * ms), n))
            .unwrap();
        let neuron = net.add(integrator(n)).unwrap();
        let w: Vec<f64> = (0..n * n)
            .map(|i| if i % 7 == 0 { 0.3 } else { 0.0 })
            .collect();
        let kicks = FixedProb::per_pre(n, n, 2, 0.05, 7);
        net.update(drive, Wiring::new());
        net.update(
            syn,
            Wiring::new().x(Term::output(drive).dense(Dense::new(n, n, w))),
        );
        net.update(
            neuron,
            Wiring::new()
                .x(0.2)
                .delta(Term::output(drive).event(kicks))
                .current(SynOut::coba(10.0 * mV), syn),
        );
        let mut sim = net
            .compile_with(device, Some(2), 0.1 * ms, executor)
            .unwrap();
        let m = sim.monitor_spikes(neuron).unwrap();
        sim.run(steps).unwrap();
        (sim.spikes(m).unwrap().dense(), sim.state(syn, "g").unwrap())
    };
    let (want_spikes, want_g) = run(&Device::Cpu, Executor::Auto);
    assert!(want_spikes.contains(&1), "the user neuron never fires");
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::PerStep, Executor::Fused] {
        let (spikes, g) = run(&gpu, executor);
        assert_eq!(spikes, want_spikes, "{executor:?}");
        let scale = want_g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (a, b) in g.iter().zip(&want_g) {
            assert!(
                (a - b).abs() <= F32_TOL * scale,
                "{executor:?}: g {a} vs {b}"
            );
        }
    }
}

/// A WGSL error in a user's model is an `Error::Kernel` from `compile` on both executors (the
/// fused kernel is checked when it is generated, not when the first run builds it), and
/// `Network::kernels` finds it without a device.
#[test]
fn a_wgsl_error_in_a_user_model_is_reported_at_compile() {
    let broken = || {
        let mut syn = SimpleSynapse::new(5.0 * ms);
        syn.kernel = KernelDef::new(
            "broken_synapse",
            "fn broken_synapse_step(e: Elem) {\n    state_set(0u, e, undefined_value);\n}",
            "broken_synapse",
        );
        let mut net = Network::new();
        let a = net.add(Module::from_model(syn, 10)).unwrap();
        let b = net.add(integrator(10)).unwrap();
        net.update(a, Wiring::new().x(1.0));
        net.update(b, Wiring::new().current(SynOut::coba(10.0 * mV), a));
        net
    };
    let is_kernel_error = |e: &brainwgpu::Error| {
        matches!(e, brainwgpu::Error::Kernel { .. }) && e.to_string().contains("undefined_value")
    };
    let (_, kernels) = broken()
        .kernels(
            None,
            0.1 * ms,
            Executor::Fused,
            &brainwgpu::DeviceLimits::WEBGPU_DEFAULT,
        )
        .unwrap();
    let err = kernels[0]
        .validate()
        .expect_err("the kernel holds the broken model");
    assert!(is_kernel_error(&err), "{err}");
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::Fused, Executor::PerStep] {
        let err = broken()
            .compile_with(&gpu, None, 0.1 * ms, executor)
            .err()
            .unwrap_or_else(|| panic!("{executor:?} compiled a broken model"));
        assert!(is_kernel_error(&err), "{executor:?}: {err}");
        assert!(
            err.to_string()
                .contains("line 2 of the kernel's own source"),
            "{err}"
        );
        assert!(err.to_string().contains("broken_synapse"), "{err}");
    }
}

/// SimpleSynapse without its f64 twin (the provided `step_f64`).
#[derive(Clone)]
struct GpuOnly {
    inner: SimpleSynapse,
}

impl Model for GpuOnly {
    fn kind(&self) -> &str {
        "GpuOnly"
    }
    fn kernel(&self) -> &KernelDef {
        &self.inner.kernel
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["g"]
    }
    fn output(&self) -> Output {
        Output::State(0)
    }
    fn validate(&self, n: usize) -> Result<()> {
        self.inner.validate(n)
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        self.inner.initial_state(rows, n)
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        self.inner.kernel_params(dt)
    }
}

brainwgpu::setters!(Module<GpuOnly> as GpuOnlySetters {
    /// Sets `tau`.
    tau: Param<Time> => inner.tau,
});

#[test]
fn a_model_without_an_f64_twin_runs_on_gpus_and_the_f64_device_refuses_it() {
    let model = || {
        Module::from_model(
            GpuOnly {
                inner: SimpleSynapse::new(5.0 * ms),
            },
            4,
        )
        .with_name("g")
        .tau(2.0 * ms)
    };
    // A module: at the first update on the f64 device.
    let clock = Clock::new(0.1 * ms).unwrap();
    let mut m = model();
    m.init_state(&Device::Cpu, None).unwrap();
    let x = Tensor::from_f64(&Device::Cpu, TensorShape::new(None, 4), &[1.0; 4]).unwrap();
    let Err(e) = m.update(&clock, &x) else {
        panic!("no twin, no f64 run")
    };
    assert!(
        matches!(&e, brainwgpu::Error::NoF64Twin { model } if model == "GpuOnly `g`"),
        "{e}"
    );
    // A network: at compile.
    let mut net = Network::new();
    let g = net.add(model()).unwrap();
    net.update(g, Wiring::new().x(1.0));
    let e = net
        .compile(&Device::Cpu, None, 0.1 * ms)
        .err()
        .expect("no twin");
    assert!(matches!(e, brainwgpu::Error::NoF64Twin { .. }), "{e}");
    assert!(e.to_string().contains("runs on GPU devices"), "{e}");
    // On a GPU it runs, with the value the builder set: g = Σ x·e^(−k·dt/τ), τ = 2 ms.
    let Some(gpu) = common::gpu() else { return };
    let mut sim = net.compile(&gpu, None, 0.1 * ms).unwrap();
    sim.run(10).unwrap();
    let want: f64 = (0..10).map(|k| (-(k as f64) * 0.1 / 2.0).exp()).sum();
    for v in sim.state(g, "g").unwrap() {
        assert!((v - want).abs() < 1e-5, "{v} vs {want}");
    }
}

#[test]
fn a_typo_in_a_user_kernel_is_reported_at_init_state_with_the_user_s_line() {
    let Some(gpu) = common::gpu() else { return };
    let mut syn = SimpleSynapse::new(5.0 * ms);
    syn.kernel = KernelDef::new(
        "typo_synapse",
        "fn typo_synapse_step(e: Elem) {\n    let tau = param(0u, e);\n    let g = state_get(0u, e);\n    state_set(0u, e, g * exp(-0.1 / tua));\n}",
        "typo_synapse",
    );
    let mut m = Module::from_model(syn, 8);
    let Err(e) = m.init_state(&gpu, None) else {
        panic!("a typo compiled")
    };
    let text = e.to_string();
    assert!(matches!(e, brainwgpu::Error::Kernel { .. }), "{text}");
    assert!(text.contains("line 4 of the kernel's own source"), "{text}");
    assert!(
        text.contains("state_set(0u, e, g * exp(-0.1 / tua));"),
        "{text}"
    );
}
