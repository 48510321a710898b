//! Neuron models, one family per file, each with its kernel under `shaders/neuron/`.
//!
//! | model | equation | file |
//! |---|---|---|
//! | [`LIF`] | `τ dV/dt = −V + V_rest + R·I`, soft/hard reset | `lif.rs`, `lif.wgsl` |

mod lif;

pub use lif::{LIF, LIFParams};

/// What a spike does to `V` at the start of the next step (BrainPy's `spk_reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpikeReset {
    /// `V ← V − (V_th − V_reset)` (BrainPy's default, `'soft'`).
    #[default]
    Soft,
    /// `V ← V_reset` (`'hard'`).
    Hard,
}

impl SpikeReset {
    /// The kernels' `hard` parameter: 1.0 for hard, 0.0 for soft.
    pub(crate) fn hard_flag(self) -> f64 {
        match self {
            SpikeReset::Soft => 0.0,
            SpikeReset::Hard => 1.0,
        }
    }
}
