//! BFGS's secant condition, the strong-Wolfe line search's guarantees and refusals, L-BFGS's
//! history.

use super::*;

#[test]
fn bfgs_inverse_hessian_satisfies_the_secant_condition_after_each_update() {
    let mut f = Rosenbrock { n: 6 };
    let mut counted = Counted::new(&mut f);
    let mut state = BfgsState::new(&mut counted, &Rosenbrock { n: 6 }.start());
    let mut bfgs = Bfgs::default();
    let mut checked = 0;
    for _ in 0..25 {
        bfgs.iterate(&mut counted, &mut state).expect("line search");
        let (s, y) = state.last_pair.clone().expect("an accepted pair");
        let mut hy = vec![0.0; 6];
        matvec(&state.h, &y, &mut hy);
        for (a, b) in hy.iter().zip(&s) {
            assert!(
                (a - b).abs() <= 1e-8 * (1.0 + b.abs()),
                "H y = {a} but s = {b}"
            );
        }
        // H stays symmetric.
        for i in 0..6 {
            for j in 0..6 {
                assert!((state.h[i * 6 + j] - state.h[j * 6 + i]).abs() < 1e-10);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 25);
}

#[test]
fn line_search_result_satisfies_both_wolfe_inequalities() {
    let ls = StrongWolfe::default();
    for (n, start) in [(2, vec![-1.2, 1.0]), (10, Rosenbrock { n: 10 }.start())] {
        let mut f = Rosenbrock { n };
        let mut g0 = vec![0.0; n];
        let f0 = f.value_grad(&start, &mut g0);
        // Steepest descent with a deliberately poor first trial (far too long, then far too short).
        let p: Vec<f64> = g0.iter().map(|g| -g).collect();
        for alpha0 in [10.0, 1e-6, 1e-3] {
            let mut c = Counted::new(&mut f);
            let step = ls
                .search(&mut c, &start, f0, &g0, &p, alpha0)
                .expect("a step");
            assert!(step.wolfe);
            let slope0 = dot(&g0, &p);
            assert!(
                step.value <= f0 + ls.c1 * step.alpha * slope0,
                "sufficient decrease"
            );
            assert!(
                dot(&step.grad, &p).abs() <= ls.c2 * slope0.abs(),
                "curvature"
            );
        }
    }
}

#[test]
fn line_search_refuses_an_ascent_direction() {
    let mut f = Rosenbrock { n: 2 };
    let x = [-1.2, 1.0];
    let mut g = vec![0.0; 2];
    let f0 = f.value_grad(&x, &mut g);
    let mut c = Counted::new(&mut f);
    match StrongWolfe::default().search(&mut c, &x, f0, &g, &g.clone(), 1.0) {
        Err(LineSearchError::NotDescent(s)) => assert!(s > 0.0),
        other => panic!("expected NotDescent, got {other:?}"),
    }
}

/// `f = ½|x|²` inside the unit ball of radius 3, NaN outside: a trial step past the wall must shrink.
struct Walled;
impl Objective for Walled {
    fn dim(&self) -> usize {
        2
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        if dot(x, x) > 9.0 {
            g.iter_mut().for_each(|g| *g = f64::NAN);
            return f64::NAN;
        }
        g.copy_from_slice(x);
        0.5 * dot(x, x)
    }
}

#[test]
fn a_nan_trial_value_shrinks_the_step_instead_of_poisoning_the_search() {
    let mut f = Walled;
    let x = [2.0, 0.0];
    let mut g = vec![0.0; 2];
    let f0 = f.value_grad(&x, &mut g);
    let p = [-1.0, 0.0];
    let mut c = Counted::new(&mut f);
    // alpha0 = 100 lands at x = -98: NaN.
    let step = StrongWolfe::default()
        .search(&mut c, &x, f0, &g, &p, 100.0)
        .expect("a finite step");
    assert!(step.value.is_finite() && step.value < f0, "{step:?}");
    assert!(step.wolfe);
    // And the whole method converges from there.
    let r = Lbfgs::new(5).minimize(&mut Walled, &[2.0, 1.0], &Stopping::default());
    assert_eq!(r.stop, StopReason::GradientNorm);
    assert!(r.value < 1e-9);
}

#[test]
fn a_non_descent_direction_resets_the_history_instead_of_failing() {
    // A pair with negative curvature (y's < 0), as rounding or a noisy gradient can leave behind,
    // makes the two-loop matrix indefinite: for this g the direction points uphill.
    let mut history: VecDeque<Pair> = VecDeque::new();
    history.push_back(Pair::new(vec![1.0, 0.0], vec![-1.0, 0.0]));
    let mut gamma = 1.0;
    let g = [1.0, 0.0];
    assert!(
        dot(&two_loop(&history, gamma, &g), &g) < 0.0,
        "H g points uphill"
    );
    let (p, reset) = descent_direction(&mut history, &mut gamma, &g);
    assert!(reset);
    assert!(history.is_empty());
    assert_eq!(p, vec![-1.0, 0.0]);
    // A healthy history is kept.
    history.push_back(Pair::new(vec![1.0, 0.0], vec![2.0, 0.0]));
    let (p, reset) = descent_direction(&mut history, &mut gamma, &g);
    assert!(!reset && history.len() == 1);
    assert!(dot(&p, &g) < 0.0);
}

#[test]
fn lbfgs_with_a_long_history_reproduces_bfgs() {
    let stop = Stopping {
        grad_tol: 1e-9,
        ..Stopping::default()
    };
    let start = Rosenbrock { n: 4 }.start();
    let bfgs = Bfgs::default().minimize(&mut Rosenbrock { n: 4 }, &start, &stop);
    let mut fixed = Lbfgs::new(200);
    fixed.fixed_scaling = true;
    let lb = fixed.minimize(&mut Rosenbrock { n: 4 }, &start, &stop);
    assert_eq!(bfgs.iterations, lb.iterations);
    assert!(bfgs.iterations > 10);
    for (a, b) in bfgs.path.iter().zip(&lb.path) {
        for (u, v) in a.iter().zip(b) {
            assert!(
                (u - v).abs() < 1e-6 * (1.0 + u.abs()),
                "iterates differ: {a:?} vs {b:?}"
            );
        }
    }
}
