//! Scalar numerics shared by the f64 reference and the host-side step factors: the
//! exponential-Euler step and the spike (Heaviside) function of BrainPy's neurons.

/// `exprel(z) = (eᶻ − 1)/z`, computed as BrainPy (saiunit) does in float64: the order-5
/// Taylor polynomial for `|z| ≤ 1e-7`, `expm1(z)/z` otherwise. `exprel(0) = 1`.
pub fn exprel(z: f64) -> f64 {
    if z.abs() <= 1e-7 {
        1.0 + z * (1.0 / 2.0 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z / 720.0))))
    } else {
        z.exp_m1() / z
    }
}

/// One exponential-Euler step `x + dt·exprel(dt·J)·f`.
pub fn exp_euler(x: f64, f: f64, jacobian: f64, dt: f64) -> f64 {
    x + dt * exprel(dt * jacobian) * f
}

/// The LIF-family reset with the stored `V`'s spike `s`: soft subtracts
/// `(V_th − V_reset)·s`, hard computes `V − (V − V_reset)·s` — literally, as BrainPy does in
/// f64, so that after ExpIF's run-away (`V` ≈ 1e17) the f64 reference keeps BrainPy's
/// rounding. The f32 kernels (`reset_v` in WGSL) select `V_reset` instead, where the same
/// formula would cancel to garbage.
pub fn reset_v(v: f64, s: f64, v_th: f64, v_reset: f64, hard: bool) -> f64 {
    let subtract = if hard { v } else { v_th };
    v - (subtract - v_reset) * s
}

/// The forward pass of every surrogate spike function: `1.0` when `x ≥ 0`, else `0.0`
/// (`NaN` gives `0.0`).
pub fn heaviside(x: f64) -> f64 {
    if x >= 0.0 { 1.0 } else { 0.0 }
}

/// The exponent of the Chebyshev fit of `erfc` (Press et al., *Numerical Recipes* §6.2,
/// relative error below 1.2e-7) in `t = 1/(1 + |z|/2)`: for `z ≥ 0`,
/// `erfc(z) ≈ t·exp(−z² + erfc_fit(t))`, and `e^{z²}·erfc(z) ≈ t·exp(erfc_fit(t))`.
pub fn erfc_fit(t: f64) -> f64 {
    const C: [f64; 10] = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    C.iter().rev().fold(0.0, |acc, &k| acc * t + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exprel_is_smooth_across_the_threshold() {
        assert_eq!(exprel(0.0), 1.0);
        for z in [1e-8f64, -1e-8, 1e-7, 2e-7, -3e-7, 0.01, -0.02, 5.0, -40.0] {
            let exact = if z == 0.0 { 1.0 } else { z.exp_m1() / z };
            assert!((exprel(z) - exact).abs() <= 1e-15 * exact.abs(), "{z}");
        }
    }

    #[test]
    fn exp_euler_is_exact_for_linear_decay() {
        let (tau, dt) = (8.0, 0.1);
        let g = exp_euler(2.0, -2.0 / tau, -1.0 / tau, dt);
        assert!((g - 2.0 * (-dt / tau).exp()).abs() < 1e-15);
    }

    #[test]
    fn heaviside_counts_zero_as_spike_and_nan_as_none() {
        assert_eq!(heaviside(0.0), 1.0);
        assert_eq!(heaviside(-0.0), 1.0);
        assert_eq!(heaviside(-1e-300), 0.0);
        assert_eq!(heaviside(f64::NAN), 0.0);
    }
}
