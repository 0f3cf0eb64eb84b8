//! The data a run trains and is measured on.

use ndarray::{ArrayView2, s};

/// The training and validation data of a run.
pub struct Split<'a, F> {
    pub x_train: ArrayView2<'a, F>,
    pub y_train: &'a [usize],
    pub x_val: ArrayView2<'a, F>,
    pub y_val: &'a [usize],
    /// A test set measured after every epoch too (`None`: left out of training entirely).
    pub test: Option<(ArrayView2<'a, F>, &'a [usize])>,
}

impl<'a, F> Split<'a, F> {
    /// The training and validation parts of `d` (the test set stays out of training).
    pub fn of(d: &'a crate::data::fashion::Prepared<F>) -> Self {
        Split {
            x_train: d.x_train.view(),
            y_train: &d.y_train,
            x_val: d.x_val.view(),
            y_val: &d.y_val,
            test: None,
        }
    }

    /// The same split that also measures `d`'s test accuracy after every epoch, for a chapter
    /// that reports how test accuracy evolves (choices are still made on validation).
    pub fn with_test(self, d: &'a crate::data::fashion::Prepared<F>) -> Self {
        Split {
            test: Some((d.x_test.view(), &d.y_test)),
            ..self
        }
    }

    /// Training and validation on the same rows `x: (N, D)`, `y: (N,)`, no test set (small
    /// synthetic problems in tests).
    pub fn whole(x: ArrayView2<'a, F>, y: &'a [usize]) -> Self {
        Split {
            x_train: x,
            y_train: y,
            x_val: x,
            y_val: y,
            test: None,
        }
    }

    /// The first `n` training rows (all of them if fewer) with the same validation set.
    pub fn head(&self, n: usize) -> Self {
        let n = n.min(self.y_train.len());
        Split {
            x_train: self.x_train.slice_move(s![..n, ..]),
            y_train: &self.y_train[..n],
            x_val: self.x_val,
            y_val: self.y_val,
            test: self.test,
        }
    }

    /// Iterations of `epochs` epochs in mini-batches of `batch_size`.
    pub fn iterations(&self, epochs: usize, batch_size: usize) -> usize {
        self.y_train.len().div_ceil(batch_size.max(1)) * epochs
    }
}
