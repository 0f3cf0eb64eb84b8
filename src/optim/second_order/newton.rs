//! Newton's method: minimize the second-order Taylor model
//! `J(θ) ≈ J(θ0) + (θ - θ0)'∇J(θ0) + ½ (θ - θ0)' H (θ - θ0)`, whose minimizer is
//! `θ* = θ0 - H⁻¹ ∇J(θ0)`: no learning rate, one linear solve per step.

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef, Side};

use super::line_search::StrongWolfe;
use super::method::{Counted, Hessian, Report, StopReason, Stopping, Tracker, dot};

#[derive(Clone, Debug, Default)]
pub struct Newton {
    /// Damped Newton: search along the Newton direction with the strong-Wolfe line search
    /// (trying the full step first) instead of always taking it. Needed far from the minimum of a
    /// non-quadratic function such as Rosenbrock.
    pub line_search: Option<StrongWolfe>,
    /// Times the Hessian was not positive definite and was shifted (see [`newton_direction`]).
    pub shifts: usize,
}

impl Newton {
    /// The pure method: always the full step.
    pub fn pure() -> Self {
        Newton::default()
    }
    pub fn damped() -> Self {
        Newton {
            line_search: Some(StrongWolfe::default()),
            shifts: 0,
        }
    }
    pub fn name(&self) -> String {
        if self.line_search.is_some() {
            "Newton (line search)".into()
        } else {
            "Newton".into()
        }
    }
}

// ANCHOR: newton_direction
/// Solves `(H + τ I) p = -g` by Cholesky (faer). `τ = 0` when `H` is positive definite; otherwise
/// the smallest of `β, 2β, 4β, ...` (`β = 1e-3 · max |H_ii|`, at least 1e-8) for which the
/// factorization succeeds — "Cholesky with added multiple of the identity" [Nocedal and Wright,
/// Algorithm 3.3]. The shifted matrix is positive definite, so `p` is a descent direction even where
/// the function is not convex. Returns `p` and `τ`.
pub fn newton_direction(h: &[f64], g: &[f64]) -> (Vec<f64>, f64) {
    let n = g.len();
    assert_eq!(h.len(), n * n, "Hessian is not n x n");
    let hm = MatRef::from_row_major_slice(h, n, n);
    let beta = (1e-3 * (0..n).map(|i| h[i * n + i].abs()).fold(0.0, f64::max)).max(1e-8);
    let min_diag = (0..n).map(|i| h[i * n + i]).fold(f64::INFINITY, f64::min);
    let mut tau = if min_diag > 0.0 { 0.0 } else { beta - min_diag };
    loop {
        // ANCHOR: newton_step
        let shifted = Mat::from_fn(n, n, |i, j| hm[(i, j)] + if i == j { tau } else { 0.0 });
        if let Ok(llt) = shifted.llt(Side::Lower) {
            let mut rhs = Mat::from_fn(n, 1, |i, _| -g[i]);
            llt.solve_in_place(rhs.as_mut());
            return ((0..n).map(|i| rhs[(i, 0)]).collect(), tau);
            // ANCHOR_END: newton_step
        }
        tau = (2.0 * tau).max(beta);
        assert!(
            tau.is_finite(),
            "Hessian shift overflowed: the Hessian is not finite"
        );
    }
}
// ANCHOR_END: newton_direction

impl Newton {
    pub fn minimize<O: Hessian + ?Sized>(
        &mut self,
        f: &mut O,
        x0: &[f64],
        stop: &Stopping,
    ) -> Report {
        let n = x0.len();
        let mut hess = vec![0.0; n * n];
        let mut f = Counted::new(f);
        let mut x = x0.to_vec();
        let mut grad = vec![0.0; n];
        let mut value = f.value_grad(&x, &mut grad);
        let mut track = Tracker::new(stop, x0, value, &grad, f.evals);
        let mut reason = track.check_start(value, &grad);
        let mut iter = 0;
        while reason.is_none() {
            f.inner.hessian(&x, &mut hess);
            if hess.iter().any(|h| !h.is_finite()) {
                reason = Some(StopReason::NonFinite);
                break;
            }
            let (p, tau) = newton_direction(&hess, &grad);
            if tau > 0.0 {
                self.shifts += 1;
            }
            let prev = value;
            match self.line_search {
                Some(ls) => match ls.search(&mut f, &x, value, &grad, &p, 1.0) {
                    Ok(step) => (x, value, grad) = (step.x, step.value, step.grad),
                    Err(_) => {
                        reason = Some(StopReason::LineSearch);
                        break;
                    }
                },
                None => {
                    x.iter_mut().zip(&p).for_each(|(x, p)| *x += p);
                    value = f.value_grad(&x, &mut grad);
                }
            }
            debug_assert!(dot(&p, &p).is_finite());
            iter += 1;
            track.record(iter, f.evals, &x, value, &grad);
            reason = track.check(iter, prev, value, &grad);
        }
        let reason = reason.unwrap_or(StopReason::MaxIterations);
        track.finish(x, value, &grad, f.evals, reason)
    }
}
