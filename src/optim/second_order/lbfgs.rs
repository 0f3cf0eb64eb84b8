//! L-BFGS: BFGS without the matrix. Only the last `m` pairs `(s, y)` are kept, and `H g` is
//! computed from them by the two-loop recursion in O(m n) [Nocedal, 1980; Liu and Nocedal, 1989].

use std::collections::VecDeque;

use rayon::prelude::*;

use super::line_search::StrongWolfe;
use super::method::{
    Counted, Minimizer, Objective, Report, StopReason, Stopping, Tracker, axpy, dot, norm,
};

#[derive(Clone, Debug)]
pub struct Lbfgs {
    /// History size.
    pub m: usize,
    pub line_search: StrongWolfe,
    /// Scale the initial matrix once, from the first pair, instead of from the newest pair at every
    /// iteration. With `m` at least the number of iterations this reproduces BFGS exactly (a test
    /// checks it); the default re-scaling is what makes L-BFGS work well in practice.
    pub fixed_scaling: bool,
    /// Times a non-descent direction cleared the history.
    pub resets: usize,
}

/// One curvature pair and `ρ = 1 / (y's)`.
pub struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

impl Pair {
    pub fn new(s: Vec<f64>, y: Vec<f64>) -> Self {
        let rho = 1.0 / dot(&s, &y);
        Pair { s, y, rho }
    }
}

impl Lbfgs {
    pub fn new(m: usize) -> Self {
        assert!(m >= 1, "L-BFGS needs a history of at least one pair");
        Lbfgs {
            m,
            line_search: StrongWolfe::default(),
            fixed_scaling: false,
            resets: 0,
        }
    }
}

// ANCHOR: two_loop
/// The two-loop recursion: returns `r = H g`, where `H` is the BFGS inverse-Hessian approximation
/// built from `gamma I` by the stored pairs (oldest first). [Nocedal and Wright, Algorithm 7.4]
pub fn two_loop(history: &VecDeque<Pair>, gamma: f64, g: &[f64]) -> Vec<f64> {
    // ANCHOR: two_loop_formula
    let mut q = g.to_vec();
    let mut a = vec![0.0; history.len()];
    for (i, pair) in history.iter().enumerate().rev() {
        a[i] = pair.rho * dot(&pair.s, &q);
        axpy(-a[i], &pair.y, &mut q);
    }
    let mut r = q;
    r.par_iter_mut()
        .with_min_len(1 << 15)
        .for_each(|r| *r *= gamma);
    for (i, pair) in history.iter().enumerate() {
        let b = pair.rho * dot(&pair.y, &r);
        axpy(a[i] - b, &pair.s, &mut r);
        // ANCHOR_END: two_loop_formula
    }
    r
}
// ANCHOR_END: two_loop

/// `p = -H g` from the two-loop recursion — unless that is not a descent direction (`p'g >= 0`
/// or not finite), which rounding or corrupted pairs can cause: then the history is forgotten and
/// `p = -g`. Returns `p` and whether the history was reset.
pub fn descent_direction(
    history: &mut VecDeque<Pair>,
    gamma: &mut f64,
    g: &[f64],
) -> (Vec<f64>, bool) {
    let mut p = two_loop(history, *gamma, g);
    p.iter_mut().for_each(|p| *p = -*p);
    if dot(&p, g) < 0.0 {
        return (p, false);
    }
    history.clear();
    *gamma = 1.0;
    (g.iter().map(|g| -g).collect(), true)
}

impl Minimizer for Lbfgs {
    fn name(&self) -> String {
        format!("L-BFGS (m={})", self.m)
    }

    fn minimize(&mut self, f: &mut dyn Objective, x0: &[f64], stop: &Stopping) -> Report {
        let n = x0.len();
        let mut f = Counted::new(f);
        let mut x = x0.to_vec();
        let mut grad = vec![0.0; n];
        let mut value = f.value_grad(&x, &mut grad);
        let mut track = Tracker::new(stop, x0, value, &grad, f.evals);
        let mut reason = track.check_start(value, &grad);
        let mut history: VecDeque<Pair> = VecDeque::with_capacity(self.m);
        let mut gamma = 1.0;
        let mut scaled = false;
        let mut iter = 0;
        while reason.is_none() {
            // ANCHOR: lbfgs_iteration
            let (p, reset) = descent_direction(&mut history, &mut gamma, &grad);
            if reset {
                self.resets += 1;
                scaled = false;
            }
            let alpha0 = if history.is_empty() {
                1.0_f64.min(1.0 / norm(&p))
            } else {
                1.0
            };
            let Ok(step) = self
                .line_search
                .search(&mut f, &x, value, &grad, &p, alpha0)
            else {
                reason = Some(StopReason::LineSearch);
                break;
            };
            let s: Vec<f64> = step.x.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = step.grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            if sy > f64::EPSILON * norm(&s) * norm(&y) {
                if !self.fixed_scaling || !scaled {
                    gamma = sy / dot(&y, &y); // s'y / y'y: the initial matrix's scale
                    scaled = true;
                }
                if history.len() == self.m {
                    history.pop_front();
                }
                history.push_back(Pair::new(s, y));
            }
            // ANCHOR_END: lbfgs_iteration
            let prev = value;
            (x, value, grad) = (step.x, step.value, step.grad);
            iter += 1;
            track.record(iter, f.evals, &x, value, &grad);
            reason = track.check(iter, prev, value, &grad);
        }
        let reason = reason.unwrap_or(StopReason::MaxIterations);
        track.finish(x, value, &grad, f.evals, reason)
    }
}
