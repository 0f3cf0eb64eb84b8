//! Dropout's training pass as `benches/dropout.rs` times it, shared with `benches/peer_ab/lib.rs`
//! (which times it against PyTorch's in one process): the same layer, activations and yardstick.

use ndarray::{Array2, Zip};
use nnlab::nn::layers::{Dropout, DropoutKind, Layer, Mode};

/// Keep probability of the bench (PyTorch's `p = 0.5` drop rate is the same).
pub const KEEP: f64 = 0.5;

/// Bytes a forward + backward moves per unit: reads x, writes the output; reads the output's
/// gradient, writes dx (the layer keeps no mask: backward redraws it).
pub const BYTES_PER_UNIT: u64 = 16;

/// Activations and their gradients, `(n / 1000, 1000)`.
pub fn data(n: usize) -> (Array2<f32>, Array2<f32>) {
    let shape = (n / 1000, 1000);
    let x = Array2::from_shape_fn(shape, |(i, j)| ((i * 1000 + j) % 997) as f32 * 1e-3);
    let dout = Array2::from_shape_fn(shape, |(i, j)| ((i * 7 + j) % 991) as f32 * 1e-3 - 0.5);
    (x, dout)
}

/// The bench's layer: inverted dropout with keep probability `keep` ([`KEEP`]; 1 runs the same
/// passes without drawing a mask, which isolates the mask generator's share of the time).
pub fn layer(keep: f64) -> Dropout<f32> {
    Dropout::new(keep, DropoutKind::Inverted, 42).expect("a valid keep probability")
}

/// One training pass: forward (a fresh mask) and backward.
pub fn pass(
    layer: &mut Dropout<f32>,
    x: &Array2<f32>,
    dout: &Array2<f32>,
) -> (Array2<f32>, Array2<f32>) {
    let out = layer.forward(x.view(), Mode::Train);
    (out, layer.backward(dout.view()))
}

/// The yardstick: the same traffic with no mask, `x * s` and `dout * s` into new arrays (16 bytes
/// per unit), split by rayon's own chunking.
pub fn yardstick(x: &Array2<f32>, dout: &Array2<f32>) -> (Array2<f32>, Array2<f32>) {
    let scaled = |a: &Array2<f32>| Zip::from(a).par_map_collect(|&v| v * 2.0);
    (scaled(x), scaled(dout))
}
