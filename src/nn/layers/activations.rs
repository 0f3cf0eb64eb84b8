//! The lecture's activation functions: sigmoid σ(x) = 1/(1+e^-x), tanh, and ReLU max(0, x).

use super::layer::{Layer, Mode};
use crate::Float;
use ndarray::{Array2, ArrayView2, Zip};

/// Elementwise maps over at least this many values run on the thread pool (each element's result
/// is the same either way).
const PARALLEL_MIN: usize = 1 << 15;

// ANCHOR: relu
/// x: (N, D) -> out: (N, D)
pub fn relu_forward<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    // ANCHOR: relu_formula
    let relu = |&v: &F| v.max(F::zero());
    // ANCHOR_END: relu_formula
    if x.len() >= PARALLEL_MIN {
        Zip::from(&x).par_map_collect(relu)
    } else {
        x.map(relu)
    }
}

/// dout: (N, D), x: (N, D) -> dx: (N, D); the gradient passes where x > 0 (equivalently, where
/// the output relu(x) > 0, which is what the layer remembers).
pub fn relu_backward<F: Float>(dout: ArrayView2<F>, x: ArrayView2<F>) -> Array2<F> {
    // ANCHOR: relu_backward_formula
    let pass = |&d: &F, &v: &F| if v > F::zero() { d } else { F::zero() };
    // ANCHOR_END: relu_backward_formula
    let zip = Zip::from(&dout).and(&x);
    if dout.len() >= PARALLEL_MIN {
        zip.par_map_collect(pass)
    } else {
        zip.map_collect(pass)
    }
}
// ANCHOR_END: relu

// ANCHOR: sigmoid
/// x: (N, D) -> out: (N, D)
pub fn sigmoid_forward<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    x.mapv(|v| F::one() / (F::one() + (-v).exp()))
}

/// dout: (N, D), out = σ(x): (N, D) -> dx = dout · σ(x)(1 − σ(x))
pub fn sigmoid_backward<F: Float>(dout: ArrayView2<F>, out: ArrayView2<F>) -> Array2<F> {
    Zip::from(&dout)
        .and(&out)
        .map_collect(|&d, &s| d * s * (F::one() - s))
}
// ANCHOR_END: sigmoid

// ANCHOR: tanh
/// x: (N, D) -> out: (N, D)
pub fn tanh_forward<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    x.mapv(|v| v.tanh())
}

/// dout: (N, D), out = tanh(x): (N, D) -> dx = dout · (1 − tanh²(x))
pub fn tanh_backward<F: Float>(dout: ArrayView2<F>, out: ArrayView2<F>) -> Array2<F> {
    Zip::from(&dout)
        .and(&out)
        .map_collect(|&d, &t| d * (F::one() - t * t))
}
// ANCHOR_END: tanh

/// Which nonlinearity an [`Activation`] layer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationKind {
    Relu,
    Tanh,
    Sigmoid,
}

/// An elementwise nonlinearity; caches its output for the backward pass.
pub struct Activation<F: Float> {
    kind: ActivationKind,
    cache: Option<Array2<F>>,
}

impl<F: Float> Activation<F> {
    pub fn new(kind: ActivationKind) -> Self {
        Activation { kind, cache: None }
    }
}

impl<F: Float> Layer<F> for Activation<F> {
    fn describe(&self) -> String {
        format!("{:?}", self.kind).to_lowercase()
    }

    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let out = match self.kind {
            ActivationKind::Relu => relu_forward(x),
            ActivationKind::Tanh => tanh_forward(x),
            ActivationKind::Sigmoid => sigmoid_forward(x),
        };
        // Only training needs the output again (for the backward pass).
        self.cache = (mode == Mode::Train).then(|| out.clone());
        out
    }

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let cache = self
            .cache
            .as_ref()
            .expect("activation backward called before forward");
        match self.kind {
            ActivationKind::Relu => relu_backward(dout, cache.view()),
            ActivationKind::Tanh => tanh_backward(dout, cache.view()),
            ActivationKind::Sigmoid => sigmoid_backward(dout, cache.view()),
        }
    }
}
