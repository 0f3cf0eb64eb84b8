//! Second-order methods: agreement at the optimum, Newton's one step, the secant condition, the
//! Wolfe conditions, L-BFGS = BFGS with a long enough history, the guards, and the exact
//! derivatives of softmax regression.

use std::collections::VecDeque;

use ndarray::Array2;
use nnlab::optim::second_order::bfgs::{BfgsState, matvec};
use nnlab::optim::second_order::lbfgs::{Pair, descent_direction, two_loop};
use nnlab::optim::second_order::objectives::{
    MiniBatch, Quadratic, Rosenbrock, SoftmaxRegression, pool_images,
};
use nnlab::optim::second_order::{
    Bfgs, Counted, FirstOrder, Hessian, Lbfgs, LineSearchError, Minimizer, Newton, Objective,
    StopReason, Stopping, StrongWolfe, dot,
};
use nnlab::rng::{randn, seeded};

mod quasi_newton;

/// A small softmax-regression problem on synthetic clusters: convex, strictly so with λ > 0 on W.
fn small_softmax(n: usize, d: usize, k: usize, seed: u64) -> SoftmaxRegression {
    let mut rng = seeded(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        let centre = if j % k == labels[i] { 1.0 } else { 0.0 };
        centre + 0.8 * randn(&mut rng)
    });
    SoftmaxRegression::new(x.view(), &labels, k, 1e-2)
}

fn tight() -> Stopping {
    Stopping {
        grad_tol: 1e-10,
        rel_tol: 0.0,
        max_iter: 500,
        keep_path: false,
    }
}

#[test]
fn all_methods_reach_the_same_optimum_on_convex_problems() {
    let mut q = Quadratic::random(12, &mut seeded(1));
    let star = q.minimizer();
    let mut s = small_softmax(200, 6, 3, 2);
    let dim = s.dim();
    let newton_s = Newton::pure().minimize(&mut s, &vec![0.0; dim], &tight());
    assert_eq!(newton_s.stop, StopReason::GradientNorm);
    for (name, f, reference) in [
        (
            "quadratic",
            &mut q as &mut dyn HessianObjective,
            star.clone(),
        ),
        (
            "softmax",
            &mut s as &mut dyn HessianObjective,
            newton_s.x.clone(),
        ),
    ] {
        let x0 = vec![0.0; reference.len()];
        let ref_f = f.value_at(&reference);
        let reports = vec![
            Bfgs::default().minimize(f.as_objective(), &x0, &tight()),
            Lbfgs::new(5).minimize(f.as_objective(), &x0, &tight()),
            Lbfgs::new(20).minimize(f.as_objective(), &x0, &tight()),
            f.newton(&x0),
        ];
        for r in reports {
            let dx =
                r.x.iter()
                    .zip(&reference)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
            let dx = if name == "softmax" {
                distance_up_to_bias_shift(&r.x, &reference, 3)
            } else {
                dx
            };
            assert!(
                dx < 1e-6,
                "{name}: parameters {dx:e} from the optimum ({:?})",
                r.stop
            );
            let rel = (r.value - ref_f).abs() / ref_f.abs().max(1e-300);
            assert!(
                rel < 1e-10,
                "{name}: value {} vs {ref_f} (rel {rel:e})",
                r.value
            );
        }
    }
}

/// Softmax regression's minimizer is unique only up to adding one constant to every bias (the
/// bias is not regularized and softmax ignores a common shift): compare W, and b minus its mean.
fn distance_up_to_bias_shift(a: &[f64], b: &[f64], k: usize) -> f64 {
    let n = a.len();
    let mean = |v: &[f64]| v[n - k..].iter().sum::<f64>() / k as f64;
    let (ma, mb) = (mean(a), mean(b));
    (0..n)
        .map(|i| {
            if i < n - k {
                (a[i] - b[i]).abs()
            } else {
                ((a[i] - ma) - (b[i] - mb)).abs()
            }
        })
        .fold(0.0, f64::max)
}

/// Lets the test loop over objectives with Hessians as trait objects.
trait HessianObjective {
    fn as_objective(&mut self) -> &mut dyn Objective;
    fn newton(&mut self, x0: &[f64]) -> nnlab::optim::second_order::Report;
    fn value_at(&mut self, x: &[f64]) -> f64;
}

impl<T: Hessian> HessianObjective for T {
    fn as_objective(&mut self) -> &mut dyn Objective {
        self
    }
    fn newton(&mut self, x0: &[f64]) -> nnlab::optim::second_order::Report {
        Newton::damped().minimize(self, x0, &tight())
    }
    fn value_at(&mut self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.value_grad(x, &mut g)
    }
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    let mut q = Quadratic::random(30, &mut seeded(3));
    let r = Newton::pure().minimize(
        &mut q,
        &vec![5.0; 30],
        &Stopping {
            grad_tol: 1e-9,
            ..Stopping::default()
        },
    );
    assert_eq!(r.iterations, 1);
    assert_eq!(r.stop, StopReason::GradientNorm);
    let star = q.minimizer();
    for (a, b) in r.x.iter().zip(&star) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
}

#[test]
fn newton_shifts_an_indefinite_hessian_and_still_descends() {
    // At (0, 1) Rosenbrock's Hessian is [[-398, 0], [0, 200]]: indefinite.
    let mut f = Rosenbrock { n: 2 };
    let mut h = vec![0.0; 4];
    f.hessian(&[0.0, 1.0], &mut h);
    assert!(h[0] < 0.0);
    let mut newton = Newton::damped();
    let r = newton.minimize(
        &mut f,
        &[0.0, 1.0],
        &Stopping {
            grad_tol: 1e-8,
            ..Stopping::default()
        },
    );
    assert!(newton.shifts >= 1, "the first Hessian needed a shift");
    assert_eq!(r.stop, StopReason::GradientNorm);
    assert!(
        (r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 1.0).abs() < 1e-6,
        "{:?}",
        r.x
    );
    for w in r.history.windows(2) {
        assert!(
            w[1].value <= w[0].value,
            "damped Newton increased the value"
        );
    }
}

#[test]
fn gradient_descent_and_adam_run_through_the_same_interface() {
    let mut q = Quadratic::random(5, &mut seeded(4));
    let x0 = vec![1.0; 5];
    let mut gd = FirstOrder::new(Box::new(nnlab::optim::Sgd::new(0.2).expect("valid")));
    assert_eq!(gd.name(), "GD (lr=0.2)");
    let r = gd.minimize(&mut q, &x0, &Stopping::iterations(300));
    // GD stops early only when a step no longer changes the value at all.
    assert!(r.stop == StopReason::MaxIterations || r.stop == StopReason::RelativeDecrease);
    assert_eq!(r.evals, r.iterations + 1);
    assert_eq!(r.history.len(), r.iterations + 1);
    let star = q.minimizer();
    for (a, b) in r.x.iter().zip(&star) {
        assert!((a - b).abs() < 1e-6, "GD did not converge: {a} vs {b}");
    }
    let mut adam = FirstOrder::new(Box::new(
        nnlab::optim::Adam::new(0.05, 0.9, 0.999).expect("valid"),
    ));
    let r = adam.minimize(&mut q, &x0, &Stopping::iterations(50));
    assert_eq!(r.history.len(), 51);
    assert!(r.value < r.history[0].value);
}

#[test]
fn softmax_regression_gradient_and_hessian_match_finite_differences() {
    for k in [2, 3, 10] {
        let mut f = small_softmax(150, 5, k, 5 + k as u64);
        let n = f.dim();
        let mut rng = seeded(6);
        let x: Vec<f64> = (0..n).map(|_| 0.3 * randn(&mut rng)).collect();
        let mut g = vec![0.0; n];
        f.value_grad(&x, &mut g);
        let mut h = vec![0.0; n * n];
        f.hessian(&x, &mut h);
        let eps = 1e-5;
        for i in 0..n {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[i] += eps;
            xm[i] -= eps;
            let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
            let fp = f.value_grad(&xp, &mut gp);
            let fm = f.value_grad(&xm, &mut gm);
            let num = (fp - fm) / (2.0 * eps);
            // Central differences with h = 1e-5 are accurate to ~1e-10 absolute (truncation h²
            // and rounding 1e-16 / h): relative 1e-7, or 1e-9 absolute for small components.
            assert!(
                (num - g[i]).abs() <= 1e-9 + 1e-7 * g[i].abs(),
                "k={k} grad[{i}]: {num} vs {}",
                g[i]
            );
            for j in 0..n {
                let num = (gp[j] - gm[j]) / (2.0 * eps);
                let exact = h[j * n + i];
                assert!(
                    (num - exact).abs() < 1e-7 * (1.0 + exact.abs()),
                    "k={k} H[{j},{i}]: {num} vs {exact}"
                );
            }
        }
    }
}

#[test]
fn softmax_regression_matches_the_textbook_formula_and_ignores_thread_count() {
    // Enough rows for several parallel tasks and an odd remainder.
    let mut f = small_softmax(5003, 33, 10, 7);
    let n = f.dim();
    let mut rng = seeded(8);
    let w: Vec<f64> = (0..n).map(|_| 0.1 * randn(&mut rng)).collect();
    let eval = |f: &mut SoftmaxRegression, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut g = vec![0.0; n];
        let v = pool.install(|| f.value_grad(&w, &mut g));
        (v, g)
    };
    let (v1, g1) = eval(&mut f, 1);
    let (v2, g2) = eval(&mut f, 2);
    assert_eq!(v1.to_bits(), v2.to_bits());
    assert!(g1.iter().zip(&g2).all(|(a, b)| a.to_bits() == b.to_bits()));
    // The same objective written the slow, obvious way.
    let mut rng = seeded(7);
    let labels: Vec<usize> = (0..5003).map(|i| i % 10).collect();
    let x = Array2::from_shape_fn((5003, 33), |(i, j)| {
        let centre = if j % 10 == labels[i] { 1.0 } else { 0.0 };
        centre + 0.8 * randn(&mut rng)
    });
    let (mut loss, mut grad) = (0.0, vec![0.0; n]);
    for i in 0..5003 {
        let z: Vec<f64> = (0..10)
            .map(|a| (0..33).map(|j| x[[i, j]] * w[j * 10 + a]).sum::<f64>() + w[330 + a])
            .collect();
        let zmax = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - zmax).exp()).sum();
        loss += sum.ln() + zmax - z[labels[i]];
        for a in 0..10 {
            let p = (z[a] - zmax).exp() / sum - if a == labels[i] { 1.0 } else { 0.0 };
            for j in 0..33 {
                grad[j * 10 + a] += x[[i, j]] * p / 5003.0;
            }
            grad[330 + a] += p / 5003.0;
        }
    }
    let reg: f64 = w[..330].iter().map(|v| v * v).sum::<f64>() * 0.5 * 1e-2;
    let expected = loss / 5003.0 + reg;
    assert!(
        (v1 - expected).abs() < 1e-12 * expected,
        "{v1} vs {expected}"
    );
    for i in 0..n {
        let e = grad[i] + if i < 330 { 1e-2 * w[i] } else { 0.0 };
        assert!((g1[i] - e).abs() < 1e-12, "grad[{i}] {} vs {e}", g1[i]);
    }
    assert!(f.accuracy(&w) >= 0.0 && f.accuracy(&w) <= 1.0);
}

#[test]
fn mini_batch_values_are_noisy_and_seeded() {
    let f = small_softmax(400, 4, 3, 9);
    let mut rng = seeded(10);
    let w: Vec<f64> = (0..f.dim()).map(|_| randn(&mut rng)).collect();
    let mut g = vec![0.0; f.dim()];
    let mut a = MiniBatch {
        full: &f,
        batch: 50,
        rng: seeded(1),
    };
    let mut b = MiniBatch {
        full: &f,
        batch: 50,
        rng: seeded(1),
    };
    let (a1, a2) = (a.value_grad(&w, &mut g), a.value_grad(&w, &mut g));
    assert_ne!(a1, a2, "two batches give two values");
    assert_eq!(a1, b.value_grad(&w, &mut g), "same seed, same batch");
}

#[test]
fn pooling_averages_blocks() {
    let x = Array2::from_shape_fn((1, 16), |(_, j)| j as f64);
    let p = pool_images(x.view(), 4, 2);
    // Top-left 2x2 block of a 4x4 ramp: 0, 1, 4, 5.
    assert_eq!(p.row(0).to_vec(), vec![2.5, 4.5, 10.5, 12.5]);
}

#[test]
fn long_dot_products_do_not_depend_on_the_thread_count() {
    let mut rng = seeded(12);
    let n = 300_001; // several parallel chunks and a ragged end
    let a: Vec<f64> = (0..n).map(|_| randn(&mut rng)).collect();
    let b: Vec<f64> = (0..n).map(|_| randn(&mut rng)).collect();
    let at = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let mut y = b.clone();
            nnlab::optim::second_order::axpy(0.25, &a, &mut y);
            (dot(&a, &b), y)
        })
    };
    let (d1, y1) = at(1);
    let (d2, y2) = at(2);
    assert_eq!(d1.to_bits(), d2.to_bits());
    assert_eq!(y1, y2);
    let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!(
        (d1 - naive).abs() < 1e-9 * naive.abs().max(1.0),
        "{d1} vs {naive}"
    );
    assert_eq!(y1[7], b[7] + 0.25 * a[7]);
}
