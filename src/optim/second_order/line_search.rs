//! A line search for the strong Wolfe conditions [Nocedal and Wright, 2006, Algorithms 3.5 and
//! 3.6]: along a descent direction `p` from `x`, find `alpha` with
//!
//! ```text
//! f(x + alpha p) <= f(x) + c1 alpha ∇f(x)'p           (sufficient decrease)
//! |∇f(x + alpha p)'p| <= c2 |∇f(x)'p|                  (curvature)
//! ```
//!
//! One guard the textbook leaves out and argmin's and PyTorch's L-BFGS lack: a trial point whose
//! value or slope is NaN or infinite is treated as "too far" (it becomes the upper end of the
//! bracket and the next trial bisects), so one overflow shrinks the step instead of poisoning the
//! interpolation.

use thiserror::Error;

use super::method::{Counted, Objective, dot};

#[derive(Debug, Error, PartialEq)]
pub enum LineSearchError {
    #[error("not a descent direction (slope {0:e} >= 0)")]
    NotDescent(f64),
    #[error("no step with sufficient decrease found after {0} evaluations")]
    NoProgress(usize),
}

/// The parameters `c1 < c2` of the Wolfe conditions and the search's budget.
#[derive(Clone, Copy, Debug)]
pub struct StrongWolfe {
    pub c1: f64,
    pub c2: f64,
    /// Evaluations one search may use before giving up.
    pub max_evals: usize,
}

impl Default for StrongWolfe {
    /// `c1 = 1e-4`, `c2 = 0.9`: the values Nocedal and Wright recommend for quasi-Newton methods.
    fn default() -> Self {
        StrongWolfe {
            c1: 1e-4,
            c2: 0.9,
            max_evals: 30,
        }
    }
}

/// An accepted step: `x_new = x + alpha p`, its value and gradient.
#[derive(Clone, Debug)]
pub struct Step {
    pub alpha: f64,
    pub x: Vec<f64>,
    pub value: f64,
    pub grad: Vec<f64>,
    /// Whether both strong Wolfe inequalities hold (false only for the fallback that keeps the
    /// best point with sufficient decrease when the budget ran out).
    pub wolfe: bool,
}

/// A trial point: `phi(alpha) = f(x + alpha p)` and `phi'(alpha) = ∇f(x + alpha p)'p`.
#[derive(Clone)]
struct Trial {
    alpha: f64,
    phi: f64,
    dphi: f64,
    x: Vec<f64>,
    grad: Vec<f64>,
}

impl Trial {
    fn finite(&self) -> bool {
        self.phi.is_finite() && self.dphi.is_finite()
    }
}

impl StrongWolfe {
    /// Searches from `x` (value `f0`, gradient `g0`) along `p`, trying `alpha0` first.
    pub fn search<O: Objective + ?Sized>(
        &self,
        f: &mut Counted<'_, O>,
        x: &[f64],
        f0: f64,
        g0: &[f64],
        p: &[f64],
        alpha0: f64,
    ) -> Result<Step, LineSearchError> {
        let dphi0 = dot(g0, p);
        if dphi0.is_nan() || dphi0 >= 0.0 {
            return Err(LineSearchError::NotDescent(dphi0));
        }
        let start = f.evals;
        let mut eval = |f: &mut Counted<'_, O>, alpha: f64| {
            let xa: Vec<f64> = x.iter().zip(p).map(|(x, p)| x + alpha * p).collect();
            let mut grad = vec![0.0; x.len()];
            let phi = f.value_grad(&xa, &mut grad);
            let dphi = dot(&grad, p);
            Trial {
                alpha,
                phi,
                dphi,
                x: xa,
                grad,
            }
        };
        let armijo = |t: &Trial| t.phi <= f0 + self.c1 * t.alpha * dphi0;
        let curvature = |t: &Trial| t.dphi.abs() <= -self.c2 * dphi0;

        // Algorithm 3.5: grow alpha until the minimum is bracketed or the step is acceptable.
        let mut prev = Trial {
            alpha: 0.0,
            phi: f0,
            dphi: dphi0,
            x: x.to_vec(),
            grad: g0.to_vec(),
        };
        let mut alpha = alpha0;
        let mut first = true;
        let (lo, hi) = loop {
            let t = eval(f, alpha);
            if !t.finite() || !armijo(&t) || (!first && t.phi >= prev.phi) {
                break (prev, t);
            }
            if curvature(&t) {
                return Ok(accept(t, true));
            }
            if t.dphi >= 0.0 {
                break (t, prev);
            }
            if f.evals - start >= self.max_evals {
                // Still descending after the whole budget: keep the furthest point, which has
                // sufficient decrease.
                return Ok(accept(t, false));
            }
            first = false;
            alpha *= 2.0;
            prev = t;
        };
        self.zoom(f, &mut eval, lo, hi, armijo, curvature, start)
    }

    /// Algorithm 3.6: shrink the bracket `[lo, hi]` (`lo` has sufficient decrease and the lower
    /// value) until a point satisfies both conditions.
    #[allow(clippy::too_many_arguments)]
    fn zoom<O: Objective + ?Sized>(
        &self,
        f: &mut Counted<'_, O>,
        eval: &mut impl FnMut(&mut Counted<'_, O>, f64) -> Trial,
        mut lo: Trial,
        mut hi: Trial,
        armijo: impl Fn(&Trial) -> bool,
        curvature: impl Fn(&Trial) -> bool,
        start: usize,
    ) -> Result<Step, LineSearchError> {
        loop {
            let width = (hi.alpha - lo.alpha).abs();
            if f.evals - start >= self.max_evals
                || width <= 1e-16 * lo.alpha.abs().max(hi.alpha.abs())
            {
                return if lo.alpha > 0.0 {
                    Ok(accept(lo, false))
                } else {
                    Err(LineSearchError::NoProgress(f.evals - start))
                };
            }
            let alpha = interpolate(&lo, &hi);
            let t = eval(f, alpha);
            if !t.finite() || !armijo(&t) || t.phi >= lo.phi {
                hi = t;
            } else {
                if curvature(&t) {
                    return Ok(accept(t, true));
                }
                if t.dphi * (hi.alpha - lo.alpha) >= 0.0 {
                    hi = lo;
                }
                lo = t;
            }
        }
    }
}

fn accept(t: Trial, wolfe: bool) -> Step {
    Step {
        alpha: t.alpha,
        x: t.x,
        value: t.phi,
        grad: t.grad,
        wolfe,
    }
}

/// The minimizer of the cubic through both ends' values and slopes [Nocedal and Wright, eq. 3.59],
/// kept at least 10% of the width away from either end; bisection when the cubic is unusable
/// (non-finite end, no real minimizer).
fn interpolate(lo: &Trial, hi: &Trial) -> f64 {
    let (a, b) = (lo.alpha, hi.alpha);
    let mid = 0.5 * (a + b);
    if !hi.finite() {
        return mid;
    }
    let d1 = lo.dphi + hi.dphi - 3.0 * (lo.phi - hi.phi) / (a - b);
    let disc = d1 * d1 - lo.dphi * hi.dphi;
    if disc.is_nan() || disc < 0.0 {
        return mid;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let alpha = b - (b - a) * (hi.dphi + d2 - d1) / (hi.dphi - lo.dphi + 2.0 * d2);
    let (min, max) = (a.min(b), a.max(b));
    let margin = 0.1 * (max - min);
    if alpha.is_finite() && alpha >= min + margin && alpha <= max - margin {
        alpha
    } else {
        mid
    }
}
