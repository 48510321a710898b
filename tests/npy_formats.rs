//! `.npy`/`.npz` files written by numpy itself (`tests/data/numpy/make.py`): every numeric
//! dtype including float16 and bool, both byte orders, C and Fortran order, 0-d and empty
//! arrays, strings, and archives from `np.savez` and `np.savez_compressed` — read with the
//! values numpy wrote (each array holds its flat C-order index), written back and read again
//! unchanged.

mod common;

use brainwgpu::npz::{NpyArray, NpyData, Npz, read_npy, write_npy};

fn dir() -> std::path::PathBuf {
    common::data_dir().join("numpy")
}

/// The values make.py stored: the flat C index as the dtype holds it.
fn expected(descr: &str, n: usize) -> Vec<f64> {
    if descr.ends_with("b1") {
        (0..n).map(|i| f64::from(u8::from(i % 3 == 0))).collect()
    } else {
        // i1 wraps at 128 (only 24 values here); all others hold 0..n exactly.
        (0..n).map(|i| i as f64).collect()
    }
}

/// Whether the variant read is the one for `descr` (the byte order does not matter).
fn variant_matches(descr: &str, data: &NpyData) -> bool {
    matches!(
        (&descr[1..], data),
        ("f8", NpyData::F64(_))
            | ("f4", NpyData::F32(_))
            | ("f2", NpyData::F16(_))
            | ("i8", NpyData::I64(_))
            | ("i4", NpyData::I32(_))
            | ("i2", NpyData::I16(_))
            | ("i1", NpyData::I8(_))
            | ("u8", NpyData::U64(_))
            | ("u4", NpyData::U32(_))
            | ("u2", NpyData::U16(_))
            | ("u1", NpyData::U8(_))
            | ("b1", NpyData::Bool(_))
    ) || (descr[1..].starts_with('U') && matches!(data, NpyData::Str(_)))
}

fn check(what: &str, a: &NpyArray, descr: &str, shape: &[usize]) {
    assert_eq!(a.shape, shape, "{what}: shape");
    assert!(
        variant_matches(descr, &a.data),
        "{what}: {descr} read as {:?}",
        a.data.descr()
    );
    let n = shape.iter().product();
    match &a.data {
        NpyData::Str(s) => {
            let want: Vec<String> = (0..n).map(|i| format!("s{i}é")).collect();
            assert_eq!(s, &want, "{what}");
        }
        _ => assert_eq!(a.to_f64().unwrap(), expected(descr, n), "{what}: values"),
    }
}

fn shape_of(text: &str) -> Vec<usize> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|d| d.parse().unwrap())
        .collect()
}

#[test]
fn numpy_files_of_every_dtype_order_and_layout_read_and_round_trip() {
    let manifest = std::fs::read_to_string(dir().join("manifest.txt")).unwrap();
    let out = std::env::temp_dir().join(format!("brainwgpu-npy-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let mut seen = 0;
    for line in manifest.lines().filter(|l| l.contains(".npy ")) {
        // file, dtype, order, shape (nothing for a 0-d array).
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (file, descr, order) = (fields[0], fields[1], fields[2]);
        let shape = shape_of(fields.get(3).copied().unwrap_or(""));
        let a = read_npy(dir().join(file)).unwrap();
        if file.contains("_0d") {
            // 0-d arrays hold one chosen value (checked below).
            assert!(
                a.shape.is_empty() && variant_matches(descr, &a.data),
                "{file}"
            );
        } else {
            check(&format!("{file} ({order} order)"), &a, descr, &shape);
        }
        // Written back (little-endian, C order) and read again: the same array.
        let again = out.join(file);
        write_npy(&again, &a.shape, a.data.clone()).unwrap();
        assert_eq!(read_npy(&again).unwrap(), a, "{file} round trip");
        seen += 1;
    }
    assert!(seen >= 40, "{seen} files in the manifest");
    // 0-d arrays: an empty shape and one value.
    let z = read_npy(dir().join("f8_0d.npy")).unwrap();
    assert_eq!((z.shape.clone(), z.to_f64().unwrap()), (vec![], vec![2.5]));
    let z = read_npy(dir().join("i4_0d.npy")).unwrap();
    assert_eq!(z.data, NpyData::I32(vec![7]));
    let e = read_npy(dir().join("f4_empty.npy")).unwrap();
    assert_eq!((e.shape.clone(), e.numel()), (vec![0, 3], 0));
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn numpy_archives_plain_and_compressed_read() {
    let plain = Npz::read(dir().join("plain.npz")).unwrap();
    check("plain.npz a", plain.get("a").unwrap(), "<f8", &[2, 3, 4]);
    check(
        "plain.npz b (Fortran, big-endian)",
        plain.get("b").unwrap(),
        ">i2",
        &[2, 3, 4],
    );
    let z = Npz::read(dir().join("compressed.npz")).unwrap();
    check("compressed.npz h", z.get("h").unwrap(), "<f2", &[2, 3, 4]);
    assert_eq!(z.names().collect::<Vec<_>>(), vec!["a", "h"]);
}

#[test]
fn damaged_and_unsupported_files_are_format_errors() {
    let bytes = std::fs::read(dir().join("f8_le_c.npy")).unwrap();
    let path = std::path::Path::new("damaged.npy");
    // Truncated data, a truncated header, not an npy at all.
    for cut in [bytes.len() - 8, 40, 5] {
        let e = brainwgpu::npz::parse_npy(path, &bytes[..cut]);
        assert!(
            matches!(e, Err(brainwgpu::Error::Format { .. })),
            "cut at {cut}: {e:?}"
        );
    }
    // A structured dtype.
    let mut header = b"{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }".to_vec();
    header.resize(118, b' ');
    header.push(b'\n');
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend((header.len() as u16).to_le_bytes());
    file.extend(header);
    file.extend([0u8; 4]);
    let e = brainwgpu::npz::parse_npy(path, &file);
    assert!(
        matches!(&e, Err(brainwgpu::Error::Format { reason, .. }) if reason.contains("structured")),
        "{e:?}"
    );
}
