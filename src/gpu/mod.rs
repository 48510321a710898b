//! The GPU runtime: the only module whose code names wgpu types.
//!
//! [`Gpu`] owns instance, adapter, device and queue, is created once and cloned (cheaply)
//! into everything that runs on it. `GpuArray` is a view of a device buffer, and
//! the element-kernel launcher compiles each kernel once (inside error scopes) and records
//! its dispatches.

mod array;
mod context;
mod kernel;
mod limits;

pub(crate) use array::GpuArray;
pub use context::{AdapterSummary, Backend, Gpu, GpuOptions};
pub(crate) use kernel::{
    CLOCK_STRIDE, CLOCK_WORDS, ClockEntry, CommBindings, Dispatch, ElementBindings, Grid,
    NetworkBindings,
};
pub use limits::DeviceLimits;
