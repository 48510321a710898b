//! One registry of the BrainPy classes this crate implements: from a class name (as
//! `brainpy.state` spells it) to what the class is and a builder from its constructor
//! arguments. The conformance runner builds every per-model golden through it; a new model is
//! its `.rs` file (with its `…_from_args` builder), its `.wgsl` kernel and one line here.

use crate::error::Result;
use crate::module::Dynamics;
use crate::neuron::{self, SpikeReset};
use crate::shape::Shape;
use crate::synapse;

/// Constructor arguments of a BrainPy class by name, as internal magnitudes (a golden file's
/// `p_*` values, for instance).
pub trait ClassArgs {
    /// Numeric argument `name`; an error names it when it is missing.
    fn number(&self, name: &str) -> Result<f64>;
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

const fn synapse(name: &'static str, build: Builder) -> Class {
    Class {
        name,
        neuron: false,
        build,
    }
}

const fn neuron(name: &'static str, build: Builder) -> Class {
    Class {
        name,
        neuron: true,
        build,
    }
}

/// Every class, one line each.
pub static CLASSES: &[Class] = &[
    synapse("Expon", synapse::expon::expon_from_args),
    synapse("DualExpon", synapse::expon::dual_expon_from_args),
    synapse("Alpha", synapse::alpha::alpha_from_args),
    synapse("AMPA", synapse::ampa::ampa_from_args),
    synapse("GABAa", synapse::ampa::gabaa_from_args),
    synapse("BioNMDA", synapse::bio_nmda::bio_nmda_from_args),
    synapse("STP", synapse::stp::stp_from_args),
    synapse("STD", synapse::stp::std_from_args),
    neuron("IF", neuron::lif::if_from_args),
    neuron("LIF", neuron::lif::lif_from_args),
    neuron("LIFRef", neuron::lif::lif_ref_from_args),
    neuron("ALIF", neuron::lif::alif_from_args),
    neuron("ExpIF", neuron::exp_if::exp_if_from_args),
    neuron("ExpIFRef", neuron::exp_if::exp_if_ref_from_args),
    neuron("AdExIF", neuron::exp_if::ad_ex_if_from_args),
    neuron("AdExIFRef", neuron::exp_if::ad_ex_if_ref_from_args),
    neuron("QuaIF", neuron::qua_if::qua_if_from_args),
    neuron("AdQuaIF", neuron::qua_if::ad_qua_if_from_args),
    neuron("AdQuaIFRef", neuron::qua_if::ad_qua_if_ref_from_args),
    neuron("Gif", neuron::gif::gif_from_args),
    neuron("GifRef", neuron::gif::gif_ref_from_args),
    neuron("CubaLIF", neuron::cuba_lif::cuba_lif_from_args),
    neuron("CobaLIF", neuron::cuba_lif::coba_lif_from_args),
    neuron("Izhikevich", neuron::izhikevich::izhikevich_from_args),
    neuron(
        "IzhikevichRef",
        neuron::izhikevich::izhikevich_ref_from_args,
    ),
    neuron("HH", neuron::hh::hh_from_args),
    neuron("MorrisLecar", neuron::morris_lecar::morris_lecar_from_args),
    neuron(
        "WangBuzsakiHH",
        neuron::wang_buzsaki::wang_buzsaki_hh_from_args,
    ),
    neuron(
        "FitzHughNagumo",
        neuron::fitzhugh_nagumo::fitzhugh_nagumo_from_args,
    ),
    neuron(
        "HindmarshRose",
        neuron::hindmarsh_rose::hindmarsh_rose_from_args,
    ),
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
