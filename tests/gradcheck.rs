//! Gradient checks of every layer and loss, in f64: the analytic backward pass against centred
//! differences, relative error below 1e-7 (CS231n's `eval_numerical_gradient_array` approach:
//! check d/dx of sum(forward(x) * dout) for a random dout).

use ndarray::{Array1, Array2};
use nnlab::nn::init::Init;
use nnlab::nn::layers::*;
use nnlab::nn::loss::{LossKind, softmax_loss, svm_loss};
use nnlab::nn::network::Sequential;
use nnlab::procedures::gradcheck::{
    Check, HalvedWeightGradient, max_rel_error, numerical_gradient,
};
use nnlab::rng::seeded;

// CS231n's step: small enough for truncation error O(h²), large enough that rounding in the
// loss (about 1e-16 * |loss| / h) stays far below the tolerance.
const H: f64 = 1e-5;
const TOL: f64 = 1e-7;

fn randn_array(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    nnlab::rng::randn_array(rows, cols, &mut seeded(seed))
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
        |x| relu_forward(x.view()).0,
        |d, x| relu_backward(d.view(), x.view()),
        "relu",
    );
}

#[test]
fn sigmoid_gradient() {
    check_elementwise(
        |x| sigmoid_forward(x.view()).0,
        |d, x| sigmoid_backward(d.view(), sigmoid_forward(x.view()).1.view()),
        "sigmoid",
    );
}

#[test]
fn tanh_gradient() {
    check_elementwise(
        |x| tanh_forward(x.view()).0,
        |d, x| tanh_backward(d.view(), tanh_forward(x.view()).1.view()),
        "tanh",
    );
}

#[test]
fn leaky_relu_gradient() {
    check_elementwise(
        |x| leaky_relu_forward(x.view()).0,
        |d, x| leaky_relu_backward(d.view(), leaky_relu_forward(x.view()).1.view()),
        "leaky relu",
    );
}

#[test]
fn elu_gradient() {
    check_elementwise(
        |x| elu_forward(x.view()).0,
        |d, x| elu_backward(d.view(), elu_forward(x.view()).1.view()),
        "elu",
    );
}

/// Every activation as the layer a network uses (its forward caching its output, its backward the
/// slide-form one), through the library's layer check: below 1e-7.
#[test]
fn every_activation_layer_passes_the_check() {
    let x = away_from_zero(6, 7, 21);
    let g = randn_array(6, 7, 22);
    for kind in ActivationKind::ALL {
        let checks = nnlab::procedures::gradcheck::check_layer(
            &mut Activation::new(kind),
            x.view(),
            g.view(),
            Check::new(H, 0.0),
        );
        assert_eq!(checks.len(), 1, "{kind:?} has no parameters");
        let worst = checks[0].worst_rel_error;
        assert!(worst < TOL, "{}: relative error {worst:e}", kind.name());
    }
}

#[test]
fn affine_gradients() {
    let (n, d, m) = (3, 6, 4);
    let x = randn_array(n, d, 3);
    let w = randn_array(d, m, 4);
    let b = Array1::from_vec(randn_array(1, m, 5).into_raw_vec_and_offset().0);
    let dout = randn_array(n, m, 6);
    let (_, cache) = affine_forward(x.view(), w.view(), b.view());
    let (dx, dw, db) = affine_backward(dout.view(), &cache);
    let f = |x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>| {
        (affine_forward(x.view(), w.view(), b.view()).0 * &dout).sum()
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
        net = net.push(Affine::new(nnlab::nn::init::init_weights(
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
    let check = Check::new(H, floor);
    let checks = nnlab::procedures::gradcheck::check_network(net, x.view(), &[2, 0, 1, 2], check);
    for c in &checks {
        assert!(c.compared > 0, "{name} {}: nothing compared", c.tensor);
        assert!(c.worst_rel_error < TOL, "{name} {}: {c:?}", c.tensor);
    }
}

/// The library's layer check passes the affine layer (< 1e-7 on every tensor) and flags the copy
/// with the dropped factor on `W` alone (relative error 1/2: analytic n/2 against numeric n).
#[test]
fn check_layer_passes_affine_and_flags_a_dropped_factor() {
    let x = randn_array(4, 5, 3);
    let g = randn_array(4, 3, 4);
    let affine = || Affine::new(randn_array(5, 3, 5));
    let check = Check::new(H, 0.0);
    let good = nnlab::procedures::gradcheck::check_layer(&mut affine(), x.view(), g.view(), check);
    let names: Vec<&str> = good.iter().map(|c| c.tensor.as_str()).collect();
    assert_eq!(names, ["dx", "W", "b"]);
    assert!(nnlab::procedures::gradcheck::worst(&good) < TOL, "{good:?}");
    let mut wrong = HalvedWeightGradient::new(randn_array(5, 3, 5));
    let bad = nnlab::procedures::gradcheck::check_layer(&mut wrong, x.view(), g.view(), check);
    assert!(
        bad[0].worst_rel_error < TOL && bad[2].worst_rel_error < TOL,
        "{bad:?}"
    );
    assert!((bad[1].worst_rel_error - 0.5).abs() < 1e-6, "{bad:?}");
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

/// Every case of exp_gradcheck's table (each layer and convolution path, both losses, the MLPs,
/// the dropout network and both LeNet-5s) in f64 at h = 1e-5 and the table's floor (entries below
/// 1e-3 not compared): every tensor's worst error under 1e-6 and its median under 1e-8. (Not all
/// under 1e-7: the wide convolution's smallest dx entries, 5e-3 against an objective of 600 terms,
/// carry 1e-7 of rounding.) A wrong formula gives 1e-2 or more.
#[test]
fn every_case_of_the_table_checks_in_f64() {
    let cases = nnlab::procedures::gradcheck::cases::cases::<f64>(1);
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for mut case in cases {
        // 30 entries of each LeNet-5 tensor: the table's 200 take a minute unoptimized.
        case.sampled = case.sampled.map(|n| n.min(30));
        for c in case.check(Check::new(H, 1e-3)) {
            assert!(
                c.compared > 0,
                "{} {}: nothing compared",
                case.name,
                c.tensor
            );
            assert!(c.worst_rel_error < 1e-6, "{}: {c:?}", case.name);
            assert!(c.median_rel_error < 1e-8, "{}: {c:?}", case.name);
        }
    }
}

/// The layers the networks use give bit for bit what the slide-form pairs give: the affine layer
/// and each activation, forward (training and evaluation) and backward, on a batch small enough
/// for the serial maps and one large enough for the parallel ones.
#[test]
fn layers_equal_their_slide_form_pairs() {
    type Pair = fn(&Array2<f64>, &Array2<f64>) -> (Array2<f64>, Array2<f64>);
    let pairs: [(ActivationKind, Pair); 3] = [
        (ActivationKind::Relu, |x, d| {
            let (out, cache) = relu_forward(x.view());
            (out, relu_backward(d.view(), cache))
        }),
        (ActivationKind::Sigmoid, |x, d| {
            let (out, cache) = sigmoid_forward(x.view());
            (out, sigmoid_backward(d.view(), cache.view()))
        }),
        (ActivationKind::Tanh, |x, d| {
            let (out, cache) = tanh_forward(x.view());
            (out, tanh_backward(d.view(), cache.view()))
        }),
    ];
    for (rows, cols) in [(7, 5), (300, 200)] {
        let x = randn_array(rows, cols, 40);
        let dout = randn_array(rows, cols, 41);
        for (kind, pair) in pairs {
            let (out, dx) = pair(&x, &dout);
            let mut layer = Activation::new(kind);
            assert_eq!(layer.forward(x.view(), Mode::Eval), out, "{kind:?} eval");
            assert_eq!(layer.forward(x.view(), Mode::Train), out, "{kind:?} train");
            assert_eq!(layer.backward(dout.view()), dx, "{kind:?} backward");
        }
        let w = randn_array(cols, 3, 42);
        let b = Array1::from_vec(vec![0.5, -1.0, 2.0]);
        let d3 = randn_array(rows, 3, 43);
        let (out, cache) = affine_forward(x.view(), w.view(), b.view());
        let (dx, dw, db) = affine_backward(d3.view(), &cache);
        let mut layer = Affine::new(w.clone());
        layer.b.assign(&b);
        assert_eq!(layer.forward(x.view(), Mode::Train), out, "affine forward");
        assert_eq!(layer.backward(d3.view()), dx, "affine backward");
        let grads = layer.params();
        assert_eq!(grads[0].grad, dw.as_slice().unwrap(), "affine dW");
        assert_eq!(grads[1].grad, db.as_slice().unwrap(), "affine db");
    }
}
