//! Losses on class scores: softmax cross-entropy and the multiclass SVM (hinge).
//! Each takes scores (N, C) and labels (N,) and returns the mean loss and dscores (N, C); one
//! file each, [`softmax`] first.

pub mod softmax;
pub mod svm;

pub use softmax::{softmax_loss, softmax_rows};
pub use svm::svm_loss;

/// Which loss a network is trained with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossKind {
    Softmax,
    Svm,
}

impl LossKind {
    /// The mean loss of `scores` (N, C) against labels `y`, and dscores (N, C).
    pub fn evaluate<F: crate::Float>(
        self,
        scores: ndarray::ArrayView2<F>,
        y: &[usize],
    ) -> (F, ndarray::Array2<F>) {
        match self {
            LossKind::Softmax => softmax_loss(scores, y),
            LossKind::Svm => svm_loss(scores, y),
        }
    }
}
