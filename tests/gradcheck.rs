//! Gradient checks of every layer and loss, in f64: the analytic backward pass against centred
//! differences, relative error below 1e-7 (CS231n's `eval_numerical_gradient_array` approach:
//! check d/dx of sum(forward(x) * dout) for a random dout).

use ndarray::{Array1, Array2};
use nnlab::gradcheck::{max_rel_error, numerical_gradient};
use nnlab::init::Init;
use nnlab::layers::*;
use nnlab::loss::{LossKind, softmax_loss, svm_loss};
use nnlab::network::Sequential;
use nnlab::rng::{randn, seeded};

// CS231n's step: small enough for truncation error O(h²), large enough that rounding in the
// loss (about 1e-16 * |loss| / h) stays far below the tolerance.
const H: f64 = 1e-5;
const TOL: f64 = 1e-7;

fn randn_array(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = seeded(seed);
    Array2::from_shape_simple_fn((rows, cols), || randn(&mut rng))
}

/// Random values bounded away from zero, so ReLU's kink is never within H of a sample.
fn away_from_zero(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    randn_array(rows, cols, seed).mapv(|v| {
        if v.abs() < 0.05 {
            v.signum() * 0.05 + v
        } else {
            v
        }
    })
}

fn check_elementwise(
    forward: impl Fn(&Array2<f64>) -> Array2<f64>,
    backward: impl Fn(&Array2<f64>, &Array2<f64>) -> Array2<f64>,
    name: &str,
) {
    let x = away_from_zero(4, 5, 1);
    let dout = randn_array(4, 5, 2);
    let dx = backward(&dout, &x);
    let mut xs = x.clone().into_raw_vec_and_offset().0;
    let num = numerical_gradient(
        |v: &[f64]| {
            let x = Array2::from_shape_vec((4, 5), v.to_vec()).unwrap();
            (forward(&x) * &dout).sum()
        },
        &mut xs,
        H,
    );
    let err = max_rel_error(dx.as_slice().unwrap(), &num, 0.0);
    assert!(err < TOL, "{name}: relative error {err:e}");
}

#[test]
fn relu_gradient() {
    check_elementwise(
        |x| relu_forward(x.view()),
        |d, x| relu_backward(d.view(), x.view()),
        "relu",
    );
}

#[test]
fn sigmoid_gradient() {
    check_elementwise(
        |x| sigmoid_forward(x.view()),
        |d, x| sigmoid_backward(d.view(), sigmoid_forward(x.view()).view()),
        "sigmoid",
    );
}

#[test]
fn tanh_gradient() {
    check_elementwise(
        |x| tanh_forward(x.view()),
        |d, x| tanh_backward(d.view(), tanh_forward(x.view()).view()),
        "tanh",
    );
}

#[test]
fn affine_gradients() {
    let (n, d, m) = (3, 6, 4);
    let x = randn_array(n, d, 3);
    let w = randn_array(d, m, 4);
    let b = Array1::from_vec(randn_array(1, m, 5).into_raw_vec_and_offset().0);
    let dout = randn_array(n, m, 6);
    let (dx, dw, db) = affine_backward(dout.view(), x.view(), w.view());
    let f = |x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>| {
        (affine_forward(x.view(), w.view(), b.view()) * &dout).sum()
    };

    let mut xs = x.as_slice().unwrap().to_vec();
    let num_dx = numerical_gradient(
        |v: &[f64]| f(&Array2::from_shape_vec((n, d), v.to_vec()).unwrap(), &w, &b),
        &mut xs,
        H,
    );
    let mut ws = w.as_slice().unwrap().to_vec();
    let num_dw = numerical_gradient(
        |v: &[f64]| f(&x, &Array2::from_shape_vec((d, m), v.to_vec()).unwrap(), &b),
        &mut ws,
        H,
    );
    let mut bs = b.to_vec();
    let num_db = numerical_gradient(
        |v: &[f64]| f(&x, &w, &Array1::from_vec(v.to_vec())),
        &mut bs,
        H,
    );

    for (name, a, num) in [
        ("dx", dx.as_slice().unwrap(), num_dx),
        ("dw", dw.as_slice().unwrap(), num_dw),
        ("db", db.as_slice().unwrap(), num_db),
    ] {
        let err = max_rel_error(a, &num, 0.0);
        assert!(err < TOL, "affine {name}: relative error {err:e}");
    }
}

#[test]
fn dropout_gradient_with_a_fixed_mask() {
    for kind in [DropoutKind::Vanilla, DropoutKind::Inverted] {
        let layer = || Dropout::<f64>::new(0.6, kind, 4).unwrap().with_fixed_mask();
        check_elementwise(
            |x| layer().forward(x.view(), Mode::Train),
            |d, x| {
                let mut l = layer();
                l.forward(x.view(), Mode::Train);
                l.backward(d.view())
            },
            "dropout",
        );
    }
}

/// A loss: scores (N, C), labels -> (loss, dscores).
type LossFn = fn(ndarray::ArrayView2<f64>, &[usize]) -> (f64, Array2<f64>);

fn check_loss(loss: LossFn, name: &str) {
    let (n, c) = (5, 4);
    let scores = randn_array(n, c, 7);
    let y = [0, 3, 1, 2, 3];
    let (_, dscores) = loss(scores.view(), &y);
    let mut s = scores.as_slice().unwrap().to_vec();
    let num = numerical_gradient(
        |v: &[f64]| {
            loss(
                Array2::from_shape_vec((n, c), v.to_vec()).unwrap().view(),
                &y,
            )
            .0
        },
        &mut s,
        H,
    );
    let err = max_rel_error(dscores.as_slice().unwrap(), &num, 0.0);
    assert!(err < TOL, "{name}: relative error {err:e}");
}

#[test]
fn softmax_loss_gradient() {
    check_loss(softmax_loss, "softmax");
}

#[test]
fn svm_loss_gradient() {
    check_loss(svm_loss, "svm");
}

/// The slide's 3-layer network with dropout after both hidden layers (fixed masks), every
/// parameter.
#[test]
fn dropout_network_gradients() {
    let mut rng = seeded(13);
    let mut net = Sequential::<f64>::new(LossKind::Softmax, 0.0);
    for (i, (fan_in, fan_out)) in [(5, 8), (8, 8), (8, 3)].into_iter().enumerate() {
        net = net.push(Affine::new(nnlab::init::init_weights(
            Init::He,
            fan_in,
            fan_out,
            &mut rng,
        )));
        if i < 2 {
            net = net.push(Activation::new(ActivationKind::Relu));
            let dropout = Dropout::new(0.5, DropoutKind::Inverted, 20 + i as u64).unwrap();
            net = net.push(dropout.with_fixed_mask());
        }
    }
    // Dropped units leave many small gradient entries (1e-9 to 1e-4), and the centred difference
    // carries the loss's rounding, about 1e-16 / H = 1e-11 absolute: below 1e-4 that alone is
    // over 1e-7 relative, so those entries are skipped.
    check_network(&mut net, "dropout 3-layer", 1e-4);
}

/// Every parameter of `net` against centred differences of its training loss, skipping entries
/// below `floor` in magnitude (see [`max_rel_error`]).
fn check_network(net: &mut Sequential<f64>, name: &str, floor: f64) {
    let x = randn_array(4, 5, 12);
    let y = [2, 0, 1, 2];
    net.loss_and_grad(x.view(), &y);
    let analytic: Vec<Vec<f64>> = net.params().iter().map(|p| p.grad.to_vec()).collect();
    for (slot, a) in analytic.iter().enumerate() {
        let mut values = net.params()[slot].value.to_vec();
        let num = numerical_gradient(
            |v: &[f64]| {
                net.params()[slot].value.copy_from_slice(v);
                net.loss_and_grad(x.view(), &y)
            },
            &mut values,
            H,
        );
        net.params()[slot].value.copy_from_slice(&values);
        let err = max_rel_error(a, &num, floor);
        assert!(err < TOL, "{name} parameter {slot}: relative error {err:e}");
    }
}

/// The whole network, every parameter, with L2 regularization, for each activation and loss.
#[test]
fn network_gradients() {
    for (act, loss) in [
        (ActivationKind::Relu, LossKind::Softmax),
        (ActivationKind::Tanh, LossKind::Softmax),
        (ActivationKind::Sigmoid, LossKind::Svm),
    ] {
        let mut rng = seeded(11);
        let mut net = Sequential::<f64>::mlp(&[5, 7, 6, 3], act, Init::Xavier, loss, 0.1, &mut rng);
        check_network(&mut net, &format!("{act:?}/{loss:?}"), 0.0);
    }
}
