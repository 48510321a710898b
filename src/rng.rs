//! Reproducible random numbers, all counter-based so that a value depends only on its
//! counter, never on the order of drawing:
//! - [`threefry2x32`] (Threefry-2x32-20, Salmon et al. 2011) drives every random input model;
//!   the WGSL twin in `shaders/rng.wgsl` gives the same words on any device;
//! - a SplitMix64 hash ([`uniform`], [`normal`], [`Rng`]) for host-side initialisers, tests
//!   and examples.

/// Threefry-2x32-20 (Salmon et al. 2011, the generator JAX uses): two random words for
/// `counter` under `key`, by additions, rotations and exclusive ors alone (WGSL has no
/// 32 × 32 → 64-bit product, which made Philox six times as costly there).
pub fn threefry2x32(counter: [u32; 2], key: [u32; 2]) -> [u32; 2] {
    const ROTATIONS: [u32; 8] = [13, 15, 26, 6, 17, 29, 16, 24];
    let ks = [key[0], key[1], 0x1BD1_1BDA ^ key[0] ^ key[1]];
    let mut x = [
        counter[0].wrapping_add(ks[0]),
        counter[1].wrapping_add(ks[1]),
    ];
    for round in 0..20 {
        x[0] = x[0].wrapping_add(x[1]);
        x[1] = x[1].rotate_left(ROTATIONS[round % 8]) ^ x[0];
        if round % 4 == 3 {
            let s = round / 4 + 1;
            x[0] = x[0].wrapping_add(ks[s % 3]);
            x[1] = x[1].wrapping_add(ks[(s + 1) % 3]).wrapping_add(s as u32);
        }
    }
    x
}

/// The four words the kernels draw for element `i` at step `k`, stream `stream` of generator
/// `seed` (`rand_words` in WGSL): two Threefry blocks of counter `(i, k)` under keys
/// `(seed, 2·stream)` and `(seed, 2·stream + 1)`.
pub fn element_words(seed: u32, stream: u32, i: u32, k: u32) -> [u32; 4] {
    let [a, b] = threefry2x32([i, k], [seed, 2 * stream]);
    let [c, d] = threefry2x32([i, k], [seed, 2 * stream + 1]);
    [a, b, c, d]
}

/// A word as a uniform number in `[0, 1)` with 24 bits (`rand_unit` in WGSL; exact in f32).
pub fn unit(word: u32) -> f64 {
    (word >> 8) as f64 / 16_777_216.0
}

/// A standard normal from two words (Box–Muller, `rand_normal` in WGSL).
pub fn unit_normal(w0: u32, w1: u32) -> f64 {
    let u1 = 1.0 - unit(w0);
    let u2 = unit(w1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

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
    fn threefry_matches_the_random123_known_answers() {
        assert_eq!(threefry2x32([0; 2], [0; 2]), [0x6b200159, 0x99ba4efe]);
        assert_eq!(
            threefry2x32([u32::MAX; 2], [u32::MAX; 2]),
            [0x1cb996fc, 0xbb002be7]
        );
        assert_eq!(
            threefry2x32([0x243f6a88, 0x85a308d3], [0x13198a2e, 0x03707344]),
            [0xc4923a9c, 0x483df7a0]
        );
    }

    #[test]
    fn streams_and_seeds_differ() {
        assert_ne!(bits(1, 0, 0), bits(2, 0, 0));
        assert_ne!(bits(1, 0, 0), bits(1, 1, 0));
        assert_eq!(bits(1, 2, 3), bits(1, 2, 3));
    }
}
