//! Data: the IDX file format, Fashion-MNIST (committed, its hashes checked), synthetic 2-D sets,
//! and the preprocessing the lecture recommends for images (zero-centering). Read [`fashion`]
//! first: it loads the set and prepares the splits every chapter trains on.

mod error;
pub use error::DataError;

pub mod fashion;
pub mod idx;
pub mod preprocess;
mod source;
pub mod synthetic;

pub use fashion::{DataKind, DataSource, FashionMnist, FileHash, locate_fashion_mnist};
pub use idx::{IdxArray, read_idx};
