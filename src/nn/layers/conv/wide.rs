//! Wide rows (stride 1): the products of im2col read in place from the zero-padded image, each
//! im2col row one contiguous slice of it; the default for most of LeNet-5's layers.

use super::geometry::{ConvParams, Geometry};
use super::grads::{BackwardInputs, ConvGrads, bias_grad, chunks_or_none, sum_in_order};
use super::im2col::gemm;
use crate::Float;
use crate::nn::layers::conv::window::{self, Panels, window_dots, window_product};
use crate::runtime::simd;
use faer::traits::RealField;
use ndarray::{Array1, Array4, ArrayView1, ArrayView4};
use rayon::prelude::*;
use std::mem::MaybeUninit;

// ANCHOR: conv_wide
/// The fast path for stride 1: "wide rows". With the input zero-padded to `(C, Hp, Wp)`, output
/// pixel `(i, j)` of kernel offset `(c, di, dj)` reads padded pixel `(c, i + di, j + dj)`, i.e. flat
/// index `c·Hp·Wp + di·Wp + dj + q` with `q = i·Wp + j`. Computing the output on the padded width
/// (`q` runs over `L = (Ho-1)·Wp + Wo` columns; `Wp - Wo` of every `Wp` are discarded) turns every
/// row of the im2col matrix into ONE contiguous slice `xp[starts[r]..][..L]` of the padded image,
/// so the product reads the image in place ([`window_product`]) and no im2col copy is made.
/// Images in parallel, as in [`super::conv_forward_im2col`].
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
                // Keep the Wo valid columns of every output row and add the bias (at the
                // dispatched tier's width).
                let planes = o.chunks_exact_mut(pix).enumerate().zip(prod.chunks(len));
                simd::vectorized(
                    #[inline(always)]
                    || {
                        for ((f, plane), src) in planes {
                            for (row, s) in plane.chunks_exact_mut(g.wo).zip(src.chunks(wide.wp)) {
                                row.iter_mut().zip(s).for_each(|(o, &v)| {
                                    o.write(v + b[f]);
                                });
                            }
                        }
                    },
                );
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
pub(super) fn wide_backward<F: Float + RealField>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
    want_dx: bool,
) -> (Option<Array4<F>>, Array4<F>, Array1<F>) {
    let inputs = BackwardInputs::new(dout, x, w, p);
    let (g, n) = (inputs.g, x.dim().0);
    let wide = Wide::new(&g);
    let (xs, ws, ds) = inputs.slices();
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
        // At the dispatched tier's width (plain additions: the same bits at every width).
        simd::vectorized(
            #[inline(always)]
            || {
                for (row, &start) in dcols.chunks_exact(self.grad_len()).zip(starts) {
                    let dst = &mut xp[start..][..self.len];
                    dst.iter_mut().zip(row).for_each(|(a, &v)| *a += v);
                }
            },
        );
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
