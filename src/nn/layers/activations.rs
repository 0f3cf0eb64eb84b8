//! The lecture's activation functions — sigmoid σ(x) = 1/(1+e^-x), tanh, and ReLU max(0, x) — and
//! the two variants a reader meets next: leaky ReLU max(0.01x, x) [Maas et al., 2013] and ELU
//! [Clevert et al., 2016].

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

/// Leaky ReLU's slope for negative inputs (Maas et al., 2013; PyTorch's default).
pub const LEAKY_SLOPE: f64 = 0.01;
/// ELU's α: the value negative inputs saturate to is −α (Clevert et al., 2016; PyTorch's default).
pub const ELU_ALPHA: f64 = 1.0;

// ANCHOR: leaky_relu
/// max(0.01 x, x) elementwise.
pub fn leaky_relu<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    let a = F::lit(LEAKY_SLOPE);
    // ANCHOR: leaky_relu_map
    x.mapv(|v| if v > F::zero() { v } else { a * v })
    // ANCHOR_END: leaky_relu_map
}

/// x: (N, D) -> (out = max(0.01 x, x): (N, D), cache = out)
pub fn leaky_relu_forward<F: Float>(x: ArrayView2<F>) -> (Array2<F>, Array2<F>) {
    let out = leaky_relu(x);
    (out.clone(), out)
}

/// dout: (N, D), cache = out: (N, D) -> dx = dout where x > 0, 0.01 dout elsewhere (out > 0
/// exactly where x > 0).
pub fn leaky_relu_backward<F: Float>(dout: ArrayView2<F>, cache: ArrayView2<F>) -> Array2<F> {
    let a = F::lit(LEAKY_SLOPE);
    Zip::from(&dout)
        .and(&cache)
        .map_collect(|&d, &o| if o > F::zero() { d } else { a * d })
}
// ANCHOR_END: leaky_relu

// ANCHOR: elu
/// x if x > 0, α(eˣ − 1) otherwise, elementwise.
pub fn elu<F: Float>(x: ArrayView2<F>) -> Array2<F> {
    let alpha = F::lit(ELU_ALPHA);
    // ANCHOR: elu_map
    x.mapv(|v| if v > F::zero() { v } else { alpha * v.exp_m1() })
    // ANCHOR_END: elu_map
}

/// x: (N, D) -> (out = elu(x): (N, D), cache = out)
pub fn elu_forward<F: Float>(x: ArrayView2<F>) -> (Array2<F>, Array2<F>) {
    let out = elu(x);
    (out.clone(), out)
}

/// dout: (N, D), cache = out: (N, D) -> dx = dout where x > 0, dout · (out + α) elsewhere (the
/// derivative αeˣ of the negative side is out + α).
pub fn elu_backward<F: Float>(dout: ArrayView2<F>, cache: ArrayView2<F>) -> Array2<F> {
    let alpha = F::lit(ELU_ALPHA);
    Zip::from(&dout)
        .and(&cache)
        .map_collect(|&d, &o| if o > F::zero() { d } else { d * (o + alpha) })
}
// ANCHOR_END: elu

/// Which nonlinearity an [`Activation`] layer applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationKind {
    Relu,
    Tanh,
    Sigmoid,
    /// max(0.01 x, x)
    #[serde(rename = "leaky_relu")]
    LeakyRelu,
    /// x for x > 0, eˣ − 1 otherwise
    Elu,
}

impl ActivationKind {
    /// Every kind, in the order the chapters show them.
    pub const ALL: [ActivationKind; 5] = [
        ActivationKind::Sigmoid,
        ActivationKind::Tanh,
        ActivationKind::Relu,
        ActivationKind::LeakyRelu,
        ActivationKind::Elu,
    ];

    /// The name the figures and CSV files use: `sigmoid`, `tanh`, `relu`, `leaky_relu`, `elu`.
    pub fn name(self) -> &'static str {
        match self {
            ActivationKind::Relu => "relu",
            ActivationKind::Tanh => "tanh",
            ActivationKind::Sigmoid => "sigmoid",
            ActivationKind::LeakyRelu => "leaky_relu",
            ActivationKind::Elu => "elu",
        }
    }

    /// The name figures and tables use: `sigmoid`, `tanh`, `ReLU`, `leaky ReLU`, `ELU`.
    pub fn label(self) -> &'static str {
        match self {
            ActivationKind::Relu => "ReLU",
            ActivationKind::Tanh => "tanh",
            ActivationKind::Sigmoid => "sigmoid",
            ActivationKind::LeakyRelu => "leaky ReLU",
            ActivationKind::Elu => "ELU",
        }
    }

    /// f(x) elementwise (the forward pass of the slide-form pair).
    pub fn apply<F: Float>(self, x: ArrayView2<F>) -> Array2<F> {
        match self {
            ActivationKind::Relu => relu(x),
            ActivationKind::Tanh => tanh(x),
            ActivationKind::Sigmoid => sigmoid(x),
            ActivationKind::LeakyRelu => leaky_relu(x),
            ActivationKind::Elu => elu(x),
        }
    }

    /// dx from dout and the cached output `out = f(x)` (the backward pass of the slide-form pair;
    /// every kind's backward can be written in terms of its output).
    pub fn backward<F: Float>(self, dout: ArrayView2<F>, out: ArrayView2<F>) -> Array2<F> {
        match self {
            ActivationKind::Relu => relu_backward(dout, out),
            ActivationKind::Tanh => tanh_backward(dout, out),
            ActivationKind::Sigmoid => sigmoid_backward(dout, out),
            ActivationKind::LeakyRelu => leaky_relu_backward(dout, out),
            ActivationKind::Elu => elu_backward(dout, out),
        }
    }
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
        self.kind.name().to_string()
    }

    fn is_nonlinearity(&self) -> bool {
        true
    }

    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let out = self.kind.apply(x);
        // Only training needs the output again (for the backward pass).
        self.cache = (mode == Mode::Train).then(|| out.clone());
        out
    }

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let cache = self
            .cache
            .as_ref()
            .expect("activation backward called before forward");
        self.kind.backward(dout, cache.view())
    }
}
