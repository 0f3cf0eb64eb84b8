//! Batch normalization's training pass as `benches/batchnorm.rs` times it, shared with
//! `benches/peer_ab/lib.rs` (which times it against PyTorch's in one process): the same shapes,
//! inputs and layers.

use ndarray::Array2;
use nnlab::nn::layers::{BatchNorm, Layer, Mode};
use nnlab::rng::{randn_array, seeded};

/// A shape: its name, the rows and their length, and the layer.
pub struct Case {
    pub name: &'static str,
    pub rows: usize,
    pub cols: usize,
    pub layer: fn() -> BatchNorm<f32>,
}

/// Rows of D features (a fully connected layer's outputs), or of flattened (C, H, W) images
/// (LeNet-5's first convolution's outputs, normalized per channel).
pub const CASES: [Case; 2] = [
    Case {
        name: "dense_128x1024",
        rows: 128,
        cols: 1024,
        layer: || BatchNorm::new(1024),
    },
    Case {
        name: "spatial_128x6x28x28",
        rows: 128,
        cols: 6 * 28 * 28,
        layer: || BatchNorm::spatial(6, 28, 28),
    },
];

/// The case's input and output gradient, standard normal from a fixed seed.
pub fn data(case: &Case) -> (Array2<f32>, Array2<f32>) {
    let mut rng = seeded(1);
    let x = randn_array(case.rows, case.cols, &mut rng);
    (x, randn_array(case.rows, case.cols, &mut rng))
}

/// The case's layer with the staged backward pass or the closed form.
pub fn layer(case: &Case, staged: bool) -> BatchNorm<f32> {
    let mut layer = (case.layer)();
    layer.staged = staged;
    layer
}

/// One training pass: forward with the batch's statistics, then backward.
pub fn pass(
    layer: &mut BatchNorm<f32>,
    x: &Array2<f32>,
    dout: &Array2<f32>,
) -> (Array2<f32>, Array2<f32>) {
    let y = layer.forward(x.view(), Mode::Train);
    (y, layer.backward(dout.view()))
}
