//! Pooling (NCHW): max pooling, and average pooling (LeNet's subsampling), forward and backward.
//! `x: (N, C, H, W)` → `out: (N, C, Ho, Wo)`, `Ho = 1 + (H - size) / stride`.
//!
//! Read [`naive`] first: the definition as loops, in the slide's `(out, cache)` form. [`fast`]
//! computes the same bits plane by plane in parallel (tested), and [`Pool2d`] is the layer.

use ndarray::Array4;

pub mod fast;
pub mod naive;

pub use fast::{pool_backward, pool_forward};
pub use naive::{PoolCache, pool_backward_naive, pool_forward_naive};

use crate::Float;

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

/// Window size and stride (LeNet: 2 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    pub size: usize,
    pub stride: usize,
}

pub(super) fn out_dims(h: usize, w: usize, p: PoolParams) -> (usize, usize) {
    assert!(
        p.size >= 1 && p.stride >= 1,
        "pool size and stride must be at least 1"
    );
    assert!(
        p.size <= h && p.size <= w && (h - p.size) % p.stride == 0 && (w - p.size) % p.stride == 0,
        "a {0}x{0} window with stride {1} does not tile {h}x{w}",
        p.size,
        p.stride
    );
    (1 + (h - p.size) / p.stride, 1 + (w - p.size) / p.stride)
}

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

impl<F: Float> super::Layer<F> for Pool2d<F> {
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

    fn forward(&mut self, x: ndarray::ArrayView2<F>, mode: super::Mode) -> ndarray::Array2<F> {
        let x4 = super::rows_as_images(x, self.input);
        let out = pool_forward(x4.view(), self.kind, self.params);
        self.x = (mode == super::Mode::Train).then(|| x4.into_owned());
        super::images_to_rows(out)
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> ndarray::Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("pool backward called before forward");
        let d4 = super::rows_as_images(dout, self.output());
        super::images_to_rows(pool_backward(d4.view(), x.view(), self.kind, self.params))
    }
}
