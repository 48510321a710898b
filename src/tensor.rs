//! [`Device`] (where models run) and [`Tensor`] (an array on it).

use std::fmt;

use crate::error::{Error, Result};
use crate::gpu::{Gpu, GpuArray};
use crate::shape::TensorShape;

/// Where a model's states live and its updates run.
#[derive(Clone, Debug)]
pub enum Device {
    /// On a GPU, in f32, through the WGSL kernels.
    Gpu(Gpu),
    /// On the host, in f64, through each model's reference implementation (the oracle the
    /// GPU is tested against).
    Cpu,
}

impl Device {
    /// The default GPU (see [`Gpu::new`]).
    pub fn gpu() -> Result<Device> {
        Gpu::new().map(Device::Gpu)
    }

    /// The f64 host reference.
    pub fn cpu() -> Device {
        Device::Cpu
    }

    /// Checks `values` f64 values — each held twice, as an array and the initial values it is
    /// made from — against the f64 device's memory budget `limit` (bytes, see
    /// [`cpu_memory_budget`](Device::cpu_memory_budget)): a typed `LimitExceeded` naming
    /// `what()` when they do not fit.
    pub(crate) fn check_host_values(
        what: impl FnOnce() -> String,
        values: u64,
        limit: u64,
    ) -> Result<()> {
        let requested = values.saturating_mul(16);
        if requested > limit {
            return Err(crate::Error::LimitExceeded {
                what: what(),
                requested,
                limit_name: "the f64 device's memory budget (BRAINWGPU_CPU_MEMORY)",
                limit,
            });
        }
        Ok(())
    }

    /// The memory the f64 device may take for one simulation's arrays, in bytes: the
    /// environment variable `BRAINWGPU_CPU_MEMORY` (bytes, or with a `K`, `M` or `G` suffix),
    /// else 80 % of the machine's physical memory (`/proc/meminfo`), else 16 GiB. A network
    /// that needs more is a typed `LimitExceeded` error before anything is allocated.
    pub fn cpu_memory_budget() -> u64 {
        if let Ok(v) = std::env::var("BRAINWGPU_CPU_MEMORY") {
            let v = v.trim();
            let (digits, unit) = match v.char_indices().last() {
                Some((i, c)) if c.is_ascii_alphabetic() => (&v[..i], c.to_ascii_uppercase()),
                _ => (v, 'B'),
            };
            let scale: u64 = match unit {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => 1,
            };
            if let Ok(n) = digits.trim().parse::<u64>() {
                return n.saturating_mul(scale);
            }
        }
        let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        });
        total_kib.map_or(16 << 30, |kib| kib * 1024 / 5 * 4)
    }

    /// `"gpu"` or `"cpu"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Device::Gpu(_) => "gpu",
            Device::Cpu => "cpu",
        }
    }
}

impl From<Gpu> for Device {
    fn from(gpu: Gpu) -> Device {
        Device::Gpu(gpu)
    }
}

impl From<&Gpu> for Device {
    fn from(gpu: &Gpu) -> Device {
        Device::Gpu(gpu.clone())
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Gpu(g) => write!(f, "gpu: {}", g.info()),
            Device::Cpu => write!(f, "cpu (f64 reference)"),
        }
    }
}

#[derive(Debug)]
pub(crate) enum Storage {
    Gpu(GpuArray),
    Cpu(Vec<f64>),
}

/// An array of shape `(batch, *in_size)` (or `in_size`) on a device.
///
/// A tensor returned by a model's `update` or `state` is a view of that model's storage:
/// it stays on the device, can be passed to the next model without a host round trip, and
/// shows the values of the latest update. Reading it to the host happens only through
/// [`Tensor::to_vec`] and friends; [`Tensor::snapshot`] keeps a copy.
#[derive(Debug)]
pub struct Tensor {
    shape: TensorShape,
    pub(crate) storage: Storage,
}

impl Tensor {
    pub(crate) fn from_storage(shape: TensorShape, storage: Storage) -> Tensor {
        Tensor { shape, storage }
    }

    /// A tensor of `shape` holding `data` (row-major, batch first) on `device`.
    pub fn from_f64(device: &Device, shape: TensorShape, data: &[f64]) -> Result<Tensor> {
        check_len("data", &shape, data.len())?;
        let storage = match device {
            Device::Gpu(gpu) => {
                let v: Vec<f32> = data.iter().map(|&x| x as f32).collect();
                Storage::Gpu(gpu.upload("tensor", &v)?)
            }
            Device::Cpu => Storage::Cpu(data.to_vec()),
        };
        Ok(Tensor { shape, storage })
    }

    /// A tensor of `shape` holding `data` (row-major, batch first) on `device`.
    pub fn from_f32(device: &Device, shape: TensorShape, data: &[f32]) -> Result<Tensor> {
        check_len("data", &shape, data.len())?;
        let storage = match device {
            Device::Gpu(gpu) => Storage::Gpu(gpu.upload("tensor", data)?),
            Device::Cpu => Storage::Cpu(data.iter().map(|&x| x as f64).collect()),
        };
        Ok(Tensor { shape, storage })
    }

    /// A tensor of zeros.
    pub fn zeros(device: &Device, shape: TensorShape) -> Result<Tensor> {
        let n = shape.numel();
        let storage = match device {
            Device::Gpu(gpu) => Storage::Gpu(gpu.alloc("tensor", n)?),
            Device::Cpu => Storage::Cpu(vec![0.0; n]),
        };
        Ok(Tensor { shape, storage })
    }

    /// The shape.
    pub fn shape(&self) -> &TensorShape {
        &self.shape
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.numel()
    }

    /// `"gpu"` or `"cpu"`.
    pub fn device_kind(&self) -> &'static str {
        match self.storage {
            Storage::Gpu(_) => "gpu",
            Storage::Cpu(_) => "cpu",
        }
    }

    /// Overwrites the content with `data` (row-major, batch first). On a GPU the write lands
    /// before the next update that runs on it.
    pub fn write_f64(&mut self, data: &[f64]) -> Result<()> {
        check_len("data", &self.shape, data.len())?;
        match &mut self.storage {
            Storage::Gpu(a) => {
                a.alive()?;
                let v: Vec<f32> = data.iter().map(|&x| x as f32).collect();
                a.write(0, &v);
            }
            Storage::Cpu(v) => v.copy_from_slice(data),
        }
        Ok(())
    }

    /// Overwrites the content with `data`, as [`Tensor::write_f64`].
    pub fn write_f32(&mut self, data: &[f32]) -> Result<()> {
        check_len("data", &self.shape, data.len())?;
        match &mut self.storage {
            Storage::Gpu(a) => {
                a.alive()?;
                a.write(0, data)
            }
            Storage::Cpu(v) => v.iter_mut().zip(data).for_each(|(d, &s)| *d = s as f64),
        }
        Ok(())
    }

    /// The values, row-major, batch first, as f32 (waits for the GPU).
    pub fn to_vec(&self) -> Result<Vec<f32>> {
        match &self.storage {
            Storage::Gpu(a) => a.read::<f32>(),
            Storage::Cpu(v) => Ok(v.iter().map(|&x| x as f32).collect()),
        }
    }

    /// The values, row-major, batch first, as f64 (GPU values are f32 widened).
    pub fn to_vec_f64(&self) -> Result<Vec<f64>> {
        match &self.storage {
            Storage::Gpu(a) => Ok(a.read::<f32>()?.into_iter().map(f64::from).collect()),
            Storage::Cpu(v) => Ok(v.clone()),
        }
    }

    /// An independent copy on the same device (a GPU-to-GPU copy, no host round trip).
    pub fn snapshot(&self) -> Result<Tensor> {
        let storage = match &self.storage {
            Storage::Gpu(a) => {
                let copy = a.gpu().alloc("snapshot", a.len())?;
                copy.copy_from(a)?;
                Storage::Gpu(copy)
            }
            Storage::Cpu(v) => Storage::Cpu(v.clone()),
        };
        Ok(Tensor {
            shape: self.shape.clone(),
            storage,
        })
    }
}

fn check_len(what: &str, shape: &TensorShape, len: usize) -> Result<()> {
    if len != shape.numel() {
        return Err(Error::shape(
            what,
            format!("{} values for shape {shape}", shape.numel()),
            format!("{len} values"),
        ));
    }
    Ok(())
}

/// The argument `x` of an `update`: nothing, one number for every element, or a tensor of
/// the state's shape (or of `in_size`, broadcast over the batch).
#[derive(Clone, Copy, Debug, Default)]
pub enum Input<'a> {
    /// No input (`x = 0`).
    #[default]
    None,
    /// The same value for every element, as a magnitude in the internal unit.
    Scalar(f64),
    /// A tensor on the model's device.
    Tensor(&'a Tensor),
}

impl<'a> From<&'a Tensor> for Input<'a> {
    fn from(t: &'a Tensor) -> Input<'a> {
        Input::Tensor(t)
    }
}

impl<'a> From<Option<&'a Tensor>> for Input<'a> {
    fn from(t: Option<&'a Tensor>) -> Input<'a> {
        t.map_or(Input::None, Input::Tensor)
    }
}

impl From<f64> for Input<'_> {
    fn from(x: f64) -> Self {
        Input::Scalar(x)
    }
}

impl<D: crate::units::Dimension> From<crate::units::Quantity<D>> for Input<'_> {
    fn from(q: crate::units::Quantity<D>) -> Self {
        Input::Scalar(q.value())
    }
}
