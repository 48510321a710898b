//! CPU tier (no adapter needed): the kernels that both GPU executors generate for the classic
//! networks, the golden networks' variants and a network with every kind of wiring are produced
//! without a device and validated with naga, on the limits of a small (WebGPU default) and a
//! large (H100/H200-class) device.

mod common;

use brainwgpu::network::classic::{
    Brunel, BrunelState, Coba, EiInput, EiNetwork, FeedForward, FeedForwardInput, PotjansDiesmann,
};
use brainwgpu::network::{Dist, Procedural, Stream};
use brainwgpu::prelude::*;
use brainwgpu::shaders::KernelDef;
use brainwgpu::{DeviceLimits, Executor};

const LIMITS: [DeviceLimits; 2] = [DeviceLimits::WEBGPU_DEFAULT, DeviceLimits::LARGE_GPU];

/// The networks, each with the batches it is checked at.
fn networks() -> Vec<(&'static str, Network, Vec<Option<usize>>)> {
    let batches = vec![None, Some(1), Some(256)];
    let mut ff_external = FeedForward::benchmark(0);
    ff_external.input = FeedForwardInput::External;
    let mut ei_external = EiNetwork::benchmark(80, 20, 0);
    ei_external.input = EiInput::External;
    let mut coba_delayed = Coba::new(1000);
    coba_delayed.seed = 3;
    vec![
        (
            "coba-4000",
            Coba::new(4000).build().unwrap().network,
            batches.clone(),
        ),
        (
            "ff",
            FeedForward::benchmark(0).build().unwrap().network,
            batches.clone(),
        ),
        (
            "ff-external",
            ff_external.build().unwrap().network,
            vec![Some(2)],
        ),
        (
            "ei-1000",
            EiNetwork::benchmark(800, 200, 0).build().unwrap().network,
            batches.clone(),
        ),
        (
            "ei-80-20-external",
            ei_external.build().unwrap().network,
            vec![Some(3)],
        ),
        (
            "coba-small",
            Coba::new(100).build().unwrap().network,
            vec![None],
        ),
        ("kitchen-sink", common::sink().net, vec![None, Some(17)]),
        // Rings of delayed sums, Poisson drives, per-synapse weights and delays.
        ("brunel-small", brunel_small(), vec![None, Some(3)]),
        (
            "potjans-diesmann-2%",
            PotjansDiesmann::scaled(0.02).build().unwrap().network,
            vec![None],
        ),
        ("procedural", procedural(), vec![None, Some(2)]),
    ]
}

fn brunel_small() -> Network {
    let mut b = Brunel::new(BrunelState::AsynchronousIrregular);
    b.n_exc = 400;
    b.build().unwrap().network
}

/// Procedural Bernoulli with drawn weights, a procedural fixed out-degree with a delay.
fn procedural() -> Network {
    let mut net = Network::new();
    let p = net
        .add(PoissonSpike::new(200, vec![0.02; 200]).with_name("P"))
        .unwrap();
    let e = common::unit_lif(&mut net, 100, "E");
    let g = net.add(Expon::new(100).with_name("G")).unwrap();
    let pe = Procedural::bernoulli(0.05, 200, 100, false, true, 0.0, Stream::new(1, 0))
        .unwrap()
        .with_weights(&Dist::Uniform {
            low: 0.1,
            high: 0.3,
        })
        .unwrap();
    let ee = Procedural::fixed_out_degree(5, 100, 100, true, false, 0.2, Stream::new(1, 1))
        .unwrap()
        .with_delay(1.0)
        .unwrap();
    net.update(p, Wiring::new());
    net.update(
        g,
        Wiring::new()
            .delta(Term::output(p).procedural(pe))
            .delta(Term::output(e).procedural(ee)),
    );
    net.update(e, Wiring::new().x(Term::output(g)));
    net
}

fn generated(
    net: &Network,
    batch: Option<usize>,
    executor: Executor,
    limits: &DeviceLimits,
) -> (&'static str, Vec<KernelDef>) {
    net.kernels(batch, 0.1 * ms, executor, limits)
        .unwrap_or_else(|e| panic!("{executor:?} at batch {batch:?}: {e}"))
}

#[test]
fn every_generated_kernel_validates_on_both_executors() {
    let mut checked = 0;
    for (name, net, batches) in networks() {
        for limits in &LIMITS {
            for &batch in &batches {
                for executor in [Executor::Fused, Executor::PerStep] {
                    let (which, kernels) = generated(&net, batch, executor, limits);
                    for k in &kernels {
                        if let Err(e) = k.validate() {
                            panic!("{name} ({which}, batch {batch:?}, {limits:?}): {e}");
                        }
                        checked += 1;
                    }
                    if executor == Executor::Fused {
                        assert_eq!((which, kernels.len()), ("fused", 1), "{name}");
                    }
                }
            }
        }
    }
    // The fused kernel of every network and limit, plus the per-step composed ones.
    assert!(checked > 40, "only {checked} kernels checked");
}

/// The network goldens, rebuilt from their files as the conformance runner builds them.
#[test]
fn the_kernels_of_every_network_golden_validate() {
    let goldens = common::goldens(&[
        "net_coba_alignpost_small",
        "net_ei_80_20",
        "net_ff_784_256_128_10",
    ]);
    assert_eq!(goldens.len(), 4, "the network golden files are missing");
    for path in goldens {
        let case = brainwgpu::conformance::Case::read(&path).unwrap();
        let (net, batch, dt) = case.network().unwrap();
        for limits in &LIMITS {
            for executor in [Executor::Fused, Executor::PerStep] {
                let (which, kernels) = net.kernels(batch, dt, executor, limits).unwrap();
                for k in &kernels {
                    k.validate()
                        .unwrap_or_else(|e| panic!("{} ({which}): {e}", path.display()));
                }
                if executor == Executor::Fused {
                    assert_eq!(kernels.len(), 1);
                }
            }
        }
    }
}

/// `BRAINWGPU_DUMP_WGSL` writes what a compiled simulation generates (this binary's other tests
/// compile nothing on a device, so setting it here changes no other test).
#[test]
fn the_generated_kernels_can_be_dumped_for_reading() {
    let Some(gpu) = common::gpu() else { return };
    let dir = std::env::temp_dir().join(format!("brainwgpu-dump-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // SAFETY: no other thread of this test binary reads the environment while it is set.
    unsafe { std::env::set_var("BRAINWGPU_DUMP_WGSL", &dir) };
    let net = Coba::new(400).build().unwrap().network;
    let fused = net.compile_with(&gpu, None, 0.1 * ms, Executor::Fused);
    let per_step = net.compile_with(&gpu, None, 0.1 * ms, Executor::PerStep);
    unsafe { std::env::remove_var("BRAINWGPU_DUMP_WGSL") };
    let (_fused, _per_step) = (fused.unwrap(), per_step.unwrap());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "fused--network_of_3_populations.wgsl",
            "per-step--updates_of_gE__gI__N.wgsl"
        ]
    );
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        assert!(text.contains("fn network("), "{name} is a whole module");
        brainwgpu::shaders::validate_wgsl(&name, &text, Some("network")).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn auto_picks_the_executor_by_size_and_limits() {
    let coba = |n| Coba::new(n).build().unwrap().network;
    let limits = DeviceLimits::LARGE_GPU;
    let pick = |net: &Network| generated(net, None, Executor::Auto, &limits).0;
    // Three populations of n elements: fused up to 32,768 elements per instance in all.
    assert_eq!(pick(&coba(4000)), "fused");
    assert_eq!(pick(&coba(10_922)), "fused");
    assert_eq!(pick(&coba(10_923)), "per-step");
}

/// COBA per step composes its three updates into one dispatch and pushes its spikes: the one
/// generated kernel updates every population and delivers spikes as they are emitted.
#[test]
fn per_step_coba_is_one_composed_kernel_that_pushes_spikes() {
    let net = Coba::new(64_000).build().unwrap().network;
    let (which, kernels) = generated(&net, None, Executor::PerStep, &DeviceLimits::LARGE_GPU);
    assert_eq!(which, "per-step");
    assert_eq!(
        kernels.len(),
        1,
        "{:?}",
        kernels.iter().map(|k| k.name()).collect::<Vec<_>>()
    );
    let k = &kernels[0];
    assert_eq!(k.name(), "updates of gE, gI, N");
    assert_eq!(
        k.source().matches("deliver_spike(").count(),
        2,
        "both projections pushed"
    );
}

/// The fused COBA kernel keeps spikes as bits and event sums in workgroup memory when the
/// device has room for them, and falls back to device memory when it has not.
#[test]
fn fused_coba_keeps_spikes_and_sums_on_chip_where_they_fit() {
    let net = Coba::new(4000).build().unwrap().network;
    let source = |limits: DeviceLimits| {
        let (_, k) = generated(&net, None, Executor::Fused, &limits);
        k[0].source().to_string()
    };
    // The `local` argument, then a ring of one set of sums (no delays).
    let calls = |src: &str, call: &str, local: &str| {
        src.lines()
            .filter(|l| l.contains(call) && l.contains(local))
            .count()
    };
    // Both projections read spike bits and add into sums in workgroup memory.
    let large = source(DeviceLimits::LARGE_GPU);
    assert_eq!(
        calls(&large, "op_event_bits(", ", true, 1u, "),
        2,
        "{large}"
    );
    // 4 KiB of workgroup memory holds 4000 spike bits but not 8000 sums besides them.
    let tiny = source(DeviceLimits {
        max_workgroup_storage: 4 << 10,
        ..DeviceLimits::LARGE_GPU
    });
    assert_eq!(calls(&tiny, "op_event_bits(", ", false, 1u, "), 2, "{tiny}");
    assert_eq!(calls(&tiny, "op_event_bits(", ", true, 1u, "), 0);
}

#[test]
fn kernels_of_a_network_too_large_for_the_limits_are_a_typed_error() {
    let net = Coba::new(40_000).build().unwrap().network;
    let small = DeviceLimits {
        max_storage_binding: 64 << 10,
        ..DeviceLimits::WEBGPU_DEFAULT
    };
    let err = net
        .kernels(Some(8), 0.1 * ms, Executor::Fused, &small)
        .expect_err("too large for 64 KiB bindings");
    assert!(
        matches!(err, brainwgpu::Error::LimitExceeded { .. }),
        "{err}"
    );
}
