//! Element kernels: pipelines compiled once per kernel (inside error scopes) and launched
//! over `(batch, *in_size)` elements.

use std::sync::Arc;

use super::{Gpu, GpuArray};
use crate::error::{Error, Result};
use crate::shaders::KernelDef;

/// Threads per workgroup of every element kernel (the WGSL `override WORKGROUP_SIZE`).
pub(crate) const WORKGROUP_SIZE: u32 = 256;

/// The `Sim` uniform of `shaders/common.wgsl`, field for field.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct SimUniform {
    pub t: f32,
    pub dt: f32,
    pub n: u32,
    pub total: u32,
    pub stride: u32,
    pub k: u32,
    pub out_offset: u32,
    pub channels: u32,
    pub x_mode: u32,
    pub x_offset: u32,
    pub x_scalar: f32,
    pub x_n: u32,
    pub d_mode: u32,
    pub d_offset: u32,
    pub d_scalar: f32,
    pub _pad: u32,
}

/// One launch of an element kernel: the ABI's bindings and constants.
pub(crate) struct ElementLaunch<'a> {
    pub kernel: &'a KernelDef,
    /// The launch's `Sim` uniform buffer (written here, before the dispatch).
    pub uniform: &'a GpuArray,
    /// `x_offset`, `d_offset` and `out_offset` are filled in from the views below.
    pub sim: SimUniform,
    /// The whole state buffer of the model.
    pub state: &'a GpuArray,
    pub params: &'a GpuArray,
    pub x: Option<&'a GpuArray>,
    pub delta: Option<&'a GpuArray>,
    pub out: Option<&'a GpuArray>,
    /// Copies (source, destination) recorded before the dispatch: the conductances of the
    /// current inputs gathered into `syn_in`.
    pub copies: &'a [(&'a GpuArray, GpuArray)],
    pub syn_in: Option<&'a GpuArray>,
    /// `Channel` records (8 words each).
    pub channels: Option<&'a GpuArray>,
}

pub(super) fn element_bind_group_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("element ABI"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
            storage(1, false),
            storage(2, true),
            storage(3, true),
            storage(4, false),
            storage(5, true),
            storage(6, true),
            storage(7, true),
        ],
    })
}

fn whole(buffer: &wgpu::Buffer, binding: u32) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

impl Gpu {
    /// The compiled pipeline of `kernel`, created on first use inside a validation error
    /// scope so that a bad kernel is an [`Error::Kernel`] naming it, never a panic.
    pub(crate) fn pipeline(&self, kernel: &KernelDef) -> Result<Arc<wgpu::ComputePipeline>> {
        let inner = &self.inner;
        if let Some(p) = inner.pipelines.lock().expect("pipeline cache").get(kernel) {
            return Ok(p.clone());
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
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name()),
            layout: Some(&inner.element_pipeline_layout),
            module: &module,
            entry_point: Some(kernel.entry()),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &[("WORKGROUP_SIZE", WORKGROUP_SIZE as f64)],
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

    /// The workgroup grid covering `total` elements: 1-D up to 65 535 groups, then 2-D.
    fn grid(&self, kernel: &KernelDef, total: usize) -> Result<(u32, u32)> {
        let max = self.inner.limits.max_compute_workgroups_per_dimension as usize;
        let groups = total.div_ceil(WORKGROUP_SIZE as usize).max(1);
        let x = groups.min(max);
        let y = groups.div_ceil(x);
        if y > max {
            return Err(Error::LimitExceeded {
                what: format!("kernel `{}` over {total} elements", kernel.name()),
                requested: total as u64,
                limit_name: "max_compute_workgroups_per_dimension",
                limit: (max * max * WORKGROUP_SIZE as usize) as u64,
            });
        }
        Ok((x as u32, y as u32))
    }

    /// Records and submits one element-kernel dispatch.
    ///
    /// An input that lives in a buffer the kernel writes (a model fed its own state) is first
    /// copied aside, so the kernel reads this step's input, not its own writes.
    pub(crate) fn launch(&self, l: ElementLaunch<'_>) -> Result<()> {
        let inner = &self.inner;
        let pipeline = self.pipeline(l.kernel)?;
        let (gx, gy) = self.grid(l.kernel, l.sim.total as usize)?;
        let device = &inner.device;
        // Everything recorded below reports its validation errors here, naming the kernel.
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some(l.kernel.name()),
        });

        // An input in a buffer the kernel writes (a model fed its own state) is copied aside
        // first, so the kernel reads this step's input, not its own writes.
        let written =
            |a: &GpuArray| a.same_buffer(l.state) || l.out.is_some_and(|o| a.same_buffer(o));
        let mut aside = |input: Option<&GpuArray>| -> Result<Option<GpuArray>> {
            match input {
                Some(a) if written(a) => {
                    let copy = self.alloc("input copy", a.len())?;
                    copy.record_copy_from(&mut enc, a);
                    Ok(Some(copy))
                }
                _ => Ok(None),
            }
        };
        let (x_copy, d_copy) = (aside(l.x)?, aside(l.delta)?);
        let x = x_copy.as_ref().or(l.x);
        let delta = d_copy.as_ref().or(l.delta);
        for (src, dst) in l.copies {
            dst.record_copy_from(&mut enc, src);
        }

        let mut sim = l.sim;
        sim.x_offset = x.map_or(0, |a| a.offset() as u32);
        sim.d_offset = delta.map_or(0, |a| a.offset() as u32);
        sim.out_offset = l.out.map_or(0, |o| o.offset() as u32);
        l.uniform.write::<u32>(0, bytemuck::cast_slice(&[sim]));

        fn read<'b>(a: Option<&'b GpuArray>, unused: &'b wgpu::Buffer) -> &'b wgpu::Buffer {
            a.map_or(unused, |a| &a.buffer)
        }
        let unused = &inner.unused_read;
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(l.kernel.name()),
            layout: &inner.element_layout,
            entries: &[
                whole(&l.uniform.buffer, 0),
                whole(&l.state.buffer, 1),
                whole(&l.params.buffer, 2),
                whole(read(x, unused), 3),
                whole(l.out.map_or(&inner.unused_write, |o| &o.buffer), 4),
                whole(read(delta, unused), 5),
                whole(read(l.syn_in, unused), 6),
                whole(read(l.channels, unused), 7),
            ],
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(l.kernel.name()),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        inner.queue.submit([enc.finish()]);
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Kernel {
                kernel: l.kernel.name().to_string(),
                message: e.to_string(),
            });
        }
        Ok(())
    }
}
