//! What a model is, independently of where it runs: typed parameters (scalar or one per
//! neuron), state initialisers, and the [`Model`] trait that ties a WGSL kernel to its f64
//! twin.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::rng;
use crate::shaders::KernelDef;
use crate::shape::Shape;
use crate::synout::SynOut;
use crate::units::{Dimension, Quantity};

/// A parameter's magnitude in internal units: one value for all neurons, one per neuron
/// (flattened row-major over `in_size`), one per instance (batch row), or one per instance
/// and neuron — the last two make a batch a parameter sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// The same value for every neuron.
    Scalar(f64),
    /// One value per neuron.
    PerNeuron(Arc<[f64]>),
    /// One value per instance (batch row), the same for every neuron of that instance.
    PerInstance(Arc<[f64]>),
    /// One value per instance and neuron (`rows × n`, row-major).
    PerInstanceNeuron(Arc<[f64]>),
    /// A table of any length, read by index (weights, schedules): `param_at` in WGSL.
    Table(Arc<[f64]>),
    /// One raw 32-bit word (seeds, counts): `param_u32` in WGSL.
    Word(u32),
}

impl ParamValue {
    /// The value for neuron `j` (for a table: entry `j`; for a word: the word; for values per
    /// instance: those of instance 0 — see [`ParamValue::get`]).
    pub fn at(&self, j: usize) -> f64 {
        self.get(0, j, self.neurons().unwrap_or(j + 1))
    }

    /// The value for neuron `j` of instance `b`, with `n` neurons per instance.
    pub fn get(&self, b: usize, j: usize, n: usize) -> f64 {
        match self {
            ParamValue::Scalar(v) => *v,
            ParamValue::PerNeuron(v) | ParamValue::Table(v) => v[j],
            ParamValue::PerInstance(v) => v[b],
            ParamValue::PerInstanceNeuron(v) => v[b * n + j],
            ParamValue::Word(w) => *w as f64,
        }
    }

    /// Neurons per instance where the layout fixes them (per neuron), else `None`.
    fn neurons(&self) -> Option<usize> {
        match self {
            ParamValue::PerNeuron(v) => Some(v.len()),
            _ => None,
        }
    }

    /// Whether it differs between instances (a batch is then a sweep of it).
    pub fn per_instance(&self) -> bool {
        matches!(
            self,
            ParamValue::PerInstance(_) | ParamValue::PerInstanceNeuron(_)
        )
    }

    /// `f` applied to every value (derived step factors keep the parameter's layout).
    pub fn map(&self, f: impl Fn(f64) -> f64) -> ParamValue {
        let all = |v: &Arc<[f64]>| v.iter().map(|&x| f(x)).collect();
        match self {
            ParamValue::Scalar(v) => ParamValue::Scalar(f(*v)),
            ParamValue::PerNeuron(v) => ParamValue::PerNeuron(all(v)),
            ParamValue::PerInstance(v) => ParamValue::PerInstance(all(v)),
            ParamValue::PerInstanceNeuron(v) => ParamValue::PerInstanceNeuron(all(v)),
            ParamValue::Table(v) => ParamValue::Table(all(v)),
            ParamValue::Word(w) => ParamValue::Word(*w),
        }
    }

    /// `f` applied element-wise to two parameters, in the more general layout of the two (per
    /// neuron and per instance together give one value per instance and neuron).
    pub fn zip_map(&self, other: &ParamValue, f: impl Fn(f64, f64) -> f64) -> ParamValue {
        use ParamValue::{PerInstance as I, PerInstanceNeuron as IN, PerNeuron as N, Scalar as S};
        let pair = |a: &ParamValue, b: &ParamValue, rows: usize, n: usize| -> Arc<[f64]> {
            (0..rows * n)
                .map(|i| f(a.get(i / n, i % n, n), b.get(i / n, i % n, n)))
                .collect()
        };
        match (self, other) {
            (S(a), S(b)) => S(f(*a, *b)),
            (S(_) | N(_), S(_) | N(_)) => N(pair(self, other, 1, self.len().max(other.len()))),
            (S(_) | I(_), S(_) | I(_)) => I(pair(self, other, self.len().max(other.len()), 1)),
            (a, b) => {
                // At least one side has values per instance and the layouts differ: find the
                // instances and neurons from what each side fixes.
                let rows_of = |p: &ParamValue, n: Option<usize>| match p {
                    I(v) => Some(v.len()),
                    IN(v) => n.map(|n| v.len() / n.max(1)),
                    _ => None,
                };
                let n = a.neurons().or(b.neurons());
                let rows = rows_of(a, n).or(rows_of(b, n));
                let (rows, n) = match (rows, n) {
                    (Some(r), Some(n)) => (r, n),
                    (Some(r), None) => (r, a.len().max(b.len()) / r.max(1)),
                    _ => (1, a.len().max(b.len())),
                };
                IN(pair(a, b, rows, n))
            }
        }
    }

    /// 1 for a scalar or a word, else the number of values.
    pub fn len(&self) -> usize {
        self.values().len().max(1)
    }

    /// Never empty (kept for the `len` convention).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every value (a word has none).
    pub fn values(&self) -> &[f64] {
        match self {
            ParamValue::Scalar(v) => std::slice::from_ref(v),
            ParamValue::PerNeuron(v)
            | ParamValue::PerInstance(v)
            | ParamValue::PerInstanceNeuron(v)
            | ParamValue::Table(v) => v,
            ParamValue::Word(_) => &[],
        }
    }

    /// Checks the length against `n` neurons and every value against `ok`. Values per
    /// instance are checked against the batch when the network or module is built
    /// ([`ParamValue::check_rows`]).
    pub fn check(
        &self,
        owner: &str,
        name: &str,
        n: usize,
        ok: impl Fn(f64) -> bool,
        reason: &str,
    ) -> Result<()> {
        let wrong = match self {
            ParamValue::PerNeuron(v) => v.len() != n,
            ParamValue::PerInstance(v) => v.is_empty(),
            ParamValue::PerInstanceNeuron(v) => v.is_empty() || !v.len().is_multiple_of(n),
            _ => false,
        };
        if wrong {
            let expected = match self {
                ParamValue::PerNeuron(_) => format!("{n} values (one per neuron)"),
                ParamValue::PerInstance(_) => "one value per instance".to_string(),
                _ => format!("instances × {n} values (one per instance and neuron)"),
            };
            return Err(Error::shape(
                format!("parameter `{name}` of {owner}"),
                expected,
                format!("{} values", self.values().len()),
            ));
        }
        if let Some(bad) = self.values().iter().find(|&&x| !ok(x)) {
            return Err(Error::invalid(owner, name, bad, reason));
        }
        Ok(())
    }

    /// Checks values per instance against a batch of `rows` instances of `n` neurons.
    /// `what` names the parameter in the error.
    pub fn check_rows(&self, what: &str, rows: usize, n: usize) -> Result<()> {
        let (got, want) = match self {
            ParamValue::PerInstance(v) => (v.len(), rows),
            ParamValue::PerInstanceNeuron(v) => (v.len(), rows * n),
            _ => return Ok(()),
        };
        if got != want {
            return Err(Error::shape(
                what,
                format!("values for the batch's {rows} instances ({want} values)"),
                format!("{got} values"),
            ));
        }
        Ok(())
    }
}

/// Checks a model's kernel parameters that have values per instance against a batch of
/// `rows` instances of `n` neurons.
pub(crate) fn check_instances(
    params: &[ParamValue],
    owner: &str,
    rows: usize,
    n: usize,
) -> Result<()> {
    for (p, value) in params.iter().enumerate() {
        value.check_rows(
            &format!("parameter {p} (in kernel order) of {owner}, given per instance"),
            rows,
            n,
        )?;
    }
    Ok(())
}

/// The largest magnitude an f32 holds (≈ 3.4·10³⁸): a value beyond it would be ±inf on a GPU.
pub const F32_MAX: f64 = f32::MAX as f64;

/// Why a value that is not [`finite`] is refused.
pub const FINITE: &str = "must be finite and within f32's range (|x| ≤ 3.4e38)";
/// Why a value that is not [`positive`] is refused.
pub const POSITIVE: &str = "must be > 0 and within f32's range (1.2e-38 ≤ x ≤ 3.4e38)";
/// Why a value that is not [`non_negative`] is refused.
pub const NON_NEGATIVE: &str = "must be ≥ 0 and within f32's range (x ≤ 3.4e38)";

/// `x` is > 0 and an f32 holds it without flushing to 0 or overflowing (time constants,
/// capacitances).
pub fn positive(x: f64) -> bool {
    finite(x) && x >= f32::MIN_POSITIVE as f64
}

/// `x` is finite and an f32 holds it without overflowing to ±inf (every value a kernel reads).
pub fn finite(x: f64) -> bool {
    x.is_finite() && x.abs() <= F32_MAX
}

/// `x` is [`finite`] and ≥ 0 (conductances, rates, refractory periods).
pub fn non_negative(x: f64) -> bool {
    finite(x) && x >= 0.0
}

/// A model parameter of dimension `D`: a [`Quantity`], a plain number (internal unit), one
/// value per neuron, one per instance, or one per instance and neuron.
#[derive(Clone, Debug, PartialEq)]
pub struct Param<D: Dimension> {
    value: ParamValue,
    _dim: PhantomData<D>,
}

impl<D: Dimension> Param<D> {
    /// One value for every neuron.
    pub fn scalar(q: impl Into<Quantity<D>>) -> Self {
        Param {
            value: ParamValue::Scalar(q.into().value()),
            _dim: PhantomData,
        }
    }

    /// One value per neuron (row-major over `in_size`).
    pub fn per_neuron<Q: Into<Quantity<D>>>(values: impl IntoIterator<Item = Q>) -> Self {
        Param {
            value: ParamValue::PerNeuron(values.into_iter().map(|q| q.into().value()).collect()),
            _dim: PhantomData,
        }
    }

    /// One value per instance (batch row): the batch sweeps the parameter. The batch must
    /// have as many instances as there are values (checked when the network compiles).
    pub fn per_instance<Q: Into<Quantity<D>>>(values: impl IntoIterator<Item = Q>) -> Self {
        Param {
            value: ParamValue::PerInstance(values.into_iter().map(|q| q.into().value()).collect()),
            _dim: PhantomData,
        }
    }

    /// One value per instance and neuron (`instances × n`, row-major).
    pub fn per_instance_neuron<Q: Into<Quantity<D>>>(values: impl IntoIterator<Item = Q>) -> Self {
        Param {
            value: ParamValue::PerInstanceNeuron(
                values.into_iter().map(|q| q.into().value()).collect(),
            ),
            _dim: PhantomData,
        }
    }

    /// The magnitudes in internal units.
    pub fn value(&self) -> &ParamValue {
        &self.value
    }

    /// Checks the length and that every value is finite and > 0.
    pub fn check_positive(&self, owner: &str, name: &str, n: usize) -> Result<()> {
        self.check(owner, name, n, positive, POSITIVE)
    }

    /// Checks the length and that every value is finite.
    pub fn check_finite(&self, owner: &str, name: &str, n: usize) -> Result<()> {
        self.check(owner, name, n, finite, FINITE)
    }

    /// Checks the length and that every value is finite and ≥ 0.
    pub fn check_non_negative(&self, owner: &str, name: &str, n: usize) -> Result<()> {
        self.check(owner, name, n, non_negative, NON_NEGATIVE)
    }

    /// The magnitudes mapped by `f` (derived step factors).
    pub fn map(&self, f: impl Fn(f64) -> f64) -> ParamValue {
        self.value.map(f)
    }

    /// Checks length and domain; see [`ParamValue::check`].
    pub fn check(
        &self,
        owner: &str,
        name: &str,
        n: usize,
        ok: impl Fn(f64) -> bool,
        reason: &str,
    ) -> Result<()> {
        self.value.check(owner, name, n, ok, reason)
    }
}

impl<D: Dimension> From<Quantity<D>> for Param<D> {
    fn from(q: Quantity<D>) -> Self {
        Param::scalar(q)
    }
}

impl<D: Dimension> From<f64> for Param<D> {
    fn from(v: f64) -> Self {
        Param::scalar(v)
    }
}

impl<D: Dimension> From<Vec<Quantity<D>>> for Param<D> {
    fn from(v: Vec<Quantity<D>>) -> Self {
        Param::per_neuron(v)
    }
}

impl<D: Dimension> From<Vec<f64>> for Param<D> {
    fn from(v: Vec<f64>) -> Self {
        Param::per_neuron(v)
    }
}

impl<D: Dimension> From<&[f64]> for Param<D> {
    fn from(v: &[f64]) -> Self {
        Param::per_neuron(v.iter().copied())
    }
}

/// How a state variable starts (BrainPy's initialisers), in internal units.
#[derive(Clone, Debug, PartialEq)]
pub enum InitValue {
    /// Every element the same.
    Constant(f64),
    /// One value per neuron, repeated over the batch.
    PerNeuron(Arc<[f64]>),
    /// Independent uniform draws in `[low, high)` for every element (every batch row too).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// Seed of the counter-based generator.
        seed: u64,
    },
    /// Independent normal draws for every element.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
        /// Seed of the counter-based generator.
        seed: u64,
    },
}

/// A state initialiser of dimension `D`.
#[derive(Clone, Debug, PartialEq)]
pub struct Init<D: Dimension> {
    value: InitValue,
    _dim: PhantomData<D>,
}

impl<D: Dimension> Init<D> {
    fn of(value: InitValue) -> Self {
        Init {
            value,
            _dim: PhantomData,
        }
    }

    /// Every element starts at `q`.
    pub fn constant(q: impl Into<Quantity<D>>) -> Self {
        Init::of(InitValue::Constant(q.into().value()))
    }

    /// Neuron `j` starts at `values[j]` in every batch row.
    pub fn per_neuron<Q: Into<Quantity<D>>>(values: impl IntoIterator<Item = Q>) -> Self {
        Init::of(InitValue::PerNeuron(
            values.into_iter().map(|q| q.into().value()).collect(),
        ))
    }

    /// Uniform in `[low, high)`, drawn independently for every element.
    pub fn uniform(low: impl Into<Quantity<D>>, high: impl Into<Quantity<D>>, seed: u64) -> Self {
        Init::of(InitValue::Uniform {
            low: low.into().value(),
            high: high.into().value(),
            seed,
        })
    }

    /// Normal with `mean` and `std`, drawn independently for every element.
    pub fn normal(mean: impl Into<Quantity<D>>, std: impl Into<Quantity<D>>, seed: u64) -> Self {
        Init::of(InitValue::Normal {
            mean: mean.into().value(),
            std: std.into().value(),
            seed,
        })
    }

    /// The untyped description.
    pub fn value(&self) -> &InitValue {
        &self.value
    }

    /// Checks the initialiser against `n` neurons.
    pub fn check(&self, owner: &str, name: &str, n: usize) -> Result<()> {
        match &self.value {
            InitValue::Constant(c) if !finite(*c) => Err(Error::invalid(owner, name, c, FINITE)),
            InitValue::PerNeuron(v) => {
                ParamValue::PerNeuron(v.clone()).check(owner, name, n, finite, FINITE)
            }
            InitValue::Uniform { low, high, .. }
                if !(finite(*low) && finite(*high) && low <= high) =>
            {
                Err(Error::invalid(
                    owner,
                    name,
                    format!("uniform({low}, {high})"),
                    "needs finite low ≤ high",
                ))
            }
            InitValue::Normal { mean, std, .. }
                if !(finite(*mean) && finite(*std) && *std >= 0.0) =>
            {
                Err(Error::invalid(
                    owner,
                    name,
                    format!("normal({mean}, {std})"),
                    "needs a finite mean and std ≥ 0",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The `rows × n` starting values (row-major). `stream` separates the random draws of
    /// different state variables.
    pub fn values(&self, rows: usize, n: usize, stream: u64) -> Vec<f64> {
        let total = rows * n;
        match &self.value {
            InitValue::Constant(c) => vec![*c; total],
            InitValue::PerNeuron(v) => (0..total).map(|i| v[i % n]).collect(),
            InitValue::Uniform { low, high, seed } => (0..total)
                .map(|i| low + (high - low) * rng::uniform(*seed, stream, i as u64))
                .collect(),
            InitValue::Normal { mean, std, seed } => (0..total)
                .map(|i| mean + std * rng::normal(*seed, stream, i as u64))
                .collect(),
        }
    }
}

impl<D: Dimension> From<Quantity<D>> for Init<D> {
    fn from(q: Quantity<D>) -> Self {
        Init::constant(q)
    }
}

impl<D: Dimension> From<f64> for Init<D> {
    fn from(v: f64) -> Self {
        Init::constant(v)
    }
}

/// Builder methods that set one parameter each and keep the module's states, one per entry
/// `name: Type` (an entry `name: Type => path.to.field` sets a nested field), each taking
/// anything that converts into `Type`.
///
/// For a model defined outside this crate, name a trait for the methods — they are made a
/// trait's because Rust lets a crate add methods to [`Module`](crate::Module) only that way:
///
/// ```
/// use brainwgpu::model::{Accepts, Model, Output, Param, ParamValue};
/// use brainwgpu::prelude::*;
/// use brainwgpu::shaders::KernelDef;
/// use brainwgpu::Module;
///
/// #[derive(Clone)]
/// pub struct LeakParams {
///     tau: Param<Time>,
///     kernel: KernelDef,
/// }
/// pub type Leak = Module<LeakParams>;
///
/// brainwgpu::setters!(Leak as LeakSetters {
///     /// Sets the time constant `tau`.
///     tau: Param<Time>,
/// });
///
/// # impl Model for LeakParams {
/// #     fn kind(&self) -> &str { "Leak" }
/// #     fn kernel(&self) -> &KernelDef { &self.kernel }
/// #     fn state_names(&self) -> Vec<&str> { vec!["g"] }
/// #     fn output(&self) -> Output { Output::State(0) }
/// #     fn validate(&self, n: usize) -> Result<()> { self.tau.check_positive("Leak", "tau", n) }
/// #     fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> { vec![vec![0.0; rows * n]] }
/// #     fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> { vec![self.tau.value().clone()] }
/// # }
/// let kernel = KernelDef::new("leak", "fn leak_step(e: Elem) {}", "leak");
/// let leak = Module::from_model(LeakParams { tau: (5.0 * ms).into(), kernel }, 10).tau(8.0 * ms);
/// ```
///
/// Inside this crate the methods are the type's own: `setters!(Expon { tau: Param<Time> })`.
#[macro_export]
macro_rules! setters {
    (@field $p:ident, $name:ident) => { $p.$name };
    (@field $p:ident, $name:ident, $($path:ident).+) => { $p.$($path).+ };
    ($ty:ident { $($(#[$doc:meta])* $name:ident : $t:ty $(=> $($path:ident).+)?),* $(,)? }) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(self, value: impl Into<$t>) -> Self {
                    let value = value.into();
                    self.configure(|p| $crate::setters!(@field p, $name $(, $($path).+)?) = value)
                }
            )*
        }
    };
    ($ty:ty as $trait:ident { $($(#[$doc:meta])* $name:ident : $t:ty $(=> $($path:ident).+)?),* $(,)? }) => {
        /// Builder methods, one per parameter (made by `brainwgpu::setters!`).
        pub trait $trait: Sized {
            $(
                $(#[$doc])*
                fn $name(self, value: impl Into<$t>) -> Self;
            )*
        }
        impl $trait for $ty {
            $(
                fn $name(self, value: impl Into<$t>) -> Self {
                    let value = value.into();
                    self.configure(|p| $crate::setters!(@field p, $name $(, $($path).+)?) = value)
                }
            )*
        }
    };
}

/// A model's parameters, each stated once — its field, the name BrainPy gives it, its type, its
/// default and its check:
///
/// ```text
/// parameters! {
///     /// The parameters of [`Expon`].
///     ExponParams of Expon {
///         /// The decay time constant.
///         tau "tau": Param<Time> = 8.0 * ms, positive;
///         /// How `g` starts.
///         g_initializer "g_initializer": Init<Conductance> = 0.0 * mS, init;
///     }
/// }
/// ```
///
/// makes the struct (each field documented with its BrainPy name, its check and its default,
/// so that a model's documentation links to its parameters instead of copying them), its `Default`
/// (BrainPy's defaults), the module's `new(in_size)`, one setter per field (but `nested` and
/// `custom` ones), `check_declared(kind, n)` (every check, in the order written) and
/// `read_class_args(args)` (the registry's builder: each numeric parameter by its BrainPy name,
/// flags, `spk_reset`, and nested parameters).
///
/// A check that involves several fields follows the fields: `{…} where Self::check_gap` (a
/// `fn(&Self, kind, n) -> Result<()>`, run after the others).
///
/// A family's shared parameters name, after the module they belong to, every module that holds
/// them in a field and where — `LIFParams of LIF, LIFRef at lif, ExpIFRef at exp_if.lif {…}` —
/// and those modules get their setters too (a struct held only by others starts the list with
/// an `at`).
///
/// Checks: `positive`, `non_negative`, `nonzero`, `finite` (numeric `Param`s the class takes
/// as arguments), `init` (an `Init`), `flag` (a `bool` argument, false when not given), `reset`
/// (`spk_reset`), `nested` (a parameter struct declared by this macro; its setters come from its
/// own declaration), `internal` (neither checked nor an argument), `custom` (as
/// `internal`, and its setter is written by hand).
macro_rules! parameters {
    (@doc $bp:literal, nested, $default:expr) => { "" };
    (@doc $bp:literal, positive, $default:expr) => {
        concat!("`", $bp, "` (> 0), default `", stringify!($default), "`.")
    };
    (@doc $bp:literal, non_negative, $default:expr) => {
        concat!("`", $bp, "` (≥ 0), default `", stringify!($default), "`.")
    };
    (@doc $bp:literal, nonzero, $default:expr) => {
        concat!("`", $bp, "` (≠ 0), default `", stringify!($default), "`.")
    };
    (@doc $bp:literal, $other:ident, $default:expr) => {
        concat!("`", $bp, "`, default `", stringify!($default), "`.")
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, positive) => {
        $p.$field.check_positive($kind, $bp, $n)?;
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, non_negative) => {
        $p.$field.check_non_negative($kind, $bp, $n)?;
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, finite) => {
        $p.$field.check_finite($kind, $bp, $n)?;
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, nonzero) => {
        $p.$field.check($kind, $bp, $n, |x| x.is_finite() && x != 0.0, "must be finite and not 0")?;
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, init) => {
        $p.$field.check($kind, $bp, $n)?;
    };
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, nested) => {
        $p.$field.check_declared($kind, $n)?;
    };
    // Every kind is named (no catch-all), so that a misspelt one is a compile error and never
    // a check silently left out.
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, flag) => {};
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, reset) => {};
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, internal) => {};
    (@check $p:ident, $kind:ident, $n:ident, $field:ident, $bp:literal, custom) => {};
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, init) => {};
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, internal) => {};
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, custom) => {};
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, flag) => {
        $p.$field = $a.flag($bp)?;
    };
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, reset) => {
        $p.$field = $crate::registry::spike_reset($a)?;
    };
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, nested) => {
        $p.$field.read_class_args($a)?;
    };
    (@arg $p:ident, $a:ident, $field:ident, $bp:literal, $numeric:ident) => {
        if let Some(v) = $a.optional($bp)? {
            $p.$field = v.into();
        }
    };
    (@setter $module:ident, [$($at:ident).*], $field:ident, $bp:literal, $ty:ty, nested) => {};
    (@setter $module:ident, [$($at:ident).*], $field:ident, $bp:literal, $ty:ty, custom) => {};
    (@setter $module:ident, [$($at:ident).*], $field:ident, $bp:literal, $ty:ty, $other:ident) => {
        impl $module {
            #[doc = concat!("Sets `", $bp, "`.")]
            pub fn $field(self, value: impl Into<$ty>) -> Self {
                let value = value.into();
                self.configure(|p| p.$($at.)* $field = value)
            }
        }
    };
    (@setters $module:ident, $at:tt, {
        $($(#[$doc:meta])* $field:ident $bp:literal : $ty:ty = $default:expr, $check:ident;)*
    }) => {
        $($crate::model::parameters!(@setter $module, $at, $field, $bp, $ty, $check);)*
    };
    (@new $name:ident, $module:ident, []) => {
        impl $module {
            #[doc = concat!("A `", stringify!($module), "` over `in_size` with BrainPy's defaults.")]
            pub fn new(in_size: impl Into<$crate::shape::Shape>) -> $module {
                $crate::module::Module::from_model($name::default(), in_size)
            }
        }
    };
    (@new $name:ident, $module:ident, $at:tt) => {};
    (
        $(#[$meta:meta])*
        $name:ident of $($module:ident $(at $($at:ident).+)?),+ { $($body:tt)* }
        $(where $extra:path)?
    ) => {
        $crate::model::parameters!(
            @main $(#[$meta])* $name [$($module $(at $($at).+)?),+] { $($body)* } [$($extra)?]
        );
    };
    (
        @main $(#[$meta:meta])* $name:ident [$($module:ident $(at $($at:ident).+)?),+]
        $fields:tt [$($extra:path)?]
    ) => {
        $crate::model::parameters!(@struct $(#[$meta])* $name $fields [$($extra)?]);
        $(
            $crate::model::parameters!(@new $name, $module, [$($($at).+)?]);
            $crate::model::parameters!(@setters $module, [$($($at).+)?], $fields);
        )+
    };
    (
        @struct $(#[$meta:meta])* $name:ident {
            $($(#[$doc:meta])* $field:ident $bp:literal : $ty:ty = $default:expr, $check:ident;)*
        } [$($extra:path)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $(
                #[doc = $crate::model::parameters!(@doc $bp, $check, $default)]
                $(#[$doc])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: ($default).into(),)*
                }
            }
        }

        impl $name {
            /// Checks every parameter in the order declared, errors naming `kind`.
            #[allow(dead_code)]
            pub(crate) fn check_declared(&self, kind: &str, n: usize) -> $crate::error::Result<()> {
                let _ = (kind, n);
                $($crate::model::parameters!(@check self, kind, n, $field, $bp, $check);)*
                $($extra(self, kind, n)?;)?
                Ok(())
            }

            /// Reads the class's constructor arguments (see [`crate::registry`]).
            #[allow(dead_code)]
            pub(crate) fn read_class_args(
                &mut self,
                args: &dyn $crate::registry::ClassArgs,
            ) -> $crate::error::Result<()> {
                let _ = &args;
                $($crate::model::parameters!(@arg self, args, $field, $bp, $check);)*
                Ok(())
            }
        }
    };
}
pub(crate) use parameters;

/// The part of a [`Model`] impl that only names things, stated once: the BrainPy class name,
/// the kernel, the state variables, the output and (optionally) the inputs it reads —
/// `describe!("LIF", builtin::LIF, ["V"], Output::Emitted, NEURON_INPUTS);` inside the impl.
/// With `checked` before the name it also writes `validate` as the checks its
/// [`parameters!`] declare, and nothing else.
macro_rules! describe {
    (checked $kind:literal, $($rest:tt)*) => {
        $crate::model::describe!($kind, $($rest)*);
        fn validate(&self, n: usize) -> $crate::error::Result<()> {
            self.check_declared($kind, n)
        }
    };
    ($kind:literal, $kernel:expr, [$($state:literal),* $(,)?], $output:expr $(, $accepts:expr)?) => {
        fn kind(&self) -> &str {
            $kind
        }
        fn kernel(&self) -> &$crate::shaders::KernelDef {
            &$kernel
        }
        fn state_names(&self) -> Vec<&str> {
            vec![$($state),*]
        }
        fn output(&self) -> $crate::model::Output {
            $output
        }
        $(
            fn accepts(&self) -> $crate::model::Accepts {
                $accepts
            }
        )?
    };
}
pub(crate) use describe;

/// What `update` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// State variable `k` itself (synapses return their conductance).
    State(usize),
    /// A separate array the kernel writes with `emit` (neurons return spikes).
    Emitted,
}

/// One element during an f64 reference step: the twin of the WGSL kernel's view.
#[derive(Debug)]
pub struct ElemF64<'a> {
    /// `t = k·dt` (ms), counted from the epoch's start in a network (see
    /// [`crate::clock::EPOCH_STEPS`]); absolute times compare with it through
    /// [`ElemF64::since_epoch`].
    pub t: f64,
    /// When the epoch started (ms): `t + epoch_ms` is the absolute time.
    pub epoch_ms: f64,
    /// The step (ms).
    pub dt: f64,
    /// This element's state variables, in the kernel's order.
    pub state: &'a mut [f64],
    /// The input `x` for this element.
    pub x: f64,
    /// What the kernel would `emit` (for [`Output::Emitted`] models).
    pub out: f64,
    /// The summed delta inputs for this element.
    pub delta: f64,
    /// This element's current inputs: each output with its conductance.
    pub channels: &'a [(SynOut, f64)],
    /// This sample's row of `x`, for models whose input is not element-wise (readouts).
    pub x_row: &'a [f64],
    /// The step index.
    pub k: u64,
    /// The flat element index `b·n + j`.
    pub i: usize,
    params: &'a [ParamValue],
    j: usize,
    /// Neurons per instance.
    n: usize,
    /// Set by the provided [`Model::step_f64`]: the model has no f64 twin.
    pub(crate) no_twin: bool,
}

impl<'a> ElemF64<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        (t, dt, k, epoch_ms): (f64, f64, u64, f64),
        state: &'a mut [f64],
        (x, x_row, delta): (f64, &'a [f64], f64),
        channels: &'a [(SynOut, f64)],
        params: &'a [ParamValue],
        (i, j, n): (usize, usize, usize),
    ) -> Self {
        ElemF64 {
            t,
            epoch_ms,
            dt,
            state,
            x,
            out: 0.0,
            delta,
            channels,
            x_row,
            k,
            i,
            params,
            j,
            n,
            no_twin: false,
        }
    }

    /// An absolute time (ms) as a time since the epoch, comparable with `t` (WGSL
    /// `since_epoch`).
    pub fn since_epoch(&self, t_abs: f64) -> f64 {
        t_abs - self.epoch_ms
    }

    /// Cycles of frequency `f_hz` done when the epoch started, their whole number dropped
    /// (WGSL `epoch_cycles`).
    pub fn epoch_cycles(&self, f_hz: f64) -> f64 {
        (f_hz * self.epoch_ms * 1e-3).rem_euclid(1.0)
    }

    /// Kernel parameter `p` for this element's neuron and instance.
    pub fn param(&self, p: usize) -> f64 {
        self.params[p].get(self.i / self.n.max(1), self.j, self.n)
    }

    /// Entry `idx` of table parameter `p` (`param_at` in WGSL).
    pub fn param_at(&self, p: usize, idx: usize) -> f64 {
        self.params[p].at(idx)
    }

    /// Word parameter `p` (`param_u32` in WGSL).
    pub fn param_u32(&self, p: usize) -> u32 {
        match self.params[p] {
            ParamValue::Word(w) => w,
            ref other => other.at(0) as u32,
        }
    }

    /// The neuron index `j`.
    pub fn neuron(&self) -> usize {
        self.j
    }

    /// Value `idx` of this sample's row of `x` (`input_x_at` in WGSL).
    pub fn x_at(&self, idx: usize) -> f64 {
        if self.x_row.is_empty() {
            self.x
        } else {
            self.x_row[idx]
        }
    }

    /// `x` plus every current input at membrane potential `v`, and the derivative with
    /// respect to `v` (`current_at` in WGSL).
    pub fn current_at(&self, v: f64) -> (f64, f64) {
        self.channels
            .iter()
            .fold((self.x, 0.0), |(i, di), (out, g)| {
                let (ci, cdi) = out.current_and_slope(*g, v);
                (i + ci, di + cdi)
            })
    }
}

/// Which inputs besides `x` a model reads (others are refused, not silently dropped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accepts {
    /// Delta inputs (added to a state after its integration).
    pub delta: bool,
    /// Current inputs (synaptic outputs evaluated in the drift of `V`).
    pub currents: bool,
}

/// An element-wise model: a WGSL kernel over the element ABI and its f64 twin, sharing one
/// layout of states and kernel parameters.
///
/// Built-in models implement it on their parameter structs (`ExponParams`, `LIFParams` …);
/// a [`Module`](crate::Module) adds the states and the device. Writing your own — the
/// kernel's ABI (every WGSL function a step may call), the optional f64 twin, builder
/// methods, and a complete neuron — is [`crate::guide`]; in short:
///
/// ```
/// use brainwgpu::model::{Model, Output, Param, ParamValue};
/// use brainwgpu::prelude::*;
/// use brainwgpu::shaders::KernelDef;
/// use brainwgpu::Module;
///
/// /// g ← g·e^(−dt/τ) + x, as BrainPy's `SimpleSynapse`.
/// #[derive(Clone)]
/// struct Simple {
///     tau: Param<Time>,
///     kernel: KernelDef,
/// }
///
/// impl Model for Simple {
///     fn kind(&self) -> &str { "Simple" }
///     fn kernel(&self) -> &KernelDef { &self.kernel }
///     fn state_names(&self) -> Vec<&str> { vec!["g"] }
///     fn output(&self) -> Output { Output::State(0) }
///     fn validate(&self, n: usize) -> Result<()> { self.tau.check_positive("Simple", "tau", n) }
///     fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>> { vec![vec![0.0; rows * n]] }
///     fn kernel_params(&self, _dt: f64) -> Vec<ParamValue> { vec![self.tau.value().clone()] }
///     // No step_f64: it runs on GPU devices only.
/// }
///
/// let kernel = KernelDef::new(
///     "simple",
///     "fn simple_step(e: Elem) {\n    let g = state_get(0u, e);\n    \
///      state_set(0u, e, g * exp_accurate(-clk.dt / param(0u, e)) + input_x(e));\n}",
///     "simple",
/// );
/// kernel.validate()?; // naga, no GPU needed
/// let syn = Module::from_model(Simple { tau: (5.0 * ms).into(), kernel }, 100);
/// # Ok::<(), brainwgpu::Error>(())
/// ```
pub trait Model: Send + Sync + 'static {
    /// The BrainPy class name ("Expon").
    fn kind(&self) -> &str;
    /// The kernel.
    fn kernel(&self) -> &KernelDef;
    /// State variable names, in the kernel's order (BrainPy's names: "g", "V" …).
    fn state_names(&self) -> Vec<&str>;
    /// What `update` returns.
    fn output(&self) -> Output;
    /// The state variables that hold absolute times (ms) — a last spike time, a spike's
    /// arrival time — which a kernel sets from `clk.t` and compares with it. In a network they
    /// are kept relative to the clock's epoch ([`crate::clock::EPOCH_STEPS`]) and moved when
    /// it changes, so that they stay exact in long runs; users read and write them as absolute
    /// times (a term that reads one, `Term::state`, reads it relative to the epoch). The
    /// default: the states whose names end in `_time`.
    fn time_states(&self) -> Vec<usize> {
        let names = self.state_names();
        (0..names.len())
            .filter(|&v| names[v].ends_with("_time"))
            .collect()
    }
    /// Checks every parameter and initialiser for `n` neurons per sample.
    fn validate(&self, n: usize) -> Result<()>;
    /// Starting values of every state variable, `rows × n` each (called after `validate`).
    fn initial_state(&self, rows: usize, n: usize) -> Vec<Vec<f64>>;
    /// The kernel's parameters for step `dt` (ms), in kernel order; factors that depend only
    /// on parameters and `dt` are computed here in f64 (called after `validate`).
    fn kernel_params(&self, dt: f64) -> Vec<ParamValue>;
    /// One element in f64, in exactly the kernel's order of operations: the model's f64 twin,
    /// which the f64 device runs and the tests compare the kernel with. Optional: a model
    /// without one runs on GPU devices, and the f64 device refuses it with
    /// [`Error::NoF64Twin`] (the provided method only marks it so).
    fn step_f64(&self, e: &mut ElemF64<'_>) {
        e.no_twin = true;
    }
    /// Which inputs besides `x` it reads (default: none).
    fn accepts(&self) -> Accepts {
        Accepts::default()
    }
    /// The dimensions (`Dimension::NAME`) its `x` and its delta inputs take, checked against
    /// terms given as quantities. The default: a model that reads current inputs is a neuron
    /// whose `x` is a current and whose delta inputs jump its potential (a voltage); any
    /// other model's inputs are not checked.
    fn input_dimensions(&self) -> (Option<&'static str>, Option<&'static str>) {
        use crate::units::Dimension;
        if self.accepts().currents {
            (
                Some(crate::units::Current::NAME),
                Some(crate::units::Voltage::NAME),
            )
        } else {
            (None, None)
        }
    }
    /// The per-sample shape of `x` when it is not `in_size` (readouts: `(in,)`).
    fn x_size(&self) -> Option<Shape> {
        None
    }
}
