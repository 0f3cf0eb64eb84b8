//! What makes a gradient check fail: kinks the centred difference straddles, and a deliberately
//! wrong layer to show what a real bug reports.

use crate::Float;
use crate::nn::layers::{
    AffineCache, Layer, Mode, ParamGrad, affine_backward, affine_forward, weight_and_bias,
};
use ndarray::{Array1, Array2, ArrayView2};

// ANCHOR: kinks
/// How many checks of a ReLU layer's parameters cross the kink at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct KinkCrossings {
    pub weights: usize,
    pub weights_crossed: usize,
    pub biases: usize,
    pub biases_crossed: usize,
}

impl KinkCrossings {
    /// The fractions of the weight and of the bias checks that cross.
    pub fn fractions(&self) -> (f64, f64) {
        let weights = self.weights_crossed as f64 / self.weights as f64;
        (weights, self.biases_crossed as f64 / self.biases as f64)
    }
}

/// The checks of `W` and `b` in `z = x W + b` (inputs `x` (N, D), pre-activations `z` (N, M), a
/// ReLU after) that cross its kink at step `h`: entry `(i, j)` of `W` moves `z_nj` by
/// `±h x_ni`, so it crosses when some row has `|z_nj| < h |x_ni|`; `b_j` when some `|z_nj| < h`.
/// There the centred difference averages two slopes and the check fails however right the
/// gradient is.
pub fn relu_kink_crossings<F: Float>(x: ArrayView2<F>, z: ArrayView2<F>, h: f64) -> KinkCrossings {
    let (d, m) = (x.ncols(), z.ncols());
    assert_eq!(x.nrows(), z.nrows(), "x and z must have the same rows");
    let mut c = KinkCrossings {
        weights: d * m,
        biases: m,
        ..KinkCrossings::default()
    };
    for j in 0..m {
        let zj = z.column(j);
        c.biases_crossed += usize::from(zj.iter().any(|v| v.as_f64().abs() < h));
        for i in 0..d {
            let pairs = x.column(i).into_iter().zip(zj);
            let crossed = pairs
                .into_iter()
                .any(|(xv, zv)| zv.as_f64().abs() < h * xv.as_f64().abs());
            c.weights_crossed += usize::from(crossed);
        }
    }
    c
}
// ANCHOR_END: kinks

// ANCHOR: wrong_layer
/// An affine layer with a bug, built only to show what a check reports: its backward forgets a
/// factor and returns `dW = x^T dout / 2` (as if the 2 of `d(w^2)/dw = 2w` had been dropped).
/// `dx` and `db` are right.
pub struct HalvedWeightGradient<F: Float> {
    w: Array2<F>,
    b: Array1<F>,
    dw: Array2<F>,
    db: Array1<F>,
    x: Array2<F>,
}

impl<F: Float> HalvedWeightGradient<F> {
    /// Weights `(D, M)`, biases zero.
    pub fn new(w: Array2<F>) -> Self {
        let (d, m) = w.dim();
        HalvedWeightGradient {
            dw: Array2::zeros((d, m)),
            w,
            b: Array1::zeros(m),
            db: Array1::zeros(m),
            x: Array2::zeros((0, d)),
        }
    }
}

impl<F: Float> Layer<F> for HalvedWeightGradient<F> {
    fn describe(&self) -> String {
        let (d, m) = self.w.dim();
        format!("affine {d}->{m} with dW halved")
    }
    fn forward(&mut self, x: ArrayView2<F>, _mode: Mode) -> Array2<F> {
        self.x = x.to_owned();
        affine_forward(x, self.w.view(), self.b.view()).0
    }
    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let cache = AffineCache {
            x: self.x.view(),
            w: self.w.view(),
        };
        let (dx, dw, db) = affine_backward(dout, &cache);
        (self.dw, self.db) = (dw * F::lit(0.5), db); // the bug
        dx
    }
    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        weight_and_bias(
            self.w.as_slice_mut().expect("standard layout"),
            self.dw.as_slice().expect("standard layout"),
            self.b.as_slice_mut().expect("standard layout"),
            self.db.as_slice().expect("standard layout"),
        )
    }
}
// ANCHOR_END: wrong_layer

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kink_crossings_follow_the_pre_activations() {
        // z = x W + b for two rows; unit 0 sits 1e-3 from its kink in row 0, unit 1 far from it.
        let x = ndarray::array![[1.0f64, 0.0], [0.5, -2.0]];
        let z = ndarray::array![[1e-3, 1.0], [0.3, -0.7]];
        let c = relu_kink_crossings(x.view(), z.view(), 2e-3);
        // Unit 0: W_00 (|x_00| = 1 > 0.5) and b_0 cross; W_10 does not (x_01 = 0, and row 1's
        // |z| = 0.3 > 2e-3 * 2). Unit 1: nothing within reach.
        assert_eq!(
            (c.weights, c.weights_crossed, c.biases, c.biases_crossed),
            (4, 1, 2, 1)
        );
        let far = relu_kink_crossings(x.view(), z.view(), 1e-4);
        assert_eq!((far.weights_crossed, far.biases_crossed), (0, 0));
        use crate::procedures::gradcheck::reading;
        assert_eq!(reading(0.5), "wrong");
        assert_eq!(
            (reading(1e-3), reading(1e-5), reading(1e-9)),
            ("uncomfortable", "ok with kinks", "happy")
        );
    }
}
