//! Where Fashion-MNIST comes from: the folders searched, the files' names, and the SHA-256 of
//! every decompressed file, checked against the original's in the standard places.

use super::error::DataError;
use super::idx::{IdxArray, parse_idx, read_decompressed};
use std::path::{Path, PathBuf};

pub(super) const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// SHA-256 of the original Fashion-MNIST files, decompressed, in the order of `FILES` (also in
/// `data/fashion-mnist/SOURCES.txt`).
pub const REFERENCE_SHA256: [&str; 4] = [
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
];

/// The Debian package's install location.
pub const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The committed full set, relative to the crate root.
pub fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("fashion-mnist")
}

/// The original Fashion-MNIST (every file's hash matches [`REFERENCE_SHA256`]) or other IDX files
/// from a folder the user named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    Full,
    Other,
}

/// Where the files were found and why that place was chosen.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DataSource {
    pub dir: PathBuf,
    pub found_via: &'static str,
    /// Whether the files must be the original ones (a hash mismatch is then an error).
    pub must_be_original: bool,
}

/// One file as loaded: its name and the SHA-256 of its decompressed bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileHash {
    pub file: String,
    pub sha256: String,
}

/// The path of one of the four files in `dir`, gzip-compressed or raw.
pub(super) fn find_file(dir: &Path, stem: &str) -> Option<PathBuf> {
    [format!("{stem}.gz"), stem.to_string()]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

pub(super) fn has_all_files(dir: &Path) -> bool {
    FILES.iter().all(|f| find_file(dir, f).is_some())
}

/// An explicitly named directory must exist and hold all four files.
pub(super) fn require_dir(dir: &Path) -> Result<(), DataError> {
    if !dir.is_dir() {
        return Err(DataError::MissingDir(dir.to_path_buf()));
    }
    match FILES.iter().find(|f| find_file(dir, f).is_none()) {
        Some(f) => Err(DataError::MissingFile {
            dir: dir.to_path_buf(),
            file: f.to_string(),
        }),
        None => Ok(()),
    }
}

/// Finds Fashion-MNIST in the documented order. A directory named by `data_dir` or `$NNLAB_DATA`
/// must be complete (an error otherwise, never a silent fallback).
pub fn locate_fashion_mnist(data_dir: Option<&Path>) -> Result<DataSource, DataError> {
    if let Some(dir) = data_dir {
        require_dir(dir)?;
        return Ok(DataSource {
            dir: dir.to_path_buf(),
            found_via: "--data-dir",
            must_be_original: false,
        });
    }
    if let Some(dir) = std::env::var_os("NNLAB_DATA").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        require_dir(&dir)?;
        return Ok(DataSource {
            dir,
            found_via: "$NNLAB_DATA",
            must_be_original: false,
        });
    }
    let committed = committed_dir();
    // What is missing from the committed folder is the error to report if Debian's is incomplete
    // too: that is where the set should be.
    let Err(committed_missing) = require_dir(&committed) else {
        return Ok(DataSource {
            dir: committed,
            found_via: "data/fashion-mnist/",
            must_be_original: true,
        });
    };
    if has_all_files(Path::new(DEBIAN_DIR)) {
        return Ok(DataSource {
            dir: PathBuf::from(DEBIAN_DIR),
            found_via: "Debian's dataset-fashion-mnist",
            must_be_original: true,
        });
    }
    Err(committed_missing)
}

/// Hex digits of the SHA-256 of `bytes`.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads file `index` of `FILES` from `source`, hashes it, and checks the hash where the source
/// must hold the original set. Returns the array, the path it came from, and its hash.
pub(super) fn read_file(
    source: &DataSource,
    index: usize,
) -> Result<(IdxArray, PathBuf, FileHash), DataError> {
    let stem = FILES[index];
    let path = find_file(&source.dir, stem).ok_or_else(|| DataError::MissingFile {
        dir: source.dir.clone(),
        file: stem.to_string(),
    })?;
    let bytes = read_decompressed(&path)?;
    let sha256 = sha256_hex(&bytes);
    if source.must_be_original && sha256 != REFERENCE_SHA256[index] {
        return Err(DataError::NotOriginal {
            path,
            actual: sha256,
            expected: REFERENCE_SHA256[index],
        });
    }
    let array = parse_idx(&bytes, &path)?;
    Ok((
        array,
        path,
        FileHash {
            file: stem.to_string(),
            sha256,
        },
    ))
}
