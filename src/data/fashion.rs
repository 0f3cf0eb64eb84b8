//! Fashion-MNIST [Xiao et al., 2017]: 28x28 grey images of clothing in 10 classes, 60,000 for
//! training and 10,000 for testing, in the IDX format of MNIST.
//!
//! The full set is looked for in `--data-dir`, then `$NNLAB_DATA`, then `data/fashion-mnist/`, then
//! `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist`). Without it the subset
//! committed under `data/fashion-mnist-subset/` (the first 5,000 training and 1,000 test images,
//! made by `data/make_subset.py`) is used, and the caller is told so.

use super::DataError;
use super::idx::read_idx;
use crate::Float;
use ndarray::{Array2, Axis, s};
use std::path::{Path, PathBuf};

/// The ten classes, in label order.
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The Debian package's install location.
pub const DEBIAN_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The committed subset, relative to the crate root.
pub fn subset_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("fashion-mnist-subset")
}

/// The full set or the committed subset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    Full,
    Subset,
}

/// Where the files were found and why that place was chosen.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DataSource {
    pub dir: PathBuf,
    pub found_via: &'static str,
}

/// The path of one of the four files in `dir`, gzip-compressed or raw.
fn find_file(dir: &Path, stem: &str) -> Option<PathBuf> {
    [format!("{stem}.gz"), stem.to_string()]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn has_all_files(dir: &Path) -> bool {
    FILES.iter().all(|f| find_file(dir, f).is_some())
}

/// An explicitly named directory must exist and hold all four files.
fn require_dir(dir: &Path) -> Result<(), DataError> {
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
        });
    }
    if let Some(dir) = std::env::var_os("NNLAB_DATA").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        require_dir(&dir)?;
        return Ok(DataSource {
            dir,
            found_via: "$NNLAB_DATA",
        });
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("fashion-mnist");
    if has_all_files(&local) {
        return Ok(DataSource {
            dir: local,
            found_via: "data/fashion-mnist/",
        });
    }
    if has_all_files(Path::new(DEBIAN_DIR)) {
        return Ok(DataSource {
            dir: PathBuf::from(DEBIAN_DIR),
            found_via: "Debian's dataset-fashion-mnist",
        });
    }
    let subset = subset_dir();
    require_dir(&subset)?;
    Ok(DataSource {
        dir: subset,
        found_via: "committed subset (full set not found)",
    })
}

/// Fashion-MNIST as `F` matrices with pixels scaled to [0, 1].
pub struct FashionMnist<F> {
    /// (N_train, 784)
    pub x_train: Array2<F>,
    pub y_train: Vec<usize>,
    /// (N_test, 784)
    pub x_test: Array2<F>,
    pub y_test: Vec<usize>,
    pub kind: DataKind,
    pub source: DataSource,
}

/// Reads an images file and its labels file and checks that they agree.
fn load_pair<F: Float>(images: &Path, labels: &Path) -> Result<(Array2<F>, Vec<usize>), DataError> {
    let img = read_idx(images)?;
    let lab = read_idx(labels)?;
    if img.dims.len() != 3 {
        return Err(DataError::Format {
            path: images.to_path_buf(),
            reason: format!(
                "images need 3 dimensions (N, rows, cols), found {:?}",
                img.dims
            ),
        });
    }
    if lab.dims.len() != 1 {
        return Err(DataError::Format {
            path: labels.to_path_buf(),
            reason: format!("labels need 1 dimension, found {:?}", lab.dims),
        });
    }
    let (n, d) = (img.dims[0], img.dims[1] * img.dims[2]);
    if n != lab.dims[0] {
        return Err(DataError::CountMismatch {
            images: images.to_path_buf(),
            n_images: n,
            labels: labels.to_path_buf(),
            n_labels: lab.dims[0],
        });
    }
    if let Some(&label) = lab.data.iter().find(|&&l| l as usize >= CLASS_NAMES.len()) {
        return Err(DataError::LabelRange {
            path: labels.to_path_buf(),
            label,
            classes: CLASS_NAMES.len(),
        });
    }
    let scale = F::lit(1.0 / 255.0);
    let x = Array2::from_shape_vec(
        (n, d),
        img.data.iter().map(|&p| F::lit(p as f64) * scale).collect(),
    )
    .expect("shape checked above");
    Ok((x, lab.data.iter().map(|&l| l as usize).collect()))
}

impl<F: Float> FashionMnist<F> {
    /// Loads the set found at `source`.
    pub fn load(source: DataSource) -> Result<Self, DataError> {
        let path = |stem: &str| {
            find_file(&source.dir, stem).ok_or_else(|| DataError::MissingFile {
                dir: source.dir.clone(),
                file: stem.to_string(),
            })
        };
        let (x_train, y_train) = load_pair(&path(FILES[0])?, &path(FILES[1])?)?;
        let (x_test, y_test) = load_pair(&path(FILES[2])?, &path(FILES[3])?)?;
        let kind = if x_train.nrows() == 60_000 && x_test.nrows() == 10_000 {
            DataKind::Full
        } else {
            DataKind::Subset
        };
        Ok(FashionMnist {
            x_train,
            y_train,
            x_test,
            y_test,
            kind,
            source,
        })
    }

    /// Splits the last `n_val` training images off as a validation set:
    /// `(x_train, y_train, x_val, y_val)`.
    pub fn split_validation(&self, n_val: usize) -> (Array2<F>, Vec<usize>, Array2<F>, Vec<usize>) {
        let n = self.x_train.nrows();
        let n_val = n_val.min(n);
        let cut = n - n_val;
        (
            self.x_train.slice(s![..cut, ..]).to_owned(),
            self.y_train[..cut].to_vec(),
            self.x_train.slice(s![cut.., ..]).to_owned(),
            self.y_train[cut..].to_vec(),
        )
    }

    /// The split the MLP experiments train on: the last `n_val` training images for validation,
    /// at most `max_train` of the rest for training, and every matrix zero-centered with the
    /// training mean (the lecture's preprocessing).
    pub fn prepared(&self, n_val: usize, max_train: Option<usize>) -> Prepared<F> {
        let (mut x_train, mut y_train, mut x_val, y_val) = self.split_validation(n_val);
        if let Some(max) = max_train.filter(|&m| m < y_train.len()) {
            x_train = x_train.slice(s![..max, ..]).to_owned();
            y_train.truncate(max);
        }
        let mut x_test = self.x_test.clone();
        zero_center(&mut x_train, &mut [&mut x_val, &mut x_test]);
        Prepared {
            x_train,
            y_train,
            x_val,
            y_val,
            x_test,
            y_test: self.y_test.clone(),
        }
    }

    /// A one-line description for logs, e.g. `Fashion-MNIST subset: 5000 train / 1000 test`.
    pub fn describe(&self) -> String {
        format!(
            "Fashion-MNIST {}: {} train / {} test images from {} ({})",
            match self.kind {
                DataKind::Full => "full set",
                DataKind::Subset => "subset",
            },
            self.x_train.nrows(),
            self.x_test.nrows(),
            self.source.dir.display(),
            self.source.found_via
        )
    }
}

/// Training, validation and test data ready for a network (see [`FashionMnist::prepared`]).
pub struct Prepared<F> {
    /// (N_train, 784)
    pub x_train: Array2<F>,
    pub y_train: Vec<usize>,
    /// (N_val, 784)
    pub x_val: Array2<F>,
    pub y_val: Vec<usize>,
    /// (N_test, 784)
    pub x_test: Array2<F>,
    pub y_test: Vec<usize>,
}

/// Subtracts the per-pixel mean of `train` from every matrix (the lecture's zero-centering; the
/// mean comes from the training data only). Returns the mean image (D,).
pub fn zero_center<F: Float>(
    train: &mut Array2<F>,
    others: &mut [&mut Array2<F>],
) -> ndarray::Array1<F> {
    let mean = train.mean_axis(Axis(0)).expect("training set is not empty");
    *train -= &mean;
    for m in others.iter_mut() {
        **m -= &mean;
    }
    mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::{IdxArray, to_idx_bytes};

    fn write(dir: &Path, stem: &str, dims: Vec<usize>, data: Vec<u8>) {
        std::fs::write(dir.join(stem), to_idx_bytes(&IdxArray { dims, data })).unwrap();
    }

    fn tiny_set(dir: &Path, n_labels: usize) {
        write(
            dir,
            FILES[0],
            vec![3, 2, 2],
            (0..12).map(|v| v * 20).collect(),
        );
        write(dir, FILES[1], vec![n_labels], (0..n_labels as u8).collect());
        write(dir, FILES[2], vec![1, 2, 2], vec![255, 0, 0, 51]);
        write(dir, FILES[3], vec![1], vec![9]);
    }

    #[test]
    fn loads_and_scales_a_tiny_set() {
        let dir = tempfile::tempdir().unwrap();
        tiny_set(dir.path(), 3);
        let src = locate_fashion_mnist(Some(dir.path())).unwrap();
        let d = FashionMnist::<f64>::load(src).unwrap();
        assert_eq!(d.kind, DataKind::Subset);
        assert_eq!(d.x_train.dim(), (3, 4));
        approx::assert_relative_eq!(d.x_train[[1, 1]], 100.0 / 255.0);
        assert_eq!(d.y_test, vec![9]);
        assert_eq!(d.x_test.row(0).to_vec(), vec![1.0, 0.0, 0.0, 0.2]);
        let (xt, yt, xv, yv) = d.split_validation(1);
        assert_eq!(
            (xt.nrows(), yt, xv.nrows(), yv),
            (2, vec![0, 1], 1, vec![2])
        );
    }

    #[test]
    fn mismatched_counts_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        tiny_set(dir.path(), 2);
        let src = locate_fashion_mnist(Some(dir.path())).unwrap();
        let e = FashionMnist::<f32>::load(src).err().unwrap().to_string();
        assert!(
            e.contains("holds 3 images but") && e.contains("2 labels"),
            "{e}"
        );
    }

    #[test]
    fn missing_dir_and_missing_file_are_errors() {
        let e = locate_fashion_mnist(Some(Path::new("/no/such/dir"))).unwrap_err();
        assert_eq!(e.to_string(), "data directory /no/such/dir does not exist");
        let dir = tempfile::tempdir().unwrap();
        let e = locate_fashion_mnist(Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no train-images-idx3-ubyte(.gz)"), "{e}");
    }

    #[test]
    fn committed_subset_loads() {
        let d =
            FashionMnist::<f32>::load(locate_fashion_mnist(Some(&subset_dir())).unwrap()).unwrap();
        assert_eq!(d.kind, DataKind::Subset);
        assert_eq!(d.x_train.dim(), (5000, 784));
        assert_eq!(d.x_test.dim(), (1000, 784));
        // Every class is present in the subset.
        for c in 0..10 {
            assert!(
                d.y_train.iter().filter(|&&y| y == c).count() > 400,
                "class {c}"
            );
        }
    }

    #[test]
    fn zero_center_uses_the_training_mean() {
        let mut a = ndarray::array![[1.0f64, 2.0], [3.0, 6.0]];
        let mut b = ndarray::array![[2.0f64, 4.0]];
        let mean = zero_center(&mut a, &mut [&mut b]);
        assert_eq!(mean.to_vec(), vec![2.0, 4.0]);
        assert_eq!(a, ndarray::array![[-1.0, -2.0], [1.0, 2.0]]);
        assert_eq!(b, ndarray::array![[0.0, 0.0]]);
    }
}
