//! One registry of the BrainPy classes this crate implements: from a class name (as
//! `brainpy.state` spells it) to what the class is and a builder from its constructor
//! arguments. The conformance runner builds every per-model golden through it; a new model is
//! its `.rs` file, its `.wgsl` kernel and its entry in [`CLASSES`] here.

use crate::error::Result;
use crate::module::Dynamics;
use crate::neuron::*;
use crate::shape::Shape;
use crate::synapse::*;

/// Constructor arguments of a BrainPy class by name, as internal magnitudes (a golden file's
/// `p_*` values, for instance).
pub trait ClassArgs {
    /// Numeric argument `name`; an error names it when it is missing.
    fn number(&self, name: &str) -> Result<f64>;
    /// Numeric argument `name`, or `None` to keep the class's default (BrainPy's). By default
    /// every argument must be given ([`number`](ClassArgs::number)).
    fn optional(&self, name: &str) -> Result<Option<f64>> {
        self.number(name).map(Some)
    }
    /// Boolean argument `name`; false when it is missing.
    fn flag(&self, name: &str) -> Result<bool>;
}

/// A builder of a class from its size and constructor arguments.
pub type Builder = fn(Shape, &dyn ClassArgs) -> Result<Box<dyn Dynamics>>;

/// A BrainPy class this crate implements.
#[derive(Clone, Copy)]
pub struct Class {
    /// Its name in `brainpy.state`.
    pub name: &'static str,
    /// Whether it is a neuron (its output is a spike train).
    pub neuron: bool,
    /// Builds it.
    pub build: Builder,
}

impl std::fmt::Debug for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Class({:?}, neuron: {})", self.name, self.neuron)
    }
}

/// A class: its kind, its BrainPy name, and its builder — `Type::new(size)` with one setter per
/// numeric argument (`setter: "BrainPy name"`), then, after `;`, what else the class takes:
/// `reset` (`spk_reset`), `ignores reset` (accepted and ignored, as BrainPy does for it), or
/// boolean arguments (`setter? "name"`).
macro_rules! class {
    (@neuron neuron) => { true };
    (@neuron synapse) => { false };
    (@extra $m:ident, $a:ident; reset) => { $m.spk_reset(spike_reset($a)?) };
    (@extra $m:ident, $a:ident; ignores reset) => {{
        $a.flag("spk_reset_hard")?;
        $m
    }};
    (@extra $m:ident, $a:ident; $($flag:ident ? $fname:literal),+) => {
        $m$(.$flag($a.flag($fname)?))+
    };
    ($kind:ident $name:literal => $ty:ty { $($set:ident: $arg:literal),* $(,)? } $(; $($extra:tt)+)?) => {
        Class {
            name: $name,
            neuron: class!(@neuron $kind),
            build: {
                fn build(size: Shape, a: &dyn ClassArgs) -> Result<Box<dyn Dynamics>> {
                    let m = <$ty>::new(size);
                    $(let m = match a.optional($arg)? {
                        Some(v) => m.$set(v),
                        None => m,
                    };)*
                    $(let m = class!(@extra m, a; $($extra)+);)?
                    Ok(Box::new(m))
                }
                build
            },
        }
    };
}

/// Every class, with the constructor arguments its builder reads.
pub static CLASSES: &[Class] = &[
    class!(synapse "Expon" => Expon { tau: "tau" }),
    class!(synapse "DualExpon" => DualExpon {
        tau_decay: "tau_decay", tau_rise: "tau_rise", amplitude: "amplitude"
    }; normalize? "normalize"),
    class!(synapse "Alpha" => Alpha { tau: "tau" }),
    class!(synapse "AMPA" => AMPA {
        alpha: "alpha", beta: "beta", t: "T", t_duration: "T_duration"
    }),
    class!(synapse "GABAa" => GABAa {
        alpha: "alpha", beta: "beta", t: "T", t_duration: "T_duration"
    }),
    class!(synapse "BioNMDA" => BioNMDA {
        alpha1: "alpha1", beta1: "beta1", alpha2: "alpha2", beta2: "beta2", t: "T",
        t_duration: "T_duration"
    }),
    class!(synapse "STP" => STP { u: "U", tau_f: "tau_f", tau_d: "tau_d" }),
    class!(synapse "STD" => STD { tau: "tau", u: "U" }),
    class!(neuron "IF" => IF { r: "R", tau: "tau", v_th: "V_th" }; reset),
    class!(neuron "LIF" => LIF {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest"
    }; reset),
    class!(neuron "LIFRef" => LIFRef {
        r: "R", tau: "tau", tau_ref: "tau_ref", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest"
    }; reset),
    class!(neuron "ALIF" => ALIF {
        r: "R", tau: "tau", tau_a: "tau_a", beta: "beta", v_th: "V_th", v_reset: "V_reset",
        v_rest: "V_rest"
    }; reset),
    class!(neuron "ExpIF" => ExpIF {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_t: "V_T",
        delta_t: "delta_T"
    }; reset),
    class!(neuron "ExpIFRef" => ExpIFRef {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_t: "V_T",
        delta_t: "delta_T", tau_ref: "tau_ref"
    }; reset),
    class!(neuron "AdExIF" => AdExIF {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_t: "V_T",
        delta_t: "delta_T", tau_w: "tau_w", a: "a", b: "b"
    }; reset),
    class!(neuron "AdExIFRef" => AdExIFRef {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_t: "V_T",
        delta_t: "delta_T", tau_w: "tau_w", a: "a", b: "b", tau_ref: "tau_ref"
    }; reset),
    class!(neuron "QuaIF" => QuaIF {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_c: "V_c",
        c: "c"
    }; reset),
    class!(neuron "AdQuaIF" => AdQuaIF {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_c: "V_c",
        c: "c", tau_w: "tau_w", a: "a", b: "b"
    }; reset),
    class!(neuron "AdQuaIFRef" => AdQuaIFRef {
        r: "R", tau: "tau", v_th: "V_th", v_reset: "V_reset", v_rest: "V_rest", v_c: "V_c",
        c: "c", tau_w: "tau_w", a: "a", b: "b", tau_ref: "tau_ref"
    }; reset),
    class!(neuron "Gif" => Gif {
        r: "R", tau: "tau", v_rest: "V_rest", v_reset: "V_reset", v_th_inf: "V_th_inf",
        v_th_reset: "V_th_reset", a: "a", b: "b", k1: "k1", k2: "k2", r1: "R1", r2: "R2",
        a1: "A1", a2: "A2"
    }; reset),
    class!(neuron "GifRef" => GifRef {
        r: "R", tau: "tau", v_rest: "V_rest", v_reset: "V_reset", v_th_inf: "V_th_inf",
        v_th_reset: "V_th_reset", a: "a", b: "b", k1: "k1", k2: "k2", r1: "R1", r2: "R2",
        a1: "A1", a2: "A2", tau_ref: "tau_ref"
    }; reset),
    class!(neuron "CubaLIF" => CubaLIF {
        r: "R", tau: "tau", tau_syn: "tau_syn", v_th: "V_th", v_reset: "V_reset",
        v_rest: "V_rest"
    }; reset),
    class!(neuron "CobaLIF" => CobaLIF {
        r: "R", tau: "tau", tau_syn: "tau_syn", e: "E", v_th: "V_th", v_reset: "V_reset",
        v_rest: "V_rest"
    }; reset),
    class!(neuron "Izhikevich" => Izhikevich {
        a: "a", b: "b", c: "c", d: "d", v_th: "V_th"
    }; ignores reset),
    class!(neuron "IzhikevichRef" => IzhikevichRef {
        a: "a", b: "b", c: "c", d: "d", v_th: "V_th", tau_ref: "tau_ref"
    }; ignores reset),
    class!(neuron "HH" => HH {
        e_na: "ENa", g_na: "gNa", e_k: "EK", g_k: "gK", e_l: "EL", g_l: "gL", v_th: "V_th",
        c: "C"
    }; ignores reset),
    class!(neuron "MorrisLecar" => MorrisLecar {
        v_ca: "V_Ca", g_ca: "g_Ca", v_k: "V_K", g_k: "g_K", v_leak: "V_leak", g_leak: "g_leak",
        c: "C", v1: "V1", v2: "V2", v3: "V3", v4: "V4", phi: "phi", v_th: "V_th"
    }; ignores reset),
    class!(neuron "WangBuzsakiHH" => WangBuzsakiHH {
        e_na: "ENa", g_na: "gNa", e_k: "EK", g_k: "gK", e_l: "EL", g_l: "gL", v_th: "V_th",
        phi: "phi", c: "C"
    }; ignores reset),
    class!(neuron "FitzHughNagumo" => FitzHughNagumo {
        a: "a", b: "b", tau: "tau", tau_w: "tau_w", v_th: "V_th"
    }; ignores reset),
    class!(neuron "HindmarshRose" => HindmarshRose {
        a: "a", b: "b", c: "c", d: "d", r: "r", s: "s", v_r: "V_r", tau: "tau", v_th: "V_th"
    }; ignores reset),
];

/// The class named `name`, if this crate implements it.
pub fn class(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

/// The reset of classes that take `spk_reset` (`"hard"` when the flag `spk_reset_hard` is
/// set, else BrainPy's default soft reset).
pub(crate) fn spike_reset(a: &dyn ClassArgs) -> Result<SpikeReset> {
    Ok(if a.flag("spk_reset_hard")? {
        SpikeReset::Hard
    } else {
        SpikeReset::Soft
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for (i, c) in CLASSES.iter().enumerate() {
            assert!(CLASSES[..i].iter().all(|d| d.name != c.name), "{c:?} twice");
            assert_eq!(class(c.name).map(|d| d.name), Some(c.name));
        }
        assert!(class("NoSuchModel").is_none());
    }
}
