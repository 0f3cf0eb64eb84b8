//! Pooling (NCHW): max pooling, and average pooling (LeNet's subsampling), forward and backward.
//! `x: (N, C, H, W)` → `out: (N, C, Ho, Wo)`, `Ho = 1 + (H - size) / stride`.

use ndarray::{Array4, ArrayView4};
use rayon::prelude::*;

use crate::Float;

/// Planes per parallel task: a 28x28 plane is too little work to schedule on its own.
const PLANES_PER_TASK: usize = 32;

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

/// Window size and stride (LeNet: 2 and 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    pub size: usize,
    pub stride: usize,
}

fn out_dims(h: usize, w: usize, p: PoolParams) -> (usize, usize) {
    assert!(
        p.size >= 1 && p.stride >= 1,
        "pool size and stride must be at least 1"
    );
    assert!(
        p.size <= h && p.size <= w && (h - p.size) % p.stride == 0 && (w - p.size) % p.stride == 0,
        "a {0}x{0} window with stride {1} does not tile {h}x{w}",
        p.size,
        p.stride
    );
    (1 + (h - p.size) / p.stride, 1 + (w - p.size) / p.stride)
}

// ANCHOR: pool_forward
/// Max: the largest value of each window (the first one on ties). Average: the window's mean.
/// One `(H, W)` plane at a time, planes in parallel.
pub fn pool_forward<F: Float>(x: ArrayView4<F>, kind: PoolKind, p: PoolParams) -> Array4<F> {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = out_dims(h, w, p);
    let scale = F::one() / F::lit((p.size * p.size) as f64);
    let x = x.as_standard_layout();
    let mut out = Array4::zeros((n, c, ho, wo));
    let planes = out
        .as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(ho * wo)
        .zip(x.as_slice().expect("standard layout").par_chunks(h * w))
        .with_min_len(PLANES_PER_TASK);
    match kind {
        PoolKind::Max => planes.for_each(|(o, plane)| {
            for (r, orow) in o.chunks_exact_mut(wo).enumerate() {
                for (q, o) in orow.iter_mut().enumerate() {
                    let (r0, q0) = (r * p.stride, q * p.stride);
                    let mut m = plane[r0 * w + q0];
                    for a in 0..p.size {
                        for &v in &plane[(r0 + a) * w + q0..][..p.size] {
                            if v > m {
                                m = v;
                            }
                        }
                    }
                    *o = m;
                }
            }
        }),
        PoolKind::Average => planes.for_each(|(o, plane)| {
            for (r, orow) in o.chunks_exact_mut(wo).enumerate() {
                for (q, o) in orow.iter_mut().enumerate() {
                    let (r0, q0) = (r * p.stride, q * p.stride);
                    let mut s = F::zero();
                    for a in 0..p.size {
                        for &v in &plane[(r0 + a) * w + q0..][..p.size] {
                            s += v;
                        }
                    }
                    *o = s * scale;
                }
            }
        }),
    }
    out
}
// ANCHOR_END: pool_forward

// ANCHOR: pool_backward
/// Max pooling routes each output's gradient to the one input that won its window (the first on
/// ties, as the forward pass chose); average pooling spreads it evenly over the window.
pub fn pool_backward<F: Float>(
    dout: ArrayView4<F>,
    x: ArrayView4<F>,
    kind: PoolKind,
    p: PoolParams,
) -> Array4<F> {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = out_dims(h, w, p);
    assert_eq!(dout.dim(), (n, c, ho, wo), "dout has the wrong shape");
    let scale = F::one() / F::lit((p.size * p.size) as f64);
    let (x, dout) = (x.as_standard_layout(), dout.as_standard_layout());
    let mut dx = Array4::zeros((n, c, h, w));
    dx.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(h * w)
        .zip(x.as_slice().expect("standard layout").par_chunks(h * w))
        .zip(
            dout.as_slice()
                .expect("standard layout")
                .par_chunks(ho * wo),
        )
        .for_each(|((dplane, plane), g)| {
            for r in 0..ho {
                for q in 0..wo {
                    let (r0, q0) = (r * p.stride, q * p.stride);
                    let g = g[r * wo + q];
                    match kind {
                        PoolKind::Max => {
                            let mut best = r0 * w + q0;
                            for a in 0..p.size {
                                for b in 0..p.size {
                                    let k = (r0 + a) * w + q0 + b;
                                    if plane[k] > plane[best] {
                                        best = k;
                                    }
                                }
                            }
                            dplane[best] += g;
                        }
                        PoolKind::Average => {
                            for a in 0..p.size {
                                for d in &mut dplane[(r0 + a) * w + q0..][..p.size] {
                                    *d += g * scale;
                                }
                            }
                        }
                    }
                }
            }
        });
    dx
}
// ANCHOR_END: pool_backward

/// A pooling layer for [`crate::network::Sequential`] (rows are flattened `(C, H, W)` images).
pub struct Pool2d<F: Float> {
    kind: PoolKind,
    params: PoolParams,
    input: (usize, usize, usize),
    x: Option<Array4<F>>,
}

impl<F: Float> Pool2d<F> {
    pub fn new(kind: PoolKind, params: PoolParams, input: (usize, usize, usize)) -> Self {
        out_dims(input.1, input.2, params);
        Pool2d {
            kind,
            params,
            input,
            x: None,
        }
    }

    /// `(C, Ho, Wo)` of one output image.
    pub fn output(&self) -> (usize, usize, usize) {
        let (ho, wo) = out_dims(self.input.1, self.input.2, self.params);
        (self.input.0, ho, wo)
    }
}

impl<F: Float> super::Layer<F> for Pool2d<F> {
    fn describe(&self) -> String {
        let (c, h, w) = self.input;
        let (_, ho, wo) = self.output();
        let kind = match self.kind {
            PoolKind::Max => "max pool",
            PoolKind::Average => "average pool",
        };
        format!(
            "{kind} {0}x{0} stride {1}: {c}x{h}x{w} -> {c}x{ho}x{wo}",
            self.params.size, self.params.stride
        )
    }

    fn forward(&mut self, x: ndarray::ArrayView2<F>, _mode: super::Mode) -> ndarray::Array2<F> {
        let x4 = super::rows_to_images(x, self.input);
        let out = pool_forward(x4.view(), self.kind, self.params);
        self.x = Some(x4);
        super::images_to_rows(out)
    }

    fn backward(&mut self, dout: ndarray::ArrayView2<F>) -> ndarray::Array2<F> {
        let x = self
            .x
            .as_ref()
            .expect("pool backward called before forward");
        let d4 = super::rows_to_images(dout, self.output());
        super::images_to_rows(pool_backward(d4.view(), x.view(), self.kind, self.params))
    }
}
