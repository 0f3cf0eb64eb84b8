//! Pooling (NCHW): max pooling, and average pooling (LeNet's subsampling), forward and backward.
//! `x: (N, C, H, W)` → `out: (N, C, Ho, Wo)`, `Ho = 1 + (H - size) / stride`.

use ndarray::{Array4, ArrayView4};

use crate::Float;

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
pub fn pool_forward<F: Float>(x: ArrayView4<F>, kind: PoolKind, p: PoolParams) -> Array4<F> {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = out_dims(h, w, p);
    let scale = F::one() / F::lit((p.size * p.size) as f64);
    Array4::from_shape_fn((n, c, ho, wo), |(i, ch, r, q)| {
        let window = (0..p.size).flat_map(|a| (0..p.size).map(move |b| (a, b)));
        let mut vals = window.map(|(a, b)| x[[i, ch, r * p.stride + a, q * p.stride + b]]);
        match kind {
            PoolKind::Max => {
                let first = vals.next().expect("window has at least one element");
                vals.fold(first, |m, v| if v > m { v } else { m })
            }
            PoolKind::Average => vals.fold(F::zero(), |s, v| s + v) * scale,
        }
    })
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
    let mut dx = Array4::zeros(x.dim());
    for i in 0..n {
        for ch in 0..c {
            for r in 0..ho {
                for q in 0..wo {
                    let g = dout[[i, ch, r, q]];
                    let (r0, q0) = (r * p.stride, q * p.stride);
                    match kind {
                        PoolKind::Max => {
                            let mut best = (r0, q0);
                            for a in 0..p.size {
                                for b in 0..p.size {
                                    if x[[i, ch, r0 + a, q0 + b]] > x[[i, ch, best.0, best.1]] {
                                        best = (r0 + a, q0 + b);
                                    }
                                }
                            }
                            dx[[i, ch, best.0, best.1]] += g;
                        }
                        PoolKind::Average => {
                            for a in 0..p.size {
                                for b in 0..p.size {
                                    dx[[i, ch, r0 + a, q0 + b]] += g * scale;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    dx
}
// ANCHOR_END: pool_backward
