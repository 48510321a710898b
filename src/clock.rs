//! The simulation clock (BrainPy's `brainstate.environ` `dt`, `i` and `t`).

use crate::error::{Error, Result};
use crate::units::{Quantity, Time, ms};

/// Steps in one epoch of a network's clock (2²⁰, 104.9 s at `dt = 0.1 ms`).
///
/// A network's kernels see time as the time since the current epoch — the latest multiple of
/// `EPOCH_STEPS` — so that `t` is the f32 product of a step count below 2²⁰ and `dt` at every
/// step, however long the run: behaviour at step 10⁹ is behaviour at step 10⁹ mod 2²⁰.
/// Time-valued states ([`crate::Model::time_states`]) are kept relative to the epoch and moved
/// when it changes; absolute times (a step current's switching times, a generator's duration)
/// are compared through the epoch's start, held as two f32s. Users read and write absolute
/// times throughout.
pub const EPOCH_STEPS: u64 = 1 << 20;

/// Step size and step index of a simulation; handed to every `update`.
///
/// `t` is always computed as the product `k·dt`, never accumulated, so that refractory
/// and transmitter windows (`t − t_spike < τ`) round exactly as BrainPy's
/// `t_k = k·dt` does. The first step runs at `t = 0`. Networks count `k` from the start of
/// the current epoch ([`EPOCH_STEPS`]).
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

    /// The first step of the current epoch: the latest multiple of [`EPOCH_STEPS`].
    pub fn epoch(&self) -> u64 {
        epoch_of(self.step)
    }

    /// When the current epoch started, `epoch·dt` in ms (f64).
    pub fn epoch_ms(&self) -> f64 {
        epoch_of(self.step) as f64 * self.dt
    }

    /// Time since the current epoch in ms, `(k − epoch)·dt` in f64 (what the f64 executor
    /// uses). Equals [`Clock::t_ms`] in the first epoch.
    pub fn since_epoch_ms(&self) -> f64 {
        (self.step - self.epoch()) as f64 * self.dt
    }

    /// Time since the current epoch in ms as an f32 product (what the network kernels use),
    /// exact in the step. Equals [`Clock::t_ms_f32`] in the first epoch.
    pub fn since_epoch_f32(&self) -> f32 {
        (self.step - self.epoch()) as f32 * self.dt as f32
    }
}

/// The first step of the epoch that step `k` is in.
pub(crate) fn epoch_of(k: u64) -> u64 {
    k - k % EPOCH_STEPS
}

/// `x` as the sum of two f32s, `hi = f32(x)` and `lo = f32(x − hi)`: 48 bits of `x`.
pub(crate) fn split_f32(x: f64) -> (f32, f32) {
    let hi = x as f32;
    (hi, (x - f64::from(hi)) as f32)
}

/// A time-valued state value moved from its epoch to one `delta` steps later (earlier when
/// negative). A time a kernel wrote is `f(m)·f(dt)` for a whole number of steps `m` since the
/// epoch (`f` rounding to the states' precision: f32 when `single`); it becomes
/// `f(m − delta)·f(dt)`, exactly what the kernel writes at that step in the new epoch. Any
/// other value (BrainPy's initial `-1e7`, a value a user set) is shifted by `delta·dt` in
/// that precision.
pub(crate) fn rebase_time(x: f64, dt: f64, delta: i64, single: bool) -> f64 {
    let round = |v: f64| if single { f64::from(v as f32) } else { v };
    let dt = round(dt);
    // Below 2^22 steps an f32 product is within a quarter step of m·dt, so m is recovered.
    let exact = if single {
        f64::from(1u32 << 22)
    } else {
        (1u64 << 50) as f64
    };
    let m = (x / dt).round();
    if m.abs() < exact && round(m * dt) == x {
        let moved = m - delta as f64;
        if moved.abs() < exact {
            return round(moved * dt);
        }
    }
    round(x - delta as f64 * dt)
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
    fn epochs_count_time_exactly() {
        let mut c = Clock::new(0.1).unwrap();
        c.set_step(3 * EPOCH_STEPS + 7);
        assert_eq!(c.epoch(), 3 * EPOCH_STEPS);
        assert_eq!(c.since_epoch_f32(), 7.0f32 * 0.1f32);
        assert_eq!(c.since_epoch_ms(), 7.0 * 0.1);
        let (hi, lo) = split_f32(c.epoch_ms());
        let sum = f64::from(hi) + f64::from(lo);
        assert!(
            (sum - c.epoch_ms()).abs() <= c.epoch_ms() * 2f64.powi(-47),
            "{sum}"
        );
    }

    #[test]
    fn rebased_spike_times_are_what_the_kernel_writes_in_the_new_epoch() {
        for dt in [0.1, 0.3, 0.025, 1.0] {
            let d = dt as f32;
            for m in [0i64, 1, 49, 1000, 123_457, (1 << 20) - 1] {
                for delta in [1i64 << 20, 2 << 20, -(1 << 20)] {
                    let x = f64::from(m as f32 * d);
                    let want = f64::from((m - delta) as f32 * d);
                    assert_eq!(rebase_time(x, dt, delta, true), want, "{dt} {m} {delta}");
                    let x = m as f64 * dt;
                    let want = (m - delta) as f64 * dt;
                    assert_eq!(rebase_time(x, dt, delta, false), want, "{dt} {m} {delta}");
                }
            }
        }
        // Values that are no step's time move by delta·dt.
        let moved = rebase_time(-1e7, 0.1, 1 << 20, true);
        assert!((moved - (-1e7 - 104_857.6)).abs() < 1.0, "{moved}");
        assert_eq!(rebase_time(0.05, 0.1, 10, false), 0.05 - 1.0);
    }

    #[test]
    fn rejects_bad_dt() {
        for dt in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            let e = Clock::new(dt).unwrap_err();
            assert!(e.to_string().contains("`dt`"), "{e}");
        }
    }
}
