//! Every layer, loss and network of the crate at a small random input, ready to check: what
//! `exp_gradcheck` tabulates and the tests hold to CS231n's "happy" bound. The same seed gives the
//! same values in `f32` and `f64` (drawn in `f64`, rounded), so the two precisions' errors compare
//! like for like.

use super::{Check, TensorCheck, check_layer, check_loss, check_network};
use crate::Float;
use crate::nn::init::{Init, init_weights};
use crate::nn::layers::conv::{Conv2d, ConvAlgo, ConvParams};
use crate::nn::layers::pool::{Pool2d, PoolKind, PoolParams};
use crate::nn::layers::{Activation, ActivationKind, Affine, Dropout, DropoutKind, Layer};
use crate::nn::lenet::{LeNetVariant, lenet5};
use crate::nn::loss::LossKind;
use crate::nn::network::Sequential;
use crate::rng::{NnRng, below, randn, randn_array, seeded};
use faer::traits::RealField;
use ndarray::{Array2, Array4};
use rand::Rng;

/// What a case checks.
pub enum Subject<F: Float> {
    /// A layer at input `x`, with `g` the gradient arriving from above.
    Layer {
        layer: Box<dyn Layer<F>>,
        x: Array2<F>,
        g: Array2<F>,
    },
    /// A loss at `scores` against labels `y`.
    Loss {
        loss: LossKind,
        scores: Array2<F>,
        y: Vec<usize>,
    },
    /// A network's every parameter against its training loss on the batch `x`, `y`.
    Network {
        net: Sequential<F>,
        x: Array2<F>,
        y: Vec<usize>,
    },
}

/// One row group of the gradient-check table.
pub struct Case<F: Float> {
    pub name: String,
    pub subject: Subject<F>,
    /// Entries perturbed per tensor when the subject is too large to perturb all of them.
    pub sampled: Option<usize>,
}

impl<F: Float> Case<F> {
    /// `"layer"`, `"loss"` or `"network"`.
    pub fn kind(&self) -> &'static str {
        match self.subject {
            Subject::Layer { .. } => "layer",
            Subject::Loss { .. } => "loss",
            Subject::Network { .. } => "network",
        }
    }

    /// Every tensor's check (the case's own sampling when `check` perturbs every entry).
    pub fn check(&mut self, check: Check<F>) -> Vec<TensorCheck> {
        let check = match (check.max_entries, self.sampled) {
            (None, Some(n)) => check.sampled(n),
            _ => check,
        };
        match &mut self.subject {
            Subject::Layer { layer, x, g } => {
                check_layer(layer.as_mut(), x.view(), g.view(), check)
            }
            Subject::Loss { loss, scores, y } => vec![check_loss(*loss, scores.view(), y, check)],
            Subject::Network { net, x, y } => check_network(net, x.view(), y, check),
        }
    }
}

/// `n` labels of `classes` classes.
fn labels(n: usize, classes: usize, rng: &mut NnRng) -> Vec<usize> {
    (0..n).map(|_| below(rng, classes)).collect()
}

/// A layer case at an `(n, d_in)` standard normal input with an `(n, d_out)` upstream gradient.
fn layer<F: Float>(
    name: impl Into<String>,
    layer: impl Layer<F> + 'static,
    (n, d_in, d_out): (usize, usize, usize),
    rng: &mut NnRng,
) -> Case<F> {
    let (x, g) = (randn_array(n, d_in, rng), randn_array(n, d_out, rng));
    Case {
        name: name.into(),
        subject: Subject::Layer {
            layer: Box::new(layer),
            x,
            g,
        },
        sampled: None,
    }
}

/// A network case on `n` standard normal rows of `d` features and random labels.
fn network<F: Float>(
    name: impl Into<String>,
    net: Sequential<F>,
    (n, d, classes): (usize, usize, usize),
    sampled: Option<usize>,
    rng: &mut NnRng,
) -> Case<F> {
    let (x, y) = (randn_array(n, d, rng), labels(n, classes, rng));
    Case {
        name: name.into(),
        subject: Subject::Network { net, x, y },
        sampled,
    }
}

// ANCHOR: cases
/// Every layer (each convolution path, both pooling kinds, each activation, both dropout forms),
/// both losses, and five networks: MLPs with each activation and loss and L2 regularization, the
/// slide's 3-layer dropout network, and both LeNet-5s (200 entries of each tensor).
pub fn cases<F: Float + RealField>(seed: u64) -> Vec<Case<F>> {
    let rng = &mut seeded(seed);
    let mut cases = vec![layer(
        "affine 6->4",
        Affine::new(randn_array(6, 4, rng)),
        (3, 6, 4),
        rng,
    )];
    for kind in [
        ActivationKind::Relu,
        ActivationKind::Sigmoid,
        ActivationKind::Tanh,
    ] {
        let name = format!("{kind:?}").to_lowercase();
        cases.push(layer(name, Activation::new(kind), (3, 5, 5), rng));
    }
    for kind in [DropoutKind::Vanilla, DropoutKind::Inverted] {
        let dropout = Dropout::new(0.6, kind, rng.next_u64()).expect("0.6 is a keep probability");
        let name = format!("dropout {kind:?}, p 0.6 (fixed mask)").to_lowercase();
        cases.push(layer(name, dropout.with_fixed_mask(), (3, 5, 5), rng));
    }
    let image = (2, 5, 5);
    for (algo, stride) in ConvAlgo::ALL
        .map(|a| (a, 1))
        .into_iter()
        .chain([(ConvAlgo::Im2col, 2)])
    {
        let p = ConvParams { stride, pad: 1 };
        let w = Array4::from_shape_simple_fn((3, 2, 3, 3), || F::lit(randn(rng)));
        let conv = Conv2d::new(w, image, p).with_algo(algo);
        let (c, ho, wo) = conv.output();
        let name = format!("conv {} 3@3x3 stride {stride} pad 1", algo.name());
        cases.push(layer(name, conv, (8, 50, c * ho * wo), rng));
    }
    for kind in [PoolKind::Max, PoolKind::Average] {
        let pool = Pool2d::new(kind, PoolParams { size: 2, stride: 2 }, (2, 4, 4));
        let name = format!("{kind:?} pool 2x2").to_lowercase();
        cases.push(layer(name, pool, (3, 32, 8), rng));
    }
    for loss in [LossKind::Softmax, LossKind::Svm] {
        let (scores, y) = (randn_array(5, 4, rng), labels(5, 4, rng));
        cases.push(Case {
            name: format!("{loss:?} loss").to_lowercase(),
            subject: Subject::Loss { loss, scores, y },
            sampled: None,
        });
    }
    for (act, loss) in [
        (ActivationKind::Relu, LossKind::Softmax),
        (ActivationKind::Tanh, LossKind::Softmax),
        (ActivationKind::Sigmoid, LossKind::Svm),
    ] {
        let net = Sequential::mlp(&[5, 7, 6, 3], act, Init::Xavier, loss, F::lit(0.1), rng);
        let (act_name, loss_name) = (format!("{act:?}"), format!("{loss:?}"));
        let (act_name, loss_name) = (act_name.to_lowercase(), loss_name.to_lowercase());
        let name = format!("MLP 5-7-6-3 {act_name}, {loss_name}, L2 0.1");
        cases.push(network(name, net, (4, 5, 3), None, rng));
    }
    let mut dropout = Sequential::<F>::new(LossKind::Softmax, F::zero());
    for (i, (fan_in, fan_out)) in [(5, 8), (8, 8), (8, 3)].into_iter().enumerate() {
        dropout = dropout.push(Affine::new(init_weights(Init::He, fan_in, fan_out, rng)));
        if i < 2 {
            let mask = Dropout::new(0.5, DropoutKind::Inverted, rng.next_u64());
            dropout = dropout
                .push(Activation::new(ActivationKind::Relu))
                .push(mask.expect("0.5 is a keep probability").with_fixed_mask());
        }
    }
    cases.push(network(
        "dropout 3-layer 5-8-8-3, p 0.5 (fixed masks)",
        dropout,
        (4, 5, 3),
        None,
        rng,
    ));
    for variant in [LeNetVariant::Modern, LeNetVariant::Original] {
        let net = lenet5::<F, _>(variant, F::lit(1e-3), rng);
        let name = format!("LeNet-5 {}, L2 1e-3", format!("{variant:?}").to_lowercase());
        cases.push(network(name, net, (2, 784, 10), Some(200), rng));
    }
    cases
}
// ANCHOR_END: cases
