//! Synapse models, one family per file, each family's kernels in the WGSL file of the same
//! name under `shaders/synapse/`.
//!
//! | model | dynamics | file |
//! |---|---|---|
//! | [`Expon`] | `dg/dt = −g/τ`, `g += δ + x` | `expon` |
//! | [`DualExpon`] | two exponentials, peak-normalised | `expon` |
//! | [`Alpha`] | `dh/dt = −h/τ`, `dg/dt = (h − g)/τ` (one-step lag) | `alpha` |
//! | [`AMPA`], [`GABAa`] | `dg/dt = α[T](1 − g) − βg`, transmitter window | `ampa` |
//! | [`BioNMDA`] | second-order kinetics `x → g` | `bio_nmda` |
//! | [`STP`], [`STD`] | short-term facilitation / depression | `stp` |
//!
//! Expon, DualExpon and Alpha read delta inputs; the others read only their argument.

mod alpha;
mod ampa;
mod bio_nmda;
mod expon;
mod stp;

pub use alpha::{Alpha, AlphaParams};
pub use ampa::{AMPA, AmpaReceptor, GABAa, GabaaReceptor, Receptor, ReceptorParams};
pub use bio_nmda::{BioNMDA, BioNMDAParams};
pub use expon::{DualExpon, DualExponParams, Expon, ExponParams};
pub use stp::{STD, STDParams, STP, STPParams};

/// What Expon, DualExpon and Alpha read: delta inputs (projections add into them), not
/// current inputs.
pub(crate) const DELTA_INPUTS: crate::model::Accepts = crate::model::Accepts {
    delta: true,
    currents: false,
};

/// `spike_arrival_time` before any spike (BrainPy: −1e7 ms).
pub(crate) const NEVER_ARRIVED: f64 = -1e7;
