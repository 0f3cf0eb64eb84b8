//! The update-rule steps as `benches/optim.rs` times them, shared with `benches/peer_ab/lib.rs`
//! (which times them against PyTorch in one process), so both measure the same thing: the same
//! hyperparameters, the same parameter and gradient values, the same yardstick.

use nnlab::optim::{AdaGrad, Adam, Momentum, Nesterov, Optimizer, RmsProp, Sgd};
use nnlab::runtime::buffer::StateVec;
use rayon::prelude::*;

/// Every rule's name and the `f32` arrays its step moves per parameter (reads + writes).
pub const RULES: [(&str, u64); 6] = [
    ("sgd", 3),      // reads x, dx; writes x
    ("momentum", 5), // reads x, v, dx; writes x, v
    ("nesterov", 5), // reads x, v, dx; writes x, v
    ("adagrad", 5),  // reads x, cache, dx; writes x, cache
    ("rmsprop", 5),  // reads x, cache, dx; writes x, cache
    ("adam", 7),     // reads x, m, v, dx; writes x, m, v
];

/// The rule named `name` (one of [`RULES`]) with the benchmarks' hyperparameters, or `None`.
pub fn rule(name: &str) -> Option<Box<dyn Optimizer<f32>>> {
    Some(match name {
        "sgd" => Box::new(Sgd::new(1e-3).expect("valid")),
        "momentum" => Box::new(Momentum::new(1e-3, 0.9).expect("valid")),
        "nesterov" => Box::new(Nesterov::new(1e-3, 0.9).expect("valid")),
        "adagrad" => Box::new(AdaGrad::new(1e-3).expect("valid")),
        "rmsprop" => Box::new(RmsProp::new(1e-3, 0.99).expect("valid")),
        "adam" => Box::new(Adam::new(1e-3, 0.9, 0.999).expect("valid")),
        _ => return None,
    })
}

/// Parameters and gradients, in the same huge-page-backed buffers the optimizers keep their state
/// in (see `nnlab::runtime::buffer`; switched on here, before the first buffer, as the experiments
/// do), so the yardstick and every rule stream the same kind of memory.
pub fn data(n: usize) -> (StateVec<f32>, StateVec<f32>) {
    nnlab::runtime::buffer::set_huge_pages(true);
    let mut x = StateVec::zeros(n);
    let mut dx = StateVec::zeros(n);
    for (i, (x, dx)) in x.iter_mut().zip(dx.iter_mut()).enumerate() {
        *x = (i % 1000) as f32 * 1e-3;
        *dx = ((i * 7) % 1000) as f32 * 1e-6 - 5e-4;
    }
    (x, dx)
}

/// The yardstick: `a += s * b` in place, in rayon tasks of 32k elements (independent of the
/// optimizers' chunking in `nnlab::optim`), each loop compiled at the run-time tier's vector width
/// like the rules' steps. Reads a and b, writes a: 3 arrays.
pub fn stream(a: &mut [f32], b: &[f32], s: f32) {
    a.par_chunks_mut(1 << 15)
        .zip(b.par_chunks(1 << 15))
        .for_each(|(a, b)| {
            nnlab::runtime::simd::vectorized(
                #[inline(always)]
                || a.iter_mut().zip(b).for_each(|(a, &b)| *a += s * b),
            )
        });
}
