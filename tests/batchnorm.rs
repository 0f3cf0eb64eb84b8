//! Batch and layer normalization as code outside the crate uses them: build the layer, run it
//! forward in either mode and backward, read its running estimates and the gradients of γ and β,
//! and train a network that has it.

use ndarray::Array2;
use nnlab::nn::init::{Init, init_weights};
use nnlab::nn::layers::norm::Convention;
use nnlab::nn::layers::{Activation, ActivationKind, Affine, BatchNorm, Layer, LayerNorm, Mode};
use nnlab::nn::loss::LossKind;
use nnlab::nn::network::Sequential;
use nnlab::optim::{Optimizer, Sgd, step_all};
use nnlab::rng::{randn_array, seeded};

#[test]
fn the_public_api_runs_both_modes_and_exposes_estimates_and_gradients() {
    let mut rng = seeded(1);
    let x: Array2<f64> = randn_array(8, 3, &mut rng) * 2.0 + 5.0;
    let mut bn = BatchNorm::<f64>::new(3).with(Convention::CS231N, 1e-5);
    let y = bn.forward(x.view(), Mode::Train);
    assert!(
        y.column(0).sum().abs() < 1e-12,
        "training output is centred"
    );
    // One step from (0, 1) toward the batch mean (about 5): 0.1 of the way.
    assert!((bn.running_mean()[0] - 0.1 * x.column(0).sum() / 8.0).abs() < 1e-12);
    let dx = bn.backward(Array2::ones((8, 3)).view());
    assert_eq!(dx.dim(), (8, 3));
    assert!(
        dx.iter().all(|v| v.abs() < 1e-12),
        "a constant upstream gradient has no dx"
    );
    assert_eq!(bn.dbeta().to_vec(), vec![8.0; 3]);
    assert!(bn.dgamma().iter().all(|v| v.abs() < 1e-12));
    // Evaluation uses the running estimates (still far from the batch's): not centred.
    let eval = bn.forward(x.view(), Mode::Eval);
    assert!(eval.column(0).sum() / 8.0 > 1.0);
    let mut ln = LayerNorm::<f64>::new(3);
    let z = ln.forward(x.view(), Mode::Eval);
    assert!(z.row(0).sum().abs() < 1e-12);
}

#[test]
fn a_network_with_batch_normalization_trains() {
    let mut rng = seeded(2);
    let (x, y) = nnlab::data::synthetic::spiral::<f64, _>(100, 3, &mut rng);
    let mut net = Sequential::new(LossKind::Softmax, 0.0)
        .push(Affine::new(init_weights(Init::He, 2, 50, &mut rng)))
        .push(BatchNorm::new(50))
        .push(Activation::new(ActivationKind::Relu))
        .push(Affine::new(init_weights(Init::He, 50, 3, &mut rng)));
    let mut opt = Sgd::new(0.5).unwrap();
    let first = net.loss_and_grad(x.view(), &y);
    for _ in 0..200 {
        net.loss_and_grad(x.view(), &y);
        step_all(&mut opt as &mut dyn Optimizer<f64>, net.params());
    }
    let last = net.loss(x.view(), &y);
    assert!(last < 0.5 * first, "loss {first} -> {last}");
    assert!(net.accuracy(x.view(), &y) > 0.8);
}

/// PyTorch's values, printed by `tests/reference_batchnorm.py` (float64).
#[path = "common/batchnorm_reference.rs"]
#[rustfmt::skip]
mod reference;

/// The reference's inputs: `value` in `tests/reference_batchnorm.py`, exact in binary floating
/// point.
fn value(i: usize, j: usize, k: usize, scale: f64) -> f64 {
    ((i * 7 + j * 3 + k * 5) % 11) as f64 / 4.0 * scale - 1.25 + 0.5 * j as f64
}

fn matrix(n: usize, d: usize, k: usize, scale: f64) -> Array2<f64> {
    Array2::from_shape_fn((n, d), |(i, j)| value(i, j, k, scale))
}

fn vector(d: usize, k: usize) -> ndarray::Array1<f64> {
    ndarray::Array1::from_shape_fn(d, |j| 0.75 + value(0, j, k, 0.5))
}

/// Every entry of `got` within 1e-10 of the largest magnitude in `want` from `want`'s entry.
fn close<'a>(what: &str, got: impl IntoIterator<Item = &'a f64>, want: &[f64]) {
    let got: Vec<f64> = got.into_iter().copied().collect();
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-10 * scale,
            "{what}[{i}]: {g} against PyTorch's {w}"
        );
    }
}

/// Three training steps, the backward pass of the last, and an evaluation pass equal PyTorch's
/// `F.batch_norm` (momentum 0.1, unbiased running variance, eps 1e-5), with either backward form.
#[test]
fn batch_normalization_equals_pytorch_in_both_modes() {
    use reference::*;
    for staged in [false, true] {
        let (n, d) = (6, 4);
        let mut bn = BatchNorm::new(d).with_gamma_beta(vector(d, 1), vector(d, 2));
        bn.staged = staged;
        let mut out = Array2::zeros((n, d));
        for step in 0..3 {
            out = bn.forward(
                matrix(n, d, 10 + step, 1.0 + step as f64).view(),
                Mode::Train,
            );
        }
        let dx = bn.backward(matrix(n, d, 3, 1.0).view());
        close("out", &out, &DENSE_OUT);
        close("dx", &dx, &DENSE_DX);
        close("dgamma", bn.dgamma(), &DENSE_DGAMMA);
        close("dbeta", bn.dbeta(), &DENSE_DBETA);
        close("running mean", bn.running_mean(), &DENSE_RUNNING_MEAN);
        close("running var", bn.running_var(), &DENSE_RUNNING_VAR);
        close(
            "eval",
            &bn.forward(matrix(n, d, 20, 1.0).view(), Mode::Eval),
            &DENSE_EVAL,
        );
    }
}

/// Per channel of (N, C, H, W) images, as `BatchNorm2d` computes it.
#[test]
fn spatial_batch_normalization_equals_pytorch() {
    use reference::*;
    let (n, c, h, w) = (2, 3, 2, 2);
    let mut bn = BatchNorm::spatial(c, h, w).with_gamma_beta(vector(c, 4), vector(c, 5));
    // Rows of flattened (C, H, W) images: the reference's (N, C·H·W) matrix before its reshape.
    let out = bn.forward(matrix(n, c * h * w, 30, 1.0).view(), Mode::Train);
    let dx = bn.backward(matrix(n, c * h * w, 6, 1.0).view());
    close("out", &out, &SPATIAL_OUT);
    close("dx", &dx, &SPATIAL_DX);
    close("dgamma", bn.dgamma(), &SPATIAL_DGAMMA);
    close("dbeta", bn.dbeta(), &SPATIAL_DBETA);
    close("running mean", bn.running_mean(), &SPATIAL_RUNNING_MEAN);
    close("running var", bn.running_var(), &SPATIAL_RUNNING_VAR);
}

/// `F.layer_norm` over the last dimension.
#[test]
fn layer_normalization_equals_pytorch() {
    use reference::*;
    let (n, d) = (5, 6);
    let mut ln = LayerNorm::new(d).with_gamma_beta(vector(d, 7), vector(d, 8));
    let out = ln.forward(matrix(n, d, 40, 1.0).view(), Mode::Train);
    let dx = ln.backward(matrix(n, d, 9, 1.0).view());
    close("out", &out, &LAYER_OUT);
    close("dx", &dx, &LAYER_DX);
    close("dgamma", ln.dgamma(), &LAYER_DGAMMA);
    close("dbeta", ln.dbeta(), &LAYER_DBETA);
}
