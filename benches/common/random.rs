//! Seeded random inputs of the convolution cases, shared by `benches/conv.rs`, `bench_report` and
//! the instruction-count suite.

use ndarray::Array4;
use nnlab::rng::{randn, seeded};

/// A `(N, C, H, W)` array of standard normal draws from stream `seed`.
pub fn random4(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f32> {
    let mut rng = seeded(seed);
    Array4::from_shape_fn(shape, |_| randn(&mut rng) as f32)
}
