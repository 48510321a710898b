//! Guides: writing your own model, and BrainPy's unitless networks in this library's units.
//!
//! # Writing your own model
//!
//! A model is a struct of parameters that implements [`Model`](crate::Model): its BrainPy
//! class name, its state variables, what `update` returns, the inputs it reads, how its
//! parameters are checked and states start, its parameters as the kernel reads them — and a
//! WGSL **step function** that updates one element. [`Module::from_model`](crate::Module::from_model)
//! makes it a population with the same batching, states, clock, inputs, devices and network
//! wiring as the built-in models. `examples/custom_synapse.rs` is BrainPy's `SimpleSynapse`;
//! the neuron below is a complete model, compiled and run by this page's doctest.
//!
//! ## The kernel
//!
//! A [`KernelDef::new(name, source, entry)`](crate::shaders::KernelDef::new) whose `source`
//! defines `fn <entry>_step(e: Elem)`. The library wraps it in the ABI below — the same
//! functions whether the model runs as its own dispatch or inside a network's generated
//! kernel, where its states may live in registers. A mistake in the source is an
//! [`Error::Kernel`](crate::Error::Kernel) at [`Dynamics::init_state`](crate::Dynamics::init_state)
//! (GPU) or [`Network::compile`](crate::Network::compile), naming the line of *your* source
//! and showing it.
//!
//! **The element.** `e: Elem` has `e.i` (flat index `b·n + j`), `e.j` (neuron) and `e.b`
//! (sample of the batch).
//!
//! | function | what it gives |
//! |---|---|
//! | `state_get(v: u32, e: Elem) -> f32` | state variable `v` (the order of [`Model::state_names`](crate::Model::state_names)) |
//! | `state_set(v: u32, e: Elem, value: f32)` | writes it |
//! | `param(p: u32, e: Elem) -> f32` | parameter `p` (the order of [`Model::kernel_params`](crate::Model::kernel_params)) for this element, whatever its layout: one value, per neuron, per sample or per element |
//! | `param_at(p: u32, idx: u32) -> f32` | entry `idx` of a table parameter ([`ParamValue::Table`](crate::model::ParamValue::Table)) |
//! | `param_u32(p: u32) -> u32` | a word parameter ([`ParamValue::Word`](crate::model::ParamValue::Word): seeds, counts) |
//! | `input_x(e: Elem) -> f32` | the `x` of `update(x)` for this element |
//! | `input_x_at(e: Elem, idx: u32) -> f32` | value `idx` of this sample's row of `x` (models whose input is not element-wise, such as readouts) |
//! | `input_delta(e: Elem) -> f32` | the summed delta inputs (with [`Accepts`](crate::model::Accepts)`{ delta: true, .. }`) |
//! | `current_at(e: Elem, v: f32) -> vec2<f32>` | `x` plus every current input evaluated at potential `v`, and its derivative with respect to `v` (with `Accepts { currents: true, .. }`): put both into `exp_euler` so conductance inputs enter the Jacobian |
//! | `emit(e: Elem, value: f32)` | the value `update` returns, for [`Output::Emitted`](crate::model::Output::Emitted) models (spikes) |
//!
//! **Time.** `clk.t` (ms: `k·dt`, counted from the current epoch in a network, see
//! [`crate::clock`]), `clk.dt` (ms), `clk.k` (the step); `since_epoch(t_abs)` and
//! `since_epoch_s(t_abs)` turn an absolute time (a parameter, ms or s) into one comparable with
//! `clk.t`; `epoch_cycles(f_hz)` is the fraction of a cycle done when the epoch started (for
//! sinusoids). States that hold times are named in [`Model::time_states`](crate::Model::time_states).
//!
//! **Numerics** (in BrainPy's order of operations; all f32):
//!
//! | function | what it computes |
//! |---|---|
//! | `exp_euler(x, f, jacobian) -> f32` | one exponential-Euler step `x + dt·exprel(dt·J)·f` |
//! | `exprel(z)`, `expm1(z)`, `exp_accurate(z)` | `(eᶻ − 1)/z`, `eᶻ − 1`, `eᶻ` to a few ulp (the shader's `exp` is off by up to 17 ulp on some adapters) |
//! | `tanh_accurate(x)`, `cosh_accurate(x)` | the same for `tanh`, `cosh` |
//! | `heaviside(x) -> f32` | 1 when `x ≥ 0`, else 0 (NaN: 0) — the spike function |
//! | `reset_v(v, s, v_th, v_reset, hard: bool) -> f32` | the LIF family's reset with spike `s`: soft subtracts `(V_th − V_reset)·s`, hard sets `V_reset` |
//! | `in_refractory(last, tau_ref) -> bool` | `t − t_last < τ_ref`, as BrainPy computes it |
//! | `crossing(v_new, v_old, v_th) -> f32` | a rising edge through `v_th` (neurons without reset) |
//! | `channel_current(kind, p, v_offset, g, v) -> vec2<f32>` | one synaptic output (COBA, CUBA, MgBlock) and its derivative (what `current_at` sums) |
//!
//! **Random numbers** (counter-based: the same on every device and in the f64 twin):
//! `rand_words(e, seed, stream) -> vec4<u32>` (four words for this element and step),
//! `rand_unit(word) -> f32` (uniform in [0, 1)), `rand_normal(w0, w1) -> f32` (Box–Muller),
//! `threefry2x32(counter: vec2<u32>, key: vec2<u32>) -> vec2<u32>`.
//!
//! Everything else in the ABI (`element`, `in_range`, `sum_index`, `take_sum`,
//! `param_word`, the bindings) is the library's: do not call it.
//!
//! ## The f64 twin (optional)
//!
//! [`Model::step_f64`](crate::Model::step_f64) is the same step in f64 on an
//! [`ElemF64`](crate::model::ElemF64): `e.state[v]`, `e.param(p)`, `e.param_at(p, i)`,
//! `e.param_u32(p)`, `e.x`, `e.x_row`, `e.delta`, `e.current_at(v)`, `e.out` (what `emit`
//! writes), `e.t`, `e.dt`, `e.k`, `e.since_epoch(t)`, with [`crate::numerics`] for
//! `exp_euler`, `heaviside` and friends. It runs the model on the f64 device, the reference
//! its GPU runs are tested against. Leave it out and the model runs on GPU devices only: the
//! f64 device refuses it with [`Error::NoF64Twin`](crate::Error::NoF64Twin).
//!
//! ## Builder methods
//!
//! [`setters!`](crate::setters) gives the module one method per parameter —
//! `setters!(Leaky as LeakyBuilder { tau: Param<Time>, v_th: Param<Voltage> })` — so that
//! `Leaky::new(100).tau(8.0 * ms)` reads like the built-in models.
//!
//! ## A complete neuron
//!
//! A leaky integrate-and-fire neuron with a hard reset, reading `x`, current inputs and delta
//! inputs like the built-in neurons, with its f64 twin:
//!
//! ```
//! use brainwgpu::model::{Accepts, ElemF64, Model, Output, Param, ParamValue};
//! use brainwgpu::module::NeuronModel;
//! use brainwgpu::numerics::{exp_euler, heaviside};
//! use brainwgpu::prelude::*;
//! use brainwgpu::shaders::KernelDef;
//! use brainwgpu::Module;
//!
//! /// dV/dt = (−V + I)/τ, spike when V ≥ V_th, then V = 0.
//! #[derive(Clone)]
//! pub struct LeakyParams {
//!     tau: Param<Time>,
//!     v_th: Param<Voltage>,
//!     kernel: KernelDef,
//! }
//!
//! pub type Leaky = Module<LeakyParams>;
//!
//! const LEAKY_WGSL: &str = r#"
//! fn leaky_step(e: Elem) {
//!     let tau = param(0u, e);
//!     let v_th = param(1u, e);
//!     var v = state_get(0u, e);
//!     v = select(v, 0.0, v >= v_th);
//!     let i = current_at(e, v);
//!     v = exp_euler(v, (-v + i.x) / tau, (-1.0 + i.y) / tau) + input_delta(e);
//!     state_set(0u, e, v);
//!     emit(e, heaviside(v - v_th));
//! }
//! "#;
//!
//! impl Model for LeakyParams {
//!     fn kind(&self) -> &str {
//!         "Leaky"
//!     }
//!     fn kernel(&self) -> &KernelDef {
//!         &self.kernel
//!     }
//!     fn state_names(&self) -> Vec<&str> {
//!         vec!["V"]
//!     }
//!     fn output(&self) -> Output {
//!         Output::Emitted
//!     }
//!     fn accepts(&self) -> Accepts {
//!         Accepts { delta: true, currents: true }
//!     }
//!     fn validate(&self, n: usize) -> Result<()> {
//!         self.tau.check_positive("Leaky", "tau", n)?;
//!         self.v_th.check_positive("Leaky", "V_th", n)
//!     }
//!     fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
//!         vec![vec![0.0; rows * n]]
//!     }
//!     fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> {
//!         vec![self.tau.value().clone(), self.v_th.value().clone()]
//!     }
//!     fn step_f64(&self, e: &mut ElemF64<'_>) {
//!         let (tau, v_th) = (e.param(0), e.param(1));
//!         let mut v = e.state[0];
//!         if v >= v_th {
//!             v = 0.0;
//!         }
//!         let (i, di) = e.current_at(v);
//!         v = exp_euler(v, (-v + i) / tau, (-1.0 + di) / tau, e.dt) + e.delta;
//!         e.state[0] = v;
//!         e.out = heaviside(v - v_th);
//!     }
//! }
//!
//! impl NeuronModel for LeakyParams {}
//!
//! brainwgpu::setters!(Leaky as LeakyBuilder {
//!     /// Sets the membrane time constant.
//!     tau: Param<Time>,
//!     /// Sets the threshold.
//!     v_th: Param<Voltage>,
//! });
//!
//! fn leaky(n: usize) -> Leaky {
//!     let kernel = KernelDef::new("leaky", LEAKY_WGSL, "leaky");
//!     let (tau, v_th) = ((10.0 * ms).into(), (1.0 * mV).into());
//!     Module::from_model(LeakyParams { tau, v_th, kernel }, n)
//! }
//!
//! # fn main() -> brainwgpu::Result<()> {
//! // The kernel is checked without a GPU (naga), as init_state does on one.
//! leaky(1).model().kernel().validate()?;
//!
//! // Alone: driven by x = 2 it fires periodically.
//! let mut n = leaky(3).tau(5.0 * ms);
//! n.init_state(&Device::Cpu, None)?;
//! let clock = Clock::new(0.1 * ms)?;
//! let x = Tensor::from_f64(&Device::Cpu, TensorShape::new(None, 3), &[2.0; 3])?;
//! let mut spikes = 0.0;
//! for k in 0..200 {
//!     let mut at = clock.clone();
//!     at.set_step(k);
//!     spikes += n.update(&at, &x)?.to_vec_f64()?.iter().sum::<f64>();
//! }
//! assert!(spikes > 0.0);
//!
//! // In a network, driven through an Expon synapse and a COBA output.
//! let mut net = Network::new();
//! let g = net.add(Expon::new(3).tau(5.0 * ms))?;
//! let v = net.add(leaky(3))?;
//! net.update(g, Wiring::new().x(0.5));
//! net.update(v, Wiring::new().current(SynOut::coba(5.0 * mV), g));
//! let mut sim = net.compile(&Device::Cpu, None, 0.1 * ms)?;
//! let monitor = sim.monitor_spikes(v)?;
//! sim.run(500)?;
//! assert!(sim.spikes(monitor)?.count() > 0);
//! # Ok(())
//! # }
//! ```
//!
//! # BrainPy's unitless networks
//!
//! `brainpy.state` parameters are `brainunit` quantities; its example networks (the seed's
//! FF and E/I networks, the classic COBA and CUBA benchmarks) are written with voltages,
//! currents and conductances as plain numbers and only times in ms. Plain numbers here are
//! magnitudes in one coherent set of units, so such a network ports number for number:
//!
//! | quantity | internal unit | BrainPy's unitless networks |
//! |---|---|---|
//! | time (`tau`, `dt`, `t`, delays) | ms | the same (times always carry ms there) |
//! | voltage (`V`, `V_th`, `V_reset`, `V_rest`, `E`) | mV | the plain number: `V_th=1.` is `1.0 * mV` (or `1.0`) |
//! | current (`x` of a neuron, `I_ext`) | µA | the plain number, with `R = 1` so that `R·I` is a voltage: `R=1.` is `1.0 * kohm`, and `I` then in µA gives mV |
//! | conductance (`g` of a synapse, weights into it) | mS | the plain number, in units of the leak conductance `1/R` |
//! | resistance `R` | kΩ | `R=1.` (the seed's LIF) is `1.0 * kohm`: `R·I` = kΩ·µA = mV |
//! | capacitance `C` | µF | µA/µF = mV/ms |
//! | concentration (`T`, `cc_Mg`) | mM | the plain number |
//!
//! So `LIF(784, tau=5., R=1., V_th=1., V_reset=0., V_rest=0.)` is
//! `LIF::new(784).tau(5.0 * ms).r(1.0).v_th(1.0).v_reset(0.0).v_rest(0.0)` — plain numbers for
//! the unitless ones, read in these units — and `Expon(256, tau=8.)` is
//! `Expon::new(256).tau(8.0 * ms)`. The official COBA example's unit-ful `R = 1 Ω` with
//! weights in mS makes its synaptic drive about 1000 times weaker than the classic unitless
//! benchmark (see `network::classic::Coba`); with weights in units of the leak conductance the
//! classic dynamics (≈ 20 Hz, irregular) return.
