//! Optimization: the first-order update rules (one file each: read [`sgd`], then [`momentum`]),
//! the learning-rate schedules ([`schedule`]) and the second-order methods ([`second_order`]:
//! Newton, BFGS, L-BFGS).
//!
//! Like CS231n's `update(w, dw, config)`, an [`Optimizer`] updates one parameter tensor at a time
//! and keeps its state (velocity `v`, `cache`, …) per tensor, indexed by a stable slot number. The
//! same objects drive the 2-D experiments (one slot holding `(x, y)`) and network training (one
//! slot per weight matrix and bias).

pub mod optimizer;
pub use optimizer::Optimizer;

pub mod adagrad;
pub mod adam;
pub mod momentum;
pub mod momentum_buffer;
pub mod nesterov;
pub mod rmsprop;
pub mod rule;
pub mod schedule;
pub mod second_order;
pub mod sgd;
pub mod state;

pub use adagrad::AdaGrad;
pub use adam::Adam;
pub use momentum::{Momentum, contraction_rate};
pub use momentum_buffer::MomentumBuffer;
pub use nesterov::{Nesterov, nesterov_contraction_rate};
pub use rmsprop::RmsProp;
pub use rule::{Hyper, Rule};
pub use sgd::Sgd;

use crate::Float;
use crate::nn::layers::ParamGrad;
pub use state::{CHUNK, SlotState, serial, zip2, zip3};

// ANCHOR: step_all
/// One iteration of `opt` over every parameter of a network, in slot order.
pub fn step_all<F: Float>(opt: &mut dyn Optimizer<F>, params: Vec<ParamGrad<'_, F>>) {
    opt.begin_step();
    for (slot, p) in params.into_iter().enumerate() {
        opt.update(slot, p.value, p.grad);
    }
}
// ANCHOR_END: step_all
