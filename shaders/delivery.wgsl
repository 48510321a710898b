// What the kernels that deliver spikes into fixed-point sums share (the per-step executor's
// projection kernels and composed network kernels alike): searches in and draws from the
// integer table of a projection, read through `table_word(i)`, which each ABI defines over
// its own table binding (`index` for projection kernels, `params` for network kernels).

// The number of the `len` ascending words from `at` of the table that are ≤ u: the count a
// word u draws by inverting tabulated thresholds (binomial counts of a Poisson drive, the
// geometric gaps of a Bernoulli row).
fn count_at_most(at: u32, len: u32, u: u32) -> u32 {
    var lo = 0u;
    var hi = len;
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (table_word(at + mid) <= u) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return lo;
}

// Draw j of row `row` of a fixed-degree rule with multapses (procedural connectivity): a
// Threefry word of counter (row, j) modulo the pool of candidates, shifted past the row itself
// when autapses are left out. The twin of `procedural_target` in src/network/connectivity.rs.
fn procedural_target(key: vec2<u32>, row: u32, j: u32, pool: u32, skip_own: bool) -> u32 {
    let x = threefry2x32(vec2<u32>(row, j), key).x % max(pool, 1u);
    return select(x, x + 1u, skip_own && x >= row);
}

// The level (of 65,536) of synapse j's weight of source `row` under procedural connectivity
// with weights drawn per synapse (`Procedural::weight_of` in src/network/connect.rs).
fn procedural_level(key: vec2<u32>, row: u32, j: u32) -> u32 {
    return threefry2x32(vec2<u32>(row, j), key).x >> 16u;
}

// No more synapses in a procedural row.
const NO_TARGET: u32 = 0xffffffffu;

// The next synapse of source `pre` under procedural connectivity, from the projection's table
// at `table` (`Procedural::row` in src/network/connect.rs, draw for draw): with a fixed degree
// k (no gap thresholds), draw `s` of the k; with `gaps` thresholds (Bernoulli), the next
// target after `*at`, by a geometric gap drawn with Threefry draw `*draw` and inverted through
// the thresholds. NO_TARGET when the row is done.
fn procedural_next(pre: u32, k: u32, table: u32, gaps: u32, s: u32, at: ptr<function, u32>, draw: ptr<function, u32>) -> u32 {
    let key = vec2<u32>(table_word(table), table_word(table + 1u));
    let pool = table_word(table + 2u);
    let skip_own = table_word(table + 3u) != 0u;
    if (gaps == 0u) {
        if (s >= k) {
            return NO_TARGET;
        }
        return procedural_target(key, pre, s, pool, skip_own);
    }
    loop {
        let u = threefry2x32(vec2<u32>(pre, *draw), key).x;
        *draw = *draw + 1u;
        let t = *at + count_at_most(table + 8u, gaps, u);
        if (t >= pool) {
            return NO_TARGET;
        }
        *at = t + 1u;
        if (!(skip_own && t == pre)) {
            return t;
        }
    }
    return NO_TARGET;
}

// A weight (f32) as a whole number of the unit of target `post`, from the inverse units per
// target at `units` in the table: the exact power-of-two scaling rounded to even, as
// `Units::fixed` rounds the weights of tables (src/network/projection/fixed_point.rs).
fn quantize(w: f32, units: u32, post: u32) -> i32 {
    return i32(round(w * bitcast<f32>(table_word(units + post))));
}

// The fixed-point weight of synapse `s` (to `post`) of source `pre` under procedural
// connectivity: `weight` for all, or (`per_synapse`) the level its Threefry draw picks among
// those after the table's header and `gaps` thresholds. With inverse units per target (table
// word 7 ≠ 0) `weight` and the levels are f32, rounded here to the target's unit.
fn procedural_weight(table: u32, gaps: u32, pre: u32, s: u32, post: u32, weight: i32, per_synapse: bool) -> i32 {
    var w = bitcast<u32>(weight);
    if (per_synapse) {
        let key = vec2<u32>(table_word(table + 4u), table_word(table + 5u));
        w = table_word(table + 8u + gaps + procedural_level(key, pre, s));
    }
    let units = table_word(table + 7u);
    if (units == 0u) {
        return bitcast<i32>(w);
    }
    return quantize(bitcast<f32>(w), table + units, post);
}
