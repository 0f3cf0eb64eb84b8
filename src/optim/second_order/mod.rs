//! Second-order and quasi-Newton methods: Newton, BFGS and L-BFGS, with the strong-Wolfe line
//! search they share, plus full-batch first-order baselines (gradient descent, Adam) run through
//! the same interface so every method is stopped and counted the same way.
//!
//! The objective is the interface: it returns a value and writes a gradient; [`Hessian`]
//! objectives also give their exact Hessian (for Newton). Everything here is `f64` and
//! single-vector (`x: (n,)`); the methods know nothing about files or plotting.

mod method;
pub use method::{
    Counted, Hessian, IterStat, Minimizer, Objective, Report, StopReason, Stopping, axpy, dot,
    max_abs, norm,
};

use thiserror::Error;

pub mod bfgs;
pub mod first_order;
mod kernels;
pub mod lbfgs;
pub mod line_search;
pub mod newton;
pub mod objectives;

pub use bfgs::Bfgs;
pub use first_order::FirstOrder;
pub use lbfgs::Lbfgs;
pub use line_search::{LineSearchError, Step, StrongWolfe};
pub use newton::Newton;

/// A linear solve that could not be done.
#[derive(Debug, Error)]
pub enum SolveError {
    #[error("the Hessian is not finite")]
    NonFinite,
}

/// Wall seconds per iteration of the run `run` makes (its report says how many iterations it
/// took): what the chapter's cost-against-n figure plots.
pub fn seconds_per_iteration(run: impl FnOnce() -> Report) -> f64 {
    let t = std::time::Instant::now();
    let r = run();
    t.elapsed().as_secs_f64() / r.iterations.max(1) as f64
}
