//! Input generators (BrainPy's `brainpy.state.inputs`), one family per file; each file's kernels
//! are in the WGSL file of the same name under `shaders/inputs/`.
//!
//! Each is a module whose `update()` returns this step's input (shape `(batch, *in_size)`, or
//! `in_size` without a batch), computed on the device from `t = k·dt` (deterministic ones) or
//! from the counter-based Threefry generator (random ones: reproducible for a seed, and the f64
//! reference draws the same numbers). `poisson_input` adds Poisson counts straight into a state
//! of another model ([`PoissonInput`]).

mod currents;
mod noise;
mod poisson;
mod spike_time;

pub use currents::*;
pub use noise::*;
pub use poisson::*;
pub use spike_time::*;

use crate::error::{Error, Result};
use crate::model::{FINITE, NON_NEGATIVE, POSITIVE, ParamValue, finite, non_negative, positive};

/// What every value of an input's parameter must be; the error says it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Must {
    /// Finite, within f32's range.
    BeFinite,
    /// > 0, within f32's range.
    BePositive,
    /// ≥ 0, within f32's range.
    BeNonNegative,
    /// Anything but NaN (a duration may be infinite).
    NotBeNaN,
}

impl Must {
    fn holds(self, v: f64) -> bool {
        match self {
            Must::BeFinite => finite(v),
            Must::BePositive => positive(v),
            Must::BeNonNegative => non_negative(v),
            Must::NotBeNaN => !v.is_nan(),
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Must::BeFinite => FINITE,
            Must::BePositive => POSITIVE,
            Must::BeNonNegative => NON_NEGATIVE,
            Must::NotBeNaN => "must not be NaN",
        }
    }
}

/// Checks every value of `owner`'s parameter `name`; the error names the first bad one.
pub(crate) fn check_all(owner: &str, name: &str, values: &[f64], must: Must) -> Result<()> {
    match values.iter().find(|&&v| !must.holds(v)) {
        Some(bad) => Err(Error::invalid(owner, name, bad, must.reason())),
        None => Ok(()),
    }
}

pub(crate) fn table(values: &[f64]) -> ParamValue {
    ParamValue::Table(values.iter().copied().collect())
}

/// `.seed(s)` on the random generators (a plain `u32`, so that `seed(5)` infers).
macro_rules! seeded {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// Sets the seed of the generator.
            pub fn seed(self, seed: u32) -> Self {
                self.configure(|p| p.seed = seed)
            }
        }
    )*};
}

seeded!(
    PoissonSpike,
    PoissonEncoder,
    WienerProcessInput,
    OUProcessInput
);
