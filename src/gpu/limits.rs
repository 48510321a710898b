//! The limits of a device that decide how a network is laid out, as plain data: executors plan
//! their buffers and generate their kernels from these alone, so the same layout and WGSL can
//! be produced and checked without a device.

use crate::error::{Error, Result};

/// What a device allows that the executors' layouts depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceLimits {
    /// The largest storage buffer binding in bytes (`max_storage_buffer_binding_size`).
    pub max_storage_binding: u64,
    /// The largest buffer in bytes (`max_buffer_size`).
    pub max_buffer_size: u64,
    /// Workgroup memory per workgroup in bytes (`max_compute_workgroup_storage_size`).
    pub max_workgroup_storage: u64,
    /// Invocations per workgroup at most (`max_compute_invocations_per_workgroup`).
    pub max_workgroup_invocations: u32,
    /// Whether the adapter is a software one (lavapipe cuts every loop of an invocation after
    /// 65,535 iterations per dispatch, which bounds the fused executor's steps per dispatch).
    pub software: bool,
}

impl DeviceLimits {
    /// WebGPU's default limits (128 MiB bindings, 16 KiB of workgroup memory, 256
    /// invocations) on a hardware adapter: what every adapter offers at least.
    pub const WEBGPU_DEFAULT: DeviceLimits = DeviceLimits {
        max_storage_binding: 128 << 20,
        max_buffer_size: 256 << 20,
        max_workgroup_storage: 16 << 10,
        max_workgroup_invocations: 256,
        software: false,
    };

    /// A data-centre GPU as wgpu reports an H100/H200 under Vulkan (2 GiB bindings, 48 KiB
    /// of workgroup memory, 1024 invocations).
    pub const LARGE_GPU: DeviceLimits = DeviceLimits {
        max_storage_binding: (2 << 30) - 4,
        max_buffer_size: 1 << 40,
        max_workgroup_storage: 48 << 10,
        max_workgroup_invocations: 1024,
        software: false,
    };

    /// Checks that a buffer of `words` 32-bit words fits one buffer and one binding; `what`
    /// names it in the error.
    pub(crate) fn check_words(&self, what: &str, words: usize) -> Result<()> {
        self.check_bytes(what, (words.max(1) as u64).saturating_mul(4))
    }

    /// Checks that a buffer of `bytes` fits one buffer and one binding.
    pub(crate) fn check_bytes(&self, what: &str, bytes: u64) -> Result<()> {
        let over = |limit_name: &'static str, limit: u64| Error::LimitExceeded {
            what: format!("{what} ({bytes} bytes)"),
            requested: bytes,
            limit_name,
            limit,
        };
        if bytes > self.max_buffer_size {
            return Err(over("max_buffer_size", self.max_buffer_size));
        }
        if bytes > self.max_storage_binding {
            return Err(over(
                "max_storage_buffer_binding_size",
                self.max_storage_binding,
            ));
        }
        Ok(())
    }
}
