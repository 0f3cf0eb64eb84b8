//! BFGS: a dense approximation `H` of the inverse Hessian, improved after every step by a rank-2
//! update so that it maps the last gradient change to the last step (the secant condition
//! `H y = s`). O(n²) memory and work per iteration, no Hessian evaluations.
//! [Nocedal and Wright, 2006, Algorithm 6.1]

use rayon::prelude::*;

use super::line_search::StrongWolfe;
use super::method::{
    Counted, Minimizer, Objective, Report, StopReason, Stopping, Tracker, dot, norm,
};

/// Rows per parallel task in the O(n²) loops (small problems stay on one thread).
const PAR_ROWS: usize = 64;

#[derive(Clone, Debug, Default)]
pub struct Bfgs {
    pub line_search: StrongWolfe,
    /// Times the direction was not a descent direction and `H` was reset to the identity.
    pub resets: usize,
}

/// The state between iterations: the point, its value and gradient, and `H` (row-major `(n, n)`).
pub struct BfgsState {
    pub x: Vec<f64>,
    pub value: f64,
    pub grad: Vec<f64>,
    pub h: Vec<f64>,
    /// No curvature pair yet: `H` is still the unscaled identity.
    pub fresh: bool,
    /// The last accepted pair `(s, y)`, kept for inspection.
    pub last_pair: Option<(Vec<f64>, Vec<f64>)>,
}

impl BfgsState {
    pub fn new<O: Objective + ?Sized>(f: &mut Counted<'_, O>, x0: &[f64]) -> Self {
        let n = x0.len();
        let mut grad = vec![0.0; n];
        let value = f.value_grad(x0, &mut grad);
        BfgsState {
            x: x0.to_vec(),
            value,
            grad,
            h: identity(n, 1.0),
            fresh: true,
            last_pair: None,
        }
    }
}

/// `y = A x` for a row-major square `A`.
pub fn matvec(a: &[f64], x: &[f64], y: &mut [f64]) {
    let n = x.len();
    y.par_iter_mut()
        .zip(a.par_chunks(n))
        .with_min_len(PAR_ROWS)
        .for_each(|(y, row)| *y = dot(row, x));
}

fn identity(n: usize, scale: f64) -> Vec<f64> {
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        h[i * n + i] = scale;
    }
    h
}

// ANCHOR: bfgs_update
/// The BFGS update of the inverse Hessian [Nocedal and Wright, eq. 6.17]:
/// `H ← (I - ρ s y') H (I - ρ y s') + ρ s s'` with `ρ = 1 / (y's)`, expanded so that it costs one
/// matrix-vector product and one pass over `H`:
/// `H ← H - ρ (s (Hy)' + (Hy) s') + (ρ² y'Hy + ρ) s s'`.
pub fn update_inverse_hessian(h: &mut [f64], s: &[f64], y: &[f64]) {
    let n = s.len();
    // ANCHOR: bfgs_formula
    let rho = 1.0 / dot(y, s);
    let mut hy = vec![0.0; n];
    matvec(h, y, &mut hy);
    let c = rho * rho * dot(y, &hy) + rho;
    h.par_chunks_mut(n)
        .with_min_len(PAR_ROWS)
        .enumerate()
        .for_each(|(i, row)| {
            let (si, hyi) = (s[i], hy[i]);
            for ((h, &sj), &hyj) in row.iter_mut().zip(s).zip(&hy) {
                *h += c * si * sj - rho * (si * hyj + hyi * sj);
                // ANCHOR_END: bfgs_formula
            }
        });
}
// ANCHOR_END: bfgs_update

impl Bfgs {
    /// One iteration from `state`: direction, line search, update. `Err` when the line search
    /// fails (the state is unchanged).
    pub fn iterate<O: Objective + ?Sized>(
        &mut self,
        f: &mut Counted<'_, O>,
        state: &mut BfgsState,
    ) -> Result<(), super::line_search::LineSearchError> {
        let n = state.x.len();
        // p = -H g
        let mut p = vec![0.0; n];
        matvec(&state.h, &state.grad, &mut p);
        p.iter_mut().for_each(|p| *p = -*p);
        // Written so that a NaN slope also counts as "not descent".
        let slope = dot(&p, &state.grad);
        if slope.is_nan() || slope >= 0.0 {
            // H lost positive definiteness to rounding (or the objective is not smooth): start
            // again from steepest descent rather than fail.
            self.resets += 1;
            state.h = identity(n, 1.0);
            state.fresh = true;
            p.iter_mut().zip(&state.grad).for_each(|(p, g)| *p = -g);
        }
        // With H = I the step has no scale yet: make the first trial step of unit length.
        let alpha0 = if state.fresh {
            1.0_f64.min(1.0 / norm(&p))
        } else {
            1.0
        };
        let step = self
            .line_search
            .search(f, &state.x, state.value, &state.grad, &p, alpha0)?;
        let s: Vec<f64> = step.x.iter().zip(&state.x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = step
            .grad
            .iter()
            .zip(&state.grad)
            .map(|(a, b)| a - b)
            .collect();
        let sy = dot(&s, &y);
        // The Wolfe curvature condition guarantees y's > 0; skip the update if rounding says otherwise.
        if sy > f64::EPSILON * norm(&s) * norm(&y) {
            if state.fresh {
                // Scale the identity by y's / y'y before the first update [Nocedal and Wright, eq. 6.20].
                state.h = identity(n, sy / dot(&y, &y));
                state.fresh = false;
            }
            update_inverse_hessian(&mut state.h, &s, &y);
            state.last_pair = Some((s, y));
        }
        state.x = step.x;
        state.value = step.value;
        state.grad = step.grad;
        Ok(())
    }
}

impl Minimizer for Bfgs {
    fn name(&self) -> String {
        "BFGS".into()
    }

    fn minimize(&mut self, f: &mut dyn Objective, x0: &[f64], stop: &Stopping) -> Report {
        let mut f = Counted::new(f);
        let mut state = BfgsState::new(&mut f, x0);
        let mut track = Tracker::new(stop, x0, state.value, &state.grad, f.evals);
        let mut reason = track.check_start(state.value, &state.grad);
        let mut iter = 0;
        while reason.is_none() {
            let prev = state.value;
            if self.iterate(&mut f, &mut state).is_err() {
                reason = Some(StopReason::LineSearch);
                break;
            }
            iter += 1;
            track.record(iter, f.evals, &state.x, state.value, &state.grad);
            reason = track.check(iter, prev, state.value, &state.grad);
        }
        let reason = reason.unwrap_or(StopReason::MaxIterations);
        track.finish(state.x, state.value, &state.grad, f.evals, reason)
    }
}
