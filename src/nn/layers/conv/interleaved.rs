//! Convolution on interleaved images (stride 1): `V` images side by side in every vector, so that
//! one vector holds the same pixel of `V` images (`V = 8` for `f32`: one AVX2 register).
//!
//! With the images interleaved, each output row is `Wo·V` contiguous values — a whole number of
//! vectors — and the window kernels of [`crate::nn::layers::conv::window`] compute exactly the output pixels, where
//! wide rows ([`super::wide::conv_forward_wide`]) also compute the `Wp - Wo` discarded columns of
//! every row (40% more work for LeNet's C3, whose rows are 10 pixels of 14). The input gradient
//! is a convolution too: the output gradient zero-padded by the kernel size minus one, correlated
//! with the flipped filters, run by the same kernel on only the input's own pixels, each input
//! row over only the kernel rows that reach it from some output row.
//!
//! Layouts per group of `V` images (`l` the image within the group), all with row stride
//! `Wq = Wo + 2(WW - 1)`:
//! - input `xq[c][y][x][l]`, zero-padded to `(C, Hp, Wq)`;
//! - output gradient `dyq[f][i + HH - 1][j + WW - 1][l]`, zero-padded to `(F, Hq, Wq)` with
//!   `Hq = Ho + 2(HH - 1)`;
//! - the output and input gradient on the same row stride, unpacked at the end.

use ndarray::{Array4, ArrayView1, ArrayView4};
use rayon::prelude::*;
use std::ops::Range;

use super::geometry::{ConvParams, Geometry};
use super::grads::{BackwardInputs, ConvGrads, bias_grad, chunks_or_none, sum_in_order};
use crate::Float;
use crate::nn::layers::conv::window::{self, Panels, window_dots, window_product};

/// The bookkeeping of one geometry's interleaved layout.
struct Layout {
    g: Geometry,
    /// Images per group.
    v: usize,
    hp: usize,
    hq: usize,
    wq: usize,
}

/// Images per group: one AVX2 vector of `F`.
pub fn group_size<F>() -> usize {
    32 / size_of::<F>()
}

impl Layout {
    fn new<F>(g: &Geometry) -> Self {
        assert_eq!(g.p.stride, 1, "the interleaved convolution needs stride 1");
        Layout {
            g: *g,
            v: group_size::<F>(),
            hp: g.h + 2 * g.p.pad,
            hq: g.ho + 2 * (g.hh - 1),
            wq: g.wo + 2 * (g.ww - 1),
        }
    }

    /// Flat index of pixel `(y, x)` of plane `c` in a `(·, rows, Wq, V)` buffer.
    fn at(&self, c: usize, rows: usize, y: usize, x: usize) -> usize {
        ((c * rows + y) * self.wq + x) * self.v
    }

    fn input_len(&self) -> usize {
        self.at(self.g.c, self.hp, 0, 0) + window::SLACK
    }

    fn dout_len(&self) -> usize {
        self.at(self.g.f, self.hq, 0, 0) + window::SLACK
    }

    /// Where the input window of kernel offset `(c, di, dj)` starts, for every offset in the
    /// filters' `(C, HH, WW)` order.
    fn input_windows(&self) -> Vec<usize> {
        let g = &self.g;
        (0..g.c * g.hh * g.ww)
            .map(|t| self.at(t / (g.hh * g.ww), self.hp, t / g.ww % g.hh, t % g.ww))
            .collect()
    }

    /// The taps `(f, di, dj)` for kernel rows `di` in `rows`: the flipped filters as a
    /// `(C, taps)` matrix, `wt[c][(f, di, dj)] = w[f][c][di][dj]`, and where each tap's window of
    /// `dyq` starts, so that output column `(y, x)` reads `dout[f][y - di][x - dj]`.
    fn dout_taps<F: Float>(&self, w: &[F], rows: Range<usize>) -> (Panels<F>, Vec<usize>) {
        let g = &self.g;
        let taps: Vec<(usize, usize, usize)> = (0..g.f)
            .flat_map(|f| {
                rows.clone()
                    .flat_map(move |di| (0..g.ww).map(move |dj| (f, di, dj)))
            })
            .collect();
        let wt: Vec<F> = (0..g.c)
            .flat_map(|c| {
                taps.iter()
                    .map(move |&(f, di, dj)| w[((f * g.c + c) * g.hh + di) * g.ww + dj])
            })
            .collect();
        let windows = taps
            .iter()
            .map(|&(f, di, dj)| self.at(f, self.hq, g.hh - 1 - di, g.ww - 1 - dj))
            .collect();
        (Panels::new(&wt, g.c, taps.len()), windows)
    }

    /// The output pixels' columns, one range per output row.
    fn output_cols(&self) -> Vec<Range<usize>> {
        (0..self.g.ho)
            .map(|i| self.at(0, 0, i, 0)..self.at(0, 0, i, self.g.wo))
            .collect()
    }

    /// For each row `y` of the input's own (unpadded) pixels: its columns in a padded plane, and
    /// the kernel rows `di` that reach it from some output row (`0 <= y - di < Ho`, in padded
    /// coordinates). The other kernel rows would only read the zero border of `dyq`: skipping
    /// them saves 29% of the input gradient's work on LeNet's C3.
    fn input_rows(&self) -> Vec<(Range<usize>, Range<usize>)> {
        let (pad, g) = (self.g.p.pad, &self.g);
        (pad..pad + g.h)
            .map(|y| {
                let cols = self.at(0, 0, y, pad)..self.at(0, 0, y, pad + g.w);
                (cols, (y + 1).saturating_sub(g.ho)..(y + 1).min(g.hh))
            })
            .collect()
    }

    /// Interleave the input images of a group (up to V, flat `(C, H, W)` each) into the padded
    /// `xq`, at `(pad, pad)`.
    fn pack_input<F: Float>(&self, images: &[F], xq: &mut [F]) {
        let (g, pad) = (&self.g, self.g.p.pad);
        self.pack(images, (g.c, self.hp), (pad, pad), (g.h, g.w), xq);
    }

    /// Interleave a group's `dout` into `dyq`, at `(HH - 1, WW - 1)`.
    fn pack_dout<F: Float>(&self, dout: &[F], dyq: &mut [F]) {
        let g = &self.g;
        self.pack(
            dout,
            (g.f, self.hq),
            (g.hh - 1, g.ww - 1),
            (g.ho, g.wo),
            dyq,
        );
    }

    /// The inverse of [`Layout::unpack`] without bias: flat images of `planes` planes of `(h, w)`
    /// go to pixels `(y0 + i, x0 + j)` of a `(planes, plane_rows, Wq, V)` buffer whose other
    /// pixels stay zero; lanes without an image are zeroed.
    fn pack<F: Float>(
        &self,
        images: &[F],
        (planes, plane_rows): (usize, usize),
        (y0, x0): (usize, usize),
        (h, w): (usize, usize),
        dst: &mut [F],
    ) {
        if images.len() < self.v * planes * h * w {
            dst.fill(F::zero());
        }
        for (l, image) in images.chunks_exact(planes * h * w).enumerate() {
            for (c, plane) in image.chunks_exact(h * w).enumerate() {
                for (i, row) in plane.chunks_exact(w).enumerate() {
                    let start = self.at(c, plane_rows, y0 + i, x0) + l;
                    for (j, &value) in row.iter().enumerate() {
                        dst[start + j * self.v] = value;
                    }
                }
            }
        }
    }

    /// Copy plane rows `(y0 + i, x0 + j)` for `i < rows.len() / cols`, `j < cols` of every lane
    /// out of an interleaved buffer into flat images, adding `bias[plane]`.
    #[allow(clippy::too_many_arguments)]
    fn unpack<F: Float>(
        &self,
        src: &[F],
        planes: usize,
        plane_rows: usize,
        (y0, x0): (usize, usize),
        (h, w): (usize, usize),
        bias: Option<&ArrayView1<F>>,
        images: &mut [F],
    ) {
        for (l, image) in images.chunks_exact_mut(planes * h * w).enumerate() {
            for (c, plane) in image.chunks_exact_mut(h * w).enumerate() {
                let b = bias.map_or(F::zero(), |b| b[c]);
                for (i, row) in plane.chunks_exact_mut(w).enumerate() {
                    let start = self.at(c, plane_rows, y0 + i, x0) + l;
                    for (j, value) in row.iter_mut().enumerate() {
                        *value = src[start + j * self.v] + b;
                    }
                }
            }
        }
    }
}

// ANCHOR: conv_interleaved
/// The forward pass, `V` images at a time: `out = W × (windows of xq)` on the output pixels only.
pub fn conv_forward_interleaved<F: Float>(
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    b: ArrayView1<F>,
    p: ConvParams,
) -> Array4<F> {
    let g = Geometry::of(&x, &w, p);
    let lay = Layout::new::<F>(&g);
    let n = x.dim().0;
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let (xs, ws) = (x.as_slice().unwrap(), w.as_slice().unwrap());
    let (windows, cols) = (lay.input_windows(), lay.output_cols());
    let panels = Panels::new(ws, g.f, g.patch());
    let out_len = lay.at(1, g.ho, 0, 0);
    let mut out = Array4::zeros((n, g.f, g.ho, g.wo));
    out.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(lay.v * g.f * g.pixels())
        .zip(xs.par_chunks(lay.v * g.c * g.h * g.w))
        .for_each_init(
            || {
                (
                    vec![F::zero(); lay.input_len()],
                    vec![F::zero(); g.f * out_len],
                )
            },
            |(xq, outq), (o, xi)| {
                lay.pack_input(xi, xq);
                window_product(&panels, &windows, xq, &cols, outq, out_len);
                lay.unpack(outq, g.f, g.ho, (0, 0), (g.ho, g.wo), Some(&b), o);
            },
        );
    out
}
// ANCHOR_END: conv_interleaved

/// Gradients of [`conv_forward_interleaved`], `V` images at a time: `dW = dyq × (windows of
/// xq)ᵀ` over the output pixels, and `dx` = the flipped filters over the windows of `dyq`, on the
/// input's own pixels. Weight gradients are summed in group order (same bits for any thread
/// count); `dx` is skipped when `want_dx` is false.
pub fn interleaved_backward<F: Float>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
    want_dx: bool,
) -> (Option<Array4<F>>, Array4<F>, ndarray::Array1<F>) {
    let inputs = BackwardInputs::new(dout, x, w, p);
    let (g, n) = (inputs.g, x.dim().0);
    let lay = Layout::new::<F>(&g);
    let (xs, ws, ds) = inputs.slices();
    let (kdim, image) = (g.patch(), g.c * g.h * g.w);
    let (x_windows, out_cols) = (lay.input_windows(), lay.output_cols());
    // Per input row: its columns, and the flipped filters and dyq windows of the taps reaching it.
    let in_rows: Vec<(Range<usize>, Panels<F>, Vec<usize>)> = lay
        .input_rows()
        .into_iter()
        .map(|(cols, di)| {
            let (wt, windows) = lay.dout_taps(ws, di);
            (cols, wt, windows)
        })
        .collect();
    // dyq's rows seen from the output pixels: row f starts at its (HH-1, WW-1) corner.
    let (front, dy_rows) = (lay.at(0, 0, g.hh - 1, g.ww - 1), lay.at(1, lay.hq, 0, 0));
    let dx_len = lay.at(1, lay.hp, 0, 0);
    let mut dx = want_dx.then(|| Array4::<F>::zeros(x.dim()));
    let dws: Vec<Vec<F>> = chunks_or_none(dx.as_mut(), lay.v * image, n.div_ceil(lay.v))
        .into_par_iter()
        .zip(xs.par_chunks(lay.v * image))
        .zip(ds.par_chunks(lay.v * g.f * g.pixels()))
        .map_init(
            || {
                let dxq = vec![F::zero(); if want_dx { g.c * dx_len } else { 0 }];
                (
                    vec![F::zero(); lay.input_len()],
                    vec![F::zero(); lay.dout_len()],
                    dxq,
                )
            },
            |(xq, dyq, dxq), ((dxg, xg), dg)| {
                lay.pack_input(xg, xq);
                lay.pack_dout(dg, dyq);
                let mut dw = vec![F::zero(); g.f * kdim];
                let dy = &dyq[front..];
                window_dots(dy, dy_rows, g.f, &x_windows, xq, &out_cols, &mut dw);
                if let Some(dxg) = dxg {
                    for (cols, wt, windows) in &in_rows {
                        let cols = std::slice::from_ref(cols);
                        window_product(wt, windows, dyq, cols, dxq, dx_len);
                    }
                    let origin = (g.p.pad, g.p.pad);
                    lay.unpack(dxq, g.c, lay.hp, origin, (g.h, g.w), None, dxg);
                }
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

/// `(dx, dw, db)` of [`conv_forward_interleaved`].
pub fn conv_backward_interleaved<F: Float>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    w: ArrayView4<F>,
    p: ConvParams,
) -> ConvGrads<F> {
    let (dx, dw, db) = interleaved_backward(dout, x, w, p, true);
    (dx.expect("asked for dx"), dw, db)
}
