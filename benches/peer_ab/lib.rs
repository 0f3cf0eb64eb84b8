//! nnlab's update-rule steps behind a C interface, for `peer_ab.py`: a handle owns one
//! optimizer, its parameters and gradient (built by `benches/common/optim_steps.rs`, as in
//! `benches/optim.rs`) and a rayon pool of the requested size; `nnlab_ab_step` takes one step.
//! Like the criterion benches it puts large state on huge pages (`optim_steps::data` switches
//! them on); unlike them it leaves the allocator settings alone
//! (`nnlab::runtime::memory::keep_freed_memory`): in PyTorch's process they would change how PyTorch's
//! for-loop and foreach variants get their per-step temporaries.

#[path = "../common/batchnorm_pass.rs"]
mod batchnorm_pass;
#[path = "../common/dropout_pass.rs"]
mod dropout_pass;
#[path = "../common/optim_steps.rs"]
mod optim_steps;

use ndarray::Array2;
use nnlab::nn::layers::{BatchNorm, Dropout};
use nnlab::optim::Optimizer;
use nnlab::runtime::buffer::StateVec;
use std::ffi::{CStr, c_char};

/// What a handle steps: one of the six rules or their bandwidth yardstick `a += s * b`, or
/// dropout's training pass or its yardstick (as `benches/dropout.rs` times them).
enum Step {
    Rule(Box<dyn Optimizer<f32>>, StateVec<f32>, StateVec<f32>),
    Yardstick(StateVec<f32>, StateVec<f32>),
    Dropout(Box<Dropout<f32>>, Array2<f32>, Array2<f32>),
    DropoutYardstick(Array2<f32>, Array2<f32>),
    BatchNorm(Box<BatchNorm<f32>>, Array2<f32>, Array2<f32>),
}

pub struct Handle {
    step: Step,
    pool: rayon::ThreadPool,
}

/// The rule named `rule` (`sgd`, `momentum`, `nesterov`, `adagrad`, `rmsprop`, `adam`, or
/// `yardstick`; or `dropout` and `dropout_yardstick`: activations `(n / 1000, 1000)`) over `n` parameters on `threads` threads, with the bench's hyperparameters, after
/// one untimed step (so the state is allocated). `bn_dense_closed`, `bn_dense_staged`,
/// `bn_spatial_closed` and `bn_spatial_staged` are batch normalization's training pass on
/// `benches/batchnorm.rs`'s shapes with either backward form (`n` is ignored). Null for an unknown name, a bad size or a pool
/// that cannot be built.
///
/// # Safety
/// `rule` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nnlab_ab_new(
    rule: *const c_char,
    n: usize,
    threads: usize,
) -> *mut Handle {
    // SAFETY: the caller passes a NUL-terminated string.
    let rule = unsafe { CStr::from_ptr(rule) }.to_str().unwrap_or("");
    if n < 1000 || threads == 0 {
        return std::ptr::null_mut();
    }
    let step = match rule {
        "yardstick" => {
            let (x, dx) = optim_steps::data(n);
            Step::Yardstick(x, dx)
        }
        "dropout" => {
            let (x, dout) = dropout_pass::data(n);
            Step::Dropout(Box::new(dropout_pass::layer(dropout_pass::KEEP)), x, dout)
        }
        "dropout_yardstick" => {
            let (x, dout) = dropout_pass::data(n);
            Step::DropoutYardstick(x, dout)
        }
        bn if bn.starts_with("bn_") => {
            let (shape, form) = bn[3..].split_once('_').unwrap_or(("", ""));
            let case = batchnorm_pass::CASES.iter().find(|c| c.name.starts_with(shape));
            let (Some(case), "closed" | "staged") = (case, form) else {
                return std::ptr::null_mut();
            };
            let (x, dout) = batchnorm_pass::data(case);
            Step::BatchNorm(Box::new(batchnorm_pass::layer(case, form == "staged")), x, dout)
        }
        name => match optim_steps::rule(name) {
            Some(opt) => {
                let (x, dx) = optim_steps::data(n);
                Step::Rule(opt, x, dx)
            }
            None => return std::ptr::null_mut(),
        },
    };
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        return std::ptr::null_mut();
    };
    let handle = Box::into_raw(Box::new(Handle { step, pool }));
    // SAFETY: just created.
    unsafe { nnlab_ab_step(handle) };
    handle
}

/// One step: `begin_step` and `update` of the rule, or one pass of the yardstick.
///
/// # Safety
/// `handle` came from `nnlab_ab_new` and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nnlab_ab_step(handle: *mut Handle) {
    // SAFETY: the caller passes a live handle.
    let Handle { step, pool } = unsafe { &mut *handle };
    pool.install(|| match step {
        Step::Rule(opt, x, dx) => {
            opt.begin_step();
            opt.update(0, x, dx);
        }
        Step::Yardstick(x, dx) => optim_steps::stream(x, dx, -1e-3),
        Step::Dropout(layer, x, dout) => drop(dropout_pass::pass(layer, x, dout)),
        Step::DropoutYardstick(x, dout) => drop(dropout_pass::yardstick(x, dout)),
        Step::BatchNorm(layer, x, dout) => drop(batchnorm_pass::pass(layer, x, dout)),
    });
}

/// The `f32` arrays a step of `rule` moves per parameter (reads + writes), as the criterion bench
/// counts them; 0 for an unknown name.
///
/// # Safety
/// `rule` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nnlab_ab_arrays(rule: *const c_char) -> u64 {
    // SAFETY: the caller passes a NUL-terminated string.
    let rule = unsafe { CStr::from_ptr(rule) }.to_str().unwrap_or("");
    match rule {
        "yardstick" => return 3, // reads a, b; writes a
        "dropout" | "dropout_yardstick" => return dropout_pass::BYTES_PER_UNIT / 4,
        _ => {}
    }
    optim_steps::RULES
        .iter()
        .find(|&&(name, _)| name == rule)
        .map_or(0, |&(_, arrays)| arrays)
}

/// Frees a handle.
///
/// # Safety
/// `handle` came from `nnlab_ab_new` and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nnlab_ab_free(handle: *mut Handle) {
    // SAFETY: the caller gives the handle up.
    drop(unsafe { Box::from_raw(handle) });
}
