//! Fixed-point sums: event projections and Poisson drives add their weights to the sums a
//! population reads as its delta input as whole numbers of a unit, so that the sums — and the
//! run — are the same whatever order the atomics land in. This module chooses the units.
//!
//! Target `j` of an input can receive at most `S_j` in one step: the sum of `|w|` over its
//! synapses, plus `K·|w|` for each Poisson drive of `K` sources. Its own unit is the smallest
//! power of two that keeps such a sum within 2^30 counts (`S_j/2^30 ≤ own_j < S_j/2^29`). When
//! the targets' own units lie within a factor [`SHARED_SPREAD`] of each other, the largest of
//! them serves every target (one value that kernels can fold, one weight word for a
//! homogeneous projection); otherwise each target keeps its own, and the weights that kernels
//! quantize themselves (homogeneous and procedural ones, Poisson drives) are rounded to each
//! target's unit. Either way `u_j < 2^-26·S_j`: a target's precision depends on what it can
//! receive, never on what other targets receive.
//!
//! The bound: an event adds its weight `w` rounded to a multiple of `u_j` (with units per
//! target, `w` is first rounded to f32, as the kernels hold it), so a sum of `m` events into
//! `j` is within `m·(2^-24·max|w| + 2^-27·S_j) ≤ m·2^-23·S_j` of the exact sum of the weights;
//! reading it rounds once more to f32. Units are powers of two from 2^-126 up, so weights
//! below 2^-127 (≈ 5.9e-39) add nothing. The f64 executor keeps exact sums.

use std::sync::Arc;

use crate::model::ParamValue;

/// Targets share one unit while their own units differ by at most this factor.
pub(crate) const SHARED_SPREAD: f64 = 8.0;

/// The units of one input's fixed-point sums.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Units {
    /// One unit for every target.
    Shared(f64),
    /// One unit per target neuron (the same for every row).
    PerTarget(Arc<[f64]>),
}

/// The smallest power of two (at least 2^-126) that keeps `max_sum` within 2^30 counts.
fn own_unit(max_sum: f64) -> f64 {
    let u = (max_sum / 2f64.powi(30)).max(2f64.powi(-126));
    2f64.powi(u.log2().ceil() as i32)
}

impl Units {
    /// The units for targets that can receive at most `max_sums[j]` in a step.
    pub fn choose(max_sums: &[f64]) -> Units {
        let own: Vec<Option<f64>> = max_sums
            .iter()
            .map(|&s| (s > 0.0).then(|| own_unit(s)))
            .collect();
        let coarsest = own.iter().flatten().copied().fold(0.0, f64::max);
        let finest = own.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        if coarsest == 0.0 {
            return Units::Shared(1.0);
        }
        if coarsest <= SHARED_SPREAD * finest {
            return Units::Shared(coarsest);
        }
        // A target that receives nothing takes the coarsest unit (any would do).
        Units::PerTarget(own.iter().map(|u| u.unwrap_or(coarsest)).collect())
    }

    /// The unit of target `j`.
    #[cfg(test)]
    pub fn of(&self, j: usize) -> f64 {
        match self {
            Units::Shared(u) => *u,
            Units::PerTarget(u) => u[j],
        }
    }

    /// Whether every target has the same unit.
    pub fn is_shared(&self) -> bool {
        matches!(self, Units::Shared(_))
    }

    /// Weight `w` into target `j` as a whole number of its unit. With one unit, `w` is rounded
    /// from f64 (ties away from zero); with units per target, from f32 with ties to even — as
    /// the kernels round the weights they quantize themselves (`quantize` in
    /// `shaders/delivery.wgsl`), so stored and procedural twins add the same counts.
    pub fn fixed(&self, w: f64, j: usize) -> i32 {
        match self {
            Units::Shared(u) => (w / u).round() as i32,
            Units::PerTarget(u) => (f64::from(w as f32) / u[j]).round_ties_even() as i32,
        }
    }

    /// The parameter through which a population's update reads them (`sum_unit` in WGSL).
    pub fn param(&self) -> ParamValue {
        match self {
            Units::Shared(u) => ParamValue::Scalar(*u),
            Units::PerTarget(u) => ParamValue::PerNeuron(u.clone()),
        }
    }

    /// The inverse units per target as f32 bits (exact: powers of two), for kernels that
    /// quantize weights themselves; empty with one unit.
    pub fn inverse_words(&self) -> Vec<u32> {
        match self {
            Units::Shared(_) => Vec::new(),
            Units::PerTarget(u) => u.iter().map(|&u| ((1.0 / u) as f32).to_bits()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_share_a_unit_only_while_their_own_units_are_close() {
        // In-degrees 40 … 90 of one weight: one unit, the coarsest.
        let sums: Vec<f64> = (40..=90).map(|k| 0.6 * k as f64).collect();
        let Units::Shared(u) = Units::choose(&sums) else {
            panic!("close sums share a unit")
        };
        assert_eq!(u, own_unit(54.0));
        // One target receiving 1e6, another 999 × 1e-4: each its own.
        let units = Units::choose(&[1e6, 0.0999, 0.0]);
        assert!(!units.is_shared());
        for (j, s) in [(0, 1e6), (1, 0.0999)] {
            let u = units.of(j);
            assert!(s / 2f64.powi(30) <= u && u < s / 2f64.powi(29), "{j}: {u}");
        }
        assert_eq!(units.of(2), units.of(0));
        // The bound u_j < 2^-26 S_j for every target, shared or not.
        for sums in [vec![1.0, 7.9], vec![1.0, 8.1], vec![3.0, 1e-20, 1e30]] {
            let units = Units::choose(&sums);
            for (j, &s) in sums.iter().enumerate() {
                assert!(units.of(j) < s * 2f64.powi(-26), "{sums:?}: {j}");
            }
        }
        // Tiny sums stop at 2^-126; nothing received: unit 1.
        assert_eq!(Units::choose(&[1e-60]), Units::Shared(2f64.powi(-126)));
        assert_eq!(Units::choose(&[0.0, 0.0]), Units::Shared(1.0));
    }

    #[test]
    fn weights_are_whole_counts_of_their_targets_unit() {
        let units = Units::PerTarget(vec![0.25, 2f64.powi(-34)].into());
        assert_eq!(units.fixed(1.0, 0), 4);
        assert_eq!(units.fixed(0.125, 0), 0); // a tie, to even
        assert_eq!(units.fixed(0.375, 0), 2); // a tie, to even
        assert_eq!(
            units.fixed(1e-4, 1),
            (1e-4f32 as f64 * 2f64.powi(34)).round() as i32
        );
        assert_eq!(Units::Shared(0.25).fixed(0.125, 0), 1); // away from zero, as before
        assert_eq!(units.inverse_words()[0], 4.0f32.to_bits());
    }
}
