//! [`Gpu`]: instance, adapter, device and queue, chosen once and shared.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::DeviceLimits;
use crate::error::{Error, Result};

/// A graphics API wgpu can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Vulkan (Linux, Windows, Android; Mesa's lavapipe is the software adapter).
    Vulkan,
    /// Metal (macOS, iOS).
    Metal,
    /// Direct3D 12 (Windows).
    Dx12,
    /// OpenGL / GLES (through EGL; limited compute).
    Gl,
}

impl Backend {
    fn bits(self) -> wgpu::Backends {
        match self {
            Backend::Vulkan => wgpu::Backends::VULKAN,
            Backend::Metal => wgpu::Backends::METAL,
            Backend::Dx12 => wgpu::Backends::DX12,
            Backend::Gl => wgpu::Backends::GL,
        }
    }
}

/// How to choose the adapter. [`GpuOptions::from_env`] is what [`Gpu::new`] uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpuOptions {
    /// Restrict to these backends (`None`: all that are compiled in, or `WGPU_BACKEND`).
    pub backends: Option<Vec<Backend>>,
    /// Take the first adapter whose name contains this (case-insensitive).
    pub adapter_name: Option<String>,
    /// Take a software (CPU) adapter, such as Mesa's lavapipe.
    pub software: bool,
    /// Bind at most this many bytes of one storage buffer (`None`: all the adapter offers):
    /// to run as a device with a smaller `max_storage_buffer_binding_size` would, such as
    /// WebGPU's default of 128 MiB. At least 4 bytes.
    pub max_storage_binding: Option<u64>,
}

impl GpuOptions {
    /// Options from the environment: `WGPU_BACKEND` (comma-separated backend names, read
    /// through wgpu's own parser), `WGPU_ADAPTER_NAME` (part of an adapter's name) and
    /// `BRAINWGPU_MAX_STORAGE_BINDING` (bytes, [`GpuOptions::max_storage_binding`]).
    pub fn from_env() -> Result<GpuOptions> {
        let mut opts = GpuOptions::default();
        if let Ok(list) = std::env::var("WGPU_BACKEND") {
            let bits = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::empty());
            let all = [Backend::Vulkan, Backend::Metal, Backend::Dx12, Backend::Gl];
            let chosen: Vec<Backend> = all
                .into_iter()
                .filter(|b| bits.contains(b.bits()))
                .collect();
            if chosen.is_empty() {
                return Err(Error::UnknownBackend(list));
            }
            opts.backends = Some(chosen);
        }
        if let Ok(v) = std::env::var("BRAINWGPU_MAX_STORAGE_BINDING") {
            opts.max_storage_binding = Some(v.trim().parse().map_err(|_| {
                Error::invalid(
                    "BRAINWGPU_MAX_STORAGE_BINDING",
                    "max_storage_binding",
                    &v,
                    "must be a number of bytes",
                )
            })?);
        }
        if let Ok(name) = std::env::var("WGPU_ADAPTER_NAME")
            && !name.trim().is_empty()
        {
            opts.adapter_name = Some(name);
        }
        Ok(opts)
    }

    /// A software adapter (lavapipe on Linux), whatever the environment says.
    pub fn software() -> GpuOptions {
        GpuOptions {
            software: true,
            ..GpuOptions::default()
        }
    }

    fn backend_bits(&self) -> wgpu::Backends {
        match &self.backends {
            Some(list) => list
                .iter()
                .fold(wgpu::Backends::empty(), |acc, b| acc | b.bits()),
            None => wgpu::Backends::all(),
        }
    }
}

/// What the chosen adapter is, in plain strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// Adapter name ("NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// Backend ("Vulkan").
    pub backend: String,
    /// Kind of device ("DiscreteGpu", "Cpu" …).
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
}

impl AdapterSummary {
    fn of(info: &wgpu::AdapterInfo) -> AdapterSummary {
        let driver = format!("{} {}", info.driver, info.driver_info)
            .trim()
            .to_string();
        AdapterSummary {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver,
        }
    }

    /// `true` for a software (CPU) adapter.
    pub fn is_software(&self) -> bool {
        self.device_type == "Cpu"
    }
}

impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        write!(f, ")")
    }
}

/// The GPU everything runs on. Create it once; clones share the same device.
#[derive(Clone)]
pub struct Gpu {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) device: wgpu::Device,
    pub(super) queue: wgpu::Queue,
    pub(super) limits: wgpu::Limits,
    pub(super) summary: AdapterSummary,
    /// Errors wgpu reported outside any error scope (recorded instead of panicking).
    pub(super) uncaptured: Arc<Mutex<Vec<String>>>,
    /// Why the device was lost or destroyed, once it was: every later call fails with it.
    pub(super) lost: Arc<Mutex<Option<String>>>,
    pub(super) pipelines: Mutex<super::kernel::PipelineCache>,
    /// The bind-group and pipeline layouts of each ABI (element, communication, network).
    pub(super) layouts: [(wgpu::BindGroupLayout, wgpu::PipelineLayout); 3],
    /// Small buffers bound where a kernel has nothing to read or write, one per kind of slot:
    /// a buffer cannot be bound read-only and writable at once, nor writable twice.
    pub(super) placeholders: [wgpu::Buffer; 5],
    // Kept alive for as long as the device.
    _adapter: wgpu::Adapter,
    _instance: wgpu::Instance,
}

impl fmt::Debug for Gpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gpu({})", self.inner.summary)
    }
}

fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    // GL exposes less compute and, on some machines, an adapter that cannot open a device.
    let api = if info.backend == wgpu::Backend::Gl {
        1
    } else {
        0
    };
    (kind, api)
}

impl Gpu {
    /// The default adapter: the fastest one that opens a device, honouring `WGPU_BACKEND`
    /// and `WGPU_ADAPTER_NAME`.
    pub fn new() -> Result<Gpu> {
        Gpu::with_options(&GpuOptions::from_env()?)
    }

    /// A software adapter (Mesa's lavapipe where installed): what headless CI uses.
    pub fn software() -> Result<Gpu> {
        Gpu::with_options(&GpuOptions::software())
    }

    /// The adapter these options choose, with every limit it offers.
    ///
    /// Without an explicit backend list, GL is only looked at when no Vulkan, Metal or DX12
    /// adapter exists: it offers less compute, and its EGL probing is noisy on headless
    /// machines.
    pub fn with_options(opts: &GpuOptions) -> Result<Gpu> {
        if let Some(bytes) = opts.max_storage_binding
            && bytes < 4
        {
            return Err(Error::invalid(
                "GpuOptions",
                "max_storage_binding",
                bytes,
                "must be at least 4 bytes",
            ));
        }
        let tiers = match opts.backends {
            Some(_) => vec![opts.backend_bits()],
            None => vec![wgpu::Backends::PRIMARY, wgpu::Backends::GL],
        };
        let mut available = Vec::new();
        let mut last_instance = None;
        for backends in tiers {
            let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
            desc.backends = backends;
            let instance = wgpu::Instance::new(desc);
            let mut adapters = pollster::block_on(instance.enumerate_adapters(backends));
            if opts.software {
                adapters.retain(|a| a.get_info().device_type == wgpu::DeviceType::Cpu);
                if adapters.is_empty()
                    && let Ok(a) =
                        pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                            force_fallback_adapter: true,
                            ..Default::default()
                        }))
                {
                    adapters.push(a);
                }
            }
            available.extend(adapters.iter().map(|a| a.get_info().name));
            if let Some(wanted) = &opts.adapter_name {
                let needle = wanted.to_lowercase();
                adapters.retain(|a| a.get_info().name.to_lowercase().contains(&needle));
            }
            if !adapters.is_empty() {
                return Gpu::open_best(&instance, adapters, opts.max_storage_binding);
            }
            last_instance = Some(instance);
        }
        if let Some(wanted) = &opts.adapter_name
            && !available.is_empty()
        {
            return Err(Error::AdapterNotFound {
                requested: wanted.clone(),
                available,
            });
        }
        let instance = last_instance.expect("at least one backend tier");
        let reason = match pollster::block_on(instance.request_adapter(&Default::default())) {
            Err(e) => e.to_string(),
            Ok(_) => "no adapter of the requested kind".to_string(),
        };
        let reason = if opts.software {
            format!("no software adapter: {reason}")
        } else {
            reason
        };
        Err(Error::NoAdapter { reason })
    }

    /// Opens the best-ranked adapter that gives a device.
    fn open_best(
        instance: &wgpu::Instance,
        mut adapters: Vec<wgpu::Adapter>,
        max_binding: Option<u64>,
    ) -> Result<Gpu> {
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let mut last_error = None;
        for adapter in adapters {
            match Gpu::open(instance, adapter, max_binding) {
                Ok(gpu) => return Ok(gpu),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("at least one adapter was tried"))
    }

    fn open(
        instance: &wgpu::Instance,
        adapter: wgpu::Adapter,
        max_binding: Option<u64>,
    ) -> Result<Gpu> {
        let info = adapter.get_info();
        let summary = AdapterSummary::of(&info);
        let mut limits = adapter.limits();
        if let Some(bytes) = max_binding {
            // Whole words: wgpu binds storage in multiples of 4 bytes.
            limits.max_storage_buffer_binding_size =
                limits.max_storage_buffer_binding_size.min(bytes & !3);
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("brainwgpu"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| Error::DeviceRequest {
            adapter: summary.name.clone(),
            reason: e.to_string(),
        })?;

        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));

        let lost = Arc::new(Mutex::new(None));
        let lost_sink = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut l) = lost_sink.lock() {
                l.get_or_insert(format!("{reason:?}: {message}"));
            }
        });

        let layouts = super::kernel::bind_group_layouts(&device).map(|layout| {
            let pipeline = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: None,
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
            (layout, pipeline)
        });
        let labels = [
            "unused input",
            "unused output",
            "unused input 2",
            "unused accumulator",
            "unused table",
        ];
        let placeholders = labels.map(|label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: 64,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        });

        Ok(Gpu {
            inner: Arc::new(Inner {
                device,
                queue,
                limits,
                summary,
                uncaptured,
                lost,
                pipelines: Mutex::new(super::kernel::PipelineCache::default()),
                layouts,
                placeholders,
                _adapter: adapter,
                _instance: instance.clone(),
            }),
        })
    }

    /// Every adapter the environment's backends expose (for listing and diagnostics).
    pub fn list_adapters() -> Vec<AdapterSummary> {
        let desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        let backends = desc.backends;
        let instance = wgpu::Instance::new(desc);
        pollster::block_on(instance.enumerate_adapters(backends))
            .iter()
            .map(|a| AdapterSummary::of(&a.get_info()))
            .collect()
    }

    /// What adapter this is.
    pub fn info(&self) -> &AdapterSummary {
        &self.inner.summary
    }

    /// The limits that layouts depend on, as plain data.
    pub fn limits(&self) -> DeviceLimits {
        DeviceLimits {
            max_storage_binding: self.max_storage_binding(),
            max_buffer_size: self.max_buffer_size(),
            max_workgroup_storage: self.max_workgroup_storage(),
            max_workgroup_invocations: self.max_workgroup_invocations(),
            software: self.info().is_software(),
        }
    }

    /// The largest storage binding in bytes (`max_storage_buffer_binding_size`).
    pub fn max_storage_binding(&self) -> u64 {
        self.inner.limits.max_storage_buffer_binding_size
    }

    /// The most invocations one workgroup may have (`max_compute_invocations_per_workgroup`,
    /// bounded by `max_compute_workgroup_size_x`).
    pub fn max_workgroup_invocations(&self) -> u32 {
        let l = &self.inner.limits;
        l.max_compute_invocations_per_workgroup
            .min(l.max_compute_workgroup_size_x)
    }

    /// The workgroup memory one workgroup may use, in bytes
    /// (`max_compute_workgroup_storage_size`).
    pub fn max_workgroup_storage(&self) -> u64 {
        self.inner.limits.max_compute_workgroup_storage_size as u64
    }

    /// The largest buffer in bytes (`max_buffer_size`).
    pub fn max_buffer_size(&self) -> u64 {
        self.inner.limits.max_buffer_size
    }

    /// Measures the device's copy bandwidth: a buffer of `bytes` copied into another
    /// `repeats` times in one submission, after one copy to warm up. Returns bytes read plus
    /// bytes written per second — the roofline the benchmarks compare a network's memory
    /// traffic with.
    pub fn copy_bandwidth(&self, bytes: u64, repeats: usize) -> Result<f64> {
        let bytes = bytes.min(self.max_storage_binding()).max(4) & !3;
        let words = (bytes / 4) as usize;
        let src = self.alloc("bandwidth source", words)?;
        let dst = self.alloc("bandwidth destination", words)?;
        dst.copy_from(&src)?;
        self.synchronize()?;
        let start = std::time::Instant::now();
        let device = &self.inner.device;
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("bandwidth"),
        });
        for _ in 0..repeats.max(1) {
            dst.record_copy_from(&mut enc, &src);
        }
        self.inner.queue.submit([enc.finish()]);
        self.synchronize()?;
        let seconds = start.elapsed().as_secs_f64();
        Ok(2.0 * bytes as f64 * repeats.max(1) as f64 / seconds)
    }

    /// Waits until the GPU has finished all submitted work, then reports any error wgpu
    /// raised outside an error scope since the last check.
    pub fn synchronize(&self) -> Result<()> {
        self.wait()?;
        self.take_errors()
    }

    /// Destroys the device: its memory is freed, and every later call on it — or on a
    /// simulation or module that runs on it — is an [`Error::DeviceLost`]. (What a driver
    /// reset or an unplugged GPU does on its own.)
    pub fn destroy(&self) {
        if let Ok(mut l) = self.inner.lost.lock() {
            l.get_or_insert_with(|| "destroyed by Gpu::destroy".to_string());
        }
        self.inner.device.destroy();
    }

    /// `Ok` while the device is usable, else why it is not.
    pub(crate) fn alive(&self) -> Result<()> {
        match self.inner.lost.lock().ok().and_then(|l| l.clone()) {
            Some(reason) => Err(Error::DeviceLost {
                adapter: self.inner.summary.name.clone(),
                reason,
            }),
            None => Ok(()),
        }
    }

    pub(super) fn wait(&self) -> Result<()> {
        self.alive()?;
        self.inner
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| Error::Gpu(format!("waiting for the device: {e}")))
    }

    /// Turns recorded uncaptured errors into an [`Error::Gpu`].
    pub(crate) fn take_errors(&self) -> Result<()> {
        self.alive()?;
        let mut errors = self
            .inner
            .uncaptured
            .lock()
            .map_err(|_| Error::Gpu("error log poisoned".into()))?;
        if errors.is_empty() {
            return Ok(());
        }
        let all = errors.join("; ");
        errors.clear();
        Err(Error::Gpu(all))
    }
}
