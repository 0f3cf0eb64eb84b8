//! im2col: each image's receptive fields copied into the columns of a matrix, so that the
//! convolution is one matrix product per image (faer's GEMM), for any stride.

use super::geometry::{ConvParams, Geometry};
use super::grads::{BackwardInputs, ConvGrads, bias_grad, sum_in_order};
use crate::Float;
use faer::traits::RealField;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array4, ArrayView1, ArrayView4};
use rayon::prelude::*;

/// For kernel offset `d` along an axis: the output positions `j_lo..j_hi` whose input position
/// `j·stride + d - pad` falls inside `0..len` (the others read the zero padding).
fn valid_range(out: usize, len: usize, d: usize, p: ConvParams) -> (usize, usize) {
    // j·stride + d >= pad  and  j·stride + d - pad < len
    let lo = p.pad.saturating_sub(d).div_ceil(p.stride);
    let hi = if len + p.pad > d {
        (len + p.pad - d).div_ceil(p.stride)
    } else {
        0
    };
    (lo.min(out), hi.min(out).max(lo.min(out)))
}

// ANCHOR: im2col
/// One image `x: (C, H, W)` (flat) → `cols: (C·HH·WW, Ho·Wo)` row-major: column `(i, j)` holds the
/// receptive field of output pixel `(i, j)`, so the convolution is `W (F, C·HH·WW) × cols`. Costs
/// `HH·WW / stride²` times the input's memory. Each output row is one contiguous copy of an input
/// row segment (stride 1) plus the zeros of the padding.
pub fn im2col<F: Float>(x: &[F], g: &Geometry, cols: &mut [F]) {
    let Geometry {
        c,
        h,
        w,
        hh,
        ww,
        ho,
        wo,
        p,
        ..
    } = *g;
    assert_eq!(cols.len(), g.patch() * ho * wo);
    assert_eq!(x.len(), c * h * w);
    for ch in 0..c {
        for di in 0..hh {
            let (i_lo, i_hi) = valid_range(ho, h, di, p);
            for dj in 0..ww {
                let (j_lo, j_hi) = valid_range(wo, w, dj, p);
                let row = &mut cols[((ch * hh + di) * ww + dj) * ho * wo..][..ho * wo];
                for (i, out_row) in row.chunks_exact_mut(wo).enumerate() {
                    if i < i_lo || i >= i_hi {
                        out_row.fill(F::zero());
                        continue;
                    }
                    let r = i * p.stride + di - p.pad;
                    let src = &x[(ch * h + r) * w..][..w];
                    out_row[..j_lo].fill(F::zero());
                    out_row[j_hi..].fill(F::zero());
                    let q0 = j_lo * p.stride + dj - p.pad;
                    if p.stride == 1 {
                        out_row[j_lo..j_hi].copy_from_slice(&src[q0..q0 + (j_hi - j_lo)]);
                    } else {
                        for (o, j) in out_row[j_lo..j_hi].iter_mut().zip(0..) {
                            *o = src[q0 + j * p.stride];
                        }
                    }
                }
            }
        }
    }
}
// ANCHOR_END: im2col

/// The adjoint of [`im2col`]: adds each column entry back to the input pixel it came from.
pub fn col2im<F: Float>(cols: &[F], g: &Geometry, dx: &mut [F]) {
    let Geometry {
        c,
        h,
        w,
        hh,
        ww,
        ho,
        wo,
        p,
        ..
    } = *g;
    assert_eq!(cols.len(), g.patch() * ho * wo);
    assert_eq!(dx.len(), c * h * w);
    for ch in 0..c {
        for di in 0..hh {
            let (i_lo, i_hi) = valid_range(ho, h, di, p);
            for dj in 0..ww {
                let (j_lo, j_hi) = valid_range(wo, w, dj, p);
                let row = &cols[((ch * hh + di) * ww + dj) * ho * wo..][..ho * wo];
                for i in i_lo..i_hi {
                    let r = i * p.stride + di - p.pad;
                    let dst = &mut dx[(ch * h + r) * w..][..w];
                    let q0 = j_lo * p.stride + dj - p.pad;
                    for (j, v) in row[i * wo + j_lo..i * wo + j_hi].iter().enumerate() {
                        dst[q0 + j * p.stride] += *v;
                    }
                }
            }
        }
    }
}

/// `c (m, n) = a (m, k) × b (k, n)`, all row-major slices; `a_t` reads `a` as the transpose of a
/// row-major `(k, m)`, `b_t` likewise for `b` (`(n, k)`).
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm<F: Float + RealField>(
    m: usize,
    n: usize,
    k: usize,
    a: &[F],
    a_t: bool,
    b: &[F],
    b_t: bool,
    c: &mut [F],
) {
    let a = if a_t {
        MatRef::from_row_major_slice(a, k, m).transpose()
    } else {
        MatRef::from_row_major_slice(a, m, k)
    };
    let b = if b_t {
        MatRef::from_row_major_slice(b, n, k).transpose()
    } else {
        MatRef::from_row_major_slice(b, k, n)
    };
    let c = MatMut::from_row_major_slice_mut(c, m, n);
    faer::linalg::matmul::matmul(c, Accum::Replace, a, b, F::one(), Par::Seq);
}

// ANCHOR: conv_im2col
/// The convolution as one GEMM per image, `out_n = W (F, C·HH·WW) × im2col(x_n) + b`; images in
/// parallel (each writes only its own output, so the bits do not depend on the thread count).
pub fn conv_forward_im2col<F: Float + RealField>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> Array4<F> {
    let g = Geometry::of(&x, &w, p);
    let n = x.dim().0;
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let (xs, ws) = (
        x.as_slice().expect("standard layout"),
        w.as_slice().expect("standard layout"),
    );
    let (kdim, pix) = (g.patch(), g.pixels());
    let mut out = Array4::zeros((n, g.f, g.ho, g.wo));
    out.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(g.f * pix)
        .zip(xs.par_chunks(g.c * g.h * g.w))
        .for_each_init(
            || vec![F::zero(); kdim * pix],
            |cols, (o, xi)| {
                im2col(xi, &g, cols);
                gemm(g.f, pix, kdim, ws, false, cols, false, o);
                for (f, row) in o.chunks_exact_mut(pix).enumerate() {
                    row.iter_mut().for_each(|v| *v += b[f]);
                }
            },
        );
    out
}
// ANCHOR_END: conv_im2col

/// Gradients of [`conv_forward_im2col`]: per image `dW += dout_n × cols_nᵀ`, `dcols = Wᵀ × dout_n`,
/// `dx_n = col2im(dcols)`. Images run in parallel; their weight gradients are summed in image
/// order, so the bits do not depend on the thread count.
pub fn conv_backward_im2col<F: Float + RealField>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
) -> ConvGrads<F> {
    let inputs = BackwardInputs::new(dout, x, w, p);
    let g = inputs.g;
    let (xs, ws, ds) = inputs.slices();
    let (kdim, pix, image) = (g.patch(), g.pixels(), g.c * g.h * g.w);
    let mut dx = Array4::<F>::zeros(x.dim());
    let dws: Vec<Vec<F>> = dx
        .as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(image)
        .zip(xs.par_chunks(image))
        .zip(ds.par_chunks(g.f * pix))
        .map_init(
            || vec![F::zero(); kdim * pix],
            |cols, ((dxi, xi), di)| {
                im2col(xi, &g, cols);
                let mut dw = vec![F::zero(); g.f * kdim];
                gemm(g.f, kdim, pix, di, false, cols, true, &mut dw); // (F, pix) x (pix, kdim)
                gemm(kdim, pix, g.f, ws, true, di, false, cols); // (kdim, F) x (F, pix)
                col2im(cols, &g, dxi);
                dw
            },
        )
        .collect();
    (
        dx,
        sum_in_order(&dws, (g.f, g.c, g.hh, g.ww)),
        bias_grad(&dout.view()),
    )
}
