//! Convolution (NCHW): the definition as loops (CS231n's `conv_forward_naive`, the reference) and
//! im2col + one matrix product per image (faer's GEMM), forward and backward.
//!
//! Shapes: `x: (N, C, H, W)`, `w: (F, C, HH, WW)`, `b: (F,)` → `out: (N, F, Ho, Wo)` with
//! `Ho = 1 + (H + 2 pad - HH) / stride` and `Wo = 1 + (W + 2 pad - WW) / stride`.

use faer::traits::RealField;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView4, Axis};
use rayon::prelude::*;

use crate::Float;

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

fn out_dims(
    x: (usize, usize, usize, usize),
    w: (usize, usize, usize, usize),
    p: ConvParams,
) -> (usize, usize) {
    let (_, c, h, wd) = x;
    let (_, cw, hh, ww) = w;
    assert_eq!(c, cw, "input has {c} channels, filters expect {cw}");
    let ho = out_size(h, hh, p.stride, p.pad).unwrap_or_else(|| {
        panic!(
            "filter height {hh} with stride {} and pad {} does not tile height {h}",
            p.stride, p.pad
        )
    });
    let wo = out_size(wd, ww, p.stride, p.pad).unwrap_or_else(|| {
        panic!(
            "filter width {ww} with stride {} and pad {} does not tile width {wd}",
            p.stride, p.pad
        )
    });
    (ho, wo)
}

// ANCHOR: conv_naive
/// `out[n, f, i, j] = b[f] + Σ_{c, di, dj} w[f, c, di, dj] · xpad[n, c, i·stride + di, j·stride + dj]`
pub fn conv_forward_naive<F: Float>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> Array4<F> {
    let (n, c, h, wd) = x.dim();
    let (nf, _, hh, ww) = w.dim();
    let (ho, wo) = out_dims(x.dim(), w.dim(), p);
    let mut out = Array4::zeros((n, nf, ho, wo));
    for img in 0..n {
        for f in 0..nf {
            for i in 0..ho {
                for j in 0..wo {
                    let mut s = b[f];
                    for ch in 0..c {
                        for di in 0..hh {
                            for dj in 0..ww {
                                // Position in the unpadded input; outside it the padding is zero.
                                let (r, q) = (
                                    (i * p.stride + di) as isize - p.pad as isize,
                                    (j * p.stride + dj) as isize - p.pad as isize,
                                );
                                if r >= 0 && q >= 0 && (r as usize) < h && (q as usize) < wd {
                                    s += w[[f, ch, di, dj]] * x[[img, ch, r as usize, q as usize]];
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
) -> (Array4<F>, Array4<F>, Array1<F>) {
    let (n, c, h, wd) = x.dim();
    let (nf, _, hh, ww) = w.dim();
    let (ho, wo) = out_dims(x.dim(), w.dim(), p);
    assert_eq!(dout.dim(), (n, nf, ho, wo), "dout has the wrong shape");
    let mut dx = Array4::zeros(x.dim());
    let mut dw = Array4::zeros(w.dim());
    let db = dout.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
    for img in 0..n {
        for f in 0..nf {
            for i in 0..ho {
                for j in 0..wo {
                    let g = dout[[img, f, i, j]];
                    for ch in 0..c {
                        for di in 0..hh {
                            for dj in 0..ww {
                                let (r, q) = (
                                    (i * p.stride + di) as isize - p.pad as isize,
                                    (j * p.stride + dj) as isize - p.pad as isize,
                                );
                                if r >= 0 && q >= 0 && (r as usize) < h && (q as usize) < wd {
                                    let (r, q) = (r as usize, q as usize);
                                    dw[[f, ch, di, dj]] += g * x[[img, ch, r, q]];
                                    dx[[img, ch, r, q]] += g * w[[f, ch, di, dj]];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (dx, dw, db)
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
pub fn im2col<F: Float>(
    x: &[F],
    dims: (usize, usize, usize),
    k: (usize, usize),
    p: ConvParams,
    out: (usize, usize),
    cols: &mut [F],
) {
    let (c, h, w) = dims;
    let (hh, ww) = k;
    let (ho, wo) = out;
    assert_eq!(cols.len(), c * hh * ww * ho * wo);
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
pub fn col2im<F: Float>(
    cols: &[F],
    dims: (usize, usize, usize),
    k: (usize, usize),
    p: ConvParams,
    out: (usize, usize),
    dx: &mut [F],
) {
    let (c, h, w) = dims;
    let (hh, ww) = k;
    let (ho, wo) = out;
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

/// `c (m, n) = a (m, k) × b (k, n)` (or `+=` with `accumulate`), all row-major slices; `a_t`
/// reads `a` as the transpose of a row-major `(k, m)`, `b_t` likewise for `b` (`(n, k)`).
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
    accumulate: bool,
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
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    faer::linalg::matmul::matmul(c, accum, a, b, F::one(), Par::Seq);
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
    let (n, c, h, wd) = x.dim();
    let (nf, _, hh, ww) = w.dim();
    let (ho, wo) = out_dims(x.dim(), w.dim(), p);
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let (xs, ws) = (
        x.as_slice().expect("standard layout"),
        w.as_slice().expect("standard layout"),
    );
    let (kdim, pix) = (c * hh * ww, ho * wo);
    let mut out = Array4::zeros((n, nf, ho, wo));
    out.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(nf * pix)
        .zip(xs.par_chunks(c * h * wd))
        .for_each_init(
            || vec![F::zero(); kdim * pix],
            |cols, (o, xi)| {
                im2col(xi, (c, h, wd), (hh, ww), p, (ho, wo), cols);
                gemm(nf, pix, kdim, ws, false, cols, false, o, false);
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
) -> (Array4<F>, Array4<F>, Array1<F>) {
    let (n, c, h, wd) = x.dim();
    let (nf, _, hh, ww) = w.dim();
    let (ho, wo) = out_dims(x.dim(), w.dim(), p);
    assert_eq!(dout.dim(), (n, nf, ho, wo), "dout has the wrong shape");
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
    let (kdim, pix) = (c * hh * ww, ho * wo);
    let mut dx = Array4::<F>::zeros(x.dim());
    let dws: Vec<Vec<F>> = dx
        .as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(c * h * wd)
        .zip(xs.par_chunks(c * h * wd))
        .zip(ds.par_chunks(nf * pix))
        .map(|((dxi, xi), di)| {
            let mut cols = vec![F::zero(); kdim * pix];
            im2col(xi, (c, h, wd), (hh, ww), p, (ho, wo), &mut cols);
            let mut dw = vec![F::zero(); nf * kdim];
            gemm(nf, kdim, pix, di, false, &cols, true, &mut dw, false); // (F, pix) x (pix, kdim)
            gemm(kdim, pix, nf, ws, true, di, false, &mut cols, false); // (kdim, F) x (F, pix)
            col2im(&cols, (c, h, wd), (hh, ww), p, (ho, wo), dxi);
            dw
        })
        .collect();
    let mut dw = Array2::<F>::zeros((nf, kdim));
    for part in &dws {
        dw.as_slice_mut()
            .unwrap()
            .iter_mut()
            .zip(part)
            .for_each(|(a, b)| *a += *b);
    }
    let db = dout.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
    (
        dx,
        dw.into_shape_with_order((nf, c, hh, ww))
            .expect("same size"),
        db,
    )
}

/// A convolution layer for [`crate::network::Sequential`]: rows of its 2-D input and output are
/// flattened `(C, H, W)` images, so it chains with affine layers without a separate flatten.
pub struct Conv2d<F: Float> {
    pub w: Array4<F>,
    pub b: Array1<F>,
    dw: Array4<F>,
    db: Array1<F>,
    params: ConvParams,
    /// `(C, H, W)` of one input image.
    input: (usize, usize, usize),
    x: Option<Array4<F>>,
}

impl<F: Float> Conv2d<F> {
    /// `w: (F, C, HH, WW)` for input images of shape `input = (C, H, W)`; zero bias.
    pub fn new(w: Array4<F>, input: (usize, usize, usize), params: ConvParams) -> Self {
        let (nf, c, hh, ww) = w.dim();
        assert_eq!(
            c, input.0,
            "filters expect {c} channels, the input has {}",
            input.0
        );
        out_dims((1, input.0, input.1, input.2), (nf, c, hh, ww), params);
        Conv2d {
            dw: Array4::zeros(w.dim()),
            w: w.as_standard_layout().into_owned(),
            b: Array1::zeros(nf),
            db: Array1::zeros(nf),
            params,
            input,
            x: None,
        }
    }

    /// `(F, Ho, Wo)` of one output image.
    pub fn output(&self) -> (usize, usize, usize) {
        let (nf, _, hh, ww) = self.w.dim();
        let (ho, wo) = out_dims(
            (1, self.input.0, self.input.1, self.input.2),
            (nf, self.input.0, hh, ww),
            self.params,
        );
        (nf, ho, wo)
    }
}

impl<F: Float + RealField> super::Layer<F> for Conv2d<F> {
    fn describe(&self) -> String {
        let (nf, _, hh, ww) = self.w.dim();
        let (c, h, w) = self.input;
        let (_, ho, wo) = self.output();
        format!(
            "conv {nf}@{hh}x{ww} stride {} pad {}: {c}x{h}x{w} -> {nf}x{ho}x{wo}",
            self.params.stride, self.params.pad
        )
    }

    fn forward(&mut self, x: ndarray::ArrayView2<F>, _mode: super::Mode) -> Array2<F> {
        let (c, h, w) = self.input;
        let n = x.nrows();
        let x4 = x
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((n, c, h, w))
            .expect("rows are flattened (C, H, W) images");
        let out = conv_forward_im2col(x4.view(), self.w.view(), self.b.view(), self.params);
        self.x = Some(x4);
        let m = out.len() / n;
        out.into_shape_with_order((n, m)).expect("same size")
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("conv backward called before forward");
        let n = x.dim().0;
        let (nf, ho, wo) = self.output();
        let d4 = dout
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((n, nf, ho, wo))
            .expect("dout matches the output");
        let (dx, dw, db) = conv_backward_im2col(d4.view(), x.view(), self.w.view(), self.params);
        self.dw = dw;
        self.db = db;
        let m = dx.len() / n;
        dx.into_shape_with_order((n, m)).expect("same size")
    }

    fn params(&mut self) -> Vec<super::ParamGrad<'_, F>> {
        vec![
            super::ParamGrad {
                name: "W",
                value: self.w.as_slice_mut().expect("contiguous"),
                grad: self.dw.as_slice().expect("contiguous"),
            },
            super::ParamGrad {
                name: "b",
                value: self.b.as_slice_mut().expect("contiguous"),
                grad: self.db.as_slice().expect("contiguous"),
            },
        ]
    }

    fn weight_sq_sum(&self) -> F {
        self.w.iter().map(|&v| v * v).sum()
    }

    fn add_weight_decay_grad(&mut self, reg: F) {
        self.dw.scaled_add(reg, &self.w);
    }
}
