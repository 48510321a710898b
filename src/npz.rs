//! Reading and writing NumPy `.npy` files and `.npz` archives (what `np.save`, `np.savez`
//! and `np.savez_compressed` write and `np.load` reads): the golden reference files, weights and
//! connectivity, and exported recordings. Arrays are parsed and encoded by the
//! [npyz](https://docs.rs/npyz) crate; archives are zip files (the `zip` crate).
//!
//! Read: every numeric dtype numpy writes — `f2`, `f4`, `f8`, `i1`…`i8`, `u1`…`u8`, `b1` —
//! in either byte order, `U` strings, C and Fortran order (Fortran arrays are returned in C
//! order), 0-d arrays. Every size a header declares is checked against the data before
//! anything is allocated. Written: little-endian, C order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub use npyz::half::f16;
use npyz::{DType, Order, TypeChar, TypeStr, WriterBuilder};

use crate::error::{Error, Result};

/// The values of one array.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    /// `f8`
    F64(Vec<f64>),
    /// `f4`
    F32(Vec<f32>),
    /// `f2` (half precision)
    F16(Vec<f16>),
    /// `i8`
    I64(Vec<i64>),
    /// `i4`
    I32(Vec<i32>),
    /// `i2`
    I16(Vec<i16>),
    /// `i1`
    I8(Vec<i8>),
    /// `u8`
    U64(Vec<u64>),
    /// `u4`
    U32(Vec<u32>),
    /// `u2`
    U16(Vec<u16>),
    /// `u1`
    U8(Vec<u8>),
    /// `b1`
    Bool(Vec<bool>),
    /// `U…` (UTF-32 strings)
    Str(Vec<String>),
}

/// Applies `$body` to the vector of any variant, bound as `$v` — or, with `map`, makes the
/// same variant of `$body`'s result.
macro_rules! each_variant {
    (map $data:expr, $v:ident => $body:expr) => {
        match $data {
            NpyData::F64($v) => NpyData::F64($body),
            NpyData::F32($v) => NpyData::F32($body),
            NpyData::F16($v) => NpyData::F16($body),
            NpyData::I64($v) => NpyData::I64($body),
            NpyData::I32($v) => NpyData::I32($body),
            NpyData::I16($v) => NpyData::I16($body),
            NpyData::I8($v) => NpyData::I8($body),
            NpyData::U64($v) => NpyData::U64($body),
            NpyData::U32($v) => NpyData::U32($body),
            NpyData::U16($v) => NpyData::U16($body),
            NpyData::U8($v) => NpyData::U8($body),
            NpyData::Bool($v) => NpyData::Bool($body),
            NpyData::Str($v) => NpyData::Str($body),
        }
    };
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            NpyData::F64($v) => $body,
            NpyData::F32($v) => $body,
            NpyData::F16($v) => $body,
            NpyData::I64($v) => $body,
            NpyData::I32($v) => $body,
            NpyData::I16($v) => $body,
            NpyData::I8($v) => $body,
            NpyData::U64($v) => $body,
            NpyData::U32($v) => $body,
            NpyData::U16($v) => $body,
            NpyData::U8($v) => $body,
            NpyData::Bool($v) => $body,
            NpyData::Str($v) => $body,
        }
    };
}

impl NpyData {
    /// Number of values.
    pub fn len(&self) -> usize {
        each_variant!(self, v => v.len())
    }

    /// Whether it holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dtype it is written as (little-endian).
    pub fn descr(&self) -> String {
        match self {
            NpyData::F64(_) => "<f8".into(),
            NpyData::F32(_) => "<f4".into(),
            NpyData::F16(_) => "<f2".into(),
            NpyData::I64(_) => "<i8".into(),
            NpyData::I32(_) => "<i4".into(),
            NpyData::I16(_) => "<i2".into(),
            NpyData::I8(_) => "|i1".into(),
            NpyData::U64(_) => "<u8".into(),
            NpyData::U32(_) => "<u4".into(),
            NpyData::U16(_) => "<u2".into(),
            NpyData::U8(_) => "|u1".into(),
            NpyData::Bool(_) => "|b1".into(),
            NpyData::Str(v) => {
                let width = v.iter().map(|s| s.chars().count()).max().unwrap_or(0);
                format!("<U{}", width.max(1))
            }
        }
    }

    /// The values reordered from Fortran (column-major) to C (row-major) order for `shape`.
    fn fortran_to_c(self, shape: &[usize]) -> NpyData {
        if shape.len() < 2 {
            return self;
        }
        // C index of each Fortran position: walk the Fortran order with a C-order counter.
        let n: usize = shape.iter().product();
        let mut strides = vec![1usize; shape.len()];
        for d in (0..shape.len() - 1).rev() {
            strides[d] = strides[d + 1] * shape[d + 1];
        }
        let mut index = vec![0usize; shape.len()];
        let mut order = Vec::with_capacity(n);
        for _ in 0..n {
            order.push(
                index
                    .iter()
                    .zip(&strides)
                    .map(|(i, s)| i * s)
                    .sum::<usize>(),
            );
            for d in 0..shape.len() {
                index[d] += 1;
                if index[d] < shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        fn permute<T: Clone>(v: Vec<T>, order: &[usize]) -> Vec<T> {
            let mut out: Vec<Option<T>> = vec![None; v.len()];
            for (x, &at) in v.into_iter().zip(order) {
                out[at] = Some(x);
            }
            out.into_iter().flatten().collect()
        }
        each_variant!(map self, v => permute(v, &order))
    }
}

/// One array: its shape (empty for a 0-d array) and values in C order.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Values.
    pub data: NpyData,
}

impl NpyArray {
    /// The values as f64 (numbers and booleans; 64-bit integers beyond 2^53 rounded), `None`
    /// for strings.
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        Some(match &self.data {
            NpyData::F64(v) => v.clone(),
            NpyData::F32(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::F16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::I32(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::I16(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::I8(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U32(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U16(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U8(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::Bool(v) => v.iter().map(|&x| if x { 1.0 } else { 0.0 }).collect(),
            NpyData::Str(_) => return None,
        })
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// An `.npz` archive read into memory.
#[derive(Clone, Debug)]
pub struct Npz {
    path: PathBuf,
    arrays: BTreeMap<String, NpyArray>,
}

fn format_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads one `.npy` file.
pub fn read_npy(path: impl AsRef<Path>) -> Result<NpyArray> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    parse_npy(path, &bytes)
}

impl NpyArray {
    /// The values as 32-bit indices: every value a whole number in `0 ..= u32::MAX` (numeric
    /// arrays of any of the dtypes above), else a format error naming `what` and the value.
    pub fn to_indices(&self, path: &Path, what: &str) -> Result<Vec<u32>> {
        let values = self
            .to_f64()
            .ok_or_else(|| format_err(path, format!("`{what}` is not numeric")))?;
        values
            .iter()
            .map(|&x| {
                if x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x) {
                    Ok(x as u32)
                } else {
                    Err(format_err(
                        path,
                        format!("`{what}` holds {x}, not an index (a whole number from 0)"),
                    ))
                }
            })
            .collect()
    }
}

/// Parses one `.npy` file.
pub fn parse_npy(path: &Path, bytes: &[u8]) -> Result<NpyArray> {
    let bad = |r: String| format_err(path, r);
    let npy = npyz::NpyFile::new(bytes).map_err(|e| bad(format!("not a .npy file: {e}")))?;
    let DType::Plain(ty) = npy.dtype() else {
        return Err(bad(format!(
            "structured dtype {} is not supported (plain numbers, booleans and strings are)",
            npy.dtype().descr()
        )));
    };
    // Sizes from the header are checked, never trusted: a product that overflows, or data
    // shorter than the shape says, is a format error before anything is allocated.
    let shape: Vec<usize> = npy
        .shape()
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(format!("dimension {d} too large"))))
        .collect::<Result<_>>()?;
    let n = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| bad(format!("shape {shape:?} too large")))?;
    let item = ty
        .num_bytes()
        .ok_or_else(|| bad(format!("dtype {ty} has no fixed size")))?;
    match n.checked_mul(item) {
        Some(need) if need <= bytes.len() => {}
        _ => {
            return Err(bad(format!(
                "truncated data: shape {shape:?} of {ty} needs more than the file's {} bytes",
                bytes.len()
            )));
        }
    }
    let fortran = npy.order() == Order::Fortran;
    let read = |e: std::io::Error| bad(format!("bad data ({ty}): {e}"));
    let data = match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 8) => NpyData::F64(npy.into_vec().map_err(read)?),
        (TypeChar::Float, 4) => NpyData::F32(npy.into_vec().map_err(read)?),
        (TypeChar::Float, 2) => NpyData::F16(npy.into_vec().map_err(read)?),
        (TypeChar::Int, 8) => NpyData::I64(npy.into_vec().map_err(read)?),
        (TypeChar::Int, 4) => NpyData::I32(npy.into_vec().map_err(read)?),
        (TypeChar::Int, 2) => NpyData::I16(npy.into_vec().map_err(read)?),
        (TypeChar::Int, 1) => NpyData::I8(npy.into_vec().map_err(read)?),
        (TypeChar::Uint, 8) => NpyData::U64(npy.into_vec().map_err(read)?),
        (TypeChar::Uint, 4) => NpyData::U32(npy.into_vec().map_err(read)?),
        (TypeChar::Uint, 2) => NpyData::U16(npy.into_vec().map_err(read)?),
        (TypeChar::Uint, 1) => NpyData::U8(npy.into_vec().map_err(read)?),
        (TypeChar::Bool, 1) => NpyData::Bool(npy.into_vec().map_err(read)?),
        (TypeChar::UnicodeStr, _) => NpyData::Str(npy.into_vec().map_err(read)?),
        _ => {
            return Err(bad(format!(
                "unsupported dtype {ty} (numbers of 1 to 8 bytes, booleans and U strings are read)"
            )));
        }
    };
    let data = if fortran {
        data.fortran_to_c(&shape)
    } else {
        data
    };
    Ok(NpyArray { shape, data })
}

/// The dtype of `descr` (one this module writes).
fn type_str(descr: &str) -> TypeStr {
    descr.parse().expect("the descrs written here are valid")
}

/// The NPY preamble and header of an array of `descr` and `shape`, in C order.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    npyz::WriteOptions::new_header_only()
        .dtype(DType::Plain(type_str(descr)))
        .shape(&shape)
        .writer(&mut out)
        .write_header_only()
        .expect("writing to memory cannot fail");
    out
}

/// The bytes of `array` as an `.npy` file.
fn npy_bytes(array: &NpyArray) -> Vec<u8> {
    fn encode<T: npyz::Serialize + Clone>(descr: &str, shape: &[usize], v: &[T]) -> Vec<u8> {
        let mut out = Vec::new();
        let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let mut w = npyz::WriteOptions::new()
            .dtype(DType::Plain(type_str(descr)))
            .shape(&shape)
            .writer(&mut out)
            .begin_nd()
            .expect("writing to memory cannot fail");
        w.extend(v.iter().cloned())
            .expect("writing to memory cannot fail");
        w.finish().expect("the values fill the shape");
        out
    }
    let descr = array.data.descr();
    let shape = &array.shape;
    each_variant!(&array.data, v => encode(&descr, shape, v))
}

/// Writes one array as a `.npy` file (what `np.load` reads).
pub fn write_npy(path: impl AsRef<Path>, shape: &[usize], data: NpyData) -> Result<()> {
    let path = path.as_ref();
    let mut w = NpzWriter::new();
    w.add("array", shape, data)?;
    let (_, array) = w.arrays.pop().expect("added above");
    std::fs::write(path, npy_bytes(&array)).map_err(io_err(path))
}

/// An `.npz` written while a run goes on: each array grows along its first axis, its values
/// spilled to a file beside the archive as they come (`<path>.<array>.part`), so memory stays
/// flat however long the run; [`NpzStream::finish`] writes the archive and removes the parts.
pub struct NpzStream {
    path: PathBuf,
    columns: Vec<Column>,
}

struct Column {
    name: String,
    descr: &'static str,
    /// The shape of one entry along the first axis.
    inner: Vec<usize>,
    part: PathBuf,
    file: std::io::BufWriter<File>,
    /// Values written.
    len: usize,
}

impl NpzStream {
    /// A stream to `path` with arrays `(name, descr, inner shape)`; `descr` is `<f8`, `<i8` or
    /// `<i4`.
    pub fn create(
        path: impl AsRef<Path>,
        arrays: &[(&str, &'static str, &[usize])],
    ) -> Result<Self> {
        // Columns are added to the stream as their files are made, so that a failure part
        // way drops the stream and with it the part files made so far.
        let mut stream = NpzStream {
            path: path.as_ref().to_path_buf(),
            columns: Vec::with_capacity(arrays.len()),
        };
        for &(name, descr, inner) in arrays {
            let mut part = stream.path.clone().into_os_string();
            part.push(format!(".{name}.part"));
            let part = PathBuf::from(part);
            let file = File::create(&part).map_err(io_err(&part))?;
            stream.columns.push(Column {
                name: name.to_string(),
                descr,
                inner: inner.to_vec(),
                part,
                file: std::io::BufWriter::new(file),
                len: 0,
            });
        }
        Ok(stream)
    }

    /// The archive it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends values to array `name` (whole entries; the element type must match its
    /// `descr`).
    pub fn append(&mut self, name: &str, data: &NpyData) -> Result<()> {
        let c = self
            .columns
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| format_err(&self.path, format!("no streamed array `{name}`")))?;
        let (bytes, len): (Vec<u8>, usize) = match (c.descr, data) {
            ("<f8", NpyData::F64(v)) => (v.iter().flat_map(|x| x.to_le_bytes()).collect(), v.len()),
            ("<i8", NpyData::I64(v)) => (v.iter().flat_map(|x| x.to_le_bytes()).collect(), v.len()),
            ("<i4", NpyData::I32(v)) => (v.iter().flat_map(|x| x.to_le_bytes()).collect(), v.len()),
            _ => {
                return Err(format_err(
                    &self.path,
                    format!("array `{name}` is streamed as {}", c.descr),
                ));
            }
        };
        let entry: usize = c.inner.iter().product();
        if !len.is_multiple_of(entry.max(1)) {
            return Err(Error::shape(
                format!("values streamed to `{name}`"),
                format!("whole entries of {entry}"),
                format!("{len} values"),
            ));
        }
        c.file.write_all(&bytes).map_err(io_err(&c.part))?;
        c.len += len;
        Ok(())
    }

    /// Writes the archive: every streamed array, then `extras` (small arrays known at the
    /// end), and removes the part files.
    pub fn finish(mut self, extras: &[(&str, &[usize], NpyData)]) -> Result<PathBuf> {
        let path = self.path.clone();
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for c in &mut self.columns {
            c.file.flush().map_err(io_err(&c.part))?;
            let entry: usize = c.inner.iter().product::<usize>().max(1);
            let mut shape = vec![c.len / entry];
            shape.extend(&c.inner);
            zip.start_file(format!("{}.npy", c.name), options)
                .map_err(|e| format_err(&path, e.to_string()))?;
            zip.write_all(&npy_header(c.descr, &shape))
                .map_err(io_err(&path))?;
            let mut part = File::open(&c.part).map_err(io_err(&c.part))?;
            std::io::copy(&mut part, &mut zip).map_err(io_err(&path))?;
        }
        for (name, shape, data) in extras {
            let array = NpyArray {
                shape: shape.to_vec(),
                data: data.clone(),
            };
            zip.start_file(format!("{name}.npy"), options)
                .map_err(|e| format_err(&path, e.to_string()))?;
            zip.write_all(&npy_bytes(&array)).map_err(io_err(&path))?;
        }
        zip.finish().map_err(|e| format_err(&path, e.to_string()))?;
        for c in &self.columns {
            let _ = std::fs::remove_file(&c.part);
        }
        self.columns.clear();
        Ok(path)
    }
}

impl Drop for NpzStream {
    /// An unfinished stream leaves no part files behind.
    fn drop(&mut self) {
        for c in &self.columns {
            let _ = std::fs::remove_file(&c.part);
        }
    }
}

impl Npz {
    /// Reads every array of the archive at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<Npz> {
        let path = path.as_ref();
        let file = File::open(path).map_err(io_err(path))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| format_err(path, e.to_string()))?;
        let mut arrays = BTreeMap::new();
        let budget = crate::tensor::Device::cpu_memory_budget();
        for i in 0..zip.len() {
            let mut entry = zip
                .by_index(i)
                .map_err(|e| format_err(path, e.to_string()))?;
            let name = entry
                .name()
                .map_err(|e| format_err(path, e.to_string()))?
                .trim_end_matches(".npy")
                .to_string();
            // The declared size is not trusted: capacity grows as data arrives, up to the host
            // memory budget.
            let mut bytes = Vec::with_capacity(entry.size().min(1 << 24) as usize);
            (&mut entry)
                .take(budget.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io_err(path))?;
            if bytes.len() as u64 > budget {
                return Err(format_err(
                    path,
                    format!("member `{name}` is larger than the memory budget ({budget} bytes)"),
                ));
            }
            let member = path.join(&name);
            arrays.insert(name, parse_npy(&member, &bytes)?);
        }
        Ok(Npz {
            path: path.to_path_buf(),
            arrays,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names of the arrays.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.keys().map(String::as_str)
    }

    /// `true` when the archive holds an array `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.arrays.contains_key(name)
    }

    /// Array `name`.
    pub fn get(&self, name: &str) -> Result<&NpyArray> {
        self.arrays
            .get(name)
            .ok_or_else(|| format_err(&self.path, format!("no array `{name}`")))
    }

    /// Array `name` as f64 values.
    pub fn f64s(&self, name: &str) -> Result<Vec<f64>> {
        self.get(name)?
            .to_f64()
            .ok_or_else(|| format_err(&self.path, format!("array `{name}` is not numeric")))
    }

    /// 0-d (or one-element) array `name` as a number.
    pub fn scalar(&self, name: &str) -> Result<f64> {
        let v = self.f64s(name)?;
        match v.as_slice() {
            [x] => Ok(*x),
            _ => Err(format_err(
                &self.path,
                format!("array `{name}` is not a scalar"),
            )),
        }
    }

    /// 0-d string array `name`.
    pub fn string(&self, name: &str) -> Result<String> {
        match &self.get(name)?.data {
            NpyData::Str(v) if v.len() == 1 => Ok(v[0].clone()),
            _ => Err(format_err(
                &self.path,
                format!("array `{name}` is not a string"),
            )),
        }
    }
}

/// Collects arrays and writes them as one compressed `.npz`.
#[derive(Clone, Debug, Default)]
pub struct NpzWriter {
    arrays: Vec<(String, NpyArray)>,
}

impl NpzWriter {
    /// An empty archive.
    pub fn new() -> NpzWriter {
        NpzWriter::default()
    }

    /// Adds array `name` (its data length must match `shape`).
    pub fn add(&mut self, name: &str, shape: &[usize], data: NpyData) -> Result<&mut Self> {
        let array = NpyArray {
            shape: shape.to_vec(),
            data,
        };
        let len = array.data.len();
        if len != array.numel() {
            return Err(Error::shape(
                format!("array `{name}`"),
                format!("{} values for {shape:?}", array.numel()),
                format!("{len} values"),
            ));
        }
        self.arrays.push((name.to_string(), array));
        Ok(self)
    }

    /// Writes the archive to `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = File::create(path).map_err(io_err(path))?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, array) in &self.arrays {
            zip.start_file(format!("{name}.npy"), options)
                .map_err(|e| format_err(path, e.to_string()))?;
            zip.write_all(&npy_bytes(array)).map_err(io_err(path))?;
        }
        zip.finish().map_err(|e| format_err(path, e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = std::env::temp_dir().join(format!("brainwgpu-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.npz");
        let mut w = NpzWriter::new();
        w.add("a", &[2, 3], NpyData::F64(vec![1., 2., 3., 4., 5., 6.]))
            .unwrap();
        w.add("s", &[], NpyData::Str(vec!["héllo".into()])).unwrap();
        w.add("b", &[3], NpyData::U8(vec![0, 1, 0])).unwrap();
        w.write(&path).unwrap();
        let z = Npz::read(&path).unwrap();
        assert_eq!(z.get("a").unwrap().shape, vec![2, 3]);
        assert_eq!(z.f64s("a").unwrap()[5], 6.0);
        assert_eq!(z.string("s").unwrap(), "héllo");
        assert_eq!(z.f64s("b").unwrap(), vec![0., 1., 0.]);
        assert!(w.add("bad", &[4], NpyData::U8(vec![1])).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
