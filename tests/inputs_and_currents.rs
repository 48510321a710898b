//! Inputs a model receives besides `x`: current inputs (synaptic outputs in the drift),
//! delta inputs, the random input generators and `poisson_input` — each on the f64 reference
//! and, where an adapter exists, on the GPU against it.

mod common;

use brainwgpu::compare::{F32_TOL, compare_spiking, compare_trace};
use brainwgpu::prelude::*;
use brainwgpu::rng::Rng;
use brainwgpu::{
    CurrentInput, HH, Inputs, OUProcessInput, PoissonEncoder, PoissonInput, PoissonSpike,
    SpikeTime, SynOut, TimeAsStep, WienerProcessInput,
};

fn devices() -> Vec<Device> {
    let mut d = vec![Device::Cpu];
    d.extend(common::gpu());
    d
}

/// A LIF population driven by an excitatory and an inhibitory conductance (COBA) and an NMDA
/// conductance (MgBlock), plus delta inputs: the current inputs enter the exp-Euler Jacobian.
fn conductance_driven_lif(device: &Device) -> (Vec<f64>, Vec<f64>, usize) {
    let (batch, n, steps) = (4usize, 50usize, 400usize);
    let shape = TensorShape::new(Some(batch), n);
    let mut lif = LIF::new(n)
        .tau(20.0 * ms)
        .v_rest(-60.0 * mV)
        .v_reset(-60.0 * mV)
        .v_th(-50.0 * mV)
        .r(1.0 * ohm)
        .v_initializer(Init::uniform(-60.0 * mV, -50.0 * mV, 1));
    lif.init_state(device, Some(batch)).unwrap();
    let mut rng = Rng::new(3);
    let (mut v, mut s) = (Vec::new(), Vec::new());
    let mut clock = Clock::default();
    for _ in 0..steps {
        let mut draw = |p: f64, w: f64| -> Vec<f64> {
            (0..batch * n)
                .map(|_| {
                    if rng.bernoulli(p) {
                        w * rng.range(0.5, 1.5)
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        // Conductances in units of the leak (R = 1 Ω: 1 S), as the classic COBA benchmark.
        let ge = Tensor::from_f64(device, shape.clone(), &draw(0.3, 0.6 * 1e3)).unwrap();
        let gi = Tensor::from_f64(device, shape.clone(), &draw(0.1, 1.0 * 1e3)).unwrap();
        let gn = Tensor::from_f64(device, shape.clone(), &draw(0.2, 0.3 * 1e3)).unwrap();
        let delta = Tensor::from_f64(device, shape.clone(), &draw(0.02, 0.5)).unwrap();
        let currents = [
            CurrentInput {
                out: SynOut::coba(0.0 * mV),
                g: &ge,
            },
            CurrentInput {
                out: SynOut::coba(-80.0 * mV),
                g: &gi,
            },
            CurrentInput {
                out: SynOut::mg_block(),
                g: &gn,
            },
        ];
        let spikes = lif
            .update_with(
                &clock,
                Inputs {
                    x: (20.0 * mA).into(),
                    delta: (&delta).into(),
                    currents: &currents,
                },
            )
            .unwrap();
        s.extend(spikes.to_vec_f64().unwrap());
        v.extend(lif.state("V").unwrap().to_vec_f64().unwrap());
        clock.advance();
    }
    (v, s, batch * n)
}

#[test]
fn current_inputs_enter_the_drift_on_both_devices() {
    let (v, s, elems) = conductance_driven_lif(&Device::Cpu);
    let steps = v.len() / elems;
    let spikes: f64 = s.iter().sum();
    assert!(
        spikes > 50.0,
        "the conductances must drive spikes: {spikes}"
    );
    // A conductance input clamps V towards its reversal: no V beyond E_E = 0 mV or below −80.
    assert!(
        v.iter().all(|&x| (-80.0..=0.0).contains(&x)),
        "V outside the reversal range"
    );
    if let Some(gpu) = common::gpu() {
        let (vg, sg, _) = conductance_driven_lif(&gpu);
        let r = compare_spiking(steps, elems, &vg, &v, &sg, &s, |_| -50.0, F32_TOL).unwrap();
        eprintln!("LIF with COBA/MgBlock on the GPU: {r:?}");
        assert!(r.passed(), "{r:?}");
    }
}

#[test]
fn the_jacobian_includes_the_conductance() {
    // One step of LIF with a large COBA conductance: exp-Euler with J = (−1 − R·g)/τ is exact
    // for this linear drift, an explicit Euler step would overshoot past E.
    let mut lif = LIF::new(1).tau(10.0 * ms).v_th(100.0 * mV);
    lif.init_state(&Device::Cpu, None).unwrap();
    let g = Tensor::from_f64(&Device::Cpu, TensorShape::new(None, 1), &[500.0 * 1e3]).unwrap();
    let v = lif
        .update_with(
            &Clock::default(),
            Inputs {
                x: Input::None,
                delta: Input::None,
                currents: &[CurrentInput {
                    out: SynOut::coba(50.0 * mV),
                    g: &g,
                }],
            },
        )
        .map(|_| ())
        .and_then(|_| lif.state("V").unwrap().to_vec_f64())
        .unwrap()[0];
    // dV/dt = (−V + R·g·(E − V))/τ with R·g = 500: V → E·500/501 with rate 501/τ.
    let (a, e_inf) = (501.0 / 10.0, 50.0 * 500.0 / 501.0);
    let exact = e_inf * (1.0 - (-a * 0.1f64).exp());
    assert!((v - exact).abs() < 1e-9, "{v} vs {exact}");
}

#[test]
fn hh_reads_current_inputs_at_the_stored_potential() {
    for device in devices() {
        let mut hh = HH::new(10).v_initializer(Init::constant(-65.0 * mV));
        hh.init_state(&device, Some(2)).unwrap();
        let g = Tensor::from_f64(&device, TensorShape::new(Some(2), 10), &[0.2; 20]).unwrap();
        let mut clock = Clock::default();
        let mut spikes = 0.0;
        for _ in 0..500 {
            let out = hh
                .update_with(
                    &clock,
                    Inputs {
                        x: Input::None,
                        delta: Input::None,
                        currents: &[CurrentInput {
                            out: SynOut::coba(0.0 * mV),
                            g: &g,
                        }],
                    },
                )
                .unwrap();
            spikes += out.to_vec_f64().unwrap().iter().sum::<f64>();
            clock.advance();
        }
        assert!(
            spikes >= 20.0,
            "an excitatory conductance makes HH fire ({spikes} spikes on {device})"
        );
    }
}

#[test]
fn inputs_a_model_does_not_read_are_refused() {
    let mut ampa = AMPA::new(3);
    ampa.init_state(&Device::Cpu, None).unwrap();
    let d = Tensor::zeros(&Device::Cpu, TensorShape::new(None, 3)).unwrap();
    let err = ampa.update_with(
        &Clock::default(),
        Inputs {
            x: Input::None,
            delta: (&d).into(),
            currents: &[],
        },
    );
    assert!(matches!(err, Err(Error::InvalidParameter { .. })));
    let mut syn = Expon::new(3);
    syn.init_state(&Device::Cpu, None).unwrap();
    let err = syn.update_with(
        &Clock::default(),
        Inputs {
            x: Input::None,
            delta: Input::None,
            currents: &[CurrentInput {
                out: SynOut::coba(0.0),
                g: &d,
            }],
        },
    );
    assert!(matches!(err, Err(Error::InvalidParameter { .. })));
    // A conductance of the wrong shape names itself.
    let mut lif = LIF::new(3);
    lif.init_state(&Device::Cpu, Some(2)).unwrap();
    let err = lif.update_with(
        &Clock::default(),
        Inputs {
            x: Input::None,
            delta: Input::None,
            currents: &[CurrentInput {
                out: SynOut::coba(0.0),
                g: &d,
            }],
        },
    );
    match err {
        Err(Error::ShapeMismatch { what, .. }) => {
            assert!(what.contains("conductance of current input 0"), "{what}")
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let bad = SynOut::MgBlock {
        e: 0.0,
        cc_mg: 1.2,
        alpha: 0.062,
        beta: 0.0,
        v_offset: 0.0,
    };
    let g = Tensor::zeros(&Device::Cpu, TensorShape::new(Some(2), 3)).unwrap();
    let err = lif.update_with(
        &Clock::default(),
        Inputs {
            x: Input::None,
            delta: Input::None,
            currents: &[CurrentInput { out: bad, g: &g }],
        },
    );
    assert!(
        matches!(err, Err(Error::InvalidParameter { ref param, .. }) if param == "beta"),
        "{err:?}"
    );
}

/// Runs a generator for `steps` steps and returns its outputs.
fn run(
    model: &mut dyn Dynamics,
    device: &Device,
    batch: Option<usize>,
    steps: usize,
    x: Option<&Tensor>,
) -> Vec<f64> {
    model.init_state(device, batch).unwrap();
    let mut clock = Clock::default();
    let mut out = Vec::new();
    for _ in 0..steps {
        out.extend(
            model
                .update(&clock, x.into())
                .unwrap()
                .to_vec_f64()
                .unwrap(),
        );
        clock.advance();
    }
    out
}

#[test]
fn poisson_spikes_fire_at_their_rate_and_agree_across_devices() {
    let steps = 2000;
    let make = || PoissonSpike::new(500, 40.0 * Hz).seed(11);
    let cpu = run(&mut make(), &Device::Cpu, Some(2), steps, None);
    let rate = cpu.iter().sum::<f64>() / (steps as f64 * 1000.0) / 1e-4;
    assert!((rate - 40.0).abs() < 1.5, "rate {rate} Hz");
    // Another seed gives other spikes.
    let other = run(
        &mut PoissonSpike::new(500, 40.0 * Hz).seed(12),
        &Device::Cpu,
        Some(2),
        steps,
        None,
    );
    assert_ne!(cpu, other);
    if let Some(gpu) = common::gpu() {
        let g = run(&mut make(), &gpu, Some(2), steps, None);
        let differ = g.iter().zip(&cpu).filter(|(a, b)| a != b).count();
        assert!(
            differ <= 2,
            "{differ} of {} draws differ between the devices",
            cpu.len()
        );
    }
}

#[test]
fn the_poisson_encoder_follows_its_input_rates() {
    for device in devices() {
        let rates: Vec<f64> = (0..100).map(|j| (j as f64 * 2.0 * Hz).value()).collect();
        let x = Tensor::from_f64(&device, TensorShape::new(None, 100), &rates).unwrap();
        let (steps, rows) = (3000, 4);
        let out = run(
            &mut PoissonEncoder::new(100).seed(5),
            &device,
            Some(rows),
            steps,
            Some(&x),
        );
        // Spikes of the upper half against their expectation, Σ p_j per draw (5 σ).
        let count: f64 = (0..steps * rows)
            .map(|r| out[r * 100 + 50..r * 100 + 100].iter().sum::<f64>())
            .sum();
        let mean: f64 = (50..100)
            .map(|j| -(-rates[j] * 0.1f64).exp_m1())
            .sum::<f64>()
            * (steps * rows) as f64;
        assert!(
            (count - mean).abs() < 5.0 * mean.sqrt(),
            "{count} spikes, {mean} expected, on {device}"
        );
        let silent: f64 = (0..steps * rows).map(|r| out[r * 100]).sum();
        assert_eq!(silent, 0.0, "a zero rate never fires");
    }
}

#[test]
fn noise_inputs_have_their_moments() {
    for device in devices() {
        let steps = 400;
        let w = run(
            &mut WienerProcessInput::new(200, 2.0 * mA, 30.0 * ms).seed(3),
            &device,
            None,
            steps,
            None,
        );
        let inside = &w[..300 * 200];
        let var = inside.iter().map(|x| x * x).sum::<f64>() / inside.len() as f64;
        // σ·√dt with σ = 2 mA = 2000 µA, dt = 0.1 (ms magnitude): variance 4e6·0.1.
        assert!(
            (var / 4e5 - 1.0).abs() < 0.05,
            "Wiener variance {var} on {device}"
        );
        assert!(
            w[300 * 200..].iter().all(|&x| x == 0.0),
            "silent after its duration"
        );

        let ou = run(
            &mut OUProcessInput::new(500, 1.0 * mA, 0.5 * mA, 5.0 * ms, 1e9 * ms).seed(9),
            &device,
            None,
            2000,
            None,
        );
        let tail = &ou[1000 * 500..];
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        let var = tail.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / tail.len() as f64;
        // Stationary OU (Euler–Maruyama): mean μ, variance σ²·dt/(2·dt/τ − (dt/τ)²); the
        // steps are correlated over (2 − a)/a steps (AR(1) with factor 1 − a), so the tail's
        // 500 × 1000 values count as 500·1000·a/(2 − a) independent ones. Within 4σ.
        let (s, a) = (500.0f64, 0.1 / 5.0);
        let expected = s * s * 0.1 / (2.0 * a - a * a);
        let sd_mean = (expected / (tail.len() as f64 * a / (2.0 - a))).sqrt();
        assert!(
            (mean - 1000.0).abs() < 4.0 * sd_mean,
            "OU mean {mean} (σ {sd_mean}) on {device}"
        );
        assert!(
            (var / expected - 1.0).abs() < 0.1,
            "OU variance {var} vs {expected} on {device}"
        );
    }
}

#[test]
fn spike_times_land_on_their_steps() {
    for device in devices() {
        let times = [0.0, 0.26, 0.34, 1.0, 1.0].map(|t| t * ms);
        let mut st = SpikeTime::new(4, &[0, 1, 2, 3, 3], &times);
        let out = run(&mut st, &device, None, 12, None);
        let at = |k: usize, j: usize| out[k * 4 + j];
        assert_eq!(at(0, 0), 1.0);
        assert_eq!(at(3, 1), 1.0); // 0.26 ms rounds to step 3
        assert_eq!(at(3, 2), 1.0); // 0.34 ms rounds to step 3
        assert_eq!(at(10, 3), 2.0); // two events on one neuron in one step add up
        assert_eq!(out.iter().sum::<f64>(), 5.0);
        let mut floor = SpikeTime::new(4, &[1], &[0.26 * ms])
            .time_as_step(TimeAsStep::Floor)
            .weights(vec![0.5]);
        let out = run(&mut floor, &device, None, 5, None);
        assert_eq!(out[2 * 4 + 1], 0.5);
    }
    let mut bad = SpikeTime::new(4, &[7], &[1.0 * ms]);
    assert!(
        matches!(bad.init_state(&Device::Cpu, None), Err(Error::InvalidParameter { ref param, .. }) if param == "indices")
    );
}

#[test]
fn poisson_input_adds_counts_into_a_state() {
    for device in devices() {
        // 200 sources at 50 Hz, weight 0.1 mV: mean count n·p = 1 per step (binomial regime),
        // and a large source (2000 at 100 Hz: mean 20, the normal approximation).
        for (n, f, idx) in [
            (200u32, 50.0, None),
            (2000, 100.0, Some(vec![1usize, 3, 5])),
        ] {
            let mut target = LIF::new(8).v_th(1e9 * mV).tau(1e9 * ms);
            target.init_state(&device, Some(3)).unwrap();
            let mut pi = PoissonInput::new(n, f * Hz, 0.1 * mV).seed(4);
            if let Some(i) = &idx {
                pi = pi.indices(i.clone());
            }
            let clock = Clock::default();
            let steps = 400;
            let mut c = clock.clone();
            for _ in 0..steps {
                pi.update(&c, &mut target, "V").unwrap();
                c.advance();
            }
            let v = target.state("V").unwrap().to_vec_f64().unwrap();
            let p = -(-f * 1e-4f64).exp_m1();
            let expected = steps as f64 * n as f64 * p * 0.1;
            let hit: Vec<usize> = idx.clone().unwrap_or_else(|| (0..8).collect());
            // A neuron's total count is Binomial(steps·n, p): relative σ = √((1 − p)/(steps·n·p)).
            // Each neuron within 5σ, and their mean within 4σ of the pooled count.
            let sigma = ((1.0 - p) / (steps as f64 * n as f64 * p)).sqrt();
            let mut pooled = Vec::new();
            for b in 0..3 {
                for j in 0..8 {
                    let got = v[b * 8 + j];
                    if hit.contains(&j) {
                        assert!(
                            (got / expected - 1.0).abs() < 5.0 * sigma,
                            "{got} vs {expected} (σ {sigma}) on {device}"
                        );
                        pooled.push(got / expected);
                    } else {
                        assert_eq!(got, 0.0, "neuron {j} is not a target");
                    }
                }
            }
            let mean = pooled.iter().sum::<f64>() / pooled.len() as f64;
            assert!(
                (mean - 1.0).abs() < 4.0 * sigma / (pooled.len() as f64).sqrt(),
                "mean ratio {mean} (σ {sigma}, {} neurons) on {device}",
                pooled.len()
            );
        }
    }
    let mut target = LIF::new(2);
    target.init_state(&Device::Cpu, None).unwrap();
    let err = PoissonInput::new(10, 5.0 * Hz, 1.0 * mV).update(&Clock::default(), &mut target, "W");
    assert!(matches!(err, Err(Error::UnknownName { .. })));
}

#[test]
fn random_streams_agree_between_the_f64_reference_and_the_gpu() {
    let Some(gpu) = common::gpu() else { return };
    let make = || WienerProcessInput::new(300, 1.0 * mV, 1e9 * ms).seed(21);
    let cpu = run(&mut make(), &Device::Cpu, Some(2), 50, None);
    let g = run(&mut make(), &gpu, Some(2), 50, None);
    // The same Threefry words; f32 Box–Muller rounds differently only in the last digits.
    let r = compare_trace(&g, &cpu).unwrap();
    assert!(r.within(1e-5), "{r:?}");
}
