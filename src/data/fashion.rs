//! Fashion-MNIST [Xiao et al., 2017]: 28x28 grey images of clothing in 10 classes, 60,000 for
//! training and 10,000 for testing, in the IDX format of MNIST.
//!
//! The set is committed under `data/fashion-mnist/`. It is looked for in `--data-dir`, then
//! `$NNLAB_DATA`, then `data/fashion-mnist/`, then `/usr/share/datasets/fashion-mnist/` (Debian's
//! `dataset-fashion-mnist`). Every file's SHA-256 (of its decompressed bytes) is computed on load:
//! in the two standard places it must be the original's ([`REFERENCE_SHA256`]); a folder the
//! user names may hold any IDX files, and its data set then counts as [`DataKind::Other`].

use super::error::DataError;
use super::idx::IdxArray;
pub use super::source::*;
use crate::Float;
use ndarray::{Array2, Axis, s};
use std::path::Path;

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

/// Fashion-MNIST as `F` matrices with pixels scaled to [0, 1].
pub struct FashionMnist<F> {
    /// (N_train, 784)
    pub x_train: Array2<F>,
    pub y_train: Vec<usize>,
    /// (N_test, 784)
    pub x_test: Array2<F>,
    pub y_test: Vec<usize>,
    /// Every image's rows and columns (the same in both sets).
    pub image: (usize, usize),
    pub kind: DataKind,
    pub source: DataSource,
    /// The four files in the order train images, train labels, test images, test labels.
    pub files: Vec<FileHash>,
}

/// Checks that an images array and its labels array agree and converts them.
fn load_pair<F: Float>(
    (img, images): (&IdxArray, &Path),
    (lab, labels): (&IdxArray, &Path),
) -> Result<(Array2<F>, Vec<usize>), DataError> {
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
    /// Loads the set found at `source`, verifying every file's hash where it must be the original.
    pub fn load(source: DataSource) -> Result<Self, DataError> {
        let mut arrays = Vec::with_capacity(FILES.len());
        let mut files = Vec::with_capacity(FILES.len());
        for i in 0..FILES.len() {
            let (array, path, hash) = read_file(&source, i)?;
            arrays.push((array, path));
            files.push(hash);
        }
        let pair = |i: usize| (&arrays[i].0, arrays[i].1.as_path());
        let (x_train, y_train) = load_pair(pair(0), pair(1))?;
        let (x_test, y_test) = load_pair(pair(2), pair(3))?;
        let shape = |i: usize| (arrays[i].0.dims[1], arrays[i].0.dims[2]);
        if shape(0) != shape(2) {
            return Err(DataError::Format {
                path: arrays[2].1.clone(),
                reason: format!(
                    "images of {}x{} pixels, but the training images have {}x{}",
                    shape(2).0,
                    shape(2).1,
                    shape(0).0,
                    shape(0).1
                ),
            });
        }
        let original = files
            .iter()
            .zip(REFERENCE_SHA256)
            .all(|(f, want)| f.sha256 == want);
        Ok(FashionMnist {
            x_train,
            y_train,
            x_test,
            y_test,
            image: shape(0),
            kind: if original {
                DataKind::Full
            } else {
                DataKind::Other
            },
            source,
            files,
        })
    }

    /// Splits the last `n_val` training images off as a validation set:
    /// `(x_train, y_train, x_val, y_val)`. Both parts must be non-empty.
    #[allow(clippy::type_complexity)]
    pub fn split_validation(
        &self,
        n_val: usize,
    ) -> Result<(Array2<F>, Vec<usize>, Array2<F>, Vec<usize>), DataError> {
        let n = self.x_train.nrows();
        if n_val == 0 {
            return Err(DataError::EmptyValidation);
        }
        if n_val >= n {
            return Err(DataError::NoTrainingImages {
                n_val,
                available: n,
            });
        }
        let cut = n - n_val;
        Ok((
            self.x_train.slice(s![..cut, ..]).to_owned(),
            self.y_train[..cut].to_vec(),
            self.x_train.slice(s![cut.., ..]).to_owned(),
            self.y_train[cut..].to_vec(),
        ))
    }

    /// The split the experiments train on: the last `n_val` training images for validation, at
    /// most `max_train` of the rest for training, at most `max_test` test images, and every matrix
    /// zero-centered with the training mean (the lecture's preprocessing).
    pub fn prepared(
        &self,
        n_val: usize,
        max_train: Option<usize>,
        max_test: Option<usize>,
    ) -> Result<Prepared<F>, DataError> {
        let mut d = self.splits(n_val, max_train, max_test)?;
        zero_center(&mut d.x_train, &mut [&mut d.x_val, &mut d.x_test]);
        Ok(d)
    }

    /// [`FashionMnist::prepared`]'s split before zero-centering: pixels / 255 in every matrix
    /// (what a chapter comparing preprocessings starts from).
    pub fn splits(
        &self,
        n_val: usize,
        max_train: Option<usize>,
        max_test: Option<usize>,
    ) -> Result<Prepared<F>, DataError> {
        if max_train == Some(0) {
            return Err(DataError::ZeroMaxTrain);
        }
        let (mut x_train, mut y_train, x_val, y_val) = self.split_validation(n_val)?;
        if let Some(max) = max_train.filter(|&m| m < y_train.len()) {
            x_train = x_train.slice(s![..max, ..]).to_owned();
            y_train.truncate(max);
        }
        let n_test = max_test.map_or(self.y_test.len(), |m| m.min(self.y_test.len()));
        Ok(Prepared {
            x_train,
            y_train,
            x_val,
            y_val,
            x_test: self.x_test.slice(s![..n_test, ..]).to_owned(),
            y_test: self.y_test[..n_test].to_vec(),
        })
    }

    /// A one-line description for logs, e.g. `Fashion-MNIST: 60000 train / 10000 test images
    /// from ...`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} train / {} test images from {} ({})",
            match self.kind {
                DataKind::Full => "Fashion-MNIST",
                DataKind::Other => "IDX files other than the original Fashion-MNIST",
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
///
/// # Panics
/// If `train` has no rows (there is no mean); [`FashionMnist::prepared`] never passes one.
pub fn zero_center<F: Float>(
    train: &mut Array2<F>,
    others: &mut [&mut Array2<F>],
) -> ndarray::Array1<F> {
    let mean = train
        .mean_axis(Axis(0))
        .expect("zero_center needs at least one training row");
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
        assert_eq!(d.kind, DataKind::Other);
        assert_eq!(d.x_train.dim(), (3, 4));
        approx::assert_relative_eq!(d.x_train[[1, 1]], 100.0 / 255.0);
        assert_eq!(d.y_test, vec![9]);
        assert_eq!(d.x_test.row(0).to_vec(), vec![1.0, 0.0, 0.0, 0.2]);
        let (xt, yt, xv, yv) = d.split_validation(1).unwrap();
        assert_eq!(
            (xt.nrows(), yt, xv.nrows(), yv),
            (2, vec![0, 1], 1, vec![2])
        );
        // The hashes are of the decompressed bytes, in file order.
        assert_eq!(d.files[3].file, "t10k-labels-idx1-ubyte");
        assert_eq!(
            d.files[3].sha256,
            sha256_hex(&std::fs::read(dir.path().join(FILES[3])).unwrap())
        );
    }

    #[test]
    fn splits_that_leave_nothing_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        tiny_set(dir.path(), 3);
        let d = FashionMnist::<f64>::load(locate_fashion_mnist(Some(dir.path())).unwrap()).unwrap();
        for n_val in [3, 4, 5000] {
            assert_eq!(
                d.prepared(n_val, None, None).err().unwrap().to_string(),
                format!(
                    "holding out {n_val} images for validation leaves no training images: 3 available"
                )
            );
        }
        assert!(matches!(
            d.prepared(0, None, None),
            Err(DataError::EmptyValidation)
        ));
        assert!(matches!(
            d.prepared(1, Some(0), None),
            Err(DataError::ZeroMaxTrain)
        ));
        let p = d.prepared(1, Some(1), Some(0)).unwrap();
        assert_eq!((p.y_train, p.y_val, p.y_test.len()), (vec![0], vec![2], 0));
        assert_eq!(d.prepared(1, None, Some(5)).unwrap().y_test, vec![9]);
    }

    #[test]
    fn a_standard_place_must_hold_the_original_files() {
        let dir = tempfile::tempdir().unwrap();
        tiny_set(dir.path(), 3);
        let source = DataSource {
            dir: dir.path().to_path_buf(),
            found_via: "test",
            must_be_original: true,
        };
        let e = FashionMnist::<f32>::load(source).err().unwrap().to_string();
        assert!(
            e.contains("train-images-idx3-ubyte: SHA-256 ")
                && e.contains(&format!(
                    "original Fashion-MNIST file's {}",
                    REFERENCE_SHA256[0]
                )),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1);
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
    fn committed_set_is_the_original() {
        let source = DataSource {
            dir: committed_dir(),
            found_via: "test",
            must_be_original: true,
        };
        let d = FashionMnist::<f32>::load(source).unwrap();
        assert_eq!(d.kind, DataKind::Full);
        assert!(d.source.must_be_original);
        assert_eq!(d.x_train.dim(), (60_000, 784));
        assert_eq!(d.x_test.dim(), (10_000, 784));
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        for c in 0..10 {
            assert_eq!(d.y_train.iter().filter(|&&y| y == c).count(), 6_000);
            assert_eq!(d.y_test.iter().filter(|&&y| y == c).count(), 1_000);
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
