//! Exact iterates of every update rule, pinned against `tests/reference_iterates.py` (an
//! independent plain-Python implementation of the slide's formulas; its output is pasted below).
//! Problem: f = 0.1 x1² + 2 x2², grad = (0.2 x1, 4 x2), start (-5, -2).

use nnlab::optim::{AdaGrad, Adam, Momentum, Nesterov, Optimizer, RmsProp, Sgd};

// ---- output of `python3 tests/reference_iterates.py` ----
const SGD: [[f64; 2]; 5] = [
    [-4.9, -1.2],
    [-4.8020000000000005, -0.72],
    [-4.70596, -0.432],
    [-4.6118408, -0.2592],
    [-4.519603984000001, -0.15552],
];
const MOMENTUM: [[f64; 2]; 5] = [
    [-4.9, -1.2],
    [-4.712000000000001, 2.220446049250313e-16],
    [-4.4485600000000005, 1.0800000000000005],
    [-4.122492800000001, 1.6200000000000006],
    [-3.7465824640000007, 1.4580000000000004],
];
const NESTEROV: [[f64; 2]; 5] = [
    [-4.81, -0.48],
    [-4.54622, 0.5327999999999999],
    [-4.22264164, 0.866592],
    [-3.8527926936799997, 0.7002028800000002],
    [-3.4495300691521598, 0.33027160320000015],
];
const ADAGRAD: [[f64; 2]; 5] = [
    [-4.500000049999995, -1.5000000062499999],
    [-4.165517706997348, -1.2000000084499998],
    [-3.9022809938044687, -0.9836344756336985],
    [-3.681115760387411, -0.816484403240309],
    [-3.4885744149231535, -0.682790228251841],
];
const RMSPROP: [[f64; 2]; 5] = [
    [-4.68377233398313, -1.6837722464831615],
    [-4.461584756488238, -1.473875331668228],
    [-4.279288910081777, -1.3087178886584858],
    [-4.120054593082389, -1.1698398350808605],
    [-3.976153852707199, -1.0489273275182889],
];
const ADAM: [[f64; 2]; 5] = [
    [-4.900000009999999, -1.90000000125],
    [-4.800057776756335, -1.8001664881372679],
    [-4.700213321288705, -1.70062339510906],
    [-4.600507714058892, -1.6015048994098693],
    [-4.500982998119504, -1.5029557864869076],
];
// ---- end of pasted output ----

fn grad(x: &[f64; 2]) -> [f64; 2] {
    [0.2 * x[0], 4.0 * x[1]]
}

/// Runs `opt` and compares each iterate with `expected` to within `ulps` units in the last place
/// of the larger coordinate (0 would demand identical bits; a few allow for `powi` against
/// Python's `**`).
fn check(mut opt: impl Optimizer<f64>, expected: &[[f64; 2]], ulps: f64) {
    let mut x = [-5.0, -2.0];
    for (step, e) in expected.iter().enumerate() {
        let dx = grad(&x);
        opt.begin_step();
        opt.update(0, &mut x, &dx);
        for i in 0..2 {
            let tol = ulps * f64::EPSILON * e[i].abs().max(1.0);
            assert!(
                (x[i] - e[i]).abs() <= tol,
                "{} step {}: x[{i}] = {:e}, expected {:e}",
                opt.name(),
                step + 1,
                x[i],
                e[i]
            );
        }
    }
}

#[test]
fn sgd_iterates() {
    check(Sgd::new(0.1).unwrap(), &SGD, 0.0);
}

#[test]
fn momentum_iterates() {
    check(Momentum::new(0.1, 0.9).unwrap(), &MOMENTUM, 0.0);
}

#[test]
fn nesterov_iterates() {
    check(Nesterov::new(0.1, 0.9).unwrap(), &NESTEROV, 0.0);
}

#[test]
fn adagrad_iterates() {
    check(AdaGrad::new(0.5).unwrap(), &ADAGRAD, 0.0);
}

#[test]
fn rmsprop_iterates() {
    check(RmsProp::new(0.1, 0.9).unwrap(), &RMSPROP, 0.0);
}

#[test]
fn adam_iterates() {
    check(Adam::new(0.1, 0.9, 0.999).unwrap(), &ADAM, 4.0);
}

/// The phi form computes phi = x + mu v of the look-ahead form
/// `v = mu v - learning_rate grad(x + mu v); x += v`.
#[test]
fn nesterov_phi_form_equals_look_ahead_form() {
    let (lr, mu) = (0.05, 0.9);
    let mut phi = [-5.0f64, -2.0];
    let mut opt = Nesterov::new(lr, mu).unwrap();
    let (mut x, mut v) = ([-5.0f64, -2.0], [0.0f64, 0.0]);
    for step in 0..200 {
        let dphi = grad(&phi);
        opt.begin_step();
        opt.update(0, &mut phi, &dphi);
        let ahead = [x[0] + mu * v[0], x[1] + mu * v[1]];
        let g = grad(&ahead);
        for i in 0..2 {
            v[i] = mu * v[i] - lr * g[i];
            x[i] += v[i];
        }
        for i in 0..2 {
            let look_ahead_phi = x[i] + mu * v[i];
            assert!(
                (phi[i] - look_ahead_phi).abs() < 1e-12,
                "step {step}: phi {} vs {}",
                phi[i],
                look_ahead_phi
            );
        }
    }
    assert!(
        phi[0].abs() < 1e-3 && phi[1].abs() < 1e-3,
        "Nesterov converges on the quadratic: {phi:?}"
    );
}

/// Bias correction makes Adam's first step `learning_rate` in every coordinate, whatever the
/// gradient's scale (without it the step would be `(1 - beta1) / sqrt(1 - beta2)` ≈ 3.16 times
/// that).
#[test]
fn adam_first_step_is_learning_rate() {
    let mut opt = Adam::new(0.01, 0.9, 0.999).unwrap();
    let mut x = [1.0f64, 1.0, 1.0, 1.0];
    let dx = [1e-3, 1.0, -50.0, 1e4];
    opt.begin_step();
    opt.update(0, &mut x, &dx);
    for (i, &xi) in x.iter().enumerate() {
        let step = (xi - 1.0).abs();
        assert!((step - 0.01).abs() < 1e-6, "coordinate {i}: step {step}");
        assert_eq!((xi - 1.0).signum(), -dx[i].signum());
    }
}

#[test]
fn constructors_refuse_bad_hyperparameters() {
    assert_eq!(
        RmsProp::<f64>::new(0.1, 1.0).unwrap_err().to_string(),
        "decay_rate must be in (0, 1), got 1"
    );
    assert!(RmsProp::<f64>::new(0.1, 0.0).is_err());
    assert_eq!(
        Adam::<f32>::new(1e-3, 0.9, 1.2).unwrap_err().to_string(),
        "beta2 must be in [0, 1), got 1.2"
    );
    assert!(Adam::<f32>::new(-1e-3, 0.9, 0.999).is_err());
    assert!(AdaGrad::<f32>::new(0.0).is_err());
    assert_eq!(
        AdaGrad::<f32>::new(0.1)
            .unwrap()
            .with_eps(0.0)
            .unwrap_err()
            .to_string(),
        "eps must be > 0 and finite, got 0"
    );
    assert!(Nesterov::<f64>::new(0.1, 1.0).is_err());
}
