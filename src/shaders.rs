//! WGSL kernels: their definitions, the shared element ABI, and offline validation with naga.
//!
//! Every model kernel is one WGSL file under `shaders/` (mirroring `src/`), written against
//! the element ABI in `shaders/common.wgsl`. The two are composed by plain concatenation
//! (ABI first); nothing in a kernel is templated.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// The element ABI shared by every model kernel (`shaders/common.wgsl`).
pub const PRELUDE: &str = include_str!("../shaders/common.wgsl");

/// A compute kernel written against the element ABI: a name (used in errors and as the
/// pipeline-cache key), its WGSL source without the ABI, and the entry point.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KernelDef {
    name: Cow<'static, str>,
    source: Cow<'static, str>,
    entry: Cow<'static, str>,
}

impl KernelDef {
    /// A kernel whose source is compiled into the binary.
    pub const fn builtin(name: &'static str, source: &'static str, entry: &'static str) -> Self {
        KernelDef {
            name: Cow::Borrowed(name),
            source: Cow::Borrowed(source),
            entry: Cow::Borrowed(entry),
        }
    }

    /// A kernel from source text (user-defined models).
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        entry: impl Into<String>,
    ) -> Self {
        KernelDef {
            name: Cow::Owned(name.into()),
            source: Cow::Owned(source.into()),
            entry: Cow::Owned(entry.into()),
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

    /// The complete WGSL module: the ABI followed by the kernel's source.
    pub fn full_source(&self) -> String {
        format!("{PRELUDE}\n{}", self.source)
    }

    /// Parses and validates the complete module with naga, and checks that the entry point
    /// exists. No GPU is needed. Errors are [`Error::Kernel`] naming this kernel.
    pub fn validate(&self) -> Result<()> {
        validate_wgsl(&self.name, &self.full_source(), Some(&self.entry))
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
        ($($(#[$doc:meta])* $name:ident = $file:literal, $entry:literal;)*) => {
            $(
                $(#[$doc])*
                pub static $name: KernelDef =
                    KernelDef::builtin($entry, include_str!(concat!("../shaders/", $file)), $entry);
            )*
            /// Every built-in kernel with its file, relative to `shaders/`.
            pub static ALL: &[(&str, &KernelDef)] = &[$(($file, &$name)),*];
        };
    }

    kernels! {
        /// `Expon`.
        EXPON = "synapse/expon.wgsl", "expon";
        /// `DualExpon`.
        DUAL_EXPON = "synapse/expon.wgsl", "dual_expon";
        /// `Alpha`.
        ALPHA = "synapse/alpha.wgsl", "alpha";
        /// `AMPA` and `GABAa`.
        AMPA = "synapse/ampa.wgsl", "ampa";
        /// `BioNMDA`.
        BIO_NMDA = "synapse/bio_nmda.wgsl", "bio_nmda";
        /// `STP`.
        STP = "synapse/stp.wgsl", "stp";
        /// `STD`.
        STD = "synapse/stp.wgsl", "std_depression";
        /// `LIF` and `IF`.
        LIF = "neuron/lif.wgsl", "lif";
        /// `LIFRef`.
        LIF_REF = "neuron/lif.wgsl", "lif_ref";
        /// `ALIF`.
        ALIF = "neuron/lif.wgsl", "alif";
        /// `ExpIF`.
        EXP_IF = "neuron/exp_if.wgsl", "exp_if";
        /// `ExpIFRef`.
        EXP_IF_REF = "neuron/exp_if.wgsl", "exp_if_ref";
        /// `AdExIF`.
        AD_EX_IF = "neuron/exp_if.wgsl", "ad_ex_if";
        /// `AdExIFRef`.
        AD_EX_IF_REF = "neuron/exp_if.wgsl", "ad_ex_if_ref";
        /// `QuaIF`.
        QUA_IF = "neuron/qua_if.wgsl", "qua_if";
        /// `AdQuaIF`.
        AD_QUA_IF = "neuron/qua_if.wgsl", "ad_qua_if";
        /// `AdQuaIFRef`.
        AD_QUA_IF_REF = "neuron/qua_if.wgsl", "ad_qua_if_ref";
        /// `Gif`.
        GIF = "neuron/gif.wgsl", "gif";
        /// `GifRef`.
        GIF_REF = "neuron/gif.wgsl", "gif_ref";
        /// `CubaLIF`.
        CUBA_LIF = "neuron/cuba_lif.wgsl", "cuba_lif";
        /// `CobaLIF`.
        COBA_LIF = "neuron/cuba_lif.wgsl", "coba_lif";
        /// `Izhikevich`.
        IZHIKEVICH = "neuron/izhikevich.wgsl", "izhikevich";
        /// `IzhikevichRef`.
        IZHIKEVICH_REF = "neuron/izhikevich.wgsl", "izhikevich_ref";
        /// `HH`.
        HH = "neuron/hh.wgsl", "hh";
        /// `MorrisLecar`.
        MORRIS_LECAR = "neuron/morris_lecar.wgsl", "morris_lecar";
        /// `WangBuzsakiHH`.
        WANG_BUZSAKI = "neuron/wang_buzsaki.wgsl", "wang_buzsaki";
        /// `FitzHughNagumo`.
        FITZHUGH_NAGUMO = "neuron/fitzhugh_nagumo.wgsl", "fitzhugh_nagumo";
        /// `HindmarshRose`.
        HINDMARSH_ROSE = "neuron/hindmarsh_rose.wgsl", "hindmarsh_rose";
        /// `LeakyRateReadout`.
        LEAKY_RATE_READOUT = "readout.wgsl", "leaky_rate_readout";
        /// `SectionInput`.
        SECTION_INPUT = "inputs.wgsl", "section_input";
        /// `ConstantInput`.
        CONSTANT_INPUT = "inputs.wgsl", "constant_input";
        /// `StepInput`.
        STEP_INPUT = "inputs.wgsl", "step_input";
        /// `RampInput`.
        RAMP_INPUT = "inputs.wgsl", "ramp_input";
        /// `SinusoidalInput`.
        SINUSOIDAL_INPUT = "inputs.wgsl", "sinusoidal_input";
        /// `SpikeTime`.
        SPIKE_TIME = "inputs.wgsl", "spike_time";
        /// `PoissonSpike`.
        POISSON_SPIKE = "inputs.wgsl", "poisson_spike";
        /// `PoissonEncoder`.
        POISSON_ENCODER = "inputs.wgsl", "poisson_encoder";
        /// `WienerProcessInput`.
        WIENER_PROCESS_INPUT = "inputs.wgsl", "wiener_process_input";
        /// `OUProcessInput`.
        OU_PROCESS_INPUT = "inputs.wgsl", "ou_process_input";
        /// `PoissonInput` (writes into another model's state).
        POISSON_INPUT = "inputs.wgsl", "poisson_input";
        /// Evaluates `exprel` (a numerics probe).
        EXPREL_PROBE = "util/exprel.wgsl", "exprel_probe";
        /// Evaluates the current inputs at a given `V` (a probe of `current_at`).
        SYNOUT_PROBE = "util/synout.wgsl", "synout_probe";
    }
}
