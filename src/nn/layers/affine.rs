//! The affine (fully connected) layer: `out = x W + b`.

use super::layer::{Layer, Mode, ParamGrad};
use crate::Float;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// What the backward pass needs: the input and the weights (borrowed, so the cache costs nothing).
#[derive(Clone, Copy)]
pub struct AffineCache<'a, F> {
    pub x: ArrayView2<'a, F>,
    pub w: ArrayView2<'a, F>,
}

// ANCHOR: affine_forward
/// x: (N, D), w: (D, M), b: (M,) -> (out: (N, M), cache)
pub fn affine_forward<'a, F: Float>(
    x: ArrayView2<'a, F>,
    w: ArrayView2<'a, F>,
    b: ArrayView1<F>,
) -> (Array2<F>, AffineCache<'a, F>) {
    let out = x.dot(&w) + b;
    (out, AffineCache { x, w })
}
// ANCHOR_END: affine_forward

// ANCHOR: affine_backward
/// dout: (N, M), cache (x: (N, D), w: (D, M)) -> (dx: (N, D), dw: (D, M), db: (M,))
pub fn affine_backward<F: Float>(
    dout: ArrayView2<F>,
    cache: &AffineCache<'_, F>,
) -> (Array2<F>, Array2<F>, Array1<F>) {
    let AffineCache { x, w } = *cache;
    let dx = dout.dot(&w.t());
    let dw = x.t().dot(&dout);
    let db = dout.sum_axis(Axis(0));
    (dx, dw, db)
}
// ANCHOR_END: affine_backward

/// A fully connected layer holding `W: (D, M)`, `b: (M,)`, their gradients and the cached input.
pub struct Affine<F: Float> {
    pub w: Array2<F>,
    pub b: Array1<F>,
    dw: Array2<F>,
    db: Array1<F>,
    x: Option<Array2<F>>,
}

impl<F: Float> Affine<F> {
    /// A layer with the given weights (D, M) and zero bias.
    pub fn new(w: Array2<F>) -> Self {
        let (d, m) = w.dim();
        // Standard (row-major) layout so parameters can be handed to optimizers as flat slices.
        let w = w.as_standard_layout().into_owned();
        Affine {
            w,
            b: Array1::zeros(m),
            dw: Array2::zeros((d, m)),
            db: Array1::zeros(m),
            x: None,
        }
    }
}

impl<F: Float> Layer<F> for Affine<F> {
    fn describe(&self) -> String {
        format!("affine {}->{}", self.w.nrows(), self.w.ncols())
    }

    fn forward(&mut self, x: ArrayView2<F>, _mode: Mode) -> Array2<F> {
        let (out, _) = affine_forward(x, self.w.view(), self.b.view());
        self.x = Some(x.to_owned());
        out
    }

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("affine backward called before forward");
        let cache = AffineCache {
            x: x.view(),
            w: self.w.view(),
        };
        let (dx, dw, db) = affine_backward(dout, &cache);
        self.dw = dw;
        self.db = db;
        dx
    }

    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        super::layer::weight_and_bias(
            self.w.as_slice_mut().expect("W is contiguous"),
            self.dw.as_slice().expect("dW is contiguous"),
            self.b.as_slice_mut().expect("b is contiguous"),
            self.db.as_slice().expect("db is contiguous"),
        )
    }

    fn weight_sq_sum(&self) -> F {
        self.w.iter().map(|&v| v * v).sum()
    }

    fn add_weight_decay_grad(&mut self, reg: F) {
        self.dw.scaled_add(reg, &self.w);
    }
}
