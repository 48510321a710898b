//! Poisson drive as a term ([`PoissonDrive`]): `K` independent Poisson sources per target
//! neuron, drawn as one binomial count per neuron and step — no element per source.

use crate::error::{Error, Result};
use crate::rng;
use crate::units::{Quantity, Rate};

use super::connectivity::Stream;

/// The drive of `sources` independent Poisson sources firing at `rate` onto every target
/// neuron through synapses of weight `weight` (BrainPy's `poisson_input`, NEST's
/// `poisson_generator` with `K` connections, Brian2's `PoissonInput`).
///
/// In each step every target neuron of every batch row receives `weight · c`, with `c` drawn
/// from Binomial(`sources`, p), p = 1 − e^(−rate·dt) (the chance that a source fires in the
/// step, as BrainPy's `poisson_input`). A term of a delta input
/// ([`Term::poisson`](super::Term::poisson)): it adds to the target's fixed-point sums, beside
/// event projections, so every executor gives the same counts.
///
/// The counts are drawn by inverting the binomial's distribution function, tabulated on the
/// host in f64 as 32-bit thresholds: one 32-bit Threefry word per neuron and step, counter
/// (flat neuron index, step), key from the [`Stream`]. Every executor and device draws the same
/// counts; the distribution is exact to 2⁻³² per value (tails below 2⁻³² are cut).
///
/// ```
/// use brainwgpu::network::{PoissonDrive, Stream};
/// use brainwgpu::units::Hz;
/// // 1,000 sources at 20 Hz, 0.1 mV each (Brunel's external drive).
/// let drive = PoissonDrive::new(1000, 20.0 * Hz, 0.1, Stream::new(7, 100));
/// assert_eq!(drive.sources(), 1000);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PoissonDrive {
    pub(crate) sources: u64,
    /// Rate per source, 1/ms.
    pub(crate) rate: f64,
    pub(crate) weight: f64,
    pub(crate) stream: Stream,
}

/// The most thresholds a drive's table may hold (a binomial whose standard deviation is
/// beyond about 5,000 counts).
const MAX_TABLE: usize = 1 << 16;

/// Keys of drives, apart from the connectivity rules' and the examples' streams.
const DOMAIN: u64 = 0xD21E_0000_0000_0000;

/// A drive's binomial as the kernels read it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Binomial {
    /// Counts below `first` never occur.
    pub first: u32,
    /// `thresholds[j]`: 2³² · P(count ≤ first + j), rounded, for the counts whose
    /// probability is between 0 and 1 at 32 bits; the count of a word `u` is `first` plus the
    /// number of thresholds ≤ u.
    pub thresholds: Vec<u32>,
    /// The largest count it can draw.
    pub max: u64,
}

impl Binomial {
    /// The count that word `u` draws.
    pub fn count(&self, u: u32) -> u64 {
        u64::from(self.first) + self.thresholds.partition_point(|&t| t <= u) as u64
    }
}

impl PoissonDrive {
    /// `sources` sources at `rate` each, synaptic weight `weight` (the target's delta input,
    /// internal units), drawn from `stream`.
    pub fn new(sources: u64, rate: Quantity<Rate>, weight: f64, stream: Stream) -> PoissonDrive {
        PoissonDrive {
            sources,
            rate: rate.value(),
            weight,
            stream,
        }
    }

    /// The number of sources.
    pub fn sources(&self) -> u64 {
        self.sources
    }

    /// The weight of one source's spike.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The rate of each source in 1/ms.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The Threefry key of its draws.
    pub(crate) fn key(&self) -> [u32; 2] {
        let h = rng::bits(self.stream.seed, DOMAIN ^ self.stream.key, 0);
        [h as u32, (h >> 32) as u32]
    }

    /// The random word of flat neuron `i` at step `k` (`drive_word` in WGSL).
    pub(crate) fn word(key: [u32; 2], i: u32, k: u32) -> u32 {
        rng::threefry2x32([i, k], key)[0]
    }

    /// Checks the parameters (`what` names the input it drives).
    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        if !crate::model::non_negative(self.rate) {
            return Err(Error::invalid(
                what,
                "PoissonDrive rate",
                self.rate,
                "must be finite and ≥ 0 (1/ms)",
            ));
        }
        if !crate::model::finite(self.weight) {
            return Err(Error::invalid(
                what,
                "PoissonDrive weight",
                self.weight,
                crate::model::FINITE,
            ));
        }
        if self.sources > u64::from(u32::MAX) {
            return Err(Error::invalid(
                what,
                "PoissonDrive sources",
                self.sources,
                format!("must be at most {}", u32::MAX),
            ));
        }
        Ok(())
    }

    /// Its binomial at step `dt` (ms), tabulated.
    pub(crate) fn binomial(&self, dt: f64, what: &str) -> Result<Binomial> {
        self.validate(what)?;
        let p = -(-self.rate * dt).exp_m1();
        let n = self.sources;
        if n == 0 || p <= 0.0 {
            return Ok(Binomial {
                first: 0,
                thresholds: Vec::new(),
                max: 0,
            });
        }
        if p >= 1.0 {
            return Ok(Binomial {
                first: n as u32,
                thresholds: Vec::new(),
                max: n,
            });
        }
        // Probabilities relative to the mode's, outwards from it until they are negligible
        // at 32 bits, then normalised.
        let mode = (((n + 1) as f64) * p).floor().min(n as f64) as u64;
        let ratio = p / (1.0 - p);
        let negligible = 1e-12;
        let mut above = vec![1.0f64];
        let mut j = mode;
        while j < n {
            let next = above[above.len() - 1] * (n - j) as f64 / (j + 1) as f64 * ratio;
            if next < negligible {
                break;
            }
            above.push(next);
            j += 1;
            if above.len() > MAX_TABLE {
                break;
            }
        }
        let mut below = Vec::new();
        let (mut j, mut last) = (mode, 1.0f64);
        while j > 0 {
            let prev = last * j as f64 / (n - j + 1) as f64 / ratio;
            if prev < negligible {
                break;
            }
            below.push(prev);
            last = prev;
            j -= 1;
            if below.len() > MAX_TABLE {
                break;
            }
        }
        if above.len() + below.len() > MAX_TABLE {
            return Err(Error::invalid(
                what,
                "PoissonDrive",
                format!("Binomial({n}, {p:.3e})"),
                format!(
                    "needs more than {MAX_TABLE} thresholds (standard deviation above ~5,000 counts)"
                ),
            ));
        }
        let lowest = mode - below.len() as u64;
        let pmf: Vec<f64> = below.iter().rev().chain(&above).copied().collect();
        let total: f64 = pmf.iter().sum();
        let scale = 2f64.powi(32);
        let mut thresholds = Vec::with_capacity(pmf.len());
        let mut first = lowest;
        let mut cdf = 0.0;
        for (q, x) in pmf.iter().enumerate() {
            cdf += x / total;
            let t = (cdf * scale).round();
            if t <= 0.0 {
                first = lowest + q as u64 + 1;
            } else if t < scale {
                thresholds.push(t as u32);
            }
        }
        Ok(Binomial {
            first: first as u32,
            max: u64::from(first as u32) + thresholds.len() as u64,
            thresholds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Hz;

    #[test]
    fn the_tabulated_binomial_has_the_binomial_s_mean_and_variance() {
        for (n, rate_hz, dt) in [(1000u64, 20.0, 0.1), (2000, 8.0, 0.1), (50, 500.0, 1.0)] {
            let d = PoissonDrive::new(n, rate_hz * Hz, 1.0, Stream::new(3, 1));
            let b = d.binomial(dt, "test").unwrap();
            let p = -(-d.rate() * dt).exp_m1();
            // Exact moments of the tabulated distribution, from its thresholds.
            let (mut mean, mut second, mut prev) = (0.0, 0.0, 0u64);
            let mut prob = |c: u64, t: u64| {
                let w = (t - prev) as f64 / 2f64.powi(32);
                prev = t;
                mean += w * c as f64;
                second += w * (c * c) as f64;
            };
            for (j, &t) in b.thresholds.iter().enumerate() {
                prob(u64::from(b.first) + j as u64, u64::from(t));
            }
            prob(b.max, 1 << 32);
            let var = second - mean * mean;
            let (want_mean, want_var) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!(
                (mean - want_mean).abs() < 1e-6 * want_mean.max(1.0),
                "{mean} vs {want_mean}"
            );
            assert!(
                (var - want_var).abs() < 1e-5 * want_var.max(1.0),
                "{var} vs {want_var}"
            );
            // The inversion: word 0 draws the smallest count, the largest word the largest.
            assert_eq!(b.count(0), u64::from(b.first));
            assert_eq!(b.count(u32::MAX), b.max);
        }
    }

    #[test]
    fn degenerate_drives_draw_constant_counts_and_bad_ones_are_errors() {
        let zero = PoissonDrive::new(100, 0.0 * Hz, 1.0, Stream::new(0, 0));
        assert_eq!(zero.binomial(0.1, "x").unwrap().max, 0);
        let none = PoissonDrive::new(0, 10.0 * Hz, 1.0, Stream::new(0, 0));
        assert_eq!(none.binomial(0.1, "x").unwrap().count(12345), 0);
        let bad = PoissonDrive::new(10, -1.0 * Hz, 1.0, Stream::new(0, 0));
        let e = bad.binomial(0.1, "G").unwrap_err();
        assert!(e.to_string().contains("rate"), "{e}");
        let nan = PoissonDrive::new(10, 1.0 * Hz, f64::NAN, Stream::new(0, 0));
        assert!(
            nan.validate("G")
                .unwrap_err()
                .to_string()
                .contains("weight")
        );
        let wide = PoissonDrive::new(4_000_000_000, 6931.0 * Hz, 1.0, Stream::new(0, 0));
        assert!(wide.binomial(0.1, "G").is_err());
    }
}
