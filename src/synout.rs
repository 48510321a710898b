//! Synaptic outputs (BrainPy's `SynOut`: `COBA`, `CUBA`, `MgBlock`): how a conductance
//! becomes a current in a neuron.
//!
//! A neuron evaluates its current inputs inside the drift of `V`, at the integration variable,
//! so a voltage-dependent output also enters the exponential-Euler Jacobian:
//! COBA contributes `−g` to `dI/dV`, MgBlock the derivative of its quotient. The WGSL twin is
//! `current_at` of the ABIs (`shaders/abi/element.wgsl`, `shaders/abi/network.wgsl`).

use crate::error::{Error, Result};
use crate::units::{Concentration, Quantity, V, Voltage};

/// A synaptic output: turns a conductance `g` into a current at membrane potential `V`.
///
/// Magnitudes are internal units: `g` in mS, `V` in mV, currents in µA.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SynOut {
    /// Conductance-based: `I = g·(E − V)`.
    COBA {
        /// Reversal potential `E` (mV).
        e: f64,
    },
    /// Current-based: `I = g·scale`, independent of `V`.
    CUBA {
        /// The scale (mV; BrainPy's default `1 V`).
        scale: f64,
    },
    /// NMDA magnesium block: `I = g·(E − V) / (1 + cc_Mg/β · e^{α·(V_offset − V)})`.
    MgBlock {
        /// Reversal potential `E` (mV, default 0).
        e: f64,
        /// Magnesium concentration `cc_Mg` (mM, default 1.2).
        cc_mg: f64,
        /// `alpha` (1/mV, default 0.062).
        alpha: f64,
        /// `beta` (mM, default 3.57).
        beta: f64,
        /// `V_offset` (mV, default 0).
        v_offset: f64,
    },
}

impl SynOut {
    /// `COBA(E)`.
    pub fn coba(e: impl Into<Quantity<Voltage>>) -> SynOut {
        SynOut::COBA {
            e: e.into().value(),
        }
    }

    /// `CUBA(scale)`; BrainPy's default scale is `1 V` (see [`SynOut::cuba_default`]).
    pub fn cuba(scale: impl Into<Quantity<Voltage>>) -> SynOut {
        SynOut::CUBA {
            scale: scale.into().value(),
        }
    }

    /// `CUBA()` with the default scale of 1 V.
    pub fn cuba_default() -> SynOut {
        SynOut::cuba(1.0 * V)
    }

    /// `MgBlock()` with BrainPy's defaults (`E = 0`, `cc_Mg = 1.2`, `alpha = 0.062`,
    /// `beta = 3.57`, `V_offset = 0`).
    pub fn mg_block() -> SynOut {
        SynOut::MgBlock {
            e: 0.0,
            cc_mg: 1.2,
            alpha: 0.062,
            beta: 3.57,
            v_offset: 0.0,
        }
    }

    /// `MgBlock` with every parameter given (`alpha` in 1/mV).
    pub fn mg_block_with(
        e: impl Into<Quantity<Voltage>>,
        cc_mg: impl Into<Quantity<Concentration>>,
        alpha: f64,
        beta: impl Into<Quantity<Concentration>>,
        v_offset: impl Into<Quantity<Voltage>>,
    ) -> SynOut {
        SynOut::MgBlock {
            e: e.into().value(),
            cc_mg: cc_mg.into().value(),
            alpha,
            beta: beta.into().value(),
            v_offset: v_offset.into().value(),
        }
    }

    /// Checks the parameters (finite; `beta ≠ 0`).
    pub fn validate(&self) -> Result<()> {
        let (name, values): (&str, Vec<(&str, f64)>) = match *self {
            SynOut::COBA { e } => ("COBA", vec![("E", e)]),
            SynOut::CUBA { scale } => ("CUBA", vec![("scale", scale)]),
            SynOut::MgBlock {
                e,
                cc_mg,
                alpha,
                beta,
                v_offset,
            } => {
                if beta == 0.0 {
                    return Err(Error::invalid("MgBlock", "beta", beta, "must not be 0"));
                }
                (
                    "MgBlock",
                    vec![
                        ("E", e),
                        ("cc_Mg", cc_mg),
                        ("alpha", alpha),
                        ("beta", beta),
                        ("V_offset", v_offset),
                    ],
                )
            }
        };
        for (param, v) in values {
            if !crate::model::finite(v) {
                return Err(Error::invalid(name, param, v, crate::model::FINITE));
            }
        }
        Ok(())
    }

    /// The current `I(g, V)` (BrainPy's `out.update(g, V)`).
    pub fn current(&self, g: f64, v: f64) -> f64 {
        self.current_and_slope(g, v).0
    }

    /// The current and its derivative `dI/dV`, as the kernels compute them.
    pub fn current_and_slope(&self, g: f64, v: f64) -> (f64, f64) {
        match *self {
            SynOut::COBA { e } => (g * (e - v), -g),
            SynOut::CUBA { scale } => (g * scale, 0.0),
            SynOut::MgBlock {
                e,
                cc_mg,
                alpha,
                beta,
                v_offset,
            } => {
                let block = cc_mg / beta * (alpha * (v_offset - v)).exp();
                let norm = 1.0 + block;
                let i = g * (e - v) / norm;
                let di = (-g * norm + g * (e - v) * alpha * block) / (norm * norm);
                (i, di)
            }
        }
    }

    /// The `Channel` record of `shaders/abi/element.wgsl` for conductances at `offset`.
    pub(crate) fn channel_words(&self, offset: u32) -> [u32; 8] {
        let f = |x: f64| (x as f32).to_bits();
        match *self {
            SynOut::COBA { e } => [0, offset, f(e), 0, 0, 0, 0, 0],
            SynOut::CUBA { scale } => [1, offset, f(scale), 0, 0, 0, 0, 0],
            SynOut::MgBlock {
                e,
                cc_mg,
                alpha,
                beta,
                v_offset,
            } => [2, offset, f(e), f(cc_mg), f(alpha), f(beta), f(v_offset), 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_are_derivatives() {
        for out in [
            SynOut::coba(-80.0),
            SynOut::cuba_default(),
            SynOut::mg_block(),
        ] {
            for v in [-70.0, -20.0, 10.0] {
                let (_, slope) = out.current_and_slope(0.7, v);
                let h = 1e-5;
                let numeric = (out.current(0.7, v + h) - out.current(0.7, v - h)) / (2.0 * h);
                assert!(
                    (slope - numeric).abs() < 1e-7 * (1.0 + numeric.abs()),
                    "{out:?} at {v}"
                );
            }
        }
    }
}
