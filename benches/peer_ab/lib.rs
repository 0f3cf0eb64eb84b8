//! nnlab's update-rule steps behind a C interface, for `peer_ab.py`: a handle owns one
//! optimizer, its parameters and gradient (built by `benches/common/optim_steps.rs`, as in
//! `benches/optim.rs`) and a rayon pool of the requested size; `nnlab_ab_step` takes one step.
//! Like the criterion benches it puts large state on huge pages (`optim_steps::data` switches
//! them on); unlike them it leaves the allocator settings alone
//! (`nnlab::memory::keep_freed_memory`): in PyTorch's process they would change how PyTorch's
//! for-loop and foreach variants get their per-step temporaries.

#[path = "../common/optim_steps.rs"]
mod optim_steps;

use nnlab::optim::Optimizer;
use nnlab::optim::buffer::StateVec;
use std::ffi::{CStr, c_char};

/// What a handle steps: one of the six rules, or the bandwidth yardstick `a += s * b`.
enum Step {
    Rule(Box<dyn Optimizer<f32>>),
    Yardstick,
}

pub struct Handle {
    step: Step,
    x: StateVec<f32>,
    dx: StateVec<f32>,
    pool: rayon::ThreadPool,
}

/// The rule named `rule` (`sgd`, `momentum`, `nesterov`, `adagrad`, `rmsprop`, `adam`, or
/// `yardstick`) over `n` parameters on `threads` threads, with the bench's hyperparameters, after
/// one untimed step (so the state is allocated). Null for an unknown name, a bad size or a pool
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
    let step = match rule {
        "yardstick" => Step::Yardstick,
        name => match optim_steps::rule(name) {
            Some(opt) => Step::Rule(opt),
            None => return std::ptr::null_mut(),
        },
    };
    if n == 0 || threads == 0 {
        return std::ptr::null_mut();
    }
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        return std::ptr::null_mut();
    };
    let (x, dx) = optim_steps::data(n);
    let handle = Box::into_raw(Box::new(Handle { step, x, dx, pool }));
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
    let Handle { step, x, dx, pool } = unsafe { &mut *handle };
    pool.install(|| match step {
        Step::Rule(opt) => {
            opt.begin_step();
            opt.update(0, x, dx);
        }
        Step::Yardstick => optim_steps::stream(x, dx, -1e-3),
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
    if rule == "yardstick" {
        return 3; // reads a, b; writes a
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
