//! WGSL kernels: their definitions, the shared ABIs, and offline validation with naga.
//!
//! A model's kernel is a *step function* `fn <entry>_step(e: Elem)` that updates one element,
//! in one WGSL file per model family under `shaders/` (mirroring `src/`). It is written against
//! the accessors of an ABI (`state_get`, `param`, `input_x`, `current_at`, `emit` …) and the
//! numerics of `shaders/common.wgsl`, and runs unchanged in two settings: the element ABI
//! (`shaders/abi/element.wgsl`: one dispatch per update, an entry point generated around the
//! step function) and the network ABI (`shaders/abi/network.wgsl`: many populations and steps
//! composed into one kernel). Sources are composed by plain concatenation; nothing in a model's
//! kernel is templated.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// The element ABI: bindings and accessors of a one-model dispatch.
pub(crate) const PRELUDE: &str = include_str!("../shaders/abi/element.wgsl");

/// What both model ABIs share: `Sim`, `Clock`, `Elem` and the parameter accessors.
pub(crate) const ABI_SHARED: &str = include_str!("../shaders/abi/shared.wgsl");

/// The numerics every model kernel shares (`shaders/common.wgsl`).
pub(crate) const COMMON: &str = include_str!("../shaders/common.wgsl");

/// The counter-based generator every random draw uses (`shaders/rng.wgsl`).
pub(crate) const RNG: &str = include_str!("../shaders/rng.wgsl");

/// What the kernels that deliver spikes share: table searches and procedural draws
/// (`shaders/delivery.wgsl`).
pub(crate) const DELIVERY: &str = include_str!("../shaders/delivery.wgsl");

/// The network ABI of composed kernels (`shaders/abi/network.wgsl`).
pub(crate) const NETWORK_PRELUDE: &str = include_str!("../shaders/abi/network.wgsl");

/// The plain workgroup-memory hooks of a composed kernel that keeps nothing in workgroup
/// memory (`shaders/abi/network_memory.wgsl`).
pub(crate) const NETWORK_MEMORY: &str = include_str!("../shaders/abi/network_memory.wgsl");

/// The plain arena hooks of a composed kernel that reads and writes every row in place
/// (`shaders/abi/network_arena.wgsl`).
pub(crate) const NETWORK_ARENA: &str = include_str!("../shaders/abi/network_arena.wgsl");

/// The plain table hooks of a composed kernel (`shaders/abi/network_tables.wgsl`):
/// parameters and channel records read from their buffer.
pub(crate) const NETWORK_TABLES: &str = include_str!("../shaders/abi/network_tables.wgsl");

/// The projections of composed kernels (`shaders/network/ops.wgsl`).
pub(crate) const NETWORK_OPS: &str = include_str!("../shaders/network/ops.wgsl");

/// The communication ABI of the projection, copy and monitor kernels
/// (`shaders/comm/common.wgsl`).
pub(crate) const COMM_PRELUDE: &str = include_str!("../shaders/comm/common.wgsl");

/// Invocations per workgroup of every kernel unless it says otherwise.
pub const DEFAULT_WORKGROUP: u32 = 256;

/// The hooks of a composed kernel that keeps nothing on chip and reads every table from its
/// buffer (`shaders/abi/network_{memory,arena,tables}.wgsl`), which a kernel under the
/// network ABI may use instead of generating its own.
pub fn plain_network_hooks() -> String {
    format!("{NETWORK_MEMORY}\n{NETWORK_ARENA}\n{NETWORK_TABLES}")
}

/// Which ABI a kernel is written against (and is prepended to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Abi {
    /// Model kernels: one element per invocation (`shaders/abi/element.wgsl`).
    Element,
    /// Projections, copies and monitors (`shaders/comm/common.wgsl`).
    Comm,
    /// A network's statements composed into one kernel (`shaders/abi/network.wgsl`).
    Network,
}

impl Abi {
    /// The WGSL that precedes a kernel written against this ABI: its bindings and accessors,
    /// the input-mode constants generated from `src/abi.rs`, and (for model kernels) the
    /// shared numerics; composed kernels also get the projections of `shaders/network/ops.wgsl`.
    pub fn prelude(self) -> String {
        let modes = crate::abi::wgsl_constants();
        match self {
            Abi::Element => format!("{PRELUDE}\n{modes}\n{ABI_SHARED}\n{RNG}\n{COMMON}"),
            Abi::Comm => format!(
                "{COMM_PRELUDE}\n{RNG}\n{}\n{}\n{DELIVERY}",
                crate::abi::comm_cfg_wgsl(),
                crate::abi::event_constants()
            ),
            Abi::Network => format!(
                "{NETWORK_PRELUDE}\n{modes}\n{}\n{ABI_SHARED}\n{RNG}\n{COMMON}\n{DELIVERY}\n{NETWORK_OPS}",
                crate::abi::event_constants()
            ),
        }
    }
}

/// A kernel: a name (used in errors and as the pipeline-cache key), its WGSL source without the
/// ABI, and its entry name. A model kernel's source defines `fn <entry>_step(e: Elem)`; the
/// entry point itself is generated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KernelDef {
    name: Cow<'static, str>,
    source: Cow<'static, str>,
    entry: Cow<'static, str>,
    abi: Abi,
    /// Invocations per workgroup (the WGSL `override WORKGROUP_SIZE`).
    workgroup: u32,
}

impl KernelDef {
    /// Whether its source is compiled into the binary (a built-in kernel, one of a fixed
    /// set), rather than generated or given at run time.
    pub(crate) fn is_static(&self) -> bool {
        matches!(self.source, Cow::Borrowed(_))
    }

    /// A kernel whose source is compiled into the binary.
    pub const fn builtin(name: &'static str, source: &'static str, entry: &'static str) -> Self {
        KernelDef {
            name: Cow::Borrowed(name),
            source: Cow::Borrowed(source),
            entry: Cow::Borrowed(entry),
            abi: Abi::Element,
            workgroup: DEFAULT_WORKGROUP,
        }
    }

    /// A built-in kernel written against the communication ABI.
    pub const fn builtin_comm(
        name: &'static str,
        source: &'static str,
        entry: &'static str,
    ) -> Self {
        KernelDef {
            name: Cow::Borrowed(name),
            source: Cow::Borrowed(source),
            entry: Cow::Borrowed(entry),
            abi: Abi::Comm,
            workgroup: DEFAULT_WORKGROUP,
        }
    }

    /// A composed network kernel (generated source: the models' family files and the body).
    pub(crate) fn network(name: String, source: String, entry: &'static str) -> Self {
        KernelDef {
            name: Cow::Owned(name),
            source: Cow::Owned(source),
            entry: Cow::Borrowed(entry),
            abi: Abi::Network,
            workgroup: DEFAULT_WORKGROUP,
        }
    }

    /// The same kernel with `n` invocations per workgroup.
    pub(crate) fn with_workgroup(mut self, n: u32) -> Self {
        self.workgroup = n;
        self
    }

    /// Invocations per workgroup.
    pub fn workgroup(&self) -> u32 {
        self.workgroup
    }

    /// A model kernel from source text (user-defined models): `source` defines
    /// `fn <entry>_step(e: Elem)`, which updates element `e` through the ABI's accessors.
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        entry: impl Into<String>,
    ) -> Self {
        KernelDef {
            name: Cow::Owned(name.into()),
            source: Cow::Owned(source.into()),
            entry: Cow::Owned(entry.into()),
            abi: Abi::Element,
            workgroup: DEFAULT_WORKGROUP,
        }
    }

    /// The kernel's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entry point.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// The kernel's own source (without the ABI).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The ABI it is written against.
    pub fn abi(&self) -> Abi {
        self.abi
    }

    /// The step function a model kernel defines: `<entry>_step`.
    pub fn step_fn(&self) -> String {
        format!("{}_step", self.entry)
    }

    /// The complete WGSL module of a one-dispatch launch: the ABI, the shared numerics, the
    /// kernel's source and (for a model) the entry point that runs its step function on the
    /// invocation's element.
    pub fn full_source(&self) -> String {
        match self.abi {
            Abi::Element => format!(
                "{}\n{}\n\n@compute @workgroup_size(WORKGROUP_SIZE)\n\
                 fn {}(@builtin(global_invocation_id) gid: vec3<u32>, \
                 @builtin(num_workgroups) groups: vec3<u32>) {{\n    \
                 let e = element(gid, groups);\n    if (in_range(e)) {{\n        {}(e);\n    }}\n}}\n",
                self.abi.prelude(),
                self.source,
                self.entry,
                self.step_fn()
            ),
            Abi::Comm | Abi::Network => format!("{}\n{}", self.abi.prelude(), self.source),
        }
    }

    /// Parses and validates the complete module with naga, and checks that the entry point
    /// (and a model's step function) exists. No GPU is needed. Errors are [`Error::Kernel`]
    /// naming this kernel.
    pub fn validate(&self) -> Result<()> {
        if self.abi == Abi::Element {
            let step = self.step_fn();
            let defined = self.source.split("fn ").skip(1).any(|rest| {
                rest.strip_prefix(step.as_str())
                    .is_some_and(|after| after.trim_start().starts_with('('))
            });
            if !defined {
                return Err(Error::Kernel {
                    kernel: self.name.to_string(),
                    message: format!(
                        "a model kernel defines `fn {step}(e: Elem)`, which updates one element"
                    ),
                });
            }
        }
        let full = self.full_source();
        validate_wgsl(&self.name, &full, Some(&self.entry)).map_err(|e| self.locate(e, &full))
    }

    /// Adds to a naga error the line of the kernel's own source it points at (naga counts the
    /// lines of the whole module, ABI included).
    fn locate(&self, e: Error, full: &str) -> Error {
        let Error::Kernel { kernel, message } = e else {
            return e;
        };
        let first = full
            .find(self.source.as_ref())
            .map(|at| full[..at].matches('\n').count() + 1);
        let line = message
            .split("wgsl:")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .and_then(|l| l.parse::<usize>().ok());
        let own = self.source.lines().count();
        match (first, line) {
            (Some(first), Some(line)) if line >= first && line < first + own => Error::Kernel {
                message: format!(
                    "line {} of the kernel's own source: {}\n{message}",
                    line - first + 1,
                    self.source.lines().nth(line - first).unwrap_or("").trim()
                ),
                kernel,
            },
            _ => Error::Kernel { kernel, message },
        }
    }
}

/// Parses and validates a complete WGSL module with naga (and, when `entry` is given, checks
/// that a compute entry point of that name exists).
pub fn validate_wgsl(name: &str, source: &str, entry: Option<&str>) -> Result<()> {
    let fail = |message: String| Error::Kernel {
        kernel: name.to_string(),
        message,
    };
    let module =
        naga::front::wgsl::parse_str(source).map_err(|e| fail(e.emit_to_string(source)))?;
    let mut validator = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    );
    validator
        .validate(&module)
        .map_err(|e| fail(e.emit_to_string(source)))?;
    if let Some(entry) = entry {
        let found = module
            .entry_points
            .iter()
            .any(|ep| ep.name == entry && ep.stage == naga::ShaderStage::Compute);
        if !found {
            return Err(fail(format!("no compute entry point named `{entry}`")));
        }
    }
    Ok(())
}

/// The built-in kernels: one per model (several models may share a family's file).
pub mod builtin {
    use super::KernelDef;

    macro_rules! kernels {
        ($($(#[$doc:meta])* $name:ident = $make:ident $file:literal, $entry:literal;)*) => {
            $(
                $(#[$doc])*
                pub static $name: KernelDef =
                    KernelDef::$make($entry, include_str!(concat!("../shaders/", $file)), $entry);
            )*
            /// Every built-in kernel with its file, relative to `shaders/`.
            pub static ALL: &[(&str, &KernelDef)] = &[$(($file, &$name)),*];
        };
    }

    kernels! {
        /// `Expon`.
        EXPON = builtin "synapse/expon.wgsl", "expon";
        /// `DualExpon`.
        DUAL_EXPON = builtin "synapse/expon.wgsl", "dual_expon";
        /// `Alpha`.
        ALPHA = builtin "synapse/alpha.wgsl", "alpha";
        /// `AMPA` and `GABAa`.
        AMPA = builtin "synapse/ampa.wgsl", "ampa";
        /// `BioNMDA`.
        BIO_NMDA = builtin "synapse/bio_nmda.wgsl", "bio_nmda";
        /// `STP`.
        STP = builtin "synapse/stp.wgsl", "stp";
        /// `STD`.
        STD = builtin "synapse/stp.wgsl", "std_depression";
        /// `LIF` and `IF`.
        LIF = builtin "neuron/lif.wgsl", "lif";
        /// `LIFRef`.
        LIF_REF = builtin "neuron/lif.wgsl", "lif_ref";
        /// `ALIF`.
        ALIF = builtin "neuron/lif.wgsl", "alif";
        /// `ExpIF`.
        EXP_IF = builtin "neuron/exp_if.wgsl", "exp_if";
        /// `ExpIFRef`.
        EXP_IF_REF = builtin "neuron/exp_if.wgsl", "exp_if_ref";
        /// `AdExIF`.
        AD_EX_IF = builtin "neuron/exp_if.wgsl", "ad_ex_if";
        /// `AdExIFRef`.
        AD_EX_IF_REF = builtin "neuron/exp_if.wgsl", "ad_ex_if_ref";
        /// `QuaIF`.
        QUA_IF = builtin "neuron/qua_if.wgsl", "qua_if";
        /// `AdQuaIF`.
        AD_QUA_IF = builtin "neuron/qua_if.wgsl", "ad_qua_if";
        /// `AdQuaIFRef`.
        AD_QUA_IF_REF = builtin "neuron/qua_if.wgsl", "ad_qua_if_ref";
        /// `Gif`.
        GIF = builtin "neuron/gif.wgsl", "gif";
        /// `GifRef`.
        GIF_REF = builtin "neuron/gif.wgsl", "gif_ref";
        /// `CubaLIF`.
        CUBA_LIF = builtin "neuron/cuba_lif.wgsl", "cuba_lif";
        /// `CobaLIF`.
        COBA_LIF = builtin "neuron/cuba_lif.wgsl", "coba_lif";
        /// `Izhikevich`.
        IZHIKEVICH = builtin "neuron/izhikevich.wgsl", "izhikevich";
        /// `IzhikevichRef`.
        IZHIKEVICH_REF = builtin "neuron/izhikevich.wgsl", "izhikevich_ref";
        /// `HH`.
        HH = builtin "neuron/hh.wgsl", "hh";
        /// `MorrisLecar`.
        MORRIS_LECAR = builtin "neuron/morris_lecar.wgsl", "morris_lecar";
        /// `WangBuzsakiHH`.
        WANG_BUZSAKI = builtin "neuron/wang_buzsaki.wgsl", "wang_buzsaki";
        /// `FitzHughNagumo`.
        FITZHUGH_NAGUMO = builtin "neuron/fitzhugh_nagumo.wgsl", "fitzhugh_nagumo";
        /// `HindmarshRose`.
        HINDMARSH_ROSE = builtin "neuron/hindmarsh_rose.wgsl", "hindmarsh_rose";
        /// `LeakyRateReadout`.
        LEAKY_RATE_READOUT = builtin "readout.wgsl", "leaky_rate_readout";
        /// `SectionInput`.
        SECTION_INPUT = builtin "inputs/currents.wgsl", "section_input";
        /// `ConstantInput`.
        CONSTANT_INPUT = builtin "inputs/currents.wgsl", "constant_input";
        /// `StepInput`.
        STEP_INPUT = builtin "inputs/currents.wgsl", "step_input";
        /// `RampInput`.
        RAMP_INPUT = builtin "inputs/currents.wgsl", "ramp_input";
        /// `SinusoidalInput`.
        SINUSOIDAL_INPUT = builtin "inputs/currents.wgsl", "sinusoidal_input";
        /// `SpikeTime`.
        SPIKE_TIME = builtin "inputs/spike_time.wgsl", "spike_time";
        /// `PoissonSpike`.
        POISSON_SPIKE = builtin "inputs/poisson.wgsl", "poisson_spike";
        /// `PoissonEncoder`.
        POISSON_ENCODER = builtin "inputs/poisson.wgsl", "poisson_encoder";
        /// `WienerProcessInput`.
        WIENER_PROCESS_INPUT = builtin "inputs/noise.wgsl", "wiener_process_input";
        /// `OUProcessInput`.
        OU_PROCESS_INPUT = builtin "inputs/noise.wgsl", "ou_process_input";
        /// `PoissonInput` (writes into another model's state).
        POISSON_INPUT = builtin "inputs/poisson.wgsl", "poisson_input";
        /// Evaluates `exprel` (a numerics probe).
        EXPREL_PROBE = builtin "util/exprel.wgsl", "exprel_probe";
        /// Evaluates the current inputs at a given `V` (a probe of `current_at`).
        SYNOUT_PROBE = builtin "util/synout.wgsl", "synout_probe";
        /// Dense projection, one output per invocation, skipping silent inputs.
        DENSE = builtin_comm "comm/dense.wgsl", "dense";
        /// Dense projection in 128 × 128 output blocks, 8 × 8 per invocation (large batches).
        DENSE_TILED = builtin_comm "comm/dense.wgsl", "dense_tiled";
        /// Event-driven projection with a fixed number of targets per presynaptic neuron.
        EVENT_FIXED = builtin_comm "comm/event.wgsl", "event_fixed";
        /// Poisson drive: a binomial count per target and step into fixed-point sums.
        POISSON_DRIVE = builtin_comm "comm/poisson.wgsl", "poisson_drive";
        /// A scaled copy or sum of a source (or a constant) into a buffer.
        AXPY = builtin_comm "comm/copy.wgsl", "axpy";
        /// Stores a step's values in a delay ring.
        RING_STORE = builtin_comm "comm/copy.wgsl", "ring_store";
        /// Packs spikes into bitmasks for a monitor.
        SPIKE_BITS = builtin_comm "comm/monitor.wgsl", "spike_bits";
        /// Samples a state variable for a monitor.
        SAMPLE_STATE = builtin_comm "comm/monitor.wgsl", "sample_state";
        /// Counts spikes per sample for a monitor.
        SPIKE_COUNT = builtin_comm "comm/monitor.wgsl", "spike_count";
    }
}
