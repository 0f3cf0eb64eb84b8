//! The definition of convolution as loops, in the slide's form (CS231n's `conv_forward_naive(x, w,
//! b, p) -> (out, cache)`, `conv_backward_naive(dout, cache)`): the reference every other
//! implementation is tested against, and the file to read first.

use super::geometry::{ConvParams, Geometry};
use super::grads::{ConvGrads, bias_grad};
use crate::Float;
use ndarray::{Array4, ArrayView1, ArrayView4};

/// What the backward pass needs: the input, the filters (both borrowed) and the geometry.
#[derive(Clone, Copy)]
pub struct ConvCache<'a, F> {
    pub x: ArrayView4<'a, F>,
    pub w: ArrayView4<'a, F>,
    pub p: ConvParams,
}

// ANCHOR: conv_naive
/// `out[n, f, i, j] = b[f] + Σ_{c, di, dj} w[f, c, di, dj] · xpad[n, c, i·stride + di, j·stride + dj]`
pub fn conv_forward_naive<'a, F: Float>(
    x: ArrayView4<'a, F>,
    w: ArrayView4<'a, F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> (Array4<F>, ConvCache<'a, F>) {
    let g = Geometry::of(&x, &w, p);
    let n = x.dim().0;
    let mut out = Array4::zeros((n, g.f, g.ho, g.wo));
    for img in 0..n {
        for f in 0..g.f {
            for i in 0..g.ho {
                for j in 0..g.wo {
                    // ANCHOR: conv_formula
                    let mut s = b[f];
                    for ch in 0..g.c {
                        for di in 0..g.hh {
                            for dj in 0..g.ww {
                                // Outside the input the padding is zero.
                                if let Some((r, q)) = g.input_pos(i, j, di, dj) {
                                    s += w[[f, ch, di, dj]] * x[[img, ch, r, q]];
                                }
                            }
                        }
                    }
                    out[[img, f, i, j]] = s;
                    // ANCHOR_END: conv_formula
                }
            }
        }
    }
    (out, ConvCache { x, w, p })
}
// ANCHOR_END: conv_naive

/// Gradients of [`conv_forward_naive`]: `(dx, dw, db)` from `dout: (N, F, Ho, Wo)`.
pub fn conv_backward_naive<F: Float>(
    dout: ArrayView4<F>,
    cache: &ConvCache<'_, F>,
) -> ConvGrads<F> {
    let ConvCache { x, w, p } = *cache;
    let g = Geometry::of(&x, &w, p);
    let n = x.dim().0;
    assert_eq!(dout.dim(), (n, g.f, g.ho, g.wo), "dout has the wrong shape");
    let mut dx = Array4::zeros(x.dim());
    let mut dw = Array4::zeros(w.dim());
    for img in 0..n {
        for f in 0..g.f {
            for i in 0..g.ho {
                for j in 0..g.wo {
                    let d = dout[[img, f, i, j]];
                    for ch in 0..g.c {
                        for di in 0..g.hh {
                            for dj in 0..g.ww {
                                if let Some((r, q)) = g.input_pos(i, j, di, dj) {
                                    dw[[f, ch, di, dj]] += d * x[[img, ch, r, q]];
                                    dx[[img, ch, r, q]] += d * w[[f, ch, di, dj]];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (dx, dw, bias_grad(&dout))
}
