//! Reading and writing NumPy `.npz` archives (what `np.savez_compressed` writes and
//! `np.load` reads): the golden reference files, and exported recordings.
//!
//! Supported element types: `<f8`, `<f4`, `<i8`, `<i4`, `|u1`, `|b1` and `<U…` strings, in C
//! order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The values of one array.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyData {
    /// `<f8`
    F64(Vec<f64>),
    /// `<f4`
    F32(Vec<f32>),
    /// `<i8`
    I64(Vec<i64>),
    /// `<i4`
    I32(Vec<i32>),
    /// `|u1`
    U8(Vec<u8>),
    /// `|b1`
    Bool(Vec<bool>),
    /// `<U…` (UTF-32 strings)
    Str(Vec<String>),
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
    /// The values as f64 (numbers and booleans), `None` for strings.
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        Some(match &self.data {
            NpyData::F64(v) => v.clone(),
            NpyData::F32(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::I32(v) => v.iter().map(|&x| x as f64).collect(),
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

/// Value of `key` in a `.npy` header dict such as `{'descr': '<f8', 'shape': (3, 7), }`.
fn header_field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
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
    let bad = |r: &str| format_err(path, r.to_string());
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy file"));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported .npy version {v}"))),
    };
    let header = std::str::from_utf8(
        bytes
            .get(start..start.saturating_add(header_len))
            .ok_or_else(|| bad("truncated header"))?,
    )
    .map_err(|_| bad("header is not text"))?;
    let descr = header_field(header, "descr")
        .ok_or_else(|| bad("no descr"))?
        .trim_matches(['\'', '"']);
    if header_field(header, "fortran_order") != Some("False") {
        return Err(bad("Fortran-ordered arrays are not supported"));
    }
    let shape_text = header_field(header, "shape").ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = shape_text
        .trim_matches(['(', ')'])
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    // Sizes from the header are checked, never trusted: a product that overflows, or data
    // shorter than the shape says, is a format error.
    let n = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| bad("shape too large"))?;
    let body = &bytes[start + header_len..];
    let need = |size: usize| -> Result<&[u8]> {
        n.checked_mul(size)
            .and_then(|len| body.get(..len))
            .ok_or_else(|| bad("truncated data"))
    };
    let data = match descr {
        "<f8" => NpyData::F64(
            need(8)?
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<f4" => NpyData::F32(
            need(4)?
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<i8" => NpyData::I64(
            need(8)?
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<i4" => NpyData::I32(
            need(4)?
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "|u1" => NpyData::U8(need(1)?.to_vec()),
        "|b1" => NpyData::Bool(need(1)?.iter().map(|&b| b != 0).collect()),
        d if d.starts_with("<U") => {
            let width: usize = d[2..]
                .parse()
                .ok()
                .filter(|&w| (1..=1 << 20).contains(&w))
                .ok_or_else(|| bad("bad string width"))?;
            let raw = need(4 * width)?;
            let strings = raw
                .chunks_exact(4 * width.max(1))
                .map(|item| {
                    item.chunks_exact(4)
                        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                        .take_while(|&c| c != 0)
                        .filter_map(char::from_u32)
                        .collect::<String>()
                })
                .collect();
            NpyData::Str(strings)
        }
        d => return Err(bad(&format!("unsupported dtype {d}"))),
    };
    Ok(NpyArray { shape, data })
}

fn npy_bytes(array: &NpyArray) -> Vec<u8> {
    let (descr, body): (String, Vec<u8>) = match &array.data {
        NpyData::F64(v) => (
            "<f8".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        NpyData::F32(v) => (
            "<f4".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        NpyData::I64(v) => (
            "<i8".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        NpyData::I32(v) => (
            "<i4".into(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        NpyData::U8(v) => ("|u1".into(), v.clone()),
        NpyData::Bool(v) => ("|b1".into(), v.iter().map(|&b| b as u8).collect()),
        NpyData::Str(v) => {
            let width = v
                .iter()
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut body = Vec::with_capacity(v.len() * width * 4);
            for s in v {
                let mut count = 0;
                for c in s.chars() {
                    body.extend((c as u32).to_le_bytes());
                    count += 1;
                }
                body.extend(std::iter::repeat_n(0u8, (width - count) * 4));
            }
            (format!("<U{width}"), body)
        }
    };
    let shape = match array.shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", array.shape[0]),
        _ => format!(
            "({})",
            array
                .shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut out = npy_header(&descr, &shape);
    out.extend(body);
    out
}

/// Writes one array as a `.npy` file (what `np.load` reads).
pub fn write_npy(path: impl AsRef<Path>, shape: &[usize], data: NpyData) -> Result<()> {
    let path = path.as_ref();
    let mut w = NpzWriter::new();
    w.add("array", shape, data)?;
    let (_, array) = w.arrays.pop().expect("added above");
    std::fs::write(path, npy_bytes(&array)).map_err(io_err(path))
}

/// The NPY 1.0 preamble and header of an array of `descr` and `shape` (a Python tuple).
fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad so that the data starts on a 64-byte boundary, ending with a newline.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len());
    out.extend(b"\x93NUMPY\x01\x00");
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out
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
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            let tuple = match dims.len() {
                1 => format!("({},)", dims[0]),
                _ => format!("({})", dims.join(", ")),
            };
            zip.start_file(format!("{}.npy", c.name), options)
                .map_err(|e| format_err(&path, e.to_string()))?;
            zip.write_all(&npy_header(c.descr, &tuple))
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
        let len = match &array.data {
            NpyData::F64(v) => v.len(),
            NpyData::F32(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::I32(v) => v.len(),
            NpyData::U8(v) => v.len(),
            NpyData::Bool(v) => v.len(),
            NpyData::Str(v) => v.len(),
        };
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
