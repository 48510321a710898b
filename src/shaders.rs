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

/// The built-in kernels, each with its file under `shaders/`.
pub mod builtin {
    use super::KernelDef;

    /// `shaders/synapse/expon.wgsl`.
    pub static EXPON: KernelDef = KernelDef::builtin(
        "expon",
        include_str!("../shaders/synapse/expon.wgsl"),
        "expon",
    );
    /// `shaders/neuron/lif.wgsl`.
    pub static LIF: KernelDef =
        KernelDef::builtin("lif", include_str!("../shaders/neuron/lif.wgsl"), "lif");
    /// `shaders/util/exprel.wgsl`: evaluates the ABI's `exprel` (a numerics probe).
    pub static EXPREL_PROBE: KernelDef = KernelDef::builtin(
        "exprel_probe",
        include_str!("../shaders/util/exprel.wgsl"),
        "exprel_probe",
    );

    /// Every built-in kernel with its path relative to `shaders/`.
    pub static ALL: [(&str, &KernelDef); 3] = [
        ("synapse/expon.wgsl", &EXPON),
        ("neuron/lif.wgsl", &LIF),
        ("util/exprel.wgsl", &EXPREL_PROBE),
    ];
}
