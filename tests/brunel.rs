//! Brunel's (2000) model A at full size on the f64 reference: the four states of the paper's
//! Fig. 8 show their qualitative signatures, and the asynchronous state fires at the
//! mean-field rate. (Every executor runs the same network spike for spike: the delays, fixed
//! in-degrees and Poisson drive it is built from are checked in `tests/connectivity.rs`.)

use brainwgpu::Device;
use brainwgpu::network::classic::{Brunel, BrunelState};
use brainwgpu::prelude::*;

/// Excitatory rate (Hz), ISI CV, Fano factor of the population count in 1 ms bins and the
/// strongest frequency of the population rate, over 300 ms after a 100 ms transient.
fn measure(state: BrunelState) -> (f64, f64, f64, f64) {
    let model = Brunel::new(state);
    let net = model.build().unwrap();
    let mut sim = net.network.compile(&Device::Cpu, None, 0.1 * ms).unwrap();
    sim.run(1000).unwrap();
    let m = sim.monitor_spikes(net.neurons).unwrap();
    sim.run(3000).unwrap();
    let r = sim.spikes(m).unwrap();
    let exc = r.events().iter().filter(|e| e.2 < net.n_exc).count();
    let rate = exc as f64 / (net.n_exc as f64 * 0.3);
    let (peak, _) = r.dominant_frequency(0, 10).unwrap();
    (
        rate,
        r.isi_cv(0).unwrap(),
        r.population_fano(0, 10).unwrap(),
        peak,
    )
}

#[test]
fn the_four_states_of_fig_8_show_their_signatures() {
    // The four runs on threads (the f64 device runs on the calling thread).
    let [sr, si_fast, ai, si_slow] = std::thread::scope(|scope| {
        BrunelState::ALL
            .map(|state| scope.spawn(move || measure(state)))
            .map(|run| run.join().unwrap())
    });
    let show = |name: &str, m: (f64, f64, f64, f64)| {
        eprintln!(
            "{name}: rate {:.1} Hz, ISI CV {:.2}, Fano {:.0}, peak {:.0} Hz",
            m.0, m.1, m.2, m.3
        )
    };
    show("SR", sr);
    show("SI-fast", si_fast);
    show("AI", ai);
    show("SI-slow", si_slow);
    // AI: the mean-field rate of the asynchronous state (38 Hz) within 8 % (seeds and finite
    // size move it by about 2 %), and the least synchronous population of the four.
    let theory = Brunel::new(BrunelState::AsynchronousIrregular).mean_field_rate_hz();
    assert!(
        (ai.0 / theory - 1.0).abs() < 0.08,
        "AI {} Hz vs {theory}",
        ai.0
    );
    for (name, other) in [("SR", sr), ("SI-fast", si_fast), ("SI-slow", si_slow)] {
        assert!(
            other.2 > 2.0 * ai.2,
            "{name} Fano {} vs AI {}",
            other.2,
            ai.2
        );
    }
    // SR: near saturation (1/τ_rp = 500 Hz), regular.
    assert!(sr.0 > 200.0 && sr.1 < 0.35, "SR {sr:?}");
    // SI fast: irregular neurons, a global oscillation near 180 Hz.
    assert!(
        si_fast.1 > 0.6 && (120.0..250.0).contains(&si_fast.3),
        "SI fast {si_fast:?}"
    );
    // SI slow: low rates, a slow global oscillation.
    assert!(si_slow.0 < 15.0 && si_slow.3 < 50.0, "SI slow {si_slow:?}");
}
