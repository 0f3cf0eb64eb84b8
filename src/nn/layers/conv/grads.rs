//! What the implementations share in their backward passes: their inputs checked and made
//! contiguous, the bias gradient, the per-image weight gradients summed in image order, and the
//! input gradient's per-task chunks.

use super::geometry::{ConvParams, Geometry};
use crate::Float;
use crate::nn::layers::conv::window;
use ndarray::{Array1, Array4, ArrayView4, CowArray, Ix4};
use rayon::prelude::*;

/// `(dx, dw, db)`: the gradients of a convolution's input, weights and bias.
pub type ConvGrads<F> = (Array4<F>, Array4<F>, Array1<F>);

/// A backward pass's inputs: the geometry of `x` and `w`, checked against `dout`, and the three
/// arrays in standard layout (borrowed when they already are, copied otherwise).
pub(super) struct BackwardInputs<'a, F> {
    pub g: Geometry,
    x: CowArray<'a, F, Ix4>,
    w: CowArray<'a, F, Ix4>,
    dout: CowArray<'a, F, Ix4>,
}

impl<'a, F: Float> BackwardInputs<'a, F> {
    pub fn new(
        dout: ArrayView4<'a, F>,
        x: ArrayView4<'a, F>,
        w: ArrayView4<'a, F>,
        p: ConvParams,
    ) -> Self {
        let g = Geometry::of(&x, &w, p);
        let n = x.dim().0;
        assert_eq!(dout.dim(), (n, g.f, g.ho, g.wo), "dout has the wrong shape");
        BackwardInputs {
            g,
            x: standard(x),
            w: standard(w),
            dout: standard(dout),
        }
    }

    /// `(x, w, dout)` as flat row-major slices.
    pub fn slices(&self) -> (&[F], &[F], &[F]) {
        let flat = "standard layout";
        (
            self.x.as_slice().expect(flat),
            self.w.as_slice().expect(flat),
            self.dout.as_slice().expect(flat),
        )
    }
}

/// `a` in standard layout: the view itself when it already is, a copy otherwise.
fn standard<F: Float>(a: ArrayView4<'_, F>) -> CowArray<'_, F, Ix4> {
    if a.is_standard_layout() {
        CowArray::from(a)
    } else {
        CowArray::from(a.as_standard_layout().into_owned())
    }
}

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
