//! The simulation clock (BrainPy's `brainstate.environ` `dt`, `i` and `t`).

use crate::error::{Error, Result};
use crate::units::{Quantity, Time, ms};

/// Step size and step index of a simulation; handed to every `update`.
///
/// `t` is always computed as the product `k·dt`, never accumulated, so that refractory
/// and transmitter windows (`t − t_spike < τ`) round exactly as BrainPy's
/// `t_k = k·dt` does. The first step runs at `t = 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    dt: f64,
    step: u64,
}

impl Default for Clock {
    /// `dt = 0.1 ms`, step 0.
    fn default() -> Clock {
        Clock { dt: 0.1, step: 0 }
    }
}

impl Clock {
    /// A clock with step `dt` (> 0 and finite), at step 0.
    pub fn new(dt: impl Into<Quantity<Time>>) -> Result<Clock> {
        let mut c = Clock::default();
        c.set_dt(dt)?;
        Ok(c)
    }

    /// Changes the step size. Models recompute their step factors on their next update.
    pub fn set_dt(&mut self, dt: impl Into<Quantity<Time>>) -> Result<()> {
        let dt = dt.into().value();
        if !crate::model::positive(dt) {
            return Err(Error::invalid(
                "Clock",
                "dt",
                format!("{dt} ms"),
                crate::model::POSITIVE,
            ));
        }
        self.dt = dt;
        Ok(())
    }

    /// The step size.
    pub fn dt(&self) -> Quantity<Time> {
        self.dt * ms
    }

    /// The step size in ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt
    }

    /// The step index `k` (BrainPy's `i`).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Jumps to step `k`.
    pub fn set_step(&mut self, k: u64) {
        self.step = k;
    }

    /// Moves to the next step.
    pub fn advance(&mut self) {
        self.step += 1;
    }

    /// `t = k·dt`.
    pub fn t(&self) -> Quantity<Time> {
        self.t_ms() * ms
    }

    /// `t = k·dt` in ms, computed in f64 (what the f64 reference uses).
    pub fn t_ms(&self) -> f64 {
        self.step as f64 * self.dt
    }

    /// `t = k·dt` in ms, computed as an f32 product (what the f32 GPU kernels use). Exact in
    /// `k` up to 2²⁴ steps.
    pub fn t_ms_f32(&self) -> f32 {
        self.step as f32 * self.dt as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_a_product() {
        let mut c = Clock::default();
        c.set_step(3);
        assert_eq!(c.t_ms(), 3.0 * 0.1);
        assert_eq!(c.t_ms_f32(), 3.0f32 * 0.1f32);
    }

    #[test]
    fn rejects_bad_dt() {
        for dt in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            let e = Clock::new(dt).unwrap_err();
            assert!(e.to_string().contains("`dt`"), "{e}");
        }
    }
}
