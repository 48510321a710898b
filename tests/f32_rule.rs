//! The f32 rule (`brainwgpu::compare`) passes honest implementations and catches wrong ones:
//! each variant below differs from BrainPy in one way the issue names — a 5 % wrong time
//! constant, a swapped update order, a missing one-step lag, the wrong reset, a missing
//! refractory period — plus a wrong transmitter window, and must fail against the golden
//! file, while the honest model passes.

mod common;

use brainwgpu::conformance::Case;
use brainwgpu::model::{Accepts, ElemF64, Model, Output, ParamValue};
use brainwgpu::prelude::*;
use brainwgpu::shaders::{KernelDef, builtin};
use brainwgpu::{AMPA, Alpha, Dynamics, GifRef, LIFRef, Module};

fn verdict(case: &Case, model: Box<dyn Dynamics>) -> (bool, String) {
    let got = case.replay(model, &Device::Cpu).unwrap();
    let r = case.compare_f32(&got).unwrap();
    (r.passed, r.detail)
}

fn assert_caught(file: &str, model: Box<dyn Dynamics>, what: &str) {
    let case = Case::read(common::data(file)).unwrap();
    let honest = verdict(&case, case.build().unwrap());
    assert!(honest.0, "{file}: the honest model fails: {}", honest.1);
    let (passed, detail) = verdict(&case, model);
    assert!(!passed, "{file}: {what} went unnoticed");
    eprintln!("{file}, {what}: caught — {detail}");
}

#[test]
fn a_five_percent_wrong_time_constant_is_caught() {
    assert_caught(
        "LIF",
        Box::new(LIF::new(7).tau(5.0 * 1.05 * ms)),
        "tau 5 % too long",
    );
    assert_caught(
        "Expon",
        Box::new(Expon::new(7).tau(8.0 * 0.95 * ms)),
        "tau 5 % too short",
    );
}

#[test]
fn a_swapped_update_order_is_caught() {
    // Gif integrates V with the new I1, I2; GifRef (τ_ref = 0) with the reset ones.
    let case = Case::read(common::data("Gif")).unwrap();
    let slipped = GifRef::new(7)
        .tau_ref(0.0 * ms)
        .a(case.param("a").unwrap())
        .a1(case.param("A1").unwrap())
        .a2(case.param("A2").unwrap());
    assert_caught(
        "Gif",
        Box::new(slipped),
        "the reset instead of the new I1, I2 in V's drift",
    );
}

/// Alpha without BrainPy's one-step lag: g integrates with the new h.
#[derive(Clone)]
struct AlphaWithoutLag;

impl Model for AlphaWithoutLag {
    fn kind(&self) -> &str {
        "Alpha"
    }
    fn kernel(&self) -> &KernelDef {
        &builtin::ALPHA
    }
    fn state_names(&self) -> Vec<&str> {
        vec!["g", "h"]
    }
    fn output(&self) -> Output {
        Output::State(0)
    }
    fn accepts(&self) -> Accepts {
        Accepts {
            delta: true,
            currents: false,
        }
    }
    fn validate(&self, _n: usize) -> Result<()> {
        Ok(())
    }
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> {
        vec![vec![0.0; rows * n]; 2]
    }
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue> {
        vec![ParamValue::Scalar((-dt / 8.0f64).exp())]
    }
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        let decay = e.param(0);
        let h = e.state[1] * decay + e.delta + e.x;
        e.state[0] += (1.0 - decay) * (h - e.state[0]);
        e.state[1] = h;
    }
}

#[test]
fn a_missing_one_step_lag_is_caught() {
    let honest = Alpha::new(7);
    assert!(
        verdict(
            &Case::read(common::data("Alpha")).unwrap(),
            Box::new(honest)
        )
        .0
    );
    assert_caught(
        "Alpha",
        Box::new(Module::from_model(AlphaWithoutLag, 7)),
        "Alpha without its lag",
    );
}

#[test]
fn the_wrong_reset_is_caught() {
    assert_caught(
        "LIF__hard",
        Box::new(LIF::new(7)),
        "a soft reset where BrainPy resets hard",
    );
    let bio = LIF::new(7)
        .tau(20.0 * ms)
        .v_rest(-60.0 * mV)
        .v_th(-50.0 * mV)
        .v_reset(-70.0 * mV)
        .spk_reset(SpikeReset::Hard);
    assert_caught(
        "LIF__bio",
        Box::new(bio),
        "a hard reset where BrainPy subtracts V_th − V_reset",
    );
}

#[test]
fn a_missing_refractory_period_is_caught() {
    assert_caught(
        "LIFRef",
        Box::new(LIFRef::new(7).tau_ref(0.0 * ms)),
        "no refractory period",
    );
}

#[test]
fn a_wrong_transmitter_window_is_caught() {
    // A window of 0.6 ms ends one step later than 0.5 ms: at exactly the steps where the f32
    // rounding of a correct 0.5 ms window may legitimately differ, so only the exact window
    // check catches it.
    assert_caught(
        "AMPA",
        Box::new(AMPA::new(7).t_duration(0.6 * ms)),
        "T_duration 0.6 instead of 0.5 ms",
    );
}
