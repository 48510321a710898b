//! Single-model update kernels on the default adapter: one `update` (upload of the step
//! constants, one dispatch, one submit) and the wait for the device, per iteration.
//!
//! `cargo bench --bench update`. Bytes per element and step: Expon reads g and x and writes
//! g (12 B); LIF reads V and x and writes V and the spike (16 B).

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
    let device = Device::Gpu(gpu.clone());
    let mut group = c.benchmark_group("update");
    for (batch, n) in [(32usize, 100usize), (64, 10_000), (16, 262_144)] {
        let shape = TensorShape::new(Some(batch), n);
        let elements = (batch * n) as u64;
        group.throughput(Throughput::Elements(elements));
        let x = Tensor::from_f32(&device, shape.clone(), &vec![0.5f32; batch * n]).unwrap();
        let label = format!("{batch}x{n}");

        let mut syn = Expon::new(n);
        syn.init_state(&device, Some(batch)).unwrap();
        let clock = Clock::default();
        group.bench_with_input(BenchmarkId::new("Expon", &label), &(), |b, _| {
            b.iter(|| {
                syn.update(&clock, &x).unwrap();
                gpu.synchronize().unwrap();
            })
        });

        let mut lif = LIF::new(n);
        lif.init_state(&device, Some(batch)).unwrap();
        group.bench_with_input(BenchmarkId::new("LIF", &label), &(), |b, _| {
            b.iter(|| {
                lif.update(&clock, &x).unwrap();
                gpu.synchronize().unwrap();
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
