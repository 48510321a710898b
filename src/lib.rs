//! # brainwgpu
//!
//! Spiking neural networks on the GPU through wgpu and WGSL compute shaders: a port of
//! BrainPy's `brainpy.state` models (synapses such as [`Expon`], neurons such as [`LIF`])
//! that runs large batches on any GPU wgpu reaches (Vulkan, Metal, DX12) and on a software
//! adapter in headless CI, with an f64 CPU reference of every model as its oracle.
//!
//! ```no_run
//! use brainwgpu::prelude::*;
//!
//! let device = Device::gpu()?;                  // the default adapter (WGPU_BACKEND, WGPU_ADAPTER_NAME)
//! let mut clock = Clock::new(0.1 * ms)?;
//! let mut syn = Expon::new(100).tau(8.0 * ms);
//! syn.init_state(&device, Some(32))?;           // states of shape (32, 100), on the GPU
//! let x = Tensor::zeros(&device, TensorShape::new(Some(32), 100))?;
//! for _ in 0..100 {
//!     let g = syn.update(&clock, &x)?;          // stays on the GPU
//!     assert_eq!(g.shape().dims(), [32, 100]);
//!     clock.advance();
//! }
//! let g = syn.state("g")?.to_vec()?;            // read back only when asked
//! # Ok::<(), brainwgpu::Error>(())
//! ```
//!
//! Layout: `gpu` (the only module naming wgpu types), `synapse` and `neuron` (one model
//! family per file, kernels under `shaders/` with the same names), `model`/`module` (what a
//! model is and how it runs on either device), `units`, `clock`, `npz`; with the `testing` feature (on
//! in this crate's tests and examples), `conformance` (the golden-trace runner) and `compare`
//! (the f32-vs-f64 rules). See `ARCHITECTURE.md`.
#![warn(missing_docs)]
#![allow(clippy::upper_case_acronyms)]

mod abi;
pub mod clock;
#[cfg(feature = "testing")]
pub mod compare;
#[cfg(feature = "testing")]
pub mod conformance;
mod error;
pub mod gpu;
pub mod guide;
mod host;
pub mod inputs;
pub mod model;
pub mod module;
pub mod network;
pub mod neuron;
pub mod npz;
pub mod numerics;
pub mod plot;
pub mod readout;
pub mod registry;
pub mod rng;
pub mod shaders;
pub mod shape;
pub mod synapse;
pub mod synout;
pub mod tensor;
pub mod units;

pub use clock::Clock;
pub use error::{Error, Result};
pub use gpu::{AdapterSummary, Backend, DeviceLimits, Gpu, GpuOptions};
pub use inputs::*;
pub use model::{Init, Model, Param, ParamValue};
pub use module::{CurrentInput, Dynamics, Inputs, Module, Neuron, Synapse};
pub use network::{
    CountRecord, Dense, Executor, ExternalId, FixedProb, MonitorId, Network, NodeId, Simulation,
    SpikeRecord, StateRecord, StepCost, Term, Weights, Wiring,
};
pub use neuron::*;
pub use readout::{LeakyRateReadout, LeakyRateReadoutParams, WeightInit};
pub use shape::{Shape, TensorShape};
pub use synapse::*;
pub use synout::SynOut;
pub use tensor::{Device, Input, Tensor};

/// The README's example compiles (a doctest).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Everything a simulation script needs: models, device, clock, tensors and units.
///
/// The one-letter units (`s`, `V`, `A`, `S`) stay in [`units`]: glob-imported, a `let s = …`
/// would become a pattern match against the constant.
pub mod prelude {
    pub use crate::inputs::*;
    pub use crate::network::{
        Dense, FixedProb, Network, NodeId, Simulation, Term, Weights, Wiring,
    };
    pub use crate::neuron::*;
    pub use crate::readout::{LeakyRateReadout, WeightInit};
    pub use crate::synapse::*;
    pub use crate::units::{
        Capacitance, Concentration, Conductance, Current, Dimension, Dimensionless, Hz,
        InverseVoltage, Mohm, Quantity, Rate, RatePerConcentration, Resistance, Time, Voltage,
        VoltageRate, kohm, mA, mM, mS, mV, ms, nA, nF, nS, ohm, pA, pF, uA, uF, uM, uS, uV, us,
    };
    pub use crate::{
        Clock, CurrentInput, Device, Dynamics, Error, Gpu, Init, Input, Inputs, Neuron, Param,
        Result, Shape, SynOut, Synapse, Tensor, TensorShape,
    };
}
