//! The lecture's activation functions: sigmoid σ(x) = 1/(1+e^-x), tanh, and ReLU max(0, x).

use super::layer::{Layer, Mode};
use crate::Float;
use ndarray::{Array2, ArrayView2, Zip};

/// Elementwise maps over at least this many values run on the thread pool (each element's result
/// is the same either way).
const PARALLEL_MIN: usize = 1 << 15;

/// relu(x) = max(0, x) elementwise: the map the layer applies.
pub fn relu<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    // ANCHOR: relu_formula
    let relu = |&v: &F| v.max(F::zero());
    // ANCHOR_END: relu_formula
    if x.len() >= PARALLEL_MIN {
        Zip::from(&x).par_map_collect(relu)
    } else {
        x.map(relu)
    }
}

// ANCHOR: relu
/// x: (N, D) -> (out: (N, D), cache = x)
pub fn relu_forward<F: Float>(x: ArrayView2<'_, F>) -> (Array2<F>, ArrayView2<'_, F>) {
    (relu(x), x)
}

/// dout: (N, D), cache: (N, D) -> dx: (N, D); the gradient passes where x > 0. The cache may be
/// the input x or the output relu(x) (positive at the same places), which the layer remembers.
pub fn relu_backward<F: Float>(dout: ArrayView2<F>, cache: ArrayView2<F>) -> Array2<F> {
    // ANCHOR: relu_backward_formula
    let pass = |&d: &F, &v: &F| if v > F::zero() { d } else { F::zero() };
    // ANCHOR_END: relu_backward_formula
    let zip = Zip::from(&dout).and(&cache);
    if dout.len() >= PARALLEL_MIN {
        zip.par_map_collect(pass)
    } else {
        zip.map_collect(pass)
    }
}
// ANCHOR_END: relu

// ANCHOR: sigmoid
// ANCHOR: sigmoid_map
/// σ(x) = 1 / (1 + e^-x) elementwise.
pub fn sigmoid<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    x.mapv(|v| F::one() / (F::one() + (-v).exp()))
}
// ANCHOR_END: sigmoid_map

/// x: (N, D) -> (out = σ(x): (N, D), cache = out)
pub fn sigmoid_forward<F: Float>(x: ArrayView2<F>) -> (Array2<F>, Array2<F>) {
    let out = sigmoid(x);
    (out.clone(), out)
}

// ANCHOR: sigmoid_backward
/// dout: (N, D), cache = σ(x): (N, D) -> dx = dout · σ(x)(1 − σ(x))
pub fn sigmoid_backward<F: Float>(dout: ArrayView2<F>, cache: ArrayView2<F>) -> Array2<F> {
    Zip::from(&dout)
        .and(&cache)
        .map_collect(|&d, &s| d * s * (F::one() - s))
}
// ANCHOR_END: sigmoid_backward
// ANCHOR_END: sigmoid

// ANCHOR: tanh
// ANCHOR: tanh_map
/// tanh(x) elementwise.
pub fn tanh<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    x.mapv(|v| v.tanh())
}
// ANCHOR_END: tanh_map

/// x: (N, D) -> (out = tanh(x): (N, D), cache = out)
pub fn tanh_forward<F: Float>(x: ArrayView2<F>) -> (Array2<F>, Array2<F>) {
    let out = tanh(x);
    (out.clone(), out)
}

// ANCHOR: tanh_backward
/// dout: (N, D), cache = tanh(x): (N, D) -> dx = dout · (1 − tanh²(x))
pub fn tanh_backward<F: Float>(dout: ArrayView2<F>, cache: ArrayView2<F>) -> Array2<F> {
    Zip::from(&dout)
        .and(&cache)
        .map_collect(|&d, &t| d * (F::one() - t * t))
}
// ANCHOR_END: tanh_backward
// ANCHOR_END: tanh

/// Which nonlinearity an [`Activation`] layer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationKind {
    Relu,
    Tanh,
    Sigmoid,
}

/// An elementwise nonlinearity; caches its output for the backward pass (only in training, so an
/// evaluation pass does not copy it). Its backward is the slide-form `*_backward` above; a test
/// holds forward and backward equal to the slide-form pair.
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
            ActivationKind::Relu => relu(x),
            ActivationKind::Tanh => tanh(x),
            ActivationKind::Sigmoid => sigmoid(x),
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
