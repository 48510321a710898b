//! Reproducible host-side random numbers: a counter-based hash (SplitMix64), so that value
//! `i` of stream `s` under seed `seed` is the same whatever order values are drawn in.

/// SplitMix64's finaliser: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 64 random bits for counter `i` of stream `stream`.
pub fn bits(seed: u64, stream: u64, i: u64) -> u64 {
    mix(mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15)))
        .wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// Uniform in `[0, 1)` with 53 random bits.
pub fn uniform(seed: u64, stream: u64, i: u64) -> f64 {
    (bits(seed, stream, i) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal (Box–Muller on counters `2i` and `2i + 1`).
pub fn normal(seed: u64, stream: u64, i: u64) -> f64 {
    let u1 = 1.0 - uniform(seed, stream, 2 * i); // (0, 1]
    let u2 = uniform(seed, stream, 2 * i + 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A sequential generator over the counter-based stream, for examples and tests.
#[derive(Clone, Debug)]
pub struct Rng {
    seed: u64,
    stream: u64,
    counter: u64,
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng {
            seed,
            stream: 0,
            counter: 0,
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        self.counter += 1;
        uniform(self.seed, self.stream, self.counter)
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        self.counter += 1;
        normal(self.seed, self.stream, self.counter)
    }

    /// `true` with probability `p`.
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_right() {
        let n = 200_000u64;
        let (mut s, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let z = normal(7, 1, i);
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        let u: f64 = (0..n).map(|i| uniform(3, 0, i)).sum::<f64>() / n as f64;
        assert!((u - 0.5).abs() < 0.005, "{u}");
    }

    #[test]
    fn streams_and_seeds_differ() {
        assert_ne!(bits(1, 0, 0), bits(2, 0, 0));
        assert_ne!(bits(1, 0, 0), bits(1, 1, 0));
        assert_eq!(bits(1, 2, 3), bits(1, 2, 3));
    }
}
