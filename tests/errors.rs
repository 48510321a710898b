//! Bad input is a typed error naming the parameter, shape or state at fault — never a panic.
//! These run on the f64 reference (no adapter needed); the GPU-specific ones are in
//! `gpu_models.rs`.

use brainwgpu::prelude::*;

fn param_of(e: Error) -> String {
    match e {
        Error::InvalidParameter { param, .. } => param,
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn non_positive_or_nan_time_constants_are_refused() {
    for tau in [0.0, -8.0, f64::NAN, f64::INFINITY] {
        let mut syn = Expon::new(5).tau(tau * ms);
        assert_eq!(
            param_of(syn.init_state(&Device::Cpu, None).unwrap_err()),
            "tau"
        );
        let mut lif = LIF::new(5).tau(tau * ms);
        assert_eq!(
            param_of(lif.init_state(&Device::Cpu, None).unwrap_err()),
            "tau"
        );
    }
    let err = Expon::new(5)
        .tau(-1.0 * ms)
        .init_state(&Device::Cpu, None)
        .unwrap_err();
    assert!(err.to_string().contains("`tau` of Expon"), "{err}");
}

#[test]
fn non_positive_dt_is_refused() {
    for dt in [0.0, -0.1, f64::NAN] {
        assert_eq!(param_of(Clock::new(dt * ms).unwrap_err()), "dt");
        let mut c = Clock::default();
        assert_eq!(param_of(c.set_dt(dt).unwrap_err()), "dt");
    }
}

#[test]
fn a_wrong_input_shape_names_x_and_both_shapes() {
    let mut lif = LIF::new((2, 3));
    lif.init_state(&Device::Cpu, Some(4)).unwrap();
    let x = Tensor::zeros(&Device::Cpu, TensorShape::new(Some(4), 7)).unwrap();
    match lif.update(&Clock::default(), &x) {
        Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        }) => {
            assert_eq!(what, "x of LIF");
            assert_eq!(expected, "(4, 2, 3) or (2, 3) (broadcast over the batch)");
            assert_eq!(got, "(4, 7)");
        }
        other => panic!("{:?}", other.map(|t| t.shape().clone())),
    }
    // A batch that differs from the state's is the same error.
    let x = Tensor::zeros(&Device::Cpu, TensorShape::new(Some(5), (2, 3))).unwrap();
    assert!(matches!(
        lif.update(&Clock::default(), &x),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn bad_sizes_and_batches_are_refused() {
    assert_eq!(
        param_of(LIF::new(0).init_state(&Device::Cpu, None).unwrap_err()),
        "in_size"
    );
    assert_eq!(
        param_of(LIF::new((3, 0)).init_state(&Device::Cpu, None).unwrap_err()),
        "in_size"
    );
    assert_eq!(
        param_of(Expon::new(3).init_state(&Device::Cpu, Some(0)).unwrap_err()),
        "batch_size"
    );
}

#[test]
fn using_a_model_before_init_state_is_an_error() {
    let mut syn = Expon::new(3).with_name("exc");
    match syn.update(&Clock::default(), None) {
        Err(Error::NotInitialized { owner }) => assert_eq!(owner, "Expon `exc`"),
        other => panic!("{:?}", other.map(|t| t.shape().clone())),
    }
    assert!(matches!(syn.state("g"), Err(Error::NotInitialized { .. })));
}

#[test]
fn unknown_states_list_the_real_ones() {
    let mut lif = LIF::new(3);
    lif.init_state(&Device::Cpu, None).unwrap();
    match lif.state("v") {
        Err(Error::UnknownName {
            name, available, ..
        }) => {
            assert_eq!(name, "v");
            assert_eq!(available, vec!["V".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        lif.set_state("V", &[1.0; 2]),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn per_neuron_parameters_must_have_one_value_per_neuron() {
    let mut lif = LIF::new((2, 3)).tau(vec![5.0; 5]);
    match lif.init_state(&Device::Cpu, Some(2)) {
        Err(Error::ShapeMismatch {
            what,
            expected,
            got,
        }) => {
            assert_eq!(what, "parameter `tau` of LIF");
            assert!(expected.contains("6 values"), "{expected}");
            assert_eq!(got, "5 values");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn lif_thresholds_must_sit_above_the_reset() {
    let mut lif = LIF::new(3).v_th(-70.0 * mV).v_reset(-60.0 * mV);
    assert_eq!(
        param_of(lif.init_state(&Device::Cpu, None).unwrap_err()),
        "V_th"
    );
    let mut lif = LIF::new(3).r(f64::NAN);
    assert_eq!(
        param_of(lif.init_state(&Device::Cpu, None).unwrap_err()),
        "R"
    );
    let mut lif = LIF::new(3).v_initializer(Init::uniform(1.0 * mV, -1.0 * mV, 0));
    assert_eq!(
        param_of(lif.init_state(&Device::Cpu, None).unwrap_err()),
        "V_initializer"
    );
}

#[test]
fn parameters_changed_after_init_are_validated_at_the_next_update() {
    let mut syn = Expon::new(3);
    syn.init_state(&Device::Cpu, None).unwrap();
    let mut syn = syn.tau(-2.0 * ms);
    assert_eq!(
        param_of(syn.update(&Clock::default(), None).unwrap_err()),
        "tau"
    );
}

#[test]
fn wrongly_sized_host_data_is_refused() {
    let e = Tensor::from_f64(&Device::Cpu, TensorShape::new(Some(2), 3), &[0.0; 5]).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
}

#[test]
fn reset_state_restores_the_initial_values_and_follows_a_new_batch() {
    let mut lif = LIF::new(4).v_initializer(Init::uniform(-0.5 * mV, 0.5 * mV, 9));
    lif.init_state(&Device::Cpu, Some(2)).unwrap();
    let v0 = lif.state("V").unwrap().to_vec_f64().unwrap();
    let mut clock = Clock::default();
    for _ in 0..20 {
        lif.update(&clock, 2.0 * mA).unwrap();
        clock.advance();
    }
    assert_ne!(lif.state("V").unwrap().to_vec_f64().unwrap(), v0);
    lif.reset_state(Some(2)).unwrap();
    assert_eq!(lif.state("V").unwrap().to_vec_f64().unwrap(), v0);
    lif.reset_state(Some(5)).unwrap();
    assert_eq!(lif.state("V").unwrap().shape().dims(), [5, 4]);
    lif.reset_state(None).unwrap();
    assert_eq!(lif.state("V").unwrap().shape().dims(), [4]);
    assert_eq!(
        param_of(lif.reset_state(Some(0)).unwrap_err()),
        "batch_size"
    );
}

/// The parameter an `init_state` refuses, for every model family.
fn refused(mut m: Box<dyn Dynamics>) -> String {
    match m.init_state(&Device::Cpu, Some(2)) {
        Err(Error::InvalidParameter { param, .. }) => param,
        Err(Error::ShapeMismatch { what, .. }) => what,
        other => panic!("{} accepted a bad parameter: {other:?}", m.kind()),
    }
}

#[test]
fn every_model_names_its_bad_parameter() {
    let nan = f64::NAN;
    let cases: Vec<(Box<dyn Dynamics>, &str)> = vec![
        (Box::new(DualExpon::new(3).tau_rise(-1.0 * ms)), "tau_rise"),
        (Box::new(DualExpon::new(3).tau_rise(10.0 * ms)), "tau_rise"),
        (Box::new(Alpha::new(3).tau(0.0 * ms)), "tau"),
        (Box::new(AMPA::new(3).t_duration(-0.5 * ms)), "T_duration"),
        (Box::new(GABAa::new(3).alpha(nan)), "alpha"),
        (Box::new(BioNMDA::new(3).beta2(-1.0 / ms)), "beta2"),
        (Box::new(STP::new(3).tau_f(0.0 * ms)), "tau_f"),
        (Box::new(STD::new(3).tau(nan * ms)), "tau"),
        (Box::new(IF::new(3).v_th(-1.0 * mV)), "V_th"),
        (Box::new(LIFRef::new(3).tau_ref(-1.0 * ms)), "tau_ref"),
        (Box::new(ALIF::new(3).tau_a(0.0 * ms)), "tau_a"),
        (Box::new(ExpIF::new(3).delta_t(0.0 * mV)), "delta_T"),
        (Box::new(ExpIFRef::new(3).tau_ref(nan * ms)), "tau_ref"),
        (Box::new(AdExIF::new(3).tau_w(-30.0 * ms)), "tau_w"),
        (Box::new(AdExIFRef::new(3).a(nan)), "a"),
        (Box::new(QuaIF::new(3).c(nan)), "c"),
        (Box::new(AdQuaIF::new(3).tau_w(0.0 * ms)), "tau_w"),
        (Box::new(AdQuaIFRef::new(3).tau_ref(-2.0 * ms)), "tau_ref"),
        (Box::new(Gif::new(3).k1(-1.0 / ms)), "k1"),
        (Box::new(GifRef::new(3).tau(-1.0 * ms)), "tau"),
        (Box::new(CubaLIF::new(3).tau_syn(0.0 * ms)), "tau_syn"),
        (Box::new(CobaLIF::new(3).e(nan * mV)), "E"),
        (Box::new(Izhikevich::new(3).v_th(-30.0 * mV)), "V_th"),
        (
            Box::new(IzhikevichRef::new(3).tau_ref(-1.0 * ms)),
            "tau_ref",
        ),
        (Box::new(HH::new(3).c(0.0 * uF)), "C"),
        (Box::new(MorrisLecar::new(3).v2(0.0 * mV)), "V2"),
        (Box::new(WangBuzsakiHH::new(3).phi(-1.0)), "phi"),
        (Box::new(FitzHughNagumo::new(3).tau_w(0.0 * ms)), "tau_w"),
        (Box::new(HindmarshRose::new(3).tau(-1.0 * ms)), "tau"),
        (Box::new(LeakyRateReadout::new(4, 3).tau(0.0 * ms)), "tau"),
        (
            Box::new(LeakyRateReadout::new(4, 3).w_init(vec![0.0; 11])),
            "weights of LeakyRateReadout",
        ),
        (
            Box::new(SectionInput::new(3, &[1.0 * mA], &[1.0 * ms, 2.0 * ms])),
            "durations of SectionInput",
        ),
        (
            Box::new(RampInput::new(3, 0.0 * mA, 1.0 * mA, 0.0 * ms, 0.0 * ms)),
            "duration",
        ),
        (Box::new(PoissonSpike::new(3, -5.0 * Hz)), "freqs"),
        (
            Box::new(OUProcessInput::new(
                3,
                0.0 * mA,
                1.0 * mA,
                0.0 * ms,
                10.0 * ms,
            )),
            "tau",
        ),
        (
            Box::new(WienerProcessInput::new(3, -1.0 * mA, 10.0 * ms)),
            "sigma",
        ),
        (
            Box::new(HH::new(3).g_na(vec![120.0, 120.0])),
            "parameter `gNa` of HH",
        ),
        (
            Box::new(AMPA::new(3).beta(vec![0.18; 4])),
            "parameter `beta` of AMPA",
        ),
    ];
    for (model, param) in cases {
        let kind = model.kind().to_string();
        assert_eq!(refused(model), param, "{kind}");
    }
}

/// Values an f32 cannot hold, and NaN/inf, are refused wherever they enter — parameters,
/// `dt`, initial states, constants, scales, weights, stream data, written states — with a
/// typed error that names the value and f32's range (issue 14).
#[test]
fn values_beyond_f32_range_and_nan_are_refused_where_they_enter() {
    use brainwgpu::network::{Dense, FixedProb, Network, Term, Wiring};
    let f32_range = |e: Error| {
        let text = e.to_string();
        assert!(text.contains("f32's range"), "{text}");
        text
    };
    let compile = |lif: LIF, wiring: &dyn Fn(brainwgpu::network::NodeId) -> Wiring| {
        let mut net = Network::new();
        let n = net.add(lif)?;
        net.update(n, wiring(n));
        net.compile(&Device::Cpu, None, 0.1 * ms)
    };
    let text = f32_range(
        compile(LIF::new(4).v_th(1e39), &|_| Wiring::new())
            .err()
            .unwrap(),
    );
    assert!(text.contains("V_th") && text.contains("got 1e39"), "{text}");
    f32_range(
        compile(LIF::new(4).v_initializer(1e39), &|_| Wiring::new())
            .err()
            .unwrap(),
    );
    f32_range(
        compile(LIF::new(4).tau(1e-40), &|_| Wiring::new())
            .err()
            .unwrap(),
    );
    f32_range(Clock::new(1e39 * ms).err().unwrap());
    for term in [
        Term::constant(f64::NAN),
        Term::constant(1e39),
        Term::constant(1.0).scaled(f64::INFINITY),
        Term::constant(1.0).scaled_per_instance(vec![1e39]),
        Term::per_neuron(vec![1e39; 4]),
    ] {
        let text = f32_range(
            compile(LIF::new(4), &|_| Wiring::new().x(term.clone()))
                .err()
                .unwrap(),
        );
        assert!(text.contains("x of LIF"), "{text}");
    }
    f32_range(
        compile(LIF::new(4), &|n| {
            Wiring::new().x(Term::output(n).dense(Dense::new(4, 4, vec![1e39; 16])))
        })
        .err()
        .unwrap(),
    );
    f32_range(
        compile(LIF::new(4), &|n| {
            Wiring::new().delta(Term::output(n).event(FixedProb::per_pre(4, 4, 2, 1e300, 0)))
        })
        .err()
        .unwrap(),
    );
    // Stream data and written states.
    let mut net = Network::new();
    let ext = net.external("in", 4).unwrap();
    let n = net.add(LIF::new(4)).unwrap();
    net.update(n, Wiring::new().x(Term::external(ext)));
    let mut sim = net.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
    f32_range(sim.feed(ext, &[0.0, 1e39, 0.0, 0.0]).err().unwrap());
    f32_range(
        sim.set_state(n, "V", &[0.0, f64::NAN, 0.0, 0.0])
            .err()
            .unwrap(),
    );
    let mut lif = LIF::new(4);
    lif.init_state(&Device::Cpu, None).unwrap();
    f32_range(lif.set_state("V", &[1e39; 4]).err().unwrap());
}
