//! The sizes of one convolution: stride and padding, output sizes, and [`Geometry`], which every
//! implementation of this folder takes. A leaf: it imports nothing of the convolution.

use ndarray::ArrayView4;

/// Stride and zero padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParams {
    pub stride: usize,
    pub pad: usize,
}

/// The output size along one axis by PyTorch's rule, `floor((input + 2·pad − kernel) / stride) + 1`,
/// or `None` when the kernel is larger than the padded input (or a size is zero). When the stride
/// does not tile the padded input, the last rows (columns) that no window reaches are not read,
/// and their gradient is zero.
pub fn out_size(input: usize, kernel: usize, stride: usize, pad: usize) -> Option<usize> {
    let padded = input + 2 * pad;
    if stride == 0 || kernel == 0 || kernel > padded {
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
                "filter height {hh} with stride {} and pad {} does not fit height {h}",
                p.stride, p.pad
            )
        });
        let wo = out_size(w, ww, p.stride, p.pad).unwrap_or_else(|| {
            panic!(
                "filter width {ww} with stride {} and pad {} does not fit width {w}",
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

    /// Floating-point operations of one image's forward pass, `2·F·C·HH·WW·Ho·Wo` (a multiply and
    /// an add per filter tap and output pixel); the backward pass costs twice that (weight and
    /// input gradients).
    pub fn forward_flops(&self) -> usize {
        2 * self.f * self.patch() * self.pixels()
    }

    /// Output pixels per filter: `Ho·Wo`.
    pub(super) fn pixels(&self) -> usize {
        self.ho * self.wo
    }

    /// The input pixel that kernel offset `(di, dj)` of output pixel `(i, j)` reads, or `None` in
    /// the zero padding.
    pub(super) fn input_pos(
        &self,
        i: usize,
        j: usize,
        di: usize,
        dj: usize,
    ) -> Option<(usize, usize)> {
        let r = (i * self.p.stride + di).checked_sub(self.p.pad)?;
        let q = (j * self.p.stride + dj).checked_sub(self.p.pad)?;
        (r < self.h && q < self.w).then_some((r, q))
    }
}
