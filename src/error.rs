//! The one error type of the library. Every variant names the thing at fault.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong, each variant naming the parameter, shape, limit or kernel at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No GPU adapter could be found at all.
    #[error(
        "no GPU adapter found ({reason}). Install a Vulkan driver; on Debian/Ubuntu without a GPU \
         the software adapter comes with `apt-get install mesa-vulkan-drivers libvulkan1`. \
         Choose among several with WGPU_BACKEND=vulkan|metal|dx12|gl and WGPU_ADAPTER_NAME=<part of the name>"
    )]
    NoAdapter {
        /// Why wgpu found none.
        reason: String,
    },

    /// `WGPU_ADAPTER_NAME` (or an explicit name) matched no adapter.
    #[error("no adapter name contains {requested:?}; available adapters: {available:?}")]
    AdapterNotFound {
        /// The requested (sub)string.
        requested: String,
        /// Names of the adapters that exist.
        available: Vec<String>,
    },

    /// `WGPU_BACKEND` names no backend wgpu knows.
    #[error("WGPU_BACKEND={0:?} names no backend; use vulkan, metal, dx12 or gl (comma separated)")]
    UnknownBackend(String),

    /// The adapter exists but refused to open a device.
    #[error("adapter {adapter:?} could not open a device: {reason}")]
    DeviceRequest {
        /// Adapter name.
        adapter: String,
        /// wgpu's reason.
        reason: String,
    },

    /// A model or simulation parameter is out of its domain.
    #[error("invalid parameter `{param}` of {owner}: {reason} (got {value})")]
    InvalidParameter {
        /// The model or object the parameter belongs to ("Expon", "Clock" …).
        owner: String,
        /// Parameter name as in BrainPy ("tau", "dt", "V_th" …).
        param: String,
        /// The offending value, printed.
        value: String,
        /// What it must satisfy.
        reason: String,
    },

    /// An array, input or size does not have the shape it must have.
    #[error("shape mismatch for {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// Which argument or array.
        what: String,
        /// The shape it must have.
        expected: String,
        /// The shape it has.
        got: String,
    },

    /// A model was used before `init_state`.
    #[error("{owner} has no state yet: call init_state(device, batch) first")]
    NotInitialized {
        /// The model.
        owner: String,
    },

    /// A name that does not exist (state variable, kernel parameter …).
    #[error("{owner} has no {kind} `{name}`; it has {available:?}")]
    UnknownName {
        /// The model or object.
        owner: String,
        /// What kind of name ("state", "parameter").
        kind: &'static str,
        /// The unknown name.
        name: String,
        /// The names that exist.
        available: Vec<String>,
    },

    /// Data on one device was handed to a model on another.
    #[error("{what} lives on the {got} device but {owner} runs on the {expected} device")]
    DeviceMismatch {
        /// The argument.
        what: String,
        /// The model.
        owner: String,
        /// Where the model runs.
        expected: &'static str,
        /// Where the data lives.
        got: &'static str,
    },

    /// A buffer or dispatch would exceed a limit of the device.
    #[error("{what} needs {requested} but the device limit `{limit_name}` is {limit}")]
    LimitExceeded {
        /// What was being created.
        what: String,
        /// How much was asked for.
        requested: u64,
        /// The wgpu limit's name.
        limit_name: &'static str,
        /// Its value on this device.
        limit: u64,
    },

    /// A kernel failed to compile, validate or run.
    #[error("kernel `{kernel}` failed: {message}")]
    Kernel {
        /// The kernel's name.
        kernel: String,
        /// The validation or runtime message.
        message: String,
    },

    /// Any other GPU error (device lost, out of memory, mapping failure …).
    #[error("GPU error: {0}")]
    Gpu(String),

    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A file was read but its content is not what it must be.
    #[error("bad data in {path}: {reason}")]
    Format {
        /// The file (or archive member).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The GPU device was lost (a driver reset, a removed card) or destroyed
    /// ([`Gpu::destroy`](crate::Gpu::destroy)): nothing more runs on it.
    #[error("the GPU device of {adapter} is lost ({reason}): create a new Gpu to go on")]
    DeviceLost {
        /// The adapter.
        adapter: String,
        /// What the driver or wgpu said.
        reason: String,
    },

    /// A model without an f64 twin ([`Model::step_f64`](crate::Model::step_f64)) was asked to
    /// run on the f64 device.
    #[error(
        "{model} has no f64 twin (Model::step_f64): it runs on GPU devices; the f64 device needs one"
    )]
    NoF64Twin {
        /// The model (its kind and name).
        model: String,
    },

    /// A checkpoint was saved from another network, executor or version than the simulation
    /// asked to restore it.
    #[error(
        "checkpoint {path} does not fit this simulation: it holds {got}, this simulation is {expected}"
    )]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What this simulation is.
        expected: String,
        /// What the checkpoint was saved from.
        got: String,
    },
}

/// A number far from 1 in scientific notation (`1e39`, not forty digits); anything else as
/// given.
fn readable(value: String) -> String {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x != 0.0 && !(1e-6..1e16).contains(&x.abs()) => {
            format!("{x:e}")
        }
        _ => value,
    }
}

impl Error {
    /// An [`Error::InvalidParameter`].
    pub fn invalid(
        owner: impl Into<String>,
        param: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Error {
        Error::InvalidParameter {
            owner: owner.into(),
            param: param.into(),
            value: readable(value.to_string()),
            reason: reason.into(),
        }
    }

    /// An [`Error::ShapeMismatch`].
    pub fn shape(
        what: impl Into<String>,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Display,
    ) -> Error {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }
}
