//! Kernels on the device: pipelines compiled once per kernel (inside error scopes), bind groups
//! built once per use, and runs that record many steps of dispatches into one submission.
//!
//! Two binding layouts exist: the element ABI of the model kernels (`shaders/abi/element.wgsl`) and
//! the communication ABI of the projection, copy and monitor kernels (`shaders/comm/common.wgsl`).
//! Both read the step's clock from a uniform with a dynamic offset, one entry per step.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Gpu, GpuArray};
use crate::error::{Error, Result};
use crate::shaders::{Abi, KernelDef};

/// Threads per workgroup of every element and communication kernel (the WGSL `override
/// WORKGROUP_SIZE`).
pub(crate) const WORKGROUP_SIZE: u32 = crate::shaders::DEFAULT_WORKGROUP;

/// Bytes between two clock entries (WebGPU's largest uniform-offset alignment).
pub(crate) const CLOCK_STRIDE: u64 = 256;

/// One `Clock` entry of `shaders/abi/shared.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct ClockEntry {
    /// Time since the epoch (ms).
    pub t: f32,
    pub dt: f32,
    pub k: u32,
    pub local: u32,
    /// When the epoch started, in ms and in s, each as the sum of two f32s (0 for a
    /// standalone model, whose `t` is absolute).
    pub epoch_ms: [f32; 2],
    pub epoch_s: [f32; 2],
}

/// Words of a [`ClockEntry`].
pub(crate) const CLOCK_WORDS: usize = std::mem::size_of::<ClockEntry>() / 4;

/// The buffers of one element-kernel launch; `None` binds a placeholder.
pub(crate) struct ElementBindings<'a> {
    pub sim: &'a GpuArray,
    pub state: &'a GpuArray,
    pub params: &'a GpuArray,
    pub x: Option<&'a GpuArray>,
    pub out: Option<&'a GpuArray>,
    pub delta: Option<&'a GpuArray>,
    pub acc: Option<&'a GpuArray>,
    pub channels: Option<&'a GpuArray>,
    pub clock: &'a GpuArray,
}

/// The buffers of one communication-kernel launch; `None` binds a placeholder.
pub(crate) struct CommBindings<'a> {
    pub cfg: &'a GpuArray,
    pub src: Option<&'a GpuArray>,
    pub index: Option<&'a GpuArray>,
    pub weights: Option<&'a GpuArray>,
    pub dst: Option<&'a GpuArray>,
    pub acc: Option<&'a GpuArray>,
    pub clock: &'a GpuArray,
}

/// How many workgroups a communication kernel runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grid {
    /// Enough workgroups of [`WORKGROUP_SIZE`] for this many invocations.
    Flat(usize),
    /// Exactly this grid of workgroups.
    Groups(u32, u32),
}

/// The binding layouts, one per ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Layout {
    Element = 0,
    Comm = 1,
    Network = 2,
}

/// The buffers of a composed network kernel (`shaders/abi/network.wgsl`).
pub(crate) struct NetworkBindings<'a> {
    pub arena: &'a GpuArray,
    pub scratch: &'a GpuArray,
    pub acc: &'a GpuArray,
    pub params: &'a GpuArray,
    pub control: &'a GpuArray,
    /// The per-dispatch step range, one entry per dispatch at a dynamic offset.
    pub range: &'a GpuArray,
}

/// A dispatch ready to record: pipeline, bind group and grid. Built once, recorded every step.
pub(crate) struct Dispatch {
    pipeline: Arc<wgpu::ComputePipeline>,
    bind_group: wgpu::BindGroup,
    grid: (u32, u32),
    label: String,
}

impl std::fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dispatch({}, {:?})", self.label, self.grid)
    }
}

/// The bind-group layouts of the element, communication and network ABIs, in [`Layout`] order.
pub(super) fn bind_group_layouts(device: &wgpu::Device) -> [wgpu::BindGroupLayout; 3] {
    let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty,
        count: None,
    };
    let uniform = |dynamic| wgpu::BindingType::Buffer {
        ty: wgpu::BufferBindingType::Uniform,
        has_dynamic_offset: dynamic,
        min_binding_size: None,
    };
    let storage = |read_only| wgpu::BindingType::Buffer {
        ty: wgpu::BufferBindingType::Storage { read_only },
        has_dynamic_offset: false,
        min_binding_size: None,
    };
    let layout = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
        device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(label),
            entries,
        })
    };
    [
        layout(
            "element ABI",
            &[
                entry(0, uniform(false)),
                entry(1, storage(false)),
                entry(2, storage(true)),
                entry(3, storage(true)),
                entry(4, storage(false)),
                entry(5, storage(true)),
                entry(6, storage(false)),
                entry(7, storage(true)),
                entry(8, uniform(true)),
            ],
        ),
        layout(
            "communication ABI",
            &[
                entry(0, uniform(false)),
                entry(1, storage(true)),
                entry(2, storage(true)),
                entry(3, storage(true)),
                entry(4, storage(false)),
                entry(5, storage(false)),
                entry(6, uniform(true)),
            ],
        ),
        layout(
            "network ABI",
            &[
                entry(0, storage(false)),
                entry(1, storage(false)),
                entry(2, storage(false)),
                entry(3, storage(true)),
                entry(4, storage(true)),
                entry(5, uniform(true)),
            ],
        ),
    ]
}

fn whole(buffer: &wgpu::Buffer, binding: u32) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

fn clock_entry(clock: &GpuArray, binding: u32) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &clock.buffer,
            offset: 0,
            size: wgpu::BufferSize::new(std::mem::size_of::<ClockEntry>() as u64),
        }),
    }
}

impl Gpu {
    /// The compiled pipeline of `kernel` for `layout`, created on first use inside a
    /// validation error scope so that a bad kernel is an [`Error::Kernel`] naming it.
    pub(crate) fn pipeline(&self, kernel: &KernelDef) -> Result<Arc<wgpu::ComputePipeline>> {
        self.alive()?;
        let layout = match kernel.abi() {
            Abi::Element => Layout::Element,
            Abi::Comm => Layout::Comm,
            Abi::Network => Layout::Network,
        };
        let inner = &self.inner;
        if let Some(p) = inner.pipelines.lock().expect("pipeline cache").get(kernel) {
            return Ok(p);
        }
        // naga first: its messages point at the line, and nothing reaches the driver.
        kernel.validate()?;
        let source = kernel.full_source();
        let device = &inner.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.name()),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline_layout = &inner.layouts[layout as usize].1;
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name()),
            layout: Some(pipeline_layout),
            module: &module,
            entry_point: Some(kernel.entry()),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &[("WORKGROUP_SIZE", kernel.workgroup() as f64)],
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Kernel {
                kernel: kernel.name().to_string(),
                message: e.to_string(),
            });
        }
        let pipeline = Arc::new(pipeline);
        inner
            .pipelines
            .lock()
            .expect("pipeline cache")
            .insert(kernel.clone(), pipeline.clone());
        Ok(pipeline)
    }

    /// Pipelines compiled and kept: the built-in ones, those in use, and up to
    /// `BRAINWGPU_PIPELINE_CACHE` (8) generated ones no simulation uses.
    pub fn cached_pipelines(&self) -> usize {
        self.inner.pipelines.lock().map_or(0, |c| c.map.len())
    }

    /// The workgroup grid covering `total` invocations: 1-D up to 65 535 groups, then 2-D.
    pub(crate) fn grid(&self, label: &str, total: usize) -> Result<(u32, u32)> {
        let max = self.inner.limits.max_compute_workgroups_per_dimension as usize;
        let groups = total.div_ceil(WORKGROUP_SIZE as usize).max(1);
        let x = groups.min(max);
        let y = groups.div_ceil(x);
        if y > max {
            return Err(Error::LimitExceeded {
                what: format!("kernel `{label}` over {total} elements"),
                requested: total as u64,
                limit_name: "max_compute_workgroups_per_dimension",
                limit: (max * max * WORKGROUP_SIZE as usize) as u64,
            });
        }
        Ok((x as u32, y as u32))
    }

    fn dispatch(
        &self,
        kernel: &KernelDef,
        layout: Layout,
        entries: &[wgpu::BindGroupEntry<'_>],
        grid: (u32, u32),
    ) -> Result<Dispatch> {
        let pipeline = self.pipeline(kernel)?;
        let inner = &self.inner;
        let scope = inner.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let bind_group = inner.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name()),
            layout: &inner.layouts[layout as usize].0,
            entries,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Kernel {
                kernel: kernel.name().to_string(),
                message: e.to_string(),
            });
        }
        Ok(Dispatch {
            pipeline,
            bind_group,
            grid,
            label: kernel.name().to_string(),
        })
    }

    /// An element-kernel dispatch over `total` elements.
    pub(crate) fn element_dispatch(
        &self,
        kernel: &KernelDef,
        b: &ElementBindings<'_>,
        total: usize,
    ) -> Result<Dispatch> {
        let p = &self.inner.placeholders;
        let or = |a: Option<&GpuArray>, i: usize| -> wgpu::Buffer {
            a.map_or(p[i].clone(), |a| a.buffer.clone())
        };
        let (x, out, delta, acc, channels) = (
            or(b.x, 0),
            or(b.out, 1),
            or(b.delta, 2),
            or(b.acc, 3),
            or(b.channels, 4),
        );
        let entries = [
            whole(&b.sim.buffer, 0),
            whole(&b.state.buffer, 1),
            whole(&b.params.buffer, 2),
            whole(&x, 3),
            whole(&out, 4),
            whole(&delta, 5),
            whole(&acc, 6),
            whole(&channels, 7),
            clock_entry(b.clock, 8),
        ];
        let grid = self.grid(kernel.name(), total)?;
        self.dispatch(kernel, Layout::Element, &entries, grid)
    }

    /// A communication-kernel dispatch over `invocations` invocations.
    pub(crate) fn comm_dispatch(
        &self,
        kernel: &KernelDef,
        b: &CommBindings<'_>,
        grid: Grid,
    ) -> Result<Dispatch> {
        let p = &self.inner.placeholders;
        let or = |a: Option<&GpuArray>, i: usize| -> wgpu::Buffer {
            a.map_or(p[i].clone(), |a| a.buffer.clone())
        };
        let (src, index, weights, dst, acc) = (
            or(b.src, 0),
            or(b.index, 2),
            or(b.weights, 4),
            or(b.dst, 1),
            or(b.acc, 3),
        );
        let entries = [
            whole(&b.cfg.buffer, 0),
            whole(&src, 1),
            whole(&index, 2),
            whole(&weights, 3),
            whole(&dst, 4),
            whole(&acc, 5),
            clock_entry(b.clock, 6),
        ];
        let grid = match grid {
            Grid::Flat(n) => self.grid(kernel.name(), n)?,
            Grid::Groups(x, y) => (x, y),
        };
        self.dispatch(kernel, Layout::Comm, &entries, grid)
    }

    /// A composed network kernel's dispatch over `grid` workgroups.
    pub(crate) fn network_dispatch(
        &self,
        kernel: &KernelDef,
        b: &NetworkBindings<'_>,
        grid: (u32, u32),
    ) -> Result<Dispatch> {
        let entries = [
            whole(&b.arena.buffer, 0),
            whole(&b.scratch.buffer, 1),
            whole(&b.acc.buffer, 2),
            whole(&b.params.buffer, 3),
            whole(&b.control.buffer, 4),
            wgpu::BindGroupEntry {
                binding: 5,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &b.range.buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(16),
                }),
            },
        ];
        self.dispatch(kernel, Layout::Network, &entries, grid)
    }

    /// The workgroup grid for `groups` workgroups: 1-D up to 65 535, then 2-D.
    pub(crate) fn group_grid(&self, label: &str, groups: usize) -> Result<(u32, u32)> {
        let max = self.inner.limits.max_compute_workgroups_per_dimension as usize;
        let x = groups.clamp(1, max);
        let y = groups.div_ceil(x).max(1);
        if y > max {
            return Err(Error::LimitExceeded {
                what: format!("kernel `{label}` over {groups} workgroups"),
                requested: groups as u64,
                limit_name: "max_compute_workgroups_per_dimension",
                limit: (max * max) as u64,
            });
        }
        Ok((x as u32, y as u32))
    }

    /// Records `copies` (source, destination), then one compute pass that runs, for each step,
    /// its dispatches with the clock entry at its offset, and submits it all at once. Errors
    /// name the first kernel of the run.
    pub(crate) fn run<'a>(
        &self,
        copies: &[(&GpuArray, &GpuArray)],
        steps: impl IntoIterator<Item = (u32, &'a [&'a Dispatch])>,
    ) -> Result<()> {
        self.alive()?;
        let device = &self.inner.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut enc =
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("run") });
        for (src, dst) in copies {
            dst.record_copy_from(&mut enc, src);
        }
        let mut first = None;
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("steps"),
                timestamp_writes: None,
            });
            for (offset, dispatches) in steps {
                for d in dispatches {
                    first.get_or_insert_with(|| d.label.clone());
                    pass.set_pipeline(&d.pipeline);
                    pass.set_bind_group(0, &d.bind_group, &[offset]);
                    pass.dispatch_workgroups(d.grid.0, d.grid.1, 1);
                }
            }
        }
        self.inner.queue.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Kernel {
                kernel: first.unwrap_or_else(|| "copy".into()),
                message: e.to_string(),
            });
        }
        Ok(())
    }
}

/// The compiled pipelines of a device. Built-in kernels (a fixed set) stay; of the generated
/// ones (composed and fused kernels, which embed a network's sizes and single parameter values),
/// those no simulation uses any more are kept only up to `BRAINWGPU_PIPELINE_CACHE` (default
/// 8), the least recently used dropped first — so that building network after network, as a
/// sweep by rebuilding does, keeps memory flat while rebuilding the same network again is free.
#[derive(Default)]
pub(crate) struct PipelineCache {
    pub(super) map: HashMap<KernelDef, (Arc<wgpu::ComputePipeline>, u64)>,
    tick: u64,
}

impl PipelineCache {
    fn kept_unused() -> usize {
        std::env::var("BRAINWGPU_PIPELINE_CACHE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(8)
    }

    fn get(&mut self, kernel: &KernelDef) -> Option<Arc<wgpu::ComputePipeline>> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(kernel).map(|(p, used)| {
            *used = tick;
            p.clone()
        })
    }

    fn insert(&mut self, kernel: KernelDef, pipeline: Arc<wgpu::ComputePipeline>) {
        self.tick += 1;
        self.map.insert(kernel, (pipeline, self.tick));
        // Generated pipelines only the cache holds, oldest first.
        let mut unused: Vec<(u64, KernelDef)> = self
            .map
            .iter()
            .filter(|(k, (p, _))| !k.is_static() && Arc::strong_count(p) == 1)
            .map(|(k, (_, used))| (*used, k.clone()))
            .collect();
        let keep = Self::kept_unused();
        if unused.len() > keep {
            unused.sort_by_key(|(used, _)| *used);
            for (_, k) in &unused[..unused.len() - keep] {
                self.map.remove(k);
            }
        }
    }
}
