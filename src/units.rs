//! Typed physical quantities and the library's internal unit convention.
//!
//! Every parameter that has a physical dimension is a [`Quantity<D>`], where `D` is a
//! dimension marker ([`Time`], [`Voltage`], …). Quantities are built by multiplying a
//! number with a unit constant, `8.0 * ms`, `-60.0 * mV`, `1.0 * mS`, and a function that
//! expects a time does not accept a voltage: that is a compile error.
//!
//! ```compile_fail
//! use brainwgpu::prelude::*;
//! // A voltage where a time constant is expected does not compile.
//! let syn = Expon::new(10).tau(5.0 * mV);
//! ```
//!
//! # Internal convention
//!
//! Internally every quantity is stored as a plain `f64` magnitude in one coherent set of
//! units, the classic physiological one:
//!
//! | dimension | internal unit |
//! |---|---|
//! | time | ms |
//! | voltage | mV |
//! | current | µA |
//! | conductance | mS |
//! | resistance | kΩ |
//! | capacitance | µF |
//! | concentration | mM |
//!
//! It is coherent: mS·mV = µA, µA·kΩ = mV, µF·mV/ms = µA, mS/µF = 1/ms. So kernels never
//! convert units: they work on magnitudes. BrainPy's defaults are converted exactly when
//! a model is built (for example LIF's `R = 1 Ω` is `0.001 kΩ`, a current of `1 mA` is
//! `1000 µA`, and their product is still `1 mV`).
//!
//! # Plain numbers
//!
//! A plain `f64` converts into any `Quantity<D>` as a magnitude **in the internal unit**
//! (`8.0` as a time is 8 ms, `1.0` as a conductance is 1 mS). This is how BrainPy's
//! unitless networks are written (voltages, currents and conductances as plain floats,
//! times in ms): pass every such parameter as a plain number and the model computes on
//! exactly those magnitudes.
#![allow(non_upper_case_globals)]

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A physical dimension: a zero-sized marker type with its internal unit.
pub trait Dimension: Copy + Clone + fmt::Debug + Send + Sync + 'static {
    /// Human-readable name, used in error messages ("time").
    const NAME: &'static str;
    /// Symbol of the internal unit ("ms").
    const UNIT: &'static str;
}

macro_rules! dimensions {
    ($($(#[$doc:meta])* $ty:ident => $name:literal, $unit:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $ty;
        impl Dimension for $ty {
            const NAME: &'static str = $name;
            const UNIT: &'static str = $unit;
        }
    )*};
}

dimensions! {
    /// Time, internally in ms.
    Time => "time", "ms";
    /// Electric potential, internally in mV.
    Voltage => "voltage", "mV";
    /// Electric current, internally in µA.
    Current => "current", "uA";
    /// Conductance, internally in mS.
    Conductance => "conductance", "mS";
    /// Resistance, internally in kΩ.
    Resistance => "resistance", "kohm";
    /// Capacitance, internally in µF.
    Capacitance => "capacitance", "uF";
    /// Concentration, internally in mM.
    Concentration => "concentration", "mM";
    /// Rate (inverse time), internally in 1/ms.
    Rate => "rate", "1/ms";
    /// Rate per concentration (binding rate constants), internally in 1/(ms·mM).
    RatePerConcentration => "rate per concentration", "1/(ms*mM)";
    /// Rate of change of a voltage, internally in mV/ms.
    VoltageRate => "voltage rate", "mV/ms";
    /// Inverse voltage (QuaIF's `c`, MgBlock's `alpha`), internally in 1/mV.
    InverseVoltage => "inverse voltage", "1/mV";
    /// Pure number.
    Dimensionless => "dimensionless", "1";
}

/// A magnitude with a dimension, stored in the internal unit of `D` (see the module docs).
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub struct Quantity<D: Dimension> {
    value: f64,
    _dim: PhantomData<D>,
}

impl<D: Dimension> Quantity<D> {
    /// A quantity whose magnitude in the internal unit of `D` is `value`.
    pub const fn internal(value: f64) -> Self {
        Quantity {
            value,
            _dim: PhantomData,
        }
    }

    /// The magnitude in the internal unit of `D` (ms, mV, µA, mS, kΩ, µF, mM …).
    pub const fn value(self) -> f64 {
        self.value
    }

    /// The magnitude expressed in `unit`: `(20.0 * mV).in_unit(V) == 0.02`.
    pub fn in_unit(self, unit: Quantity<D>) -> f64 {
        self.value / unit.value
    }
}

impl<D: Dimension> fmt::Debug for Quantity<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, D::UNIT)
    }
}

impl<D: Dimension> fmt::Display for Quantity<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, D::UNIT)
    }
}

/// A plain number is a magnitude in the internal unit (see the module docs).
impl<D: Dimension> From<f64> for Quantity<D> {
    fn from(value: f64) -> Self {
        Quantity::internal(value)
    }
}

impl<D: Dimension> Mul<Quantity<D>> for f64 {
    type Output = Quantity<D>;
    fn mul(self, q: Quantity<D>) -> Quantity<D> {
        Quantity::internal(self * q.value)
    }
}

impl<D: Dimension> Mul<f64> for Quantity<D> {
    type Output = Quantity<D>;
    fn mul(self, k: f64) -> Quantity<D> {
        Quantity::internal(self.value * k)
    }
}

impl<D: Dimension> Div<f64> for Quantity<D> {
    type Output = Quantity<D>;
    fn div(self, k: f64) -> Quantity<D> {
        Quantity::internal(self.value / k)
    }
}

/// The ratio of two quantities of the same dimension is a plain number.
impl<D: Dimension> Div<Quantity<D>> for Quantity<D> {
    type Output = f64;
    fn div(self, q: Quantity<D>) -> f64 {
        self.value / q.value
    }
}

impl<D: Dimension> Add for Quantity<D> {
    type Output = Quantity<D>;
    fn add(self, q: Quantity<D>) -> Quantity<D> {
        Quantity::internal(self.value + q.value)
    }
}

impl<D: Dimension> Sub for Quantity<D> {
    type Output = Quantity<D>;
    fn sub(self, q: Quantity<D>) -> Quantity<D> {
        Quantity::internal(self.value - q.value)
    }
}

impl<D: Dimension> Neg for Quantity<D> {
    type Output = Quantity<D>;
    fn neg(self) -> Quantity<D> {
        Quantity::internal(-self.value)
    }
}

/// `a * b = c` and `c / b = a`, `c / a = b` for dimension triples.
macro_rules! product {
    ($($a:ident * $b:ident = $c:ident;)*) => {$(
        impl Mul<Quantity<$b>> for Quantity<$a> {
            type Output = Quantity<$c>;
            fn mul(self, q: Quantity<$b>) -> Quantity<$c> {
                Quantity::internal(self.value * q.value)
            }
        }
        impl Div<Quantity<$b>> for Quantity<$c> {
            type Output = Quantity<$a>;
            fn div(self, q: Quantity<$b>) -> Quantity<$a> {
                Quantity::internal(self.value / q.value)
            }
        }
    )*};
}

product! {
    Current * Resistance = Voltage;
    Conductance * Voltage = Current;
    Rate * Time = Dimensionless;
    RatePerConcentration * Concentration = Rate;
    VoltageRate * Time = Voltage;
}

// With the divisions these products define, `0.98 / ms / mM` is a binding rate constant and
// `8.0 * mV / ms` a voltage rate.

/// `1.0 / ms` is a rate.
impl Div<Quantity<Time>> for f64 {
    type Output = Quantity<Rate>;
    fn div(self, q: Quantity<Time>) -> Quantity<Rate> {
        Quantity::internal(self / q.value)
    }
}

macro_rules! units {
    ($($(#[$doc:meta])* $name:ident : $dim:ident = $value:expr;)*) => {$(
        $(#[$doc])*
        pub const $name: Quantity<$dim> = Quantity::internal($value);
    )*};
}

units! {
    /// Second.
    s: Time = 1e3;
    /// Millisecond (internal time unit).
    ms: Time = 1.0;
    /// Microsecond.
    us: Time = 1e-3;
    /// Volt.
    V: Voltage = 1e3;
    /// Millivolt (internal voltage unit).
    mV: Voltage = 1.0;
    /// Microvolt.
    uV: Voltage = 1e-3;
    /// Ampere.
    A: Current = 1e6;
    /// Milliampere.
    mA: Current = 1e3;
    /// Microampere (internal current unit).
    uA: Current = 1.0;
    /// Nanoampere.
    nA: Current = 1e-3;
    /// Picoampere.
    pA: Current = 1e-6;
    /// Siemens.
    S: Conductance = 1e3;
    /// Millisiemens (internal conductance unit).
    mS: Conductance = 1.0;
    /// Microsiemens.
    uS: Conductance = 1e-3;
    /// Nanosiemens.
    nS: Conductance = 1e-6;
    /// Ohm.
    ohm: Resistance = 1e-3;
    /// Kiloohm (internal resistance unit).
    kohm: Resistance = 1.0;
    /// Megaohm.
    Mohm: Resistance = 1e3;
    /// Microfarad (internal capacitance unit).
    uF: Capacitance = 1.0;
    /// Nanofarad.
    nF: Capacitance = 1e-3;
    /// Picofarad.
    pF: Capacitance = 1e-6;
    /// Millimolar (internal concentration unit).
    mM: Concentration = 1.0;
    /// Micromolar.
    uM: Concentration = 1e-3;
    /// Hertz (1/s) as a rate.
    Hz: Rate = 1e-3;
}

/// The factor that converts a magnitude written in `unit` (a unit string as BrainPy and the
/// golden files write it: `"mS"`, `"mA"`, `"1/ms"`, `"1/(ms*mM)"`, `"mV/ms"`, `"ohm"`, `"1"` …)
/// into the internal unit of its dimension, with the dimension's name.
///
/// Returns `None` for a unit string it does not know. Only the leading unit expression is
/// read, so annotated strings such as `"uA = mS*mV"` work.
pub fn parse_unit(unit: &str) -> Option<(&'static str, f64)> {
    let head = unit.split([' ', '=']).next().unwrap_or("").trim();
    let known: &[(&str, &'static str, f64)] = &[
        ("1", Dimensionless::NAME, 1.0),
        ("unitless", Dimensionless::NAME, 1.0),
        ("", Dimensionless::NAME, 1.0),
        ("s", Time::NAME, s.value),
        ("ms", Time::NAME, ms.value),
        ("us", Time::NAME, us.value),
        ("V", Voltage::NAME, V.value),
        ("mV", Voltage::NAME, mV.value),
        ("uV", Voltage::NAME, uV.value),
        ("A", Current::NAME, A.value),
        ("mA", Current::NAME, mA.value),
        ("uA", Current::NAME, uA.value),
        ("nA", Current::NAME, nA.value),
        ("pA", Current::NAME, pA.value),
        ("S", Conductance::NAME, S.value),
        ("mS", Conductance::NAME, mS.value),
        ("uS", Conductance::NAME, uS.value),
        ("nS", Conductance::NAME, nS.value),
        ("ohm", Resistance::NAME, ohm.value),
        ("kohm", Resistance::NAME, kohm.value),
        ("Mohm", Resistance::NAME, Mohm.value),
        ("uF", Capacitance::NAME, uF.value),
        ("nF", Capacitance::NAME, nF.value),
        ("pF", Capacitance::NAME, pF.value),
        ("mM", Concentration::NAME, mM.value),
        ("uM", Concentration::NAME, uM.value),
        ("1/ms", Rate::NAME, 1.0),
        ("1/s", Rate::NAME, 1e-3),
        ("1/(ms*mM)", RatePerConcentration::NAME, 1.0),
        ("mV/ms", VoltageRate::NAME, 1.0),
        ("1/mV", InverseVoltage::NAME, 1.0),
        ("Hz", Rate::NAME, 1e-3),
    ];
    known
        .iter()
        .find(|(u, _, _)| *u == head)
        .map(|(_, d, f)| (*d, *f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coherent_products() {
        let v: Quantity<Voltage> = (2.0 * mA) * (1.0 * ohm);
        assert!((v.in_unit(mV) - 2.0).abs() < 1e-12);
        let i: Quantity<Current> = (1.0 * mS) * (1.0 * mV);
        assert!((i.in_unit(uA) - 1.0).abs() < 1e-12);
        let r: Quantity<Rate> = 1.0 / (5.0 * ms);
        assert!((r.value() - 0.2).abs() < 1e-15);
        assert_eq!((1.0 * s).in_unit(ms), 1000.0);
    }

    #[test]
    fn plain_numbers_are_internal_magnitudes() {
        let t: Quantity<Time> = 8.0.into();
        assert_eq!(t, 8.0 * ms);
    }

    #[test]
    fn parses_golden_unit_strings() {
        assert_eq!(parse_unit("mA"), Some((Current::NAME, 1e3)));
        assert_eq!(parse_unit("uA = mS*mV"), Some((Current::NAME, 1.0)));
        assert_eq!(parse_unit("ohm"), Some((Resistance::NAME, 1e-3)));
        assert_eq!(parse_unit("furlong"), None);
    }
}
