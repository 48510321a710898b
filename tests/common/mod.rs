//! Shared by the test binaries: the GPU under test, the golden files, and a network that
//! uses every kind of wiring.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use brainwgpu::prelude::*;
use brainwgpu::{Device, Error, ExternalId, Gpu};

/// The GPU tier's device: the default adapter (the software Vulkan adapter in CI).
///
/// Without an adapter the GPU tests are skipped on a developer's machine, but when `CI` is
/// set they fail with a message that says how to get one: CI must never pass without having
/// run them.
pub fn gpu() -> Option<Device> {
    static GPU: OnceLock<Option<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new() {
        Ok(gpu) => {
            eprintln!("GPU tier on {}", gpu.info());
            Some(gpu)
        }
        Err(e @ Error::NoAdapter { .. }) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping the GPU tier (set CI=1 to make this an error): {e}");
            None
        }
        Err(e) => panic!("the GPU tier needs an adapter and CI is set: {e}"),
    })
    .clone()
    .map(Device::Gpu)
}

/// `tests/data`: in the checkout the tests were built from, or, where that is gone (test
/// binaries carried to another machine, `benches/device.sh`), under the working directory.
pub fn data_dir() -> PathBuf {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("tests/data")
    }
}

/// Example `name`, built beside the test binaries (`target/<profile>/examples`; `cargo test`
/// builds them). Without it the caller skips its check on a developer's machine, but when
/// `CI` is set this fails: CI must run it.
pub fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let found = exe
        .parent()
        .and_then(std::path::Path::parent)
        .map(|p| {
            p.join("examples")
                .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
        })
        .filter(|p| p.exists());
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "example {name} is not built beside the tests (cargo test builds it)"
    );
    found
}

/// `tests/data/<name>.npz`.
pub fn data(name: &str) -> PathBuf {
    data_dir().join(format!("{name}.npz"))
}

/// Every golden file in `tests/data` whose name starts with one of `prefixes` followed by
/// `.` or `__` (so `LIF` takes `LIF__hard` but not `LIFRef`).
pub fn goldens(prefixes: &[&str]) -> Vec<PathBuf> {
    let dir = data_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data exists")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            p.extension().is_some_and(|x| x == "npz")
                && prefixes
                    .iter()
                    .any(|m| stem == *m || stem.starts_with(&format!("{m}__")))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files for {prefixes:?}");
    files
}

pub struct Sink {
    pub net: Network,
    pub drive: ExternalId,
    pub kicks: ExternalId,
    pub a: NodeId,
    pub b: NodeId,
    pub sa: NodeId,
    pub f: NodeId,
}

/// A network that uses every kind of wiring: an external stream as `x` (read in place) and as
/// a delta input (through the scratch), Poisson spikes through a per-synapse event projection
/// sharing a synapse with a homogeneous one, a dense projection with bias and scale, a delayed
/// and sliced recurrent term, a constant, a current input, and a population fed its own state.
pub fn sink() -> Sink {
    let mut net = Network::new();
    let drive = net.external("drive", 20).unwrap();
    let kicks = net.external("kicks", 25).unwrap();
    let rates: Vec<f64> = (0..30).map(|i| 0.05 + 0.01 * i as f64).collect();
    let p = net
        .add(PoissonSpike::new(30, rates).with_name("P").seed(3))
        .unwrap();
    let a = net
        .add(
            LIF::new(20)
                .with_name("A")
                .tau(10.0 * ms)
                .r(1.0)
                .v_th(1.0)
                .v_reset(0.0),
        )
        .unwrap();
    let sa = net
        .add(Expon::new(20).with_name("SA").tau(5.0 * ms))
        .unwrap();
    let b = net
        .add(
            LIFRef::new(25)
                .with_name("B")
                .v_rest(-60.0 * mV)
                .v_reset(-60.0 * mV)
                .v_th(-50.0 * mV)
                .tau(10.0 * ms)
                .tau_ref(2.0 * ms)
                .r(1.0)
                .v_initializer(Init::uniform(-60.0 * mV, -50.0 * mV, 9)),
        )
        .unwrap();
    let sb = net
        .add(Expon::new(25).with_name("SB").tau(3.0 * ms))
        .unwrap();
    let f = net
        .add(
            LIF::new(25)
                .with_name("F")
                .v_initializer(0.5 * mV)
                .tau(20.0 * ms),
        )
        .unwrap();
    let targets: Vec<u32> = (0..30 * 4).map(|i| (i * 7 % 20) as u32).collect();
    let weights: Vec<f64> = (0..30 * 4).map(|i| 0.1 + 0.01 * (i % 13) as f64).collect();
    let pa = FixedProb::from_targets(30, 20, 4, targets, Weights::PerSynapse(weights.into()));
    let aa = FixedProb::per_pre(20, 20, 3, 0.25, 11);
    let w: Vec<f64> = (0..20 * 25)
        .map(|i| ((i * 37 % 17) as f64 - 8.0) * 0.4)
        .collect();
    let bias: Vec<f64> = (0..25).map(|j| j as f64 * 0.1).collect();
    let dense = Dense::new(20, 25, w).bias(bias);
    net.update(p, Wiring::new());
    net.update(
        sa,
        Wiring::new()
            .delta(Term::output(p).event(pa))
            .delta(Term::output(a).event(aa)),
    );
    net.update(
        a,
        Wiring::new()
            .x(Term::external(drive))
            .x(Term::output(sa))
            .x(Term::output(b).delayed(2).slice(3..23).scaled(0.5)),
    );
    net.update(
        b,
        Wiring::new()
            .x(8.0)
            .x(Term::output(a).dense(dense).scaled(0.5))
            .current(SynOut::coba(0.0 * mV), sb),
    );
    net.update(
        sb,
        Wiring::new()
            .x(Term::output(b))
            .delta(Term::external(kicks)),
    );
    // A current input whose conductance is a projection (CurrentProj), not a population.
    let w2: Vec<f64> = (0..20 * 25).map(|i| (i % 7) as f64 * 0.05).collect();
    net.update(
        f,
        Wiring::new().x(Term::state(f, "V")).current(
            SynOut::coba(20.0 * mV),
            Term::output(sa).dense(Dense::new(20, 25, w2)),
        ),
    );
    Sink {
        net,
        drive,
        kicks,
        a,
        b,
        sa,
        f,
    }
}

/// LIF with τ 10 ms, R 1, threshold 1 and reset 0: the plain neuron of the block and
/// connectivity tests.
pub fn unit_lif(net: &mut Network, n: usize, name: &str) -> NodeId {
    net.add(
        LIF::new(n)
            .with_name(name)
            .tau(10.0 * ms)
            .r(1.0)
            .v_th(1.0)
            .v_reset(0.0),
    )
    .unwrap()
}

/// The procedural-connectivity twin network: 300 Poisson sources P and a unit LIF E, both
/// projecting into an `Expon` G that drives E — P → G by Bernoulli (0.1, weights a sign-kept
/// normal around 0.3), E → G by fixed out-degree (8, weight 0.15, delayed by `delay` ms if
/// given), drawn from `seed`, plus `extra` from P when given — with its random projections
/// generated as they fire (`procedural`) or stored from the same rule and seed.
pub fn twin_net(
    procedural: bool,
    seed: u64,
    delay: Option<f64>,
    extra: Option<brainwgpu::network::Sparse>,
) -> (Network, NodeId, NodeId) {
    use brainwgpu::network::{Bounds, Dist, Procedural, Stream};
    let mut net = Network::new();
    let rates: Vec<f64> = (0..300).map(|i| 1e-3 * (10 + i % 30) as f64).collect();
    let p = net
        .add(PoissonSpike::new(300, rates).with_name("P").seed(11))
        .unwrap();
    let e = unit_lif(&mut net, 120, "E");
    let g = net
        .add(Expon::new(120).with_name("G").tau(5.0 * ms))
        .unwrap();
    // Weights drawn per synapse (a sign-kept normal), and one weight for all.
    let pe = Procedural::bernoulli(0.1, 300, 120, false, true, 0.0, Stream::new(seed, 20))
        .unwrap()
        .with_weights(&Dist::Normal {
            mean: 0.3,
            std: 0.1,
            bounds: Bounds::KeepSign,
        })
        .unwrap();
    let mut ee =
        Procedural::fixed_out_degree(8, 120, 120, true, false, 0.15, Stream::new(seed, 21))
            .unwrap();
    if let Some(d) = delay {
        ee = ee.with_delay(d).unwrap();
    }
    let term = |src: NodeId, c: Procedural| {
        if procedural {
            Term::output(src).procedural(c)
        } else {
            Term::output(src).event(c.stored().unwrap())
        }
    };
    let mut wiring = Wiring::new().delta(term(p, pe)).delta(term(e, ee));
    if let Some(sparse) = extra {
        wiring = wiring.delta(Term::output(p).event(sparse));
    }
    net.update(p, Wiring::new());
    net.update(g, wiring);
    net.update(e, Wiring::new().x(Term::output(g)));
    (net, e, g)
}

/// Runs the procedural and the stored twin of `net` for 300 steps and asserts that E fires and
/// that E's spikes and G's `g` are identical.
pub fn assert_twins_agree(
    net: impl Fn(bool) -> (Network, NodeId, NodeId),
    device: &Device,
    batch: Option<usize>,
    executor: brainwgpu::network::Executor,
    what: &str,
) {
    let run = |procedural: bool| {
        let (net, e, g) = net(procedural);
        let mut sim = net.compile_with(device, batch, 0.1 * ms, executor).unwrap();
        let m = sim.monitor_spikes(e).unwrap();
        sim.run(300).unwrap();
        (sim.spikes(m).unwrap().dense(), sim.state(g, "g").unwrap())
    };
    let (spikes, g) = run(true);
    let (want_spikes, want_g) = run(false);
    assert!(
        spikes.iter().filter(|&&s| s == 1).count() > 50,
        "E fires ({what})"
    );
    assert_eq!(spikes, want_spikes, "spikes, {what}");
    assert_eq!(g, want_g, "g, {what}");
}
