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

/// A class: its kind, its BrainPy name, and its builder — `Type::new(size)` with the
/// constructor arguments its parameters declare (`read_class_args`, made by
/// [`parameters!`](crate::model::parameters): each numeric parameter by its BrainPy name,
/// flags, `spk_reset`); `; ignores reset` for a class that accepts `spk_reset` and ignores it,
/// as BrainPy does.
macro_rules! class {
    (@neuron neuron) => { true };
    (@neuron synapse) => { false };
    (@ignores reset, $a:ident) => {
        $a.flag("spk_reset_hard")?;
    };
    ($kind:ident $name:literal => $ty:ty $(; $ignores:ident reset)?) => {
        Class {
            name: $name,
            neuron: class!(@neuron $kind),
            build: {
                fn build(size: Shape, a: &dyn ClassArgs) -> Result<Box<dyn Dynamics>> {
                    let mut read = Ok(());
                    let m = <$ty>::new(size).configure(|p| read = p.read_class_args(a));
                    read?;
                    $(class!(@$ignores reset, a);)?
                    Ok(Box::new(m))
                }
                build
            },
        }
    };
}

/// Every class this crate implements.
pub static CLASSES: &[Class] = &[
    class!(synapse "Expon" => Expon),
    class!(synapse "DualExpon" => DualExpon),
    class!(synapse "Alpha" => Alpha),
    class!(synapse "AMPA" => AMPA),
    class!(synapse "GABAa" => GABAa),
    class!(synapse "BioNMDA" => BioNMDA),
    class!(synapse "STP" => STP),
    class!(synapse "STD" => STD),
    class!(neuron "IF" => IF),
    class!(neuron "LIF" => LIF),
    class!(neuron "LIFRef" => LIFRef),
    class!(neuron "ALIF" => ALIF),
    class!(neuron "ExpIF" => ExpIF),
    class!(neuron "ExpIFRef" => ExpIFRef),
    class!(neuron "AdExIF" => AdExIF),
    class!(neuron "AdExIFRef" => AdExIFRef),
    class!(neuron "QuaIF" => QuaIF),
    class!(neuron "AdQuaIF" => AdQuaIF),
    class!(neuron "AdQuaIFRef" => AdQuaIFRef),
    class!(neuron "Gif" => Gif),
    class!(neuron "GifRef" => GifRef),
    class!(neuron "CubaLIF" => CubaLIF),
    class!(neuron "CobaLIF" => CobaLIF),
    class!(neuron "Izhikevich" => Izhikevich; ignores reset),
    class!(neuron "IzhikevichRef" => IzhikevichRef; ignores reset),
    class!(neuron "HH" => HH; ignores reset),
    class!(neuron "MorrisLecar" => MorrisLecar; ignores reset),
    class!(neuron "WangBuzsakiHH" => WangBuzsakiHH; ignores reset),
    class!(neuron "FitzHughNagumo" => FitzHughNagumo; ignores reset),
    class!(neuron "HindmarshRose" => HindmarshRose; ignores reset),
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
