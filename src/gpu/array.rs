//! [`GpuArray`]: a view of 32-bit words in a device buffer.

use std::sync::mpsc;

use wgpu::util::DeviceExt;

use super::Gpu;
use crate::error::{Error, Result};

/// A view of `len` 32-bit words (f32 or u32) starting `offset` words into a device buffer.
/// Clones share the buffer.
#[derive(Clone)]
pub(crate) struct GpuArray {
    gpu: Gpu,
    pub(super) buffer: wgpu::Buffer,
    pub(super) offset: usize,
    len: usize,
}

impl std::fmt::Debug for GpuArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GpuArray(len {}, offset {})", self.len, self.offset)
    }
}

const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

impl Gpu {
    /// Checks that an array of `words` 32-bit words fits the device's buffer and binding
    /// limits, before anything is computed or allocated for it.
    pub(crate) fn check_words(&self, what: &str, words: usize) -> Result<()> {
        self.limits().check_words(what, words)
    }

    fn check_size(&self, what: &str, bytes: u64) -> Result<()> {
        self.limits().check_bytes(what, bytes)
    }

    /// A zeroed storage array of `len` words, checked against the device's limits.
    pub(crate) fn alloc(&self, what: &str, len: usize) -> Result<GpuArray> {
        let bytes = (len.max(1) as u64) * 4;
        self.create(what, bytes, len, |device| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(what),
                size: bytes,
                usage: STORAGE,
                mapped_at_creation: false,
            })
        })
    }

    /// A storage array holding `data` (f32 or u32 words).
    pub(crate) fn upload<T: bytemuck::Pod>(&self, what: &str, data: &[T]) -> Result<GpuArray> {
        assert_eq!(std::mem::size_of::<T>(), 4, "GpuArray holds 32-bit words");
        if data.is_empty() {
            return self.alloc(what, 0);
        }
        let bytes = std::mem::size_of_val(data) as u64;
        self.create(what, bytes, data.len(), |device| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(what),
                contents: bytemuck::cast_slice(data),
                usage: STORAGE,
            })
        })
    }

    /// Checks `bytes` against the limits, then creates the buffer with an out-of-memory error
    /// scope around it, so that a failed allocation is an error and not a device loss.
    fn create(
        &self,
        what: &str,
        bytes: u64,
        len: usize,
        make: impl FnOnce(&wgpu::Device) -> wgpu::Buffer,
    ) -> Result<GpuArray> {
        self.alive()?;
        self.check_size(what, bytes)?;
        let device = &self.inner.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let buffer = make(device);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu(format!(
                "allocating {what} ({bytes} bytes): {e}"
            )));
        }
        Ok(GpuArray {
            gpu: self.clone(),
            buffer,
            offset: 0,
            len,
        })
    }

    /// A uniform buffer of `bytes` bytes (for per-launch constants).
    pub(crate) fn alloc_uniform(&self, what: &str, bytes: usize) -> GpuArray {
        let buffer = self.inner.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(what),
            size: bytes as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        GpuArray {
            gpu: self.clone(),
            buffer,
            offset: 0,
            len: bytes / 4,
        }
    }
}

impl GpuArray {
    /// Number of words.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The GPU the buffer lives on.
    pub(crate) fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// Offset of this view in its buffer, in words.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// A sub-view of `len` words starting `offset` words into this view.
    pub(crate) fn view(&self, offset: usize, len: usize) -> GpuArray {
        assert!(offset + len <= self.len, "view out of range");
        GpuArray {
            gpu: self.gpu.clone(),
            buffer: self.buffer.clone(),
            offset: self.offset + offset,
            len,
        }
    }

    /// `true` when both views are in the same buffer.
    pub(crate) fn same_buffer(&self, other: &GpuArray) -> bool {
        self.buffer == other.buffer
    }

    /// `Ok` while its device is usable (see [`Gpu::destroy`]).
    pub(crate) fn alive(&self) -> Result<()> {
        self.gpu.alive()
    }

    /// Writes `data` at word `at` of the view. It lands before the next submitted work.
    pub(crate) fn write<T: bytemuck::Pod>(&self, at: usize, data: &[T]) {
        assert_eq!(std::mem::size_of::<T>(), 4, "GpuArray holds 32-bit words");
        assert!(at + data.len() <= self.len, "write out of range");
        // On a lost device nothing is written; the next call that returns a result says so.
        if data.is_empty() || self.gpu.alive().is_err() {
            return;
        }
        let byte_offset = ((self.offset + at) * 4) as u64;
        self.gpu
            .inner
            .queue
            .write_buffer(&self.buffer, byte_offset, bytemuck::cast_slice(data));
    }

    /// Records a copy of `src` (same length) into this view.
    pub(crate) fn record_copy_from(&self, enc: &mut wgpu::CommandEncoder, src: &GpuArray) {
        assert_eq!(src.len, self.len, "copy between views of different lengths");
        if self.len > 0 {
            enc.copy_buffer_to_buffer(
                &src.buffer,
                (src.offset * 4) as u64,
                &self.buffer,
                (self.offset * 4) as u64,
                (self.len * 4) as u64,
            );
        }
    }

    /// Copies `src` (same length) into this view on the GPU.
    pub(crate) fn copy_from(&self, src: &GpuArray) -> Result<()> {
        let device = &self.gpu.inner.device;
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("copy"),
        });
        self.record_copy_from(&mut enc, src);
        self.gpu.inner.queue.submit([enc.finish()]);
        Ok(())
    }

    /// Words `at..at + len` of this f32 view, read back as f64.
    pub(crate) fn read_f64(&self, at: usize, len: usize) -> Result<Vec<f64>> {
        let v: Vec<f32> = self.view(at, len).read()?;
        Ok(v.into_iter().map(f64::from).collect())
    }

    /// Writes `data` (rounded to f32) at word `at`.
    pub(crate) fn write_f64(&self, at: usize, data: &[f64]) {
        let v: Vec<f32> = data.iter().map(|&x| x as f32).collect();
        self.write(at, &v);
    }

    /// Reads the view back to the host (waits for all submitted work).
    pub(crate) fn read<T: bytemuck::Pod>(&self) -> Result<Vec<T>> {
        assert_eq!(std::mem::size_of::<T>(), 4, "GpuArray holds 32-bit words");
        if self.len == 0 {
            return Ok(Vec::new());
        }
        let inner = &self.gpu.inner;
        let bytes = (self.len * 4) as u64;
        let staging = inner.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = inner
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        enc.copy_buffer_to_buffer(&self.buffer, (self.offset * 4) as u64, &staging, 0, bytes);
        inner.queue.submit([enc.finish()]);

        let (tx, rx) = mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.gpu.wait()?;
        rx.recv()
            .map_err(|_| Error::Gpu("readback callback never ran".into()))?
            .map_err(|e| Error::Gpu(format!("mapping the readback buffer: {e}")))?;
        let data = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("reading the readback buffer: {e}")))?;
            bytemuck::pod_collect_to_vec::<u8, T>(&view)
        };
        staging.unmap();
        self.gpu.take_errors()?;
        Ok(data)
    }
}
