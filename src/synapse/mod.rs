//! Synapse models, one family per file, each with its kernel under `shaders/synapse/`.
//!
//! | model | equation | file |
//! |---|---|---|
//! | [`Expon`] | `dg/dt = −g/τ`, `g += x` | `expon.rs`, `expon.wgsl` |

mod expon;

pub use expon::{Expon, ExponParams};
