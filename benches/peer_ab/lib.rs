//! nnlab's update-rule steps behind a C interface, for `peer_ab.py`: a handle owns one
//! optimizer, its parameters and gradient (in the same huge-page-backed buffers as
//! `benches/optim.rs`) and a rayon pool of the requested size; `nnlab_ab_step` takes one step.

use nnlab::optim::buffer::StateVec;
use nnlab::optim::{AdaGrad, Adam, Momentum, Nesterov, Optimizer, RmsProp, Sgd};
use rayon::prelude::*;
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
        "sgd" => Step::Rule(Box::new(Sgd::new(1e-3).expect("valid"))),
        "momentum" => Step::Rule(Box::new(Momentum::new(1e-3, 0.9).expect("valid"))),
        "nesterov" => Step::Rule(Box::new(Nesterov::new(1e-3, 0.9).expect("valid"))),
        "adagrad" => Step::Rule(Box::new(AdaGrad::new(1e-3).expect("valid"))),
        "rmsprop" => Step::Rule(Box::new(RmsProp::new(1e-3, 0.99).expect("valid"))),
        "adam" => Step::Rule(Box::new(Adam::new(1e-3, 0.9, 0.999).expect("valid"))),
        "yardstick" => Step::Yardstick,
        _ => return std::ptr::null_mut(),
    };
    if n == 0 || threads == 0 {
        return std::ptr::null_mut();
    }
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
        return std::ptr::null_mut();
    };
    let mut x = StateVec::zeros(n);
    let mut dx = StateVec::zeros(n);
    for (i, (x, dx)) in x.iter_mut().zip(dx.iter_mut()).enumerate() {
        *x = (i % 1000) as f32 * 1e-3;
        *dx = ((i * 7) % 1000) as f32 * 1e-6 - 5e-4;
    }
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
        Step::Yardstick => x
            .par_iter_mut()
            .zip(dx.par_iter())
            .with_min_len(1 << 15)
            .for_each(|(a, &b)| *a += -1e-3 * b),
    });
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
