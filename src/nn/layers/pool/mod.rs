//! Pooling (NCHW): max pooling, and average pooling (LeNet's subsampling), forward and backward.
//! `x: (N, C, H, W)` → `out: (N, C, Ho, Wo)`, `Ho = 1 + (H - size) / stride`.
//!
//! Read [`naive`] first: the definition as loops, in the slide's `(out, cache)` form. [`fast`]
//! computes the same bits plane by plane in parallel (tested), and [`Pool2d`] is the layer.

mod params;
use params::out_dims;
pub use params::{PoolKind, PoolParams};

use ndarray::Array4;

pub mod fast;
pub mod naive;

pub use fast::{pool_backward, pool_forward};
pub use naive::{PoolCache, pool_backward_naive, pool_forward_naive};

use crate::Float;

/// A pooling layer for [`crate::nn::network::Sequential`] (rows are flattened `(C, H, W)` images).
pub struct Pool2d<F: Float> {
    kind: PoolKind,
    params: PoolParams,
    input: (usize, usize, usize),
    x: Option<Array4<F>>,
}

impl<F: Float> Pool2d<F> {
    pub fn new(kind: PoolKind, params: PoolParams, input: (usize, usize, usize)) -> Self {
        out_dims(input.1, input.2, params);
        Pool2d {
            kind,
            params,
            input,
            x: None,
        }
    }

    /// `(C, Ho, Wo)` of one output image.
    pub fn output(&self) -> (usize, usize, usize) {
        let (ho, wo) = out_dims(self.input.1, self.input.2, self.params);
        (self.input.0, ho, wo)
    }
}

impl<F: Float> super::layer::Layer<F> for Pool2d<F> {
    fn describe(&self) -> String {
        let (c, h, w) = self.input;
        let (_, ho, wo) = self.output();
        let kind = match self.kind {
            PoolKind::Max => "max pool",
            PoolKind::Average => "average pool",
        };
        format!(
            "{kind} {0}x{0} stride {1}: {c}x{h}x{w} -> {c}x{ho}x{wo}",
            self.params.size, self.params.stride
        )
    }

    fn forward(
        &mut self,
        x: ndarray::ArrayView2<F>,
        mode: super::layer::Mode,
    ) -> ndarray::Array2<F> {
        let x4 = super::layer::rows_as_images(x, self.input);
        let out = pool_forward(x4.view(), self.kind, self.params);
        self.x = (mode == super::Mode::Train).then(|| x4.into_owned());
        super::layer::images_to_rows(out)
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> ndarray::Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("pool backward called before forward");
        let d4 = super::layer::rows_as_images(dout, self.output());
        super::layer::images_to_rows(pool_backward(d4.view(), x.view(), self.kind, self.params))
    }
}
