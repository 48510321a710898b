//! Weights in and out: dense projections of external streams and constants, weights loaded
//! from `.npy`/`.npz` with their shapes checked (a transposed matrix refused, saying how to
//! pass it), and a simulation's states and weights exported under their names.

mod common;

use brainwgpu::network::{Dense, Network, Sparse, Term, Wiring};
use brainwgpu::npz::{NpyData, Npz, NpzWriter, write_npy};
use brainwgpu::prelude::*;
use brainwgpu::{Device, Error, Executor};

const N_IN: usize = 6;
const N_OUT: usize = 4;

fn w(seed: usize) -> Vec<f64> {
    (0..N_IN * N_OUT)
        .map(|i| ((i * 7 + seed * 3) % 11) as f64 / 11.0 - 0.4)
        .collect()
}

/// LIF starting at rest 0 with R = 1 and a threshold out of reach: after one step
/// `V = x·(1 − e^(−dt/τ))`, so `x` can be read back from `V`.
fn network() -> (
    Network,
    brainwgpu::network::ExternalId,
    brainwgpu::network::NodeId,
) {
    let mut net = Network::new();
    let ext = net.external("in", N_IN).unwrap();
    let lif = net
        .add(
            LIF::new(N_OUT)
                .v_rest(0.0)
                .v_reset(0.0)
                .v_th(1e6)
                .r(1.0)
                .tau(10.0 * ms)
                .v_initializer(0.0),
        )
        .unwrap();
    net.update(
        lif,
        Wiring::new()
            .x(Term::external(ext).dense(Dense::new(N_IN, N_OUT, w(0)).bias(vec![0.1; N_OUT])))
            .x(Term::constant(0.5).dense(Dense::new(N_IN, N_OUT, w(1)))),
    );
    (net, ext, lif)
}

fn x_after_one_step(device: &Device, executor: Executor) -> Vec<f64> {
    let (net, ext, lif) = network();
    let mut sim = net
        .compile_with(device, Some(2), 0.1 * ms, executor)
        .unwrap();
    let input: Vec<f64> = (0..2 * N_IN).map(|i| i as f64 * 0.25 - 1.0).collect();
    sim.feed(ext, &input).unwrap();
    sim.run(1).unwrap();
    let gain = 1.0 - (-0.1f64 / 10.0).exp();
    sim.state(lif, "V")
        .unwrap()
        .iter()
        .map(|v| v / gain)
        .collect()
}

#[test]
fn dense_projections_read_streams_and_constants_on_every_executor() {
    let want: Vec<f64> = (0..2)
        .flat_map(|b| {
            (0..N_OUT).map(move |j| {
                let x = |q: usize| (b * N_IN + q) as f64 * 0.25 - 1.0;
                let stream: f64 = (0..N_IN).map(|q| x(q) * w(0)[q * N_OUT + j]).sum();
                let constant: f64 = (0..N_IN).map(|q| 0.5 * w(1)[q * N_OUT + j]).sum();
                stream + 0.1 + constant
            })
        })
        .collect();
    let f64_x = x_after_one_step(&Device::Cpu, Executor::Auto);
    for (g, w) in f64_x.iter().zip(&want) {
        assert!((g - w).abs() < 1e-9, "f64: {g} vs {w}");
    }
    let Some(gpu) = common::gpu() else { return };
    for executor in [Executor::PerStep, Executor::Fused] {
        let got = x_after_one_step(&gpu, executor);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-4, "{executor:?}: {g} vs {w}");
        }
    }
}

#[test]
fn weights_load_with_their_shapes_checked() {
    let dir = std::env::temp_dir().join(format!("brainwgpu-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let right = dir.join("w.npy");
    write_npy(&right, &[N_IN, N_OUT], NpyData::F64(w(0))).unwrap();
    let dense = Dense::read_npy(&right, N_IN, N_OUT).unwrap();
    assert_eq!(dense, Dense::new(N_IN, N_OUT, w(0)));
    // PyTorch's (out, in) layout: refused, saying to transpose.
    let transposed: Vec<f64> = (0..N_OUT)
        .flat_map(|j| (0..N_IN).map(move |q| w(0)[q * N_OUT + j]))
        .collect();
    let torch = dir.join("torch.npy");
    write_npy(&torch, &[N_OUT, N_IN], NpyData::F64(transposed)).unwrap();
    let err = Dense::read_npy(&torch, N_IN, N_OUT).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    assert!(err.to_string().contains("transpose"), "{err}");
    // Another shape, and a flat array.
    write_npy(dir.join("odd.npy"), &[3, 8], NpyData::F64(vec![0.0; 24])).unwrap();
    let err = Dense::read_npy(dir.join("odd.npy"), N_IN, N_OUT).unwrap_err();
    assert!(err.to_string().contains("(6, 4)"), "{err}");
    write_npy(dir.join("flat.npy"), &[24], NpyData::F64(vec![0.0; 24])).unwrap();
    assert!(Dense::read_npy(dir.join("flat.npy"), N_IN, N_OUT).is_err());
    // An archive with brainstate's names, and a bias of the wrong length.
    let mut z = NpzWriter::new();
    z.add("weight", &[N_IN, N_OUT], NpyData::F64(w(0))).unwrap();
    z.add("bias", &[N_OUT], NpyData::F64(vec![0.5; N_OUT]))
        .unwrap();
    z.write(dir.join("linear.npz")).unwrap();
    let dense = Dense::read_npz(dir.join("linear.npz"), N_IN, N_OUT).unwrap();
    assert_eq!(dense, Dense::new(N_IN, N_OUT, w(0)).bias(vec![0.5; N_OUT]));
    let mut z = NpzWriter::new();
    z.add("W", &[N_IN, N_OUT], NpyData::F64(w(0))).unwrap();
    z.add("b", &[3], NpyData::F64(vec![0.5; 3])).unwrap();
    z.write(dir.join("badbias.npz")).unwrap();
    let err = Dense::read_npz(dir.join("badbias.npz"), N_IN, N_OUT).unwrap_err();
    assert!(err.to_string().contains("one bias per output"), "{err}");
    let mut z = NpzWriter::new();
    z.add("kernel", &[N_IN, N_OUT], NpyData::F64(w(0))).unwrap();
    z.write(dir.join("noname.npz")).unwrap();
    let err = Dense::read_npz(dir.join("noname.npz"), N_IN, N_OUT).unwrap_err();
    assert!(err.to_string().contains("kernel"), "{err}");
    // A sparse projection from a matrix: one synapse per nonzero entry.
    let matrix: Vec<f64> = (0..N_IN * N_OUT)
        .map(|i| if i % 3 == 0 { i as f64 } else { 0.0 })
        .collect();
    write_npy(
        dir.join("m.npy"),
        &[N_IN, N_OUT],
        NpyData::F64(matrix.clone()),
    )
    .unwrap();
    let sparse = Sparse::read_matrix_npy(dir.join("m.npy"), N_IN, N_OUT).unwrap();
    assert_eq!(
        sparse.synapses().len(),
        matrix.iter().filter(|&&x| x != 0.0).count()
    );
    let err = Sparse::read_matrix_npy(dir.join("m.npy"), N_OUT, N_IN).unwrap_err();
    assert!(err.to_string().contains("transpose"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_simulation_exports_its_states_and_weights_under_their_names() {
    let dir = std::env::temp_dir().join(format!("brainwgpu-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let coba = brainwgpu::network::classic::Coba::new(200);
    let net = coba.build().unwrap();
    let mut devices = vec![Device::Cpu];
    devices.extend(common::gpu());
    for device in devices {
        let mut sim = net.network.compile(&device, Some(3), 0.1 * ms).unwrap();
        sim.run(50).unwrap();
        let path = dir.join("export.npz");
        sim.export_npz(&path).unwrap();
        let z = Npz::read(&path).unwrap();
        let v = z.get("N.V").unwrap();
        assert_eq!(v.shape, vec![3, 200]);
        assert_eq!(z.f64s("N.V").unwrap(), sim.state(net.neurons, "V").unwrap());
        assert_eq!(z.get("gE.g").unwrap().shape, vec![3, 200]);
        assert!(z.contains("N.output") && z.contains("N.last_spike_time"));
        // The excitatory projection: 160 sources × 80 targets, as read back by Sparse.
        assert_eq!(z.get("gE.delta0.pre").unwrap().shape, vec![160 * 80]);
        let w = z.f64s("gE.delta0.weight").unwrap();
        assert!(w.iter().all(|&x| x == coba.w_exc.value()), "{}", w[0]);
        let mut pairs = NpzWriter::new();
        for a in ["pre", "post", "weight"] {
            let arr = z.get(&format!("gI.delta0.{a}")).unwrap();
            pairs.add(a, &arr.shape, arr.data.clone()).unwrap();
        }
        pairs.write(dir.join("gi.npz")).unwrap();
        let back = Sparse::read_npz(dir.join("gi.npz"), 40, 200, 0.0).unwrap();
        assert_eq!(back.synapses().len(), 40 * 80);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Quantities through the wiring: terms, unit scales and weights given in units are checked
/// against what the input takes; plain numbers stay internal magnitudes, unchecked.
#[test]
fn quantities_are_checked_against_what_an_input_takes() {
    use brainwgpu::network::FixedProb;
    let compile =
        |wire: &dyn Fn(&mut Network, brainwgpu::network::NodeId, brainwgpu::network::NodeId)| {
            let mut net = Network::new();
            let lif = net.add(LIF::new(10)).unwrap();
            let g = net.add(Expon::new(10)).unwrap();
            wire(&mut net, lif, g);
            net.compile(&Device::Cpu, None, 0.1 * ms)
        };
    // A voltage as a neuron's current input, a current as its delta input.
    let err = compile(&|net, lif, g| {
        net.update(g, Wiring::new());
        net.update(lif, Wiring::new().x(-60.0 * mV));
    })
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("x of LIF") && err.to_string().contains("takes a current"),
        "{err}"
    );
    let err = compile(&|net, lif, g| {
        net.update(g, Wiring::new());
        net.update(lif, Wiring::new().delta(Term::quantity(2.0 * mA)));
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("takes a voltage"), "{err}");
    // Conductance weights into a neuron's delta input; the same into a synapse is fine.
    let err = compile(&|net, lif, g| {
        net.update(g, Wiring::new());
        let conn = FixedProb::per_pre(10, 10, 3, 0.5, 1).unit(nS);
        net.update(lif, Wiring::new().delta(Term::output(lif).event(conn)));
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("a conductance"), "{err}");
    compile(&|net, lif, g| {
        let conn = FixedProb::per_pre(10, 10, 3, 0.5, 1).unit(nS);
        net.update(g, Wiring::new().delta(Term::output(lif).event(conn)));
        let kick = Term::output(lif).scaled_by(0.5 * mV);
        net.update(
            lif,
            Wiring::new()
                .x(Term::per_instance_of([20.0 * mA]))
                .x(3.0) // a plain number: an internal magnitude, unchecked
                .delta(kick),
        );
    })
    .unwrap();
    let err = compile(&|net, lif, g| {
        net.update(g, Wiring::new());
        net.update(
            lif,
            Wiring::new().x(Term::output(g).dense(Dense::new(10, 10, vec![0.1; 100]).unit(mV))),
        );
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("a voltage"), "{err}");
    // Weights in a unit are its magnitude times the numbers.
    assert_eq!(
        FixedProb::per_pre(10, 10, 3, 0.5, 1).unit(nS).weights(),
        FixedProb::per_pre(10, 10, 3, 0.5 * nS.value(), 1).weights()
    );
}
