//! Convolution (NCHW), forward and backward, three ways: the definition as loops (CS231n's
//! `conv_forward_naive`, the reference), im2col + one matrix product per image (faer's GEMM), and
//! the same products on "wide rows" of the zero-padded image, where every im2col row is one
//! contiguous slice of that image, read in place by the kernels of [`super::window`] (stride 1;
//! the default of [`Conv2d`]). [`ConvAlgo`] names and dispatches them.
//!
//! Shapes: `x: (N, C, H, W)`, `w: (F, C, HH, WW)`, `b: (F,)` → `out: (N, F, Ho, Wo)` with
//! `Ho = 1 + (H + 2 pad - HH) / stride` and `Wo = 1 + (W + 2 pad - WW) / stride`.

use faer::traits::RealField;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView4};
use rayon::prelude::*;

use super::interleaved::{
    self, conv_backward_interleaved, conv_forward_interleaved, interleaved_backward,
};
use super::window::{self, Panels, window_dots, window_product};
use crate::Float;
use std::mem::MaybeUninit;

/// Stride and zero padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParams {
    pub stride: usize,
    pub pad: usize,
}

/// The output size along one axis, or `None` when the kernel does not fit or the stride does not
/// tile the padded input exactly.
pub fn out_size(input: usize, kernel: usize, stride: usize, pad: usize) -> Option<usize> {
    let padded = input + 2 * pad;
    if stride == 0 || kernel == 0 || kernel > padded || (padded - kernel) % stride != 0 {
        return None;
    }
    Some(1 + (padded - kernel) / stride)
}

/// Every size of one convolution: input `(C, H, W)`, filters `(F, C, HH, WW)`, output
/// `(F, Ho, Wo)`, and the stride and padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub f: usize,
    pub hh: usize,
    pub ww: usize,
    pub ho: usize,
    pub wo: usize,
    pub p: ConvParams,
}

impl Geometry {
    /// From one input image's `(C, H, W)` and the filters' `(F, C, HH, WW)`; panics with the reason
    /// when they do not fit together.
    pub fn new(
        input: (usize, usize, usize),
        filters: (usize, usize, usize, usize),
        p: ConvParams,
    ) -> Self {
        let (c, h, w) = input;
        let (f, cw, hh, ww) = filters;
        assert_eq!(c, cw, "input has {c} channels, filters expect {cw}");
        let ho = out_size(h, hh, p.stride, p.pad).unwrap_or_else(|| {
            panic!(
                "filter height {hh} with stride {} and pad {} does not tile height {h}",
                p.stride, p.pad
            )
        });
        let wo = out_size(w, ww, p.stride, p.pad).unwrap_or_else(|| {
            panic!(
                "filter width {ww} with stride {} and pad {} does not tile width {w}",
                p.stride, p.pad
            )
        });
        Geometry {
            c,
            h,
            w,
            f,
            hh,
            ww,
            ho,
            wo,
            p,
        }
    }

    /// For a batch `x: (N, C, H, W)` and filters `w`.
    pub(super) fn of<F>(x: &ArrayView4<F>, w: &ArrayView4<F>, p: ConvParams) -> Self {
        let (_, c, h, wd) = x.dim();
        Geometry::new((c, h, wd), w.dim(), p)
    }

    /// Rows of the im2col matrix: `C·HH·WW`.
    pub(super) fn patch(&self) -> usize {
        self.c * self.hh * self.ww
    }

    /// Output pixels per filter: `Ho·Wo`.
    pub(super) fn pixels(&self) -> usize {
        self.ho * self.wo
    }

    /// The input pixel that kernel offset `(di, dj)` of output pixel `(i, j)` reads, or `None` in
    /// the zero padding.
    fn input_pos(&self, i: usize, j: usize, di: usize, dj: usize) -> Option<(usize, usize)> {
        let r = (i * self.p.stride + di).checked_sub(self.p.pad)?;
        let q = (j * self.p.stride + dj).checked_sub(self.p.pad)?;
        (r < self.h && q < self.w).then_some((r, q))
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

// ANCHOR: conv_naive
/// `out[n, f, i, j] = b[f] + Σ_{c, di, dj} w[f, c, di, dj] · xpad[n, c, i·stride + di, j·stride + dj]`
pub fn conv_forward_naive<F: Float>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> Array4<F> {
    let g = Geometry::of(&x, &w, p);
    let n = x.dim().0;
    let mut out = Array4::zeros((n, g.f, g.ho, g.wo));
    for img in 0..n {
        for f in 0..g.f {
            for i in 0..g.ho {
                for j in 0..g.wo {
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
                }
            }
        }
    }
    out
}
// ANCHOR_END: conv_naive

/// Gradients of [`conv_forward_naive`]: `(dx, dw, db)` from `dout: (N, F, Ho, Wo)`.
pub fn conv_backward_naive<F: Float>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
) -> ConvGrads<F> {
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
fn gemm<F: Float + RealField>(
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
    let g = Geometry::of(&x, &w, p);
    let n = x.dim().0;
    assert_eq!(dout.dim(), (n, g.f, g.ho, g.wo), "dout has the wrong shape");
    let (x, w, dout) = (
        x.as_standard_layout(),
        w.as_standard_layout(),
        dout.as_standard_layout(),
    );
    let (xs, ws, ds) = (
        x.as_slice().unwrap(),
        w.as_slice().unwrap(),
        dout.as_slice().unwrap(),
    );
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

// ANCHOR: conv_wide
/// The fast path for stride 1: "wide rows". With the input zero-padded to `(C, Hp, Wp)`, output
/// pixel `(i, j)` of kernel offset `(c, di, dj)` reads padded pixel `(c, i + di, j + dj)`, i.e. flat
/// index `c·Hp·Wp + di·Wp + dj + q` with `q = i·Wp + j`. Computing the output on the padded width
/// (`q` runs over `L = (Ho-1)·Wp + Wo` columns; `Wp - Wo` of every `Wp` are discarded) turns every
/// row of the im2col matrix into ONE contiguous slice `xp[starts[r]..][..L]` of the padded image,
/// so the product reads the image in place ([`window_product`]) and no im2col copy is made.
/// Images in parallel, as in [`conv_forward_im2col`].
pub fn conv_forward_wide<F: Float + RealField>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> Array4<F> {
    let g = Geometry::of(&x, &w, p);
    let wide = Wide::new(&g);
    let n = x.dim().0;
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let (xs, ws) = (x.as_slice().unwrap(), w.as_slice().unwrap());
    let (pix, len) = (g.pixels(), wide.len);
    let (starts, panels) = (wide.starts(), Panels::new(ws, g.f, g.patch()));
    // Not zero-filled first: the loop below writes every output once.
    let mut out = Array4::uninit((n, g.f, g.ho, g.wo));
    out.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(g.f * pix)
        .zip(xs.par_chunks(g.c * g.h * g.w))
        .for_each_init(
            || (wide.padded(), vec![F::zero(); g.f * len]),
            |(xp, prod), (o, xi)| {
                wide.pad(xi, xp);
                window_product(
                    &panels,
                    &starts,
                    xp,
                    std::slice::from_ref(&(0..len)),
                    prod,
                    len,
                );
                // Keep the Wo valid columns of every output row and add the bias.
                for ((f, plane), src) in o.chunks_exact_mut(pix).enumerate().zip(prod.chunks(len)) {
                    for (row, s) in plane.chunks_exact_mut(g.wo).zip(src.chunks(wide.wp)) {
                        row.iter_mut().zip(s).for_each(|(o, &v)| {
                            o.write(v + b[f]);
                        });
                    }
                }
            },
        );
    // SAFETY: every image's chunk is split into its F planes of Ho rows of Wo outputs, and each
    // row is zipped with a source row at least Wo long (the last wide row is exactly Wo), so every
    // output was written.
    unsafe { out.assume_init() }
}
// ANCHOR_END: conv_wide

/// Gradients of [`conv_forward_wide`]: `dout` is spread onto the wide columns (zeros in the
/// discarded ones and in a few more up to a multiple of [`window::DOT_COLS`], so they contribute
/// nothing and the kernel has no odd columns to finish), `dW += dout_n × colsᵀ` read in place from the
/// padded image ([`window_dots`]), `dcols = Wᵀ × dout_n` (faer's GEMM), and each row of `dcols` is
/// added back to the padded input gradient in one pass. Weight gradients
/// are summed in image order (same bits for any thread count).
pub fn conv_backward_wide<F: Float + RealField>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
) -> ConvGrads<F> {
    let (dx, dw, db) = wide_backward(dout, x, w, p, true);
    (dx.expect("asked for dx"), dw, db)
}

/// [`conv_backward_wide`], skipping `dcols = Wᵀ × dout` and col2im when `want_dx` is false (a
/// network's first layer: nobody needs the gradient of the input images).
fn wide_backward<F: Float + RealField>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
    want_dx: bool,
) -> (Option<Array4<F>>, Array4<F>, Array1<F>) {
    let g = Geometry::of(&x, &w, p);
    let wide = Wide::new(&g);
    let n = x.dim().0;
    assert_eq!(dout.dim(), (n, g.f, g.ho, g.wo), "dout has the wrong shape");
    let (x, w, dout) = (
        x.as_standard_layout(),
        w.as_standard_layout(),
        dout.as_standard_layout(),
    );
    let (xs, ws, ds) = (
        x.as_slice().unwrap(),
        w.as_slice().unwrap(),
        dout.as_slice().unwrap(),
    );
    let (kdim, pix, image) = (g.patch(), g.pixels(), g.c * g.h * g.w);
    let len = wide.grad_len();
    let starts = wide.starts();
    // Not zero-filled first: `col2im` writes every input gradient once.
    let mut dx = want_dx.then(|| Array4::<F>::uninit(x.dim()));
    let dws: Vec<Vec<F>> = chunks_or_none(dx.as_mut(), image, n)
        .into_par_iter()
        .zip(xs.par_chunks(image))
        .zip(ds.par_chunks(g.f * pix))
        .map_init(
            // Per-task scratch: the discarded columns of `dwide` stay zero, `xp`'s border too;
            // `dcols` is only needed for the input gradient.
            || {
                let dcols = vec![F::zero(); if want_dx { kdim * len } else { 0 }];
                (wide.padded(), dcols, vec![F::zero(); g.f * len])
            },
            |(xp, dcols, dwide), ((dxi, xi), di)| {
                wide.pad(xi, xp);
                for (plane, dst) in di.chunks_exact(pix).zip(dwide.chunks_mut(len)) {
                    for (row, d) in plane.chunks_exact(g.wo).zip(dst.chunks_mut(wide.wp)) {
                        d[..g.wo].copy_from_slice(row);
                    }
                }
                let mut dw = vec![F::zero(); g.f * kdim];
                window_dots(
                    dwide,
                    len,
                    g.f,
                    &starts,
                    xp,
                    std::slice::from_ref(&(0..len)),
                    &mut dw,
                ); // (F, L) x (L, kdim)
                if let Some(dxi) = dxi {
                    gemm(kdim, len, g.f, ws, true, dwide, false, dcols); // (kdim, F) x (F, L)
                    wide.col2im(dcols, &starts, xp, dxi);
                }
                dw
            },
        )
        .collect();
    (
        // SAFETY: each image's chunk of `dx` went through `Wide::col2im`, whose `crop` writes
        // every (channel, row, column) of it.
        dx.map(|dx| unsafe { dx.assume_init() }),
        sum_in_order(&dws, (g.f, g.c, g.hh, g.ww)),
        bias_grad(&dout.view()),
    )
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

/// The padded-plane bookkeeping of the wide-row layout (stride 1 only).
#[derive(Clone, Copy)]
struct Wide {
    g: Geometry,
    hp: usize,
    wp: usize,
    /// Columns per image: `(Ho - 1)·Wp + Wo`.
    len: usize,
}

impl Wide {
    fn new(g: &Geometry) -> Self {
        assert_eq!(g.p.stride, 1, "the wide-row convolution needs stride 1");
        let (hp, wp) = (g.h + 2 * g.p.pad, g.w + 2 * g.p.pad);
        let len = (g.ho - 1) * wp + g.wo;
        Wide { g: *g, hp, wp, len }
    }

    /// The backward pass's row length for `dout` and `dcols`: the `L` wide columns padded with
    /// zeros to whole vectors of the weight-gradient kernel ([`window::DOT_COLS`]).
    fn grad_len(&self) -> usize {
        self.len.next_multiple_of(window::DOT_COLS)
    }

    /// A zeroed padded image `(C, Hp, Wp)`, with the slack the window kernels read past its end.
    fn padded<F: Float>(&self) -> Vec<F> {
        vec![F::zero(); self.g.c * self.hp * self.wp + window::SLACK]
    }

    // ANCHOR: wide_rows
    /// Where each im2col row `r = (c·HH + di)·WW + dj` starts in the padded image: row `r` is
    /// `xp[starts[r]..][..L]`, so the kernels read it in place.
    fn starts(&self) -> Vec<usize> {
        let (hh, ww) = (self.g.hh, self.g.ww);
        (0..self.g.patch())
            .map(|r| {
                let (c, di, dj) = (r / (hh * ww), r / ww % hh, r % ww);
                (c * self.hp + di) * self.wp + dj
            })
            .collect()
    }

    /// Copy one image into the interior of the zero-padded plane (whose border stays zero).
    fn pad<F: Float>(&self, x: &[F], xp: &mut [F]) {
        let (pad, w) = (self.g.p.pad, self.g.w);
        for (ch, src) in x.chunks_exact(self.g.h * w).enumerate() {
            for (i, row) in src.chunks_exact(w).enumerate() {
                xp[(ch * self.hp + i + pad) * self.wp + pad..][..w].copy_from_slice(row);
            }
        }
    }

    /// The adjoint of reading im2col row `r` at `starts[r]`: add each row of `dcols` (rows of
    /// [`Wide::grad_len`], of which the first `L` values count) back onto the padded image (using
    /// `xp` as scratch, its border zero again afterwards), then keep the interior in `dx`.
    fn col2im<F: Float>(
        &self,
        dcols: &[F],
        starts: &[usize],
        xp: &mut [F],
        dx: &mut [MaybeUninit<F>],
    ) {
        xp.fill(F::zero());
        for (row, &start) in dcols.chunks_exact(self.grad_len()).zip(starts) {
            let dst = &mut xp[start..][..self.len];
            dst.iter_mut().zip(row).for_each(|(a, &v)| *a += v);
        }
        self.crop(xp, dx);
        xp.fill(F::zero());
    }
    // ANCHOR_END: wide_rows

    /// The interior of a padded plane back to an image.
    fn crop<F: Float>(&self, xp: &[F], x: &mut [MaybeUninit<F>]) {
        let (pad, w) = (self.g.p.pad, self.g.w);
        for (ch, dst) in x.chunks_exact_mut(self.g.h * w).enumerate() {
            for (i, row) in dst.chunks_exact_mut(w).enumerate() {
                let src = &xp[(ch * self.hp + i + pad) * self.wp + pad..][..w];
                row.iter_mut().zip(src).for_each(|(d, &v)| {
                    d.write(v);
                });
            }
        }
    }
}

/// The four implementations of one convolution. All compute the same function (tested against
/// [`ConvAlgo::Naive`] to 1e-10 in `f64`); they differ in speed and in which shapes they take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConvAlgo {
    /// The definition as loops: the reference.
    Naive,
    /// im2col + one GEMM per image: any stride.
    Im2col,
    /// Wide-row im2col + one GEMM per image: stride 1 only.
    Wide,
    /// Eight images interleaved in every vector, only the output pixels computed: stride 1 only.
    Interleaved,
}

pub(super) type ConvGrads<F> = (Array4<F>, Array4<F>, Array1<F>);

impl ConvAlgo {
    pub const ALL: [ConvAlgo; 4] = [
        ConvAlgo::Naive,
        ConvAlgo::Im2col,
        ConvAlgo::Wide,
        ConvAlgo::Interleaved,
    ];

    /// The fastest implementation for `n` images of geometry `g`, as the benchmarks found. For
    /// stride 1: interleaved images when there is at least one full group of them and wide rows
    /// would waste more than a fifth of their columns (LeNet's C3: 4 of every 14), wide rows
    /// otherwise (C1: 4 of 32, the mid layer: 2 of 34; both faster than plain im2col on every
    /// benchmarked shape). Plain im2col for other strides.
    pub fn fastest(g: &Geometry, n: usize) -> Self {
        let wp = g.w + 2 * g.p.pad;
        if g.p.stride != 1 {
            ConvAlgo::Im2col
        } else if n >= interleaved::group_size::<f32>() && 5 * (g.ww - 1) > wp {
            ConvAlgo::Interleaved
        } else {
            ConvAlgo::Wide
        }
    }

    /// Whether this implementation handles stride and padding `p`.
    pub fn supports(self, p: ConvParams) -> bool {
        matches!(self, ConvAlgo::Naive | ConvAlgo::Im2col) || p.stride == 1
    }

    pub fn name(self) -> &'static str {
        match self {
            ConvAlgo::Naive => "naive",
            ConvAlgo::Im2col => "im2col",
            ConvAlgo::Wide => "wide",
            ConvAlgo::Interleaved => "interleaved",
        }
    }

    pub fn forward<F: Float + RealField>(
        self,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        b: ArrayView1<F>,
        p: ConvParams,
    ) -> Array4<F> {
        match self {
            ConvAlgo::Naive => conv_forward_naive(x, w, b, p),
            ConvAlgo::Im2col => conv_forward_im2col(x, w, b, p),
            ConvAlgo::Wide => conv_forward_wide(x, w, b, p),
            ConvAlgo::Interleaved => conv_forward_interleaved(x, w, b, p),
        }
    }

    /// `(dx, dw, db)` for upstream gradient `dout`.
    pub fn backward<F: Float + RealField>(
        self,
        dout: ArrayView4<F>,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        p: ConvParams,
    ) -> ConvGrads<F> {
        match self {
            ConvAlgo::Naive => conv_backward_naive(dout, x, w, p),
            ConvAlgo::Im2col => conv_backward_im2col(dout, x, w, p),
            ConvAlgo::Wide => conv_backward_wide(dout, x, w, p),
            ConvAlgo::Interleaved => conv_backward_interleaved(dout, x, w, p),
        }
    }

    /// `(dw, db)` only: what a network's first layer needs. The wide path then skips its input
    /// gradient's product and col2im; the others compute the input gradient and drop it.
    pub fn weight_grads<F: Float + RealField>(
        self,
        dout: ArrayView4<F>,
        x: ArrayView4<F>,
        w: ArrayView4<F>,
        p: ConvParams,
    ) -> (Array4<F>, Array1<F>) {
        let (_, dw, db) = match self {
            ConvAlgo::Wide => wide_backward(dout, x, w, p, false),
            ConvAlgo::Interleaved => interleaved_backward(dout, x, w, p, false),
            _ => {
                let (dx, dw, db) = self.backward(dout, x, w, p);
                (Some(dx), dw, db)
            }
        };
        (dw, db)
    }
}

/// A convolution layer for [`crate::network::Sequential`]: rows of its 2-D input and output are
/// flattened `(C, H, W)` images, so it chains with affine layers without a separate flatten.
pub struct Conv2d<F: Float> {
    pub w: Array4<F>,
    pub b: Array1<F>,
    dw: Array4<F>,
    db: Array1<F>,
    geometry: Geometry,
    /// False for a network's first layer: backward then returns an empty `(N, 0)` gradient.
    input_grad: bool,
    x: Option<Array4<F>>,
}

impl<F: Float> Conv2d<F> {
    /// `w: (F, C, HH, WW)` for input images of shape `input = (C, H, W)`; zero bias.
    pub fn new(w: Array4<F>, input: (usize, usize, usize), params: ConvParams) -> Self {
        let geometry = Geometry::new(input, w.dim(), params);
        Conv2d {
            dw: Array4::zeros(w.dim()),
            w: w.as_standard_layout().into_owned(),
            b: Array1::zeros(geometry.f),
            db: Array1::zeros(geometry.f),
            geometry,
            input_grad: true,
            x: None,
        }
    }

    /// Marks the layer as the network's first: its backward pass computes only the weight and
    /// bias gradients and returns an empty `(N, 0)` array instead of the input's gradient.
    pub fn first_layer(mut self) -> Self {
        self.input_grad = false;
        self
    }

    /// `(F, Ho, Wo)` of one output image.
    pub fn output(&self) -> (usize, usize, usize) {
        (self.geometry.f, self.geometry.ho, self.geometry.wo)
    }
}

impl<F: Float + RealField> super::Layer<F> for Conv2d<F> {
    fn describe(&self) -> String {
        let Geometry {
            c,
            h,
            w,
            f,
            hh,
            ww,
            ho,
            wo,
            p,
        } = self.geometry;
        format!(
            "conv {f}@{hh}x{ww} stride {} pad {}: {c}x{h}x{w} -> {f}x{ho}x{wo}",
            p.stride, p.pad
        )
    }

    fn forward(&mut self, x: ndarray::ArrayView2<F>, mode: super::Mode) -> Array2<F> {
        let g = self.geometry;
        let x4 = super::rows_as_images(x, (g.c, g.h, g.w));
        let algo = ConvAlgo::fastest(&g, x4.dim().0);
        let out = algo.forward(x4.view(), self.w.view(), self.b.view(), g.p);
        // Only training needs the input again (for the backward pass).
        self.x = (mode == super::Mode::Train).then(|| x4.into_owned());
        super::images_to_rows(out)
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("conv backward called before forward");
        let d4 = super::rows_as_images(dout, self.output());
        let p = self.geometry.p;
        let algo = ConvAlgo::fastest(&self.geometry, x.dim().0);
        if !self.input_grad {
            (self.dw, self.db) = algo.weight_grads(d4.view(), x.view(), self.w.view(), p);
            return Array2::zeros((x.dim().0, 0));
        }
        let (dx, dw, db) = algo.backward(d4.view(), x.view(), self.w.view(), p);
        self.dw = dw;
        self.db = db;
        super::images_to_rows(dx)
    }

    fn params(&mut self) -> Vec<super::ParamGrad<'_, F>> {
        super::weight_and_bias(
            self.w.as_slice_mut().expect("contiguous"),
            self.dw.as_slice().expect("contiguous"),
            self.b.as_slice_mut().expect("contiguous"),
            self.db.as_slice().expect("contiguous"),
        )
    }

    fn weight_sq_sum(&self) -> F {
        self.w.iter().map(|&v| v * v).sum()
    }

    fn add_weight_decay_grad(&mut self, reg: F) {
        self.dw.scaled_add(reg, &self.w);
    }
}
