//! The convolution tests' inputs: random arrays and the shapes every path is checked on (shared
//! by `tests/conv.rs` and `tests/backends.rs`).

use ndarray::Array4;
use nnlab::nn::layers::conv::out_size;
use nnlab::rng::{below, randn, seeded};

pub fn random4(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f64> {
    let mut rng = seeded(seed);
    Array4::from_shape_fn(shape, |_| randn(&mut rng))
}

pub type Shape4 = (usize, usize, usize, usize);

/// (x shape, w shape, stride, pad): odd sizes, stride 2, padding, one channel, batch 1, LeNet's
/// layers, strides that do not tile the input (PyTorch's rule rounds the output size down); then
/// random shapes (seeded) with kernels 1-5, strides 1-3 and padding 0-2.
pub fn shapes() -> Vec<(Shape4, Shape4, usize, usize)> {
    let mut all = vec![
        ((2, 3, 7, 7), (4, 3, 3, 3), 1, 1),
        ((1, 1, 9, 7), (2, 1, 3, 3), 2, 0),
        ((3, 2, 8, 6), (5, 2, 2, 2), 2, 0),
        ((2, 1, 28, 28), (6, 1, 5, 5), 1, 2), // LeNet C1 as built (28x28 padded to 32x32)
        ((1, 6, 14, 14), (16, 6, 5, 5), 1, 0), // LeNet C3
        ((2, 3, 5, 9), (3, 3, 3, 5), 2, 2),
        ((1, 2, 4, 4), (1, 2, 4, 4), 1, 0),
        ((1, 1, 5, 3), (2, 1, 3, 1), 1, 2),
        ((2, 3, 8, 7), (4, 3, 3, 3), 2, 0), // 8 - 3 = 5 rows: the last is never read
        ((1, 2, 10, 9), (3, 2, 4, 3), 3, 1), // neither axis tiles
    ];
    let mut rng = seeded(99);
    while all.len() < 40 {
        let (n, c, f) = (
            1 + below(&mut rng, 3),
            1 + below(&mut rng, 4),
            1 + below(&mut rng, 4),
        );
        let (hh, ww) = (1 + below(&mut rng, 5), 1 + below(&mut rng, 5));
        let (stride, pad) = (1 + below(&mut rng, 3), below(&mut rng, 3));
        let (h, w) = (1 + below(&mut rng, 12), 1 + below(&mut rng, 12));
        if out_size(h, hh, stride, pad).is_some() && out_size(w, ww, stride, pad).is_some() {
            all.push(((n, c, h, w), (f, c, hh, ww), stride, pad));
        }
    }
    all
}

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}
