//! What the implementations share in their backward passes: the bias gradient, the per-image
//! weight gradients summed in image order, and the input gradient's per-task chunks.

use crate::Float;
use crate::layers::window;
use ndarray::{Array1, Array4, ArrayView4};
use rayon::prelude::*;

/// `(dx, dw, db)`: the gradients of a convolution's input, weights and bias.
pub type ConvGrads<F> = (Array4<F>, Array4<F>, Array1<F>);

/// `db[f] = Σ_{n, i, j} dout[n, f, i, j]`: each image's plane sums in parallel, then added in
/// image order (same bits for any thread count).
pub(super) fn bias_grad<F: Float>(dout: &ArrayView4<F>) -> Array1<F> {
    let (_, f, ho, wo) = dout.dim();
    let dout = dout.as_standard_layout();
    let per_image: Vec<Vec<F>> = dout
        .as_slice()
        .expect("standard layout")
        .par_chunks_exact(f * ho * wo)
        .map(|image| image.chunks_exact(ho * wo).map(window::sum).collect())
        .collect();
    let mut db = Array1::zeros(f);
    for sums in &per_image {
        db.iter_mut().zip(sums).for_each(|(d, &s)| *d += s);
    }
    db
}

/// `count` chunks of `len` values of `dx` for the parallel tasks to write, or `count` `None`s when
/// there is no `dx` to compute.
pub(super) fn chunks_or_none<T>(
    dx: Option<&mut Array4<T>>,
    len: usize,
    count: usize,
) -> Vec<Option<&mut [T]>> {
    match dx {
        Some(dx) => dx
            .as_slice_mut()
            .expect("fresh array")
            .chunks_mut(len)
            .map(Some)
            .collect(),
        None => (0..count).map(|_| None).collect(),
    }
}

/// Per-image weight gradients summed in image order into one `(F, C, HH, WW)` array. Blocks of
/// the array in parallel (each element still summed in image order, so the bits do not depend on
/// the thread count); a small array is one block.
pub(super) fn sum_in_order<F: Float>(
    parts: &[Vec<F>],
    shape: (usize, usize, usize, usize),
) -> Array4<F> {
    const BLOCK: usize = 4096;
    let mut dw = Array4::<F>::zeros(shape);
    let flat = dw.as_slice_mut().expect("fresh array");
    flat.par_chunks_mut(BLOCK).enumerate().for_each(|(k, dst)| {
        for part in parts {
            let src = &part[k * BLOCK..][..dst.len()];
            dst.iter_mut().zip(src).for_each(|(a, &b)| *a += b);
        }
    });
    dw
}
