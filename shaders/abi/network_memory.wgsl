// The plain workgroup-memory hooks of a composed network kernel (`shaders/abi/network.wgsl`):
// nothing lives in workgroup memory. The per-step executor's composed dispatches use these with
// arena hooks of their own (`src/network/exec/per_step/composed.rs`: each element's rows cached
// within the step); the fused kernel writes all its hooks (event sums and spike bits in
// workgroup memory, rows in registers).

var<workgroup> wg_sums: array<atomic<i32>, 1>;
var<workgroup> wg_spikes: array<atomic<u32>, 1>;
var<workgroup> wg_rows: array<f32, 1>;
var<workgroup> wg_results: array<f32, 1>;

fn take_local(i: u32) -> i32 {
    return atomicExchange(&wg_sums[i], 0);
}
