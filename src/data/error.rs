//! What can go wrong reading data: the error every loader returns.

use std::path::PathBuf;

/// Everything that can go wrong while finding or reading a data set.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an IDX file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path}: truncated: header promises {expected} data bytes, file holds {actual}")]
    Truncated {
        path: PathBuf,
        expected: usize,
        actual: usize,
    },
    #[error("{path}: {actual} bytes after the header, {expected} expected (trailing garbage)")]
    TrailingBytes {
        path: PathBuf,
        expected: usize,
        actual: usize,
    },
    #[error("{images} holds {n_images} images but {labels} holds {n_labels} labels")]
    CountMismatch {
        images: PathBuf,
        n_images: usize,
        labels: PathBuf,
        n_labels: usize,
    },
    #[error("{path}: label {label} out of range 0..{classes}")]
    LabelRange {
        path: PathBuf,
        label: u8,
        classes: usize,
    },
    #[error("data directory {0} does not exist")]
    MissingDir(PathBuf),
    #[error("data directory {dir} has no {file}(.gz)")]
    MissingFile { dir: PathBuf, file: String },
    #[error(
        "{path}: SHA-256 {actual} is not the original Fashion-MNIST file's {expected} (damaged or replaced; restore it with git checkout, or name other data with --data-dir)"
    )]
    NotOriginal {
        path: PathBuf,
        actual: String,
        expected: &'static str,
    },
    #[error(
        "holding out {n_val} images for validation leaves no training images: {available} available"
    )]
    NoTrainingImages { n_val: usize, available: usize },
    #[error("the validation set is empty: hold out at least 1 image")]
    EmptyValidation,
    #[error("a training set of at most 0 images is empty")]
    ZeroMaxTrain,
}
