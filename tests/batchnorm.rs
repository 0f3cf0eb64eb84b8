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
