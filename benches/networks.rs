//! Whole networks on the default adapter: the suite of `network::classic::suite()` (COBA at
//! 4,000 neurons × batch 1/8/132/1,024 and 64 k/256 k/1 M/4 M neurons; the feed-forward net at
//! batch 1/256/4,096/16,384; the E/I network at batch 1/256/4,096). Each iteration is one
//! simulated step; criterion runs them in groups of steps (`Simulation::run`, no readback)
//! and waits for the device inside the timed region.
//!
//! `cargo bench --bench networks`. On a software adapter only the quick cases run unless
//! `BRAINWGPU_BENCH_FULL=1` is set (the large ones take seconds per step there, and the
//! feed-forward net's states at batch 16,384 exceed its 128 MiB binding limit). `examples/bench.rs` prints the same cases as one table with rates,
//! bytes and bandwidth.

use std::time::{Duration, Instant};

use brainwgpu::network::classic::suite;
use brainwgpu::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let gpu = match Gpu::new() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("no adapter, nothing to measure: {e}");
            return;
        }
    };
    eprintln!("adapter: {}", gpu.info());
    let full = std::env::var_os("BRAINWGPU_BENCH_FULL").is_some() || !gpu.info().is_software();
    let device = Device::Gpu(gpu);
    let mut group = c.benchmark_group("networks");
    for case in suite() {
        if !full && !case.quick {
            continue;
        }
        let label = format!("{} {}", case.name, case.size);
        let sim = case
            .build()
            .and_then(|(net, _)| net.compile(&device, case.batch, 0.1 * ms));
        let mut sim = match sim {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{label}: {e}");
                continue;
            }
        };
        group.throughput(Throughput::Elements(sim.rows() as u64));
        group.bench_function(BenchmarkId::new(case.name, &case.size), |b| {
            b.iter_custom(|steps| {
                let start = Instant::now();
                sim.run(steps as usize).unwrap();
                sim.synchronize().unwrap();
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
