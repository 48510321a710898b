//! Property tests: no input panics. Random mutations of valid `.npy`/`.npz` files go through
//! the reader and the conformance runner; random network specifications — sizes, parameters
//! and wirings from valid and invalid ranges, NaN, inf and huge values included — go through
//! `compile` and a short run. Each must give a value or a typed error. Fixed seed and bounded
//! cases here; set `PROPTEST_CASES` (e.g. 10000) for a longer fuzz run.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use brainwgpu::Device;
use brainwgpu::conformance::Case;
use brainwgpu::network::{Dense, FixedProb, Network, Term, Wiring};
use brainwgpu::npz::{Npz, parse_npy};
use brainwgpu::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A runner with a fixed seed, `cases` cases unless `PROPTEST_CASES` says otherwise.
fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    )
}

/// A mutation of a file: bytes overwritten, the file cut, bytes inserted.
#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ];
    proptest::collection::vec(one, 1..6)
}

fn mutate(bytes: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in muts {
        if out.is_empty() {
            break;
        }
        match m {
            Mutation::Set(i, b) => {
                let i = i % out.len();
                out[i] = *b;
            }
            Mutation::Cut(i) => out.truncate(i % out.len()),
            Mutation::Insert(i, b) => {
                let i = i % out.len();
                out.splice(i..i, b.iter().copied());
            }
        }
    }
    out
}

/// Mutated `.npy` headers: the header is where a size is read, so mutations land in it.
#[test]
fn mutated_npy_files_never_panic() {
    let mut w = brainwgpu::npz::NpzWriter::new();
    w.add("a", &[2, 3], brainwgpu::npz::NpyData::F64(vec![1.0; 6]))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("brainwgpu-fuzz-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let valid = dir.join("a.npy");
    brainwgpu::npz::write_npy(&valid, &[2, 3], brainwgpu::npz::NpyData::F64(vec![1.0; 6])).unwrap();
    let npy = std::fs::read(&valid).unwrap();
    // Crafted headers the reader once trusted.
    for header in [
        "{'descr': '<U4611686018427387904', 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551615,), }",
    ] {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend([0u8; 16]);
        assert!(parse_npy(&valid, &bytes).is_err(), "{header}");
    }
    let mut runner = runner(400);
    runner
        .run(&mutations(), |muts| {
            let bytes = mutate(&npy, &muts);
            let outcome = catch_unwind(AssertUnwindSafe(|| parse_npy(&valid, &bytes)));
            prop_assert!(outcome.is_ok(), "the reader panicked on {muts:?}");
            Ok(())
        })
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

/// A structural edit of an archive: what a damaged or hand-made golden file holds.
#[derive(Clone, Debug)]
enum Edit {
    /// Drop array `i`.
    Drop(usize),
    /// Give array `i` another shape over the same values: 0-d (one value), flat, or 2-D
    /// with the first axis split off differently.
    Reshape(usize, u8),
    /// Put a hostile value into array `i` at `at`.
    Value(usize, usize, u8),
    /// Keep only a prefix of array `i`'s values (its shape follows).
    Truncate(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let one = prop_oneof![
        any::<usize>().prop_map(Edit::Drop),
        (any::<usize>(), 0u8..4).prop_map(|(i, k)| Edit::Reshape(i, k)),
        (any::<usize>(), any::<usize>(), 0u8..5).prop_map(|(i, a, v)| Edit::Value(i, a, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, n)| Edit::Truncate(i, n)),
    ];
    proptest::collection::vec(one, 1..4)
}

fn apply_edits(z: &Npz, edits: &[Edit]) -> brainwgpu::npz::NpzWriter {
    use brainwgpu::npz::NpyData;
    let mut arrays: Vec<(String, Vec<usize>, NpyData)> = z
        .names()
        .map(|n| {
            let a = z.get(n).unwrap();
            (n.to_string(), a.shape.clone(), a.data.clone())
        })
        .collect();
    for e in edits {
        if arrays.is_empty() {
            break;
        }
        let pick = |i: &usize| i % arrays.len();
        match e {
            Edit::Drop(i) => {
                let i = pick(i);
                arrays.remove(i);
            }
            Edit::Reshape(i, kind) => {
                let i = pick(i);
                let len: usize = arrays[i].1.iter().product();
                arrays[i].1 = match kind {
                    0 if len == 1 => vec![],
                    1 => vec![len],
                    2 if len.is_multiple_of(2) => vec![2, len / 2],
                    _ => vec![1, len],
                };
            }
            Edit::Value(i, at, v) => {
                let i = pick(i);
                let hostile = [f64::NAN, f64::INFINITY, 1e300, -1.0, 0.0][*v as usize];
                if let NpyData::F64(values) = &mut arrays[i].2
                    && !values.is_empty()
                {
                    let at = at % values.len();
                    values[at] = hostile;
                }
            }
            Edit::Truncate(i, n) => {
                let i = pick(i);
                if let NpyData::F64(values) = &mut arrays[i].2 {
                    let keep = n % (values.len() + 1);
                    values.truncate(keep);
                    arrays[i].1 = vec![keep];
                }
            }
        }
    }
    let mut w = brainwgpu::npz::NpzWriter::new();
    for (name, shape, data) in arrays {
        w.add(&name, &shape, data).unwrap();
    }
    w
}

/// Golden files edited as a damaged or hand-made file would be — arrays missing, reshaped
/// (0-d or 1-D where 2-D is expected), truncated, holding NaN/inf/huge values — through the
/// archive reader and the conformance runner (f64 device); and byte-level damage to the
/// archives through the reader.
#[test]
fn damaged_golden_files_never_panic_the_runner() {
    let dir = std::env::temp_dir().join(format!("brainwgpu-fuzz-npz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let names = [
        "Expon",
        "LIF",
        "AMPA__2d",
        "inputs",
        "synouts",
        "LeakyRateReadout",
        "net_ei_80_20",
    ];
    let goldens: Vec<Npz> = names
        .iter()
        .map(|n| Npz::read(common::data(n)).unwrap())
        .collect();
    let path = dir.join("case.npz");
    let (read, checked) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut structural = runner(160);
    structural
        .run(&(0..goldens.len(), edits()), |(f, edits)| {
            apply_edits(&goldens[f], &edits).write(&path).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let case = Case::read(&path)?;
                read.set(read.get() + 1);
                case.check(&Device::Cpu)?;
                checked.set(checked.get() + 1);
                Ok::<(), brainwgpu::Error>(())
            }));
            prop_assert!(outcome.is_ok(), "{} panicked after {edits:?}", names[f]);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} edited files read, {} checked to the end",
        read.get(),
        checked.get()
    );
    assert!(read.get() >= 40, "edits must reach the runner");
    // The f32 judges too, on the GPU (fewer cases: each replays on the adapter).
    if let Some(gpu) = common::gpu() {
        let mut on_gpu = runner(40);
        on_gpu
            .run(&(0..goldens.len(), edits()), |(f, edits)| {
                apply_edits(&goldens[f], &edits).write(&path).unwrap();
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    Case::read(&path).and_then(|c| c.check(&gpu).map(|_| ()))
                }));
                prop_assert!(
                    outcome.is_ok(),
                    "{} panicked on the GPU after {edits:?}",
                    names[f]
                );
                Ok(())
            })
            .unwrap();
    }
    let raw: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(common::data(n)).unwrap())
        .collect();
    let mut bytes = runner(160);
    bytes
        .run(&(0..raw.len(), mutations()), |(f, muts)| {
            std::fs::write(&path, mutate(&raw[f], &muts)).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                Case::read(&path).and_then(|c| c.check(&Device::Cpu).map(|_| ()))
            }));
            prop_assert!(outcome.is_ok(), "{} panicked after {muts:?}", names[f]);
            Ok(())
        })
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

/// A value from a valid range, or one of the hostile ones.
fn value(valid: std::ops::Range<f64>) -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => valid,
        1 => prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-f64::INFINITY),
            Just(1e39),
            Just(-1e300),
            Just(0.0),
            Just(-1.0),
            Just(1e-45),
        ],
    ]
}

#[derive(Clone, Debug)]
struct Spec {
    n: usize,
    m: usize,
    batch: Option<usize>,
    tau: f64,
    v_th: f64,
    current: f64,
    weight: f64,
    k: usize,
    delay: usize,
    dense: f64,
    scale: f64,
    dt: f64,
}

fn specs() -> impl Strategy<Value = Spec> {
    (
        (0usize..40, 0usize..40, proptest::option::of(0usize..5)),
        (value(1.0..30.0), value(-55.0..-40.0), value(0.0..40.0)),
        (value(-2.0..2.0), 0usize..50, 0usize..30),
        (value(-1.0..1.0), value(0.0..3.0), value(0.01..1.0)),
    )
        .prop_map(
            |((n, m, batch), (tau, v_th, current), (weight, k, delay), (dense, scale, dt))| Spec {
                n,
                m,
                batch,
                tau,
                v_th,
                current,
                weight,
                k,
                delay,
                dense,
                scale,
                dt,
            },
        )
}

/// Builds, compiles and runs a spec; any error is fine, a panic is not.
fn try_spec(s: &Spec, device: &Device) -> brainwgpu::Result<()> {
    let mut net = Network::new();
    let a = net.add(
        LIF::new(s.n)
            .tau(s.tau)
            .v_th(s.v_th)
            .v_rest(-60.0)
            .v_reset(-60.0),
    )?;
    let g = net.add(Expon::new(s.m))?;
    let b = net.add(LIF::new(s.m))?;
    net.update(a, Wiring::new().x(Term::constant(s.current)));
    net.update(
        g,
        Wiring::new().delta(
            Term::output(a)
                .event(FixedProb::per_pre(s.n, s.m, s.k, s.weight, 1))
                .delayed(s.delay),
        ),
    );
    net.update(
        b,
        Wiring::new()
            .x(Term::output(a)
                .dense(Dense::new(s.n, s.m, vec![s.dense; s.n * s.m]))
                .scaled(s.scale))
            .current(SynOut::coba(0.0), g),
    );
    let mut sim = net.compile(device, s.batch, s.dt * ms)?;
    sim.run(20)?;
    let v = sim.state(b, "V")?;
    assert_eq!(v.len(), s.batch.unwrap_or(1) * s.m);
    Ok(())
}

#[test]
fn random_network_specifications_never_panic() {
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu());
    for device in devices {
        let mut runner = runner(if matches!(device, Device::Cpu) {
            200
        } else {
            80
        });
        let ran = std::cell::Cell::new(0);
        runner
            .run(&specs(), |s| {
                let outcome = catch_unwind(AssertUnwindSafe(|| try_spec(&s, &device)));
                prop_assert!(outcome.is_ok(), "{device}: panicked on {s:?}");
                if let Ok(Ok(())) = outcome {
                    ran.set(ran.get() + 1);
                }
                Ok(())
            })
            .unwrap();
        eprintln!("{device}: {} specifications compiled and ran", ran.get());
        assert!(
            ran.get() >= 3,
            "valid specifications must be among the cases"
        );
    }
}
