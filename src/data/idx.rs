//! The IDX format of MNIST and Fashion-MNIST: a magic number `0x00 0x00 <type> <ndims>`, then
//! `ndims` big-endian u32 dimensions, then the data. Files may be gzip-compressed.

use super::error::DataError;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;

/// An IDX array of unsigned bytes (type 0x08, the only type MNIST-style sets use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Reads an IDX file, decompressing it first if it starts with the gzip magic `1f 8b`.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    parse_idx(&read_decompressed(path)?, path)
}

/// The bytes of a file, gunzipped if it starts with the gzip magic `1f 8b`.
pub fn read_decompressed(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    read_announced(GzDecoder::new(&raw[..])).map_err(|e| DataError::Format {
        path: path.to_path_buf(),
        reason: format!("corrupt or truncated gzip stream ({e})"),
    })
}

/// The bytes of an IDX stream, read no further than its header announces plus one byte (enough
/// for [`parse_idx`] to report trailing data): a small compressed file that inflates to far more
/// than its header promises is refused without holding the excess in memory. A header that is
/// not IDX stops the reading at once ([`parse_idx`] says why).
fn read_announced(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    (&mut r).take(4).read_to_end(&mut out)?;
    if out.len() < 4 || out[..3] != [0, 0, 0x08] {
        return Ok(out);
    }
    let header = 4 + 4 * u64::from(out[3]);
    (&mut r).take(header - 4).read_to_end(&mut out)?;
    let announced = out[4..].chunks_exact(4).try_fold(1u64, |acc, c| {
        acc.checked_mul(u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
    });
    if out.len() as u64 != header {
        return Ok(out);
    }
    let Some(announced) = announced else {
        return Ok(out);
    };
    r.take(announced.saturating_add(1)).read_to_end(&mut out)?;
    Ok(out)
}

/// Parses IDX bytes; `path` only names the file in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray, DataError> {
    let bad = |reason: String| DataError::Format {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < 4 {
        return Err(bad(format!(
            "{} bytes is too short for the 4-byte magic number",
            bytes.len()
        )));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(format!(
            "magic number starts {:02x} {:02x}, expected 00 00",
            bytes[0], bytes[1]
        )));
    }
    if bytes[2] != 0x08 {
        return Err(bad(format!(
            "element type 0x{:02x} is not unsigned byte (0x08)",
            bytes[2]
        )));
    }
    let ndims = bytes[3] as usize;
    if ndims == 0 {
        return Err(bad("zero dimensions".into()));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(bad(format!(
            "header of {ndims} dimensions needs {header} bytes, file has {}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("dimensions {dims:?} overflow")))?;
    let actual = bytes.len() - header;
    if actual < expected {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    if actual > expected {
        return Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Serializes an unsigned-byte IDX array (tests build small data folders with it).
pub fn to_idx_bytes(array: &IdxArray) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, array.dims.len() as u8];
    for &d in &array.dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(&array.data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdxArray {
        IdxArray {
            dims: vec![2, 3, 2],
            data: (0..12).collect(),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = to_idx_bytes(&sample());
        assert_eq!(parse_idx(&bytes, Path::new("x")).unwrap(), sample());
    }

    #[test]
    fn rejects_bad_magic_type_and_lengths() {
        let good = to_idx_bytes(&sample());
        let mut m = good.clone();
        m[0] = 1;
        assert!(
            parse_idx(&m, Path::new("x"))
                .unwrap_err()
                .to_string()
                .contains("magic")
        );
        let mut t = good.clone();
        t[2] = 0x0d;
        assert!(
            parse_idx(&t, Path::new("x"))
                .unwrap_err()
                .to_string()
                .contains("0x0d")
        );
        let short = &good[..good.len() - 1];
        let e = parse_idx(short, Path::new("x")).unwrap_err().to_string();
        assert_eq!(
            e,
            "x: truncated: header promises 12 data bytes, file holds 11"
        );
        let mut long = good.clone();
        long.push(0);
        assert!(matches!(
            parse_idx(&long, Path::new("x")),
            Err(DataError::TrailingBytes { .. })
        ));
        assert!(
            parse_idx(&good[..6], Path::new("x"))
                .unwrap_err()
                .to_string()
                .contains("header")
        );
    }

    #[test]
    fn reads_gzip_and_reports_corrupt_gzip() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&to_idx_bytes(&sample())).unwrap();
        let gz = enc.finish().unwrap();
        let p = dir.path().join("a.gz");
        std::fs::write(&p, &gz).unwrap();
        assert_eq!(read_idx(&p).unwrap(), sample());
        let q = dir.path().join("b.gz");
        std::fs::write(&q, &gz[..gz.len() / 2]).unwrap();
        assert!(read_idx(&q).unwrap_err().to_string().contains("gzip"));
    }
}
