//! Connectivity rules and per-synapse distributions: which synapses a projection has, and the
//! weight (and delay) of each, drawn deterministically from a seed.
//!
//! Every draw is counter-based ([`rng::bits`]): a synapse's target, weight and delay depend
//! only on (seed, the projection's stream, the counter of the draw), never on the order of
//! drawing or on the device, so the same rule and seed give the same synapses on every executor
//! and machine. Each projection draws from streams of its own ([`Stream`]); no two projections
//! and no two seeds share random numbers.
//!
//! The result is [`Synapses`]: source-major compressed rows (`offsets`, `post`), so sources with
//! different numbers of synapses need no padding.
//!
//! ```
//! use brainwgpu::network::{Rule, Stream};
//! // Brunel-style wiring: every neuron receives exactly 100 excitatory synapses.
//! let s = Rule::fixed_in_degree(100).build(1_000, 1_250, false, Stream::new(7, 1))?;
//! assert_eq!(s.len(), 1_250 * 100);
//! assert!(s.in_degrees().iter().all(|&d| d == 100));
//! # Ok::<(), brainwgpu::Error>(())
//! ```

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::rng;

/// Where a projection's random numbers come from: a seed and the projection's own key.
///
/// Targets, weights and delays are drawn from three different sub-streams of the key, so
/// changing a weight distribution does not move a synapse. Keys of different projections
/// of one network must differ (a [`crate::network::Network`] numbers them); seeds are mixed
/// with the key by a 64-bit hash, so seed `s` of projection 1 shares nothing with seed `s + 1`
/// of projection 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stream {
    /// The network's seed.
    pub seed: u64,
    /// The projection's key.
    pub key: u64,
}

/// The sub-streams of a projection's key.
const TARGETS: u64 = 0;
const WEIGHTS: u64 = 1;
const DELAYS: u64 = 2;
/// Stream keys of the connectivity rules start here, apart from the streams the initialisers
/// and examples use with small numbers.
const DOMAIN: u64 = 0xC0AA_EC70_0000_0000;

impl Stream {
    /// Projection `key` of a network seeded with `seed`.
    pub fn new(seed: u64, key: u64) -> Stream {
        Stream { seed, key }
    }

    /// The Threefry key of procedural weight draws from this stream.
    pub(crate) fn weights_key(self) -> [u32; 2] {
        self.sub(WEIGHTS).key()
    }

    /// The Threefry key of the rules' target draws from this stream.
    pub(crate) fn targets_key(self) -> [u32; 2] {
        self.sub(TARGETS).key()
    }

    fn sub(self, which: u64) -> Draws {
        Draws {
            seed: self.seed,
            stream: DOMAIN ^ (self.key.wrapping_mul(4).wrapping_add(which)),
        }
    }
}

/// Counter-based draws from one sub-stream of [`rng`]; counter `(row, j)` is `row·2³² + j`.
#[derive(Clone, Copy, Debug)]
struct Draws {
    seed: u64,
    stream: u64,
}

impl Draws {
    fn counter(row: u64, j: u64) -> u64 {
        (row << 32) ^ j
    }

    /// Uniform in `[0, 1)` with 53 bits.
    fn unit(self, row: u64, j: u64) -> f64 {
        rng::uniform(self.seed, self.stream, Draws::counter(row, j))
    }

    /// Uniform integer in `[0, n)` (the high word of a 64 × 64-bit product; bias below n/2⁶⁴).
    fn below(self, n: u64, row: u64, j: u64) -> u64 {
        let bits = rng::bits(self.seed, self.stream, Draws::counter(row, j));
        ((u128::from(bits) * u128::from(n)) >> 64) as u64
    }

    /// The Threefry key of this sub-stream (the draws of multapse rows, which a kernel can
    /// repeat: see [`procedural_target`]).
    pub(crate) fn key(self) -> [u32; 2] {
        let h = rng::bits(self.seed, self.stream, u64::MAX);
        [h as u32, (h >> 32) as u32]
    }

    /// Standard normal: [`rng::normal`]'s Box–Muller on counters `(row, 2j)` and
    /// `(row, 2j + 1)` (its counter `i = row·2³¹ ⊕ j`, doubled, is `row·2³² ⊕ 2j`).
    fn normal(self, row: u64, j: u64) -> f64 {
        rng::normal(self.seed, self.stream, (row << 31) ^ j)
    }
}

/// Which synapses a projection from `n_pre` sources to `n_post` targets has.
///
/// `autapses` (a neuron onto itself) matters only when source and target are the same
/// population; `multapses` (more than one synapse between a pair) only for the rules that
/// can draw a pair twice.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Every source onto every target.
    AllToAll {
        /// Keep `i → i` when source and target are one population.
        autapses: bool,
    },
    /// Source `i` onto target `i` (the populations must be the same size).
    OneToOne,
    /// Each pair independently with probability `p` (NEST's `pairwise_bernoulli`).
    Bernoulli {
        /// The probability, in `[0, 1]`.
        p: f64,
        /// Allow `i → i` when source and target are one population.
        autapses: bool,
    },
    /// Each target receives exactly `k` synapses from sources drawn uniformly.
    FixedInDegree {
        /// Synapses per target.
        k: usize,
        /// Allow `i → i` when source and target are one population.
        autapses: bool,
        /// Allow a source to be drawn twice for one target.
        multapses: bool,
    },
    /// Each source makes exactly `k[i]` synapses onto targets drawn uniformly (one value: the
    /// same for every source).
    FixedOutDegree {
        /// Synapses per source: one value, or one per source.
        k: Arc<[usize]>,
        /// Allow `i → i` when source and target are one population.
        autapses: bool,
        /// Allow a target to be drawn twice for one source.
        multapses: bool,
    },
    /// Exactly `n` synapses between pairs drawn uniformly (NEST's `fixed_total_number`, the
    /// Potjans–Diesmann rule).
    FixedTotal {
        /// Number of synapses.
        n: u64,
        /// Allow `i → i` when source and target are one population.
        autapses: bool,
        /// Allow a pair to be drawn twice.
        multapses: bool,
    },
    /// Given pairs: synapse `s` goes from `pre[s]` to `post[s]`.
    Explicit {
        /// Source of each synapse.
        pre: Arc<[u32]>,
        /// Target of each synapse.
        post: Arc<[u32]>,
    },
}

impl Rule {
    /// [`Rule::Bernoulli`] without autapses.
    pub fn bernoulli(p: f64) -> Rule {
        Rule::Bernoulli { p, autapses: false }
    }

    /// [`Rule::FixedInDegree`] without autapses, with multapses (NEST's defaults).
    pub fn fixed_in_degree(k: usize) -> Rule {
        Rule::FixedInDegree {
            k,
            autapses: false,
            multapses: true,
        }
    }

    /// [`Rule::FixedOutDegree`], the same `k` for every source, without autapses, with
    /// multapses.
    pub fn fixed_out_degree(k: usize) -> Rule {
        Rule::FixedOutDegree {
            k: Arc::from([k]),
            autapses: false,
            multapses: true,
        }
    }

    /// [`Rule::FixedTotal`] without autapses, with multapses.
    pub fn fixed_total(n: u64) -> Rule {
        Rule::FixedTotal {
            n,
            autapses: false,
            multapses: true,
        }
    }

    /// [`Rule::Explicit`] from pairs.
    pub fn explicit(pre: impl Into<Arc<[u32]>>, post: impl Into<Arc<[u32]>>) -> Rule {
        Rule::Explicit {
            pre: pre.into(),
            post: post.into(),
        }
    }

    /// The rule's name in errors.
    fn name(&self) -> &'static str {
        match self {
            Rule::AllToAll { .. } => "AllToAll",
            Rule::OneToOne => "OneToOne",
            Rule::Bernoulli { .. } => "Bernoulli",
            Rule::FixedInDegree { .. } => "FixedInDegree",
            Rule::FixedOutDegree { .. } => "FixedOutDegree",
            Rule::FixedTotal { .. } => "FixedTotal",
            Rule::Explicit { .. } => "Explicit",
        }
    }

    /// The synapses from `n_pre` sources to `n_post` targets; `same` says whether they are one
    /// population (autapses then apply). Checks the rule first: a typed error names the rule and
    /// the parameter at fault.
    pub fn build(
        &self,
        n_pre: usize,
        n_post: usize,
        same: bool,
        stream: Stream,
    ) -> Result<Synapses> {
        let name = self.name();
        check_index_range(name, "sources", n_pre)?;
        check_index_range(name, "targets", n_post)?;
        if same && n_pre != n_post {
            return Err(Error::shape(
                format!("{name}: one population's sources and targets"),
                format!("{n_pre} targets"),
                format!("{n_post} targets"),
            ));
        }
        let draws = stream.sub(TARGETS);
        let pairs = match self {
            Rule::AllToAll { autapses } => {
                let skip = same && !autapses;
                let total = n_pre as u128 * n_post as u128 - if skip { n_pre as u128 } else { 0 };
                check_total(name, total)?;
                let mut rows = Rows::with_capacity(n_pre, total as usize);
                for i in 0..n_pre {
                    rows.extend((0..n_post as u32).filter(|&j| !(skip && j as usize == i)));
                    rows.close_row();
                }
                return Ok(rows.finish(n_pre, n_post));
            }
            Rule::OneToOne => {
                if n_pre != n_post {
                    return Err(Error::shape(
                        "OneToOne: targets",
                        format!("{n_pre} (one per source)"),
                        n_post,
                    ));
                }
                let mut rows = Rows::with_capacity(n_pre, n_pre);
                for i in 0..n_pre {
                    rows.extend([i as u32]);
                    rows.close_row();
                }
                return Ok(rows.finish(n_pre, n_post));
            }
            Rule::Bernoulli { p, autapses } => {
                if !(0.0..=1.0).contains(p) {
                    return Err(Error::invalid(name, "p", p, "must be in [0, 1]"));
                }
                let skip = same && !autapses;
                let expected = *p * n_pre as f64 * n_post as f64;
                // A margin of many standard deviations over the expected count.
                check_total(name, (expected + 10.0 * expected.sqrt() + 16.0) as u128)?;
                let mut rows = Rows::with_capacity(n_pre, (expected * 1.01) as usize + 16);
                for i in 0..n_pre {
                    bernoulli_row(draws, i as u64, n_post, *p, |j| {
                        if !(skip && j as usize == i) {
                            rows.push(j);
                        }
                    });
                    rows.close_row();
                }
                return Ok(rows.finish(n_pre, n_post));
            }
            Rule::FixedInDegree {
                k,
                autapses,
                multapses,
            } => {
                let pool = n_pre - usize::from(same && !autapses);
                check_degree(name, "k", *k, pool, *multapses, "sources")?;
                check_total(name, *k as u128 * n_post as u128)?;
                // Draw each target's sources, then sort the pairs source-major.
                let mut pre = Vec::with_capacity(k * n_post);
                let mut post = Vec::with_capacity(k * n_post);
                for j in 0..n_post {
                    let own = (same && !autapses).then_some(j);
                    draw_distinct(draws, j as u64, *k, n_pre, own, *multapses, |i| {
                        pre.push(i);
                        post.push(j as u32);
                    });
                }
                (pre, post)
            }
            Rule::FixedOutDegree {
                k,
                autapses,
                multapses,
            } => {
                if k.len() != 1 && k.len() != n_pre {
                    return Err(Error::shape(
                        "FixedOutDegree: k",
                        format!("1 value or {n_pre} (one per source)"),
                        k.len(),
                    ));
                }
                let pool = n_post - usize::from(same && !autapses);
                let k_of = |i: usize| if k.len() == 1 { k[0] } else { k[i] };
                let mut total = 0u128;
                for i in 0..n_pre {
                    check_degree(name, "k", k_of(i), pool, *multapses, "targets")?;
                    total += k_of(i) as u128;
                }
                check_total(name, total)?;
                let mut rows = Rows::with_capacity(n_pre, total as usize);
                for i in 0..n_pre {
                    let own = (same && !autapses).then_some(i);
                    draw_distinct(draws, i as u64, k_of(i), n_post, own, *multapses, |j| {
                        rows.push(j)
                    });
                    rows.close_row();
                }
                return Ok(rows.finish(n_pre, n_post));
            }
            Rule::FixedTotal {
                n,
                autapses,
                multapses,
            } => {
                let skip = same && !autapses;
                let pairs = n_pre as u128 * n_post as u128 - if skip { n_pre as u128 } else { 0 };
                if !multapses && u128::from(*n) > pairs {
                    return Err(Error::invalid(
                        name,
                        "n",
                        n,
                        format!("must be at most the {pairs} distinct pairs without multapses"),
                    ));
                }
                if *n > 0 && pairs == 0 {
                    return Err(Error::invalid(name, "n", n, "has no pair to connect"));
                }
                check_total(name, u128::from(*n))?;
                fixed_total(draws, *n, n_pre, n_post, skip, *multapses)
            }
            Rule::Explicit { pre, post } => {
                if pre.len() != post.len() {
                    return Err(Error::shape(
                        "Explicit: post",
                        format!("{} values (one per pre)", pre.len()),
                        post.len(),
                    ));
                }
                check_total(name, pre.len() as u128)?;
                if let Some(bad) = pre.iter().find(|&&i| i as usize >= n_pre) {
                    return Err(Error::invalid(
                        name,
                        "pre",
                        bad,
                        format!("must be below the {n_pre} sources"),
                    ));
                }
                if let Some(bad) = post.iter().find(|&&j| j as usize >= n_post) {
                    return Err(Error::invalid(
                        name,
                        "post",
                        bad,
                        format!("must be below the {n_post} targets"),
                    ));
                }
                // Kept in the given order within each source, so per-synapse arrays given in
                // the pairs' order can be permuted alongside (see `Synapses::order`).
                (pre.to_vec(), post.to_vec())
            }
        };
        Ok(source_major(pairs.0, pairs.1, n_pre, n_post))
    }
}

/// Indices are 32-bit on the device.
fn check_index_range(rule: &str, what: &str, n: usize) -> Result<()> {
    if n > u32::MAX as usize {
        return Err(Error::invalid(
            rule,
            what,
            n,
            format!("must be at most {} (32-bit indices)", u32::MAX),
        ));
    }
    Ok(())
}

/// Synapse numbers are 32-bit on the device (offsets into the table).
fn check_total(rule: &str, total: u128) -> Result<()> {
    if total > u32::MAX as u128 {
        return Err(Error::invalid(
            rule,
            "synapses",
            total,
            format!(
                "must be at most {} per projection (32-bit offsets)",
                u32::MAX
            ),
        ));
    }
    Ok(())
}

fn check_degree(
    rule: &str,
    param: &str,
    k: usize,
    pool: usize,
    multapses: bool,
    among: &str,
) -> Result<()> {
    if k > 0 && pool == 0 {
        return Err(Error::invalid(
            rule,
            param,
            k,
            format!("but there are no {among} to draw"),
        ));
    }
    if !multapses && k > pool {
        return Err(Error::invalid(
            rule,
            param,
            k,
            format!("must be at most the {pool} {among} without multapses"),
        ));
    }
    Ok(())
}

/// The targets of source `row` under a Bernoulli(p) rule, ascending, by geometric skips (one
/// draw per synapse, not per pair).
fn bernoulli_row(draws: Draws, row: u64, n: usize, p: f64, mut push: impl FnMut(u32)) {
    if p <= 0.0 {
        return;
    }
    if p >= 1.0 {
        (0..n as u32).for_each(push);
        return;
    }
    if let Some(thresholds) = geometric_thresholds(p) {
        // Integer inversion, which a kernel repeats word for word (procedural connectivity).
        geometric_walk(draws.key(), &thresholds, row as u32, n as u32, push);
        return;
    }
    let log_q = (-p).ln_1p();
    let mut j = 0u64;
    let mut at = 0u64;
    loop {
        let u = 1.0 - draws.unit(row, j); // (0, 1]
        j += 1;
        let skip = (u.ln() / log_q).floor();
        // `skip` is finite and ≥ 0 (u ∈ (0, 1], log_q < 0); past the row's end, it is done.
        if skip >= (n as u64 - at) as f64 {
            return;
        }
        at += skip as u64;
        push(at as u32);
        at += 1;
    }
}

/// The targets of row `row` among `n`, ascending, by gaps drawn from `thresholds` (see
/// [`geometric_thresholds`]): gap `j` is the number of thresholds ≤ the Threefry word of
/// counter `(row, j)` under `key`. `procedural_next` in `shaders/delivery.wgsl` is its twin.
pub(crate) fn geometric_walk(
    key: [u32; 2],
    thresholds: &[u32],
    row: u32,
    n: u32,
    mut push: impl FnMut(u32),
) {
    let mut j = 0u32;
    let mut at = 0u64;
    loop {
        let u = rng::threefry2x32([row, j], key)[0];
        j = j.wrapping_add(1);
        at += thresholds.partition_point(|&t| t <= u) as u64;
        if at >= u64::from(n) {
            return;
        }
        push(at as u32);
        at += 1;
    }
}

/// The most thresholds of a geometric skip (below p ≈ 1.3·10⁻⁶ rows are drawn by logarithms
/// instead, which kernels cannot repeat exactly).
pub(crate) const MAX_GEOMETRIC: usize = 1 << 24;

/// The geometric distribution of the gaps between a Bernoulli(p) row's synapses as 32-bit
/// thresholds: `t[s] = 2³²·P(gap ≤ s)` rounded, while below 2³²; the gap that a word `u` draws
/// is the number of thresholds ≤ u. `None` when that takes more than [`MAX_GEOMETRIC`].
pub(crate) fn geometric_thresholds(p: f64) -> Option<Vec<u32>> {
    let log_q = (-p).ln_1p();
    let len = ((-32.0 * std::f64::consts::LN_2) / log_q).ceil();
    if !(len.is_finite() && len <= MAX_GEOMETRIC as f64) {
        return None;
    }
    let scale = 2f64.powi(32);
    Some(
        (0..)
            .map(|s: u64| (-(((s + 1) as f64) * log_q).exp_m1() * scale).round())
            .take_while(|&t| t < scale)
            .map(|t| t as u32)
            .collect(),
    )
}

/// `k` indices in `[0, n)` for `row`, leaving out `own`; distinct unless `multapses`.
/// Deterministic: the j-th draw of a row is counter `(row, j)`, redrawn (next counter) on a
/// rejected index.
fn draw_distinct(
    draws: Draws,
    row: u64,
    k: usize,
    n: usize,
    own: Option<usize>,
    multapses: bool,
    mut push: impl FnMut(u32),
) {
    let pool = n - usize::from(own.is_some());
    // Without multapses and more than half the pool wanted, draw the ones left out instead.
    if !multapses && 2 * k > pool {
        let mut out = vec![false; n];
        if let Some(o) = own {
            out[o] = true;
        }
        let mut left = pool - k;
        let mut j = 0u64;
        while left > 0 {
            let x = draws.below(n as u64, row, j) as usize;
            j += 1;
            if !out[x] {
                out[x] = true;
                left -= 1;
            }
        }
        if let Some(o) = own {
            out[o] = false;
        }
        for (x, &skip) in out.iter().enumerate() {
            if !skip && Some(x) != own {
                push(x as u32);
            }
        }
        return;
    }
    if multapses {
        // Independent draws that a kernel repeats word for word (procedural connectivity).
        let key = draws.key();
        for j in 0..k {
            push(procedural_target(
                key,
                row as u32,
                j as u32,
                pool as u32,
                own.is_some(),
            ));
        }
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let mut j = 0u64;
    let mut got = 0;
    while got < k {
        // Draw from the pool and shift past `own`, so no draw is wasted on an autapse.
        let mut x = draws.below(pool as u64, row, j) as usize;
        j += 1;
        if let Some(o) = own
            && x >= o
        {
            x += 1;
        }
        if multapses || seen.insert(x) {
            push(x as u32);
            got += 1;
        }
    }
}

/// Draw `j` of row `row` with multapses: a Threefry word of counter `(row, j)` modulo the
/// `pool` of candidates (bias below pool/2³²), shifted past `row` itself when autapses are
/// left out (`skip_own`). `shaders/network/ops.wgsl`'s `procedural_target` is its twin.
pub(crate) fn procedural_target(key: [u32; 2], row: u32, j: u32, pool: u32, skip_own: bool) -> u32 {
    let x = rng::threefry2x32([row, j], key)[0] % pool.max(1);
    if skip_own && x >= row { x + 1 } else { x }
}

/// `n` pairs drawn uniformly (row `0` of the stream, counter = draw).
fn fixed_total(
    draws: Draws,
    n: u64,
    n_pre: usize,
    n_post: usize,
    skip_own: bool,
    multapses: bool,
) -> (Vec<u32>, Vec<u32>) {
    let mut pre = Vec::with_capacity(n as usize);
    let mut post = Vec::with_capacity(n as usize);
    let mut seen = std::collections::HashSet::new();
    let per_post = n_post as u64 - u64::from(skip_own);
    let mut j = 0u64;
    while (pre.len() as u64) < n {
        // Counters are (hi, lo) of the draw number: 2³² draws per row.
        let (row, at) = (j >> 32, j & 0xffff_ffff);
        let i = draws.below(n_pre as u64, 2 * row, at);
        let mut t = draws.below(per_post, 2 * row + 1, at);
        j += 1;
        if skip_own && t >= i {
            t += 1;
        }
        if multapses || seen.insert((i, t)) {
            pre.push(i as u32);
            post.push(t as u32);
        }
    }
    (pre, post)
}

/// Builds source-major rows from pairs in any order: a stable counting sort by source, so a
/// source's synapses keep the order in which they were drawn or given.
fn source_major(pre: Vec<u32>, post: Vec<u32>, n_pre: usize, n_post: usize) -> Synapses {
    let mut offsets = vec![0u32; n_pre + 1];
    for &i in &pre {
        offsets[i as usize + 1] += 1;
    }
    for i in 0..n_pre {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut sorted = vec![0u32; post.len()];
    let mut order = vec![0u32; post.len()];
    for (s, (&i, &j)) in pre.iter().zip(&post).enumerate() {
        let at = next[i as usize] as usize;
        sorted[at] = j;
        order[at] = s as u32;
        next[i as usize] += 1;
    }
    Synapses {
        n_pre,
        n_post,
        offsets: offsets.into(),
        post: sorted.into(),
        order: Some(order.into()),
    }
}

/// Rows built source by source.
struct Rows {
    offsets: Vec<u32>,
    post: Vec<u32>,
}

impl Rows {
    fn with_capacity(n_pre: usize, synapses: usize) -> Rows {
        let mut offsets = Vec::with_capacity(n_pre + 1);
        offsets.push(0);
        Rows {
            offsets,
            post: Vec::with_capacity(synapses),
        }
    }
    fn push(&mut self, j: u32) {
        self.post.push(j);
    }
    fn extend(&mut self, js: impl IntoIterator<Item = u32>) {
        self.post.extend(js);
    }
    fn close_row(&mut self) {
        self.offsets.push(self.post.len() as u32);
    }
    fn finish(self, n_pre: usize, n_post: usize) -> Synapses {
        Synapses {
            n_pre,
            n_post,
            offsets: self.offsets.into(),
            post: self.post.into(),
            order: None,
        }
    }
}

/// A projection's synapses, source-major: the synapses of source `i` are
/// `offsets[i] .. offsets[i + 1]`, with targets `post[s]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Synapses {
    n_pre: usize,
    n_post: usize,
    offsets: Arc<[u32]>,
    post: Arc<[u32]>,
    /// For rules drawn target by target or given as pairs: the draw (or pair) each synapse came
    /// from, so that values given per pair follow their synapse.
    order: Option<Arc<[u32]>>,
}

impl Synapses {
    /// Rows as given, checked by [`Synapses::validate`] when a network compiles.
    pub(crate) fn from_parts(
        n_pre: usize,
        n_post: usize,
        offsets: Arc<[u32]>,
        post: Arc<[u32]>,
    ) -> Synapses {
        Synapses {
            n_pre,
            n_post,
            offsets,
            post,
            order: None,
        }
    }

    /// Rows given as offsets (`n_pre + 1`, non-decreasing, from 0 to the number of synapses)
    /// and targets (below `n_post`), checked.
    pub fn from_rows(
        n_pre: usize,
        n_post: usize,
        offsets: impl Into<Arc<[u32]>>,
        post: impl Into<Arc<[u32]>>,
    ) -> Result<Synapses> {
        let s = Synapses::from_parts(n_pre, n_post, offsets.into(), post.into());
        s.validate("synapses")?;
        Ok(s)
    }

    /// Checks the rows; `what` names the projection in errors.
    pub(crate) fn validate(&self, what: &str) -> Result<()> {
        check_index_range(what, "sources", self.n_pre)?;
        check_index_range(what, "targets", self.n_post)?;
        check_total(what, self.post.len() as u128)?;
        let o = &self.offsets;
        if o.len() != self.n_pre + 1 {
            return Err(Error::shape(
                format!("row offsets of {what}"),
                format!("{} values (one per source, and one)", self.n_pre + 1),
                format!("{} values", o.len()),
            ));
        }
        if o[0] != 0
            || o.windows(2).any(|w| w[0] > w[1])
            || o[self.n_pre] as usize != self.post.len()
        {
            return Err(Error::shape(
                format!("targets of {what}"),
                format!(
                    "{} values (row offsets from 0, non-decreasing)",
                    o[self.n_pre]
                ),
                format!("{} values", self.post.len()),
            ));
        }
        if let Some(bad) = self.post.iter().find(|&&t| t as usize >= self.n_post) {
            return Err(Error::invalid(
                what,
                "targets",
                bad,
                format!("must be below the {} postsynaptic neurons", self.n_post),
            ));
        }
        Ok(())
    }

    /// The rows of sources `pre`, as synapses of their own from those sources.
    pub(crate) fn rows(&self, pre: std::ops::Range<usize>) -> Synapses {
        let (lo, hi) = (self.offsets[pre.start], self.offsets[pre.end]);
        Synapses {
            n_pre: pre.len(),
            n_post: self.n_post,
            offsets: self.offsets[pre.start..=pre.end]
                .iter()
                .map(|&o| o - lo)
                .collect(),
            post: self.post[lo as usize..hi as usize].into(),
            order: None,
        }
    }

    /// Sources.
    pub fn n_pre(&self) -> usize {
        self.n_pre
    }

    /// Targets.
    pub fn n_post(&self) -> usize {
        self.n_post
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.post.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.post.is_empty()
    }

    /// Row offsets: `n_pre + 1` values.
    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    /// Targets, source-major.
    pub fn post(&self) -> &[u32] {
        &self.post
    }

    /// The targets of source `i`.
    pub fn targets_of(&self, i: usize) -> &[u32] {
        &self.post[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Synapses per source.
    pub fn out_degrees(&self) -> Vec<usize> {
        self.offsets
            .windows(2)
            .map(|w| (w[1] - w[0]) as usize)
            .collect()
    }

    /// Synapses per target.
    pub fn in_degrees(&self) -> Vec<usize> {
        let mut d = vec![0usize; self.n_post];
        for &j in self.post.iter() {
            d[j as usize] += 1;
        }
        d
    }

    /// The pairs `(pre, post)` in source-major order.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.n_pre).flat_map(move |i| self.targets_of(i).iter().map(move |&j| (i as u32, j)))
    }

    /// Values given per draw or per pair (in the order of [`Rule::Explicit`]'s pairs), put in
    /// source-major synapse order.
    pub fn reorder(&self, given: &[f64]) -> Vec<f64> {
        match &self.order {
            None => given.to_vec(),
            Some(order) => order.iter().map(|&s| given[s as usize]).collect(),
        }
    }

    /// One weight per synapse (source-major) from `dist`, checked. Arrays are taken in the
    /// order of the pairs (see [`Synapses::reorder`]).
    pub fn weights(&self, dist: &Dist, stream: Stream) -> Result<Arc<[f64]>> {
        self.draw(dist, stream.sub(WEIGHTS), "weight")
    }

    /// One delay per synapse, as [`Synapses::weights`] but from the delays' own sub-stream.
    pub fn delays(&self, dist: &Dist, stream: Stream) -> Result<Arc<[f64]>> {
        self.draw(dist, stream.sub(DELAYS), "delay")
    }

    fn draw(&self, dist: &Dist, draws: Draws, param: &str) -> Result<Arc<[f64]>> {
        dist.check(param, self.len())?;
        let values: Vec<f64> = match dist {
            Dist::Array(a) => self.reorder(a),
            _ => (0..self.len())
                .map(|s| dist.sample(draws, s as u64))
                .collect::<Result<_>>()?,
        };
        Ok(values.into())
    }
}

/// A value for every synapse: one constant, an array, or a distribution drawn per synapse.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// The same value for every synapse.
    Constant(f64),
    /// One value per synapse (per pair, for explicit lists).
    Array(Arc<[f64]>),
    /// Normal with `mean` and `std`, then bounded by `bounds`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (≥ 0).
        std: f64,
        /// What happens outside a range.
        bounds: Bounds,
    },
    /// Uniform in `[low, high)`.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end (≥ `low`).
        high: f64,
    },
    /// `e^{N(mu, sigma)}`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm (≥ 0).
        sigma: f64,
    },
}

/// How a normal distribution is kept within a range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bounds {
    /// Unbounded.
    None,
    /// Values outside `[low, high]` become the nearest end.
    Clip {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Values outside `[low, high]` are drawn again (NEST's `redraw`), up to 1,000 times.
    Redraw {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Values whose sign differs from the mean's are drawn again (the Potjans–Diesmann
    /// weights: excitatory stay ≥ 0, inhibitory ≤ 0).
    KeepSign,
}

/// Redraws allowed per value before a bounded normal is an error.
const MAX_REDRAWS: u64 = 1_000;

impl Dist {
    /// A normal without bounds.
    pub fn normal(mean: f64, std: f64) -> Dist {
        Dist::Normal {
            mean,
            std,
            bounds: Bounds::None,
        }
    }

    /// A normal whose values outside `[low, high]` become the nearest end (NEST's
    /// `normal_clipped`; the Potjans–Diesmann delays are clipped below at one step).
    pub fn normal_clipped(mean: f64, std: f64, low: f64, high: f64) -> Dist {
        Dist::Normal {
            mean,
            std,
            bounds: Bounds::Clip { low, high },
        }
    }

    /// Checks every parameter; `param` names the value in errors.
    pub fn check(&self, param: &str, synapses: usize) -> Result<()> {
        let finite = |name: &str, v: f64| {
            if crate::model::finite(v) {
                Ok(())
            } else {
                Err(Error::invalid(param, name, v, crate::model::FINITE))
            }
        };
        match self {
            Dist::Constant(v) => finite("value", *v),
            Dist::Array(a) => {
                if a.len() != synapses {
                    return Err(Error::shape(
                        format!("{param} array"),
                        format!("{synapses} values (one per synapse)"),
                        a.len(),
                    ));
                }
                a.iter().try_for_each(|&v| finite("values", v))
            }
            Dist::Normal { mean, std, bounds } => {
                finite("mean", *mean)?;
                finite("std", *std)?;
                if *std < 0.0 {
                    return Err(Error::invalid(param, "std", std, "must be ≥ 0"));
                }
                match bounds {
                    Bounds::Clip { low, high } | Bounds::Redraw { low, high } => {
                        if low.is_nan() || high.is_nan() || low > high {
                            return Err(Error::invalid(
                                param,
                                "bounds",
                                format!("[{low}, {high}]"),
                                "must be an ordered range",
                            ));
                        }
                        Ok(())
                    }
                    Bounds::None | Bounds::KeepSign => Ok(()),
                }
            }
            Dist::Uniform { low, high } => {
                finite("low", *low)?;
                finite("high", *high)?;
                if low > high {
                    return Err(Error::invalid(
                        param,
                        "high",
                        high,
                        format!("must be ≥ low ({low})"),
                    ));
                }
                Ok(())
            }
            Dist::LogNormal { mu, sigma } => {
                finite("mu", *mu)?;
                finite("sigma", *sigma)?;
                if *sigma < 0.0 {
                    return Err(Error::invalid(param, "sigma", sigma, "must be ≥ 0"));
                }
                Ok(())
            }
        }
    }

    /// The value of synapse `s` (row `s` of the sub-stream; redraws take the next counters).
    fn sample(&self, draws: Draws, s: u64) -> Result<f64> {
        Ok(match *self {
            Dist::Constant(v) => v,
            Dist::Array(ref a) => a[s as usize],
            Dist::Uniform { low, high } => low + (high - low) * draws.unit(s, 0),
            Dist::LogNormal { mu, sigma } => (mu + sigma * draws.normal(s, 0)).exp(),
            Dist::Normal { mean, std, bounds } => {
                let accept = |v: f64| match bounds {
                    Bounds::Redraw { low, high } => (low..=high).contains(&v),
                    Bounds::KeepSign => v == 0.0 || v.signum() == mean.signum() || mean == 0.0,
                    Bounds::None | Bounds::Clip { .. } => true,
                };
                let mut j = 0;
                let v = loop {
                    let v = mean + std * draws.normal(s, j);
                    if accept(v) {
                        break v;
                    }
                    j += 1;
                    if j == MAX_REDRAWS {
                        return Err(Error::invalid(
                            "normal",
                            "bounds",
                            format!("{bounds:?}"),
                            format!(
                                "left no value after {MAX_REDRAWS} redraws of N({mean}, {std})"
                            ),
                        ));
                    }
                };
                match bounds {
                    Bounds::Clip { low, high } => v.clamp(low, high),
                    _ => v,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Stream = Stream { seed: 3, key: 5 };

    #[test]
    fn fixed_rules_give_exact_counts() {
        let s = Rule::fixed_in_degree(7).build(40, 30, false, S).unwrap();
        assert!(s.in_degrees().iter().all(|&d| d == 7));
        assert_eq!(s.len(), 210);
        let s = Rule::fixed_out_degree(9).build(40, 30, false, S).unwrap();
        assert!(s.out_degrees().iter().all(|&d| d == 9));
        let per: Arc<[usize]> = (0..40).map(|i| i % 5).collect::<Vec<_>>().into();
        let s = Rule::FixedOutDegree {
            k: per,
            autapses: false,
            multapses: false,
        }
        .build(40, 30, false, S)
        .unwrap();
        assert_eq!(s.out_degrees(), (0..40).map(|i| i % 5).collect::<Vec<_>>());
        assert_eq!(
            Rule::fixed_total(1234)
                .build(40, 30, false, S)
                .unwrap()
                .len(),
            1234
        );
        let s = Rule::OneToOne.build(12, 12, true, S).unwrap();
        assert!(s.pairs().all(|(i, j)| i == j));
        let s = Rule::AllToAll { autapses: false }
            .build(6, 6, true, S)
            .unwrap();
        assert_eq!(s.len(), 30);
        assert!(s.pairs().all(|(i, j)| i != j));
    }

    #[test]
    fn autapses_and_multapses_are_honoured() {
        for rule in [
            Rule::FixedInDegree {
                k: 20,
                autapses: false,
                multapses: false,
            },
            Rule::FixedOutDegree {
                k: Arc::from([20]),
                autapses: false,
                multapses: false,
            },
            Rule::FixedTotal {
                n: 500,
                autapses: false,
                multapses: false,
            },
            Rule::Bernoulli {
                p: 0.5,
                autapses: false,
            },
        ] {
            let s = rule.build(25, 25, true, S).unwrap();
            assert!(s.pairs().all(|(i, j)| i != j), "{rule:?} made an autapse");
            let mut pairs: Vec<_> = s.pairs().collect();
            let n = pairs.len();
            pairs.sort_unstable();
            pairs.dedup();
            assert_eq!(pairs.len(), n, "{rule:?} made a multapse");
        }
        // Dense enough to take the complement path: every source but one's own, once each.
        let s = Rule::FixedInDegree {
            k: 24,
            autapses: false,
            multapses: false,
        }
        .build(25, 25, true, S)
        .unwrap();
        assert_eq!(s.len(), 600);
        assert!(s.pairs().all(|(i, j)| i != j));
    }

    #[test]
    fn bernoulli_degrees_are_binomial() {
        let (n, p) = (2_000usize, 0.1);
        let s = Rule::bernoulli(p).build(n, n, false, S).unwrap();
        let mean = s.len() as f64 / n as f64;
        // The mean of 2,000 Binomial(2000, 0.1) out-degrees: sd of the mean ≈ 0.3.
        assert!((mean - 200.0).abs() < 1.5, "{mean}");
        let var = s
            .out_degrees()
            .iter()
            .map(|&d| (d as f64 - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        // Variance n·p·(1 − p) = 180; its sampling sd here is about 6.
        assert!((var - 180.0).abs() < 30.0, "{var}");
        assert!(s.targets_of(0).windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a = Rule::fixed_out_degree(10).build(50, 50, false, S).unwrap();
        assert_eq!(
            a,
            Rule::fixed_out_degree(10).build(50, 50, false, S).unwrap()
        );
        let other_key = Rule::fixed_out_degree(10)
            .build(50, 50, false, Stream::new(3, 6))
            .unwrap();
        let next_seed = Rule::fixed_out_degree(10)
            .build(50, 50, false, Stream::new(4, 4))
            .unwrap();
        for b in [&other_key, &next_seed] {
            let same = a
                .post()
                .iter()
                .zip(b.post())
                .filter(|(x, y)| x == y)
                .count();
            // Independent draws agree on about 1 in 50.
            assert!(same < 40, "{same} of 500 targets shared");
        }
    }

    #[test]
    fn explicit_lists_round_trip_with_their_values() {
        let pre = [2u32, 0, 2, 1, 0];
        let post = [1u32, 1, 0, 3, 2];
        let s = Rule::explicit(pre, post).build(3, 4, false, S).unwrap();
        assert_eq!(s.offsets(), &[0, 2, 3, 5]);
        let mut got: Vec<_> = s.pairs().collect();
        let mut want: Vec<_> = pre.iter().copied().zip(post).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        let w = s
            .weights(&Dist::Array(Arc::from([0.0, 1.0, 2.0, 3.0, 4.0])), S)
            .unwrap();
        // Each value follows its pair: source 0 has pairs 1 and 4, source 2 pairs 0 and 2.
        assert_eq!(&*w, &[1.0, 4.0, 3.0, 0.0, 2.0]);
    }

    #[test]
    fn distributions_have_their_moments_and_bounds() {
        let s = Rule::fixed_out_degree(100)
            .build(200, 50, false, S)
            .unwrap();
        let w = s.weights(&Dist::normal(2.0, 0.5), S).unwrap();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        assert!((mean - 2.0).abs() < 0.02, "{mean}");
        let keep = Dist::Normal {
            mean: -1.0,
            std: 2.0,
            bounds: Bounds::KeepSign,
        };
        assert!(s.weights(&keep, S).unwrap().iter().all(|&v| v <= 0.0));
        let clip = Dist::Normal {
            mean: 0.0,
            std: 1.0,
            bounds: Bounds::Clip {
                low: -0.5,
                high: 0.5,
            },
        };
        assert!(s.weights(&clip, S).unwrap().iter().all(|v| v.abs() <= 0.5));
        let u = s
            .delays(
                &Dist::Uniform {
                    low: 1.0,
                    high: 3.0,
                },
                S,
            )
            .unwrap();
        assert!(u.iter().all(|v| (1.0..3.0).contains(v)));
        let l = s
            .weights(
                &Dist::LogNormal {
                    mu: 0.0,
                    sigma: 0.5,
                },
                S,
            )
            .unwrap();
        let log_mean = l.iter().map(|v| v.ln()).sum::<f64>() / l.len() as f64;
        assert!(log_mean.abs() < 0.02, "{log_mean}");
        // Weights and delays of one projection come from different sub-streams.
        let d = s.delays(&Dist::normal(2.0, 0.5), S).unwrap();
        assert_ne!(w, d);
    }

    #[test]
    fn bad_specifications_are_typed_errors() {
        let err = |r: Rule, n_pre, n_post, same| r.build(n_pre, n_post, same, S).unwrap_err();
        let e = err(Rule::bernoulli(1.5), 10, 10, false).to_string();
        assert!(e.contains("Bernoulli") && e.contains('p'), "{e}");
        let e = err(
            Rule::FixedInDegree {
                k: 11,
                autapses: false,
                multapses: false,
            },
            10,
            10,
            false,
        )
        .to_string();
        assert!(
            e.contains("FixedInDegree") && e.contains("10 sources"),
            "{e}"
        );
        let e = err(Rule::OneToOne, 3, 4, false).to_string();
        assert!(e.contains("OneToOne"), "{e}");
        let e = err(Rule::explicit([0u32, 5], [0u32, 0]), 3, 3, false).to_string();
        assert!(e.contains("pre") && e.contains('5'), "{e}");
        let s = Rule::OneToOne.build(3, 3, false, S).unwrap();
        let e = s
            .weights(&Dist::normal(f64::NAN, 1.0), S)
            .unwrap_err()
            .to_string();
        assert!(e.contains("weight") && e.contains("mean"), "{e}");
        let e = s
            .delays(
                &Dist::Uniform {
                    low: 2.0,
                    high: 1.0,
                },
                S,
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("delay") && e.contains("high"), "{e}");
        let e = err(
            Rule::FixedTotal {
                n: 10,
                autapses: false,
                multapses: false,
            },
            3,
            3,
            true,
        )
        .to_string();
        assert!(e.contains("6 distinct pairs"), "{e}");
    }
}

/// Levels of a distribution that procedural connectivity draws weights from.
pub(crate) const LEVELS: usize = 1 << 16;

impl Dist {
    /// The distribution as [`LEVELS`] equiprobable values, its quantiles at the midpoints
    /// `(m + ½)/LEVELS` (a normal's bounds as a clipped or truncated distribution): what a
    /// kernel can draw exactly with 16 random bits. `None` for a constant or an array.
    pub(crate) fn levels(&self) -> Option<Vec<f64>> {
        let p = |m: usize| (m as f64 + 0.5) / LEVELS as f64;
        let v: Vec<f64> = match *self {
            Dist::Constant(_) | Dist::Array(_) => return None,
            Dist::Uniform { low, high } => (0..LEVELS).map(|m| low + (high - low) * p(m)).collect(),
            Dist::LogNormal { mu, sigma } => (0..LEVELS)
                .map(|m| (mu + sigma * normal_quantile(p(m))).exp())
                .collect(),
            Dist::Normal { mean, std, bounds } => {
                let range = |low: f64, high: f64| {
                    let cdf = |x: f64| {
                        if std > 0.0 {
                            normal_cdf((x - mean) / std)
                        } else {
                            f64::from(x >= mean)
                        }
                    };
                    (cdf(low), cdf(high))
                };
                let (lo, hi) = match bounds {
                    Bounds::None | Bounds::Clip { .. } => (0.0, 1.0),
                    Bounds::Redraw { low, high } => range(low, high),
                    Bounds::KeepSign if mean >= 0.0 => range(0.0, f64::INFINITY),
                    Bounds::KeepSign => range(f64::NEG_INFINITY, 0.0),
                };
                (0..LEVELS)
                    .map(|m| {
                        let v = mean + std * normal_quantile(lo + (hi - lo) * p(m));
                        match bounds {
                            Bounds::Clip { low, high } => v.clamp(low, high),
                            _ => v,
                        }
                    })
                    .collect()
            }
        };
        Some(v)
    }
}

/// The standard normal's distribution function, through the scaled complementary error
/// function (relative error about 1e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = -x / std::f64::consts::SQRT_2;
    let erfc = |z: f64| {
        let t = 1.0 / (1.0 + 0.5 * z.abs());
        let r = t * (-z * z + crate::numerics::erfc_fit(t)).exp();
        if z >= 0.0 { r } else { 2.0 - r }
    };
    0.5 * erfc(z)
}

/// The standard normal's quantile function (Acklam's rational approximation, relative error
/// below 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let poly = |c: &[f64], x: f64| c.iter().fold(0.0, |acc, &k| acc * x + k);
    let p = p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
    let tail = |q: f64| poly(&C, q) / (poly(&D, q) * q + 1.0);
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        poly(&A, r) * q / (poly(&B, r) * r + 1.0)
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn the_normal_quantile_and_distribution_function_are_each_other_s_inverse() {
        for (p, x) in [
            (0.5, 0.0),
            (0.975, 1.959_963_985),
            (0.841_344_746, 1.0),
            (0.001, -3.090_232_306),
        ] {
            assert!((normal_quantile(p) - x).abs() < 1e-6, "quantile({p})");
            assert!((normal_cdf(x) - p).abs() < 1e-6, "cdf({x})");
        }
        // The levels of a normal have its mean and standard deviation.
        let levels = Dist::normal(2.0, 0.5).levels().unwrap();
        let mean = levels.iter().sum::<f64>() / LEVELS as f64;
        let var = levels.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / LEVELS as f64;
        assert!(
            (mean - 2.0).abs() < 1e-6 && (var.sqrt() - 0.5).abs() < 2e-3,
            "{mean} {var}"
        );
        // Sign kept: all levels on the mean's side.
        let kept = Dist::Normal {
            mean: -0.1,
            std: 0.2,
            bounds: Bounds::KeepSign,
        }
        .levels()
        .unwrap();
        assert!(kept.iter().all(|&v| v <= 0.0));
        assert!(Dist::Constant(1.0).levels().is_none());
    }
}
