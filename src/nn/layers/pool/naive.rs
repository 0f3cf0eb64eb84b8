//! Pooling as the definition's loops, in the slide's form: `pool_forward_naive(x) -> (out,
//! cache)`, `pool_backward_naive(dout, cache)`. The reference the fast path is tested against.

use ndarray::{Array4, ArrayView4};

use super::params::{PoolKind, PoolParams, out_dims};
use crate::Float;

/// What the backward pass needs: the input and the pooling.
pub struct PoolCache<'a, F> {
    pub x: ArrayView4<'a, F>,
    pub kind: PoolKind,
    pub p: PoolParams,
}

// ANCHOR: pool_naive
/// x: (N, C, H, W) -> out: (N, C, Ho, Wo); max: `out[n, c, i, j] = max_{a, b} x[n, c, i·s + a,
/// j·s + b]` (the first on ties), average: the window's mean.
pub fn pool_forward_naive<F: Float>(
    x: ArrayView4<'_, F>,
    kind: PoolKind,
    p: PoolParams,
) -> (Array4<F>, PoolCache<'_, F>) {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = out_dims(h, w, p);
    let mut out = Array4::zeros((n, c, ho, wo));
    // ANCHOR: pool_formula
    for ((img, ch, i, j), o) in out.indexed_iter_mut() {
        let at = |a, b| x[[img, ch, i * p.stride + a, j * p.stride + b]];
        let window = (0..p.size).flat_map(|a| (0..p.size).map(move |b| (a, b)));
        *o = match kind {
            PoolKind::Max => window.fold(
                at(0, 0),
                |m, (a, b)| if at(a, b) > m { at(a, b) } else { m },
            ),
            PoolKind::Average => {
                let sum = window.fold(F::zero(), |s, (a, b)| s + at(a, b));
                sum * (F::one() / F::lit((p.size * p.size) as f64))
            }
        };
    }
    // ANCHOR_END: pool_formula
    (out, PoolCache { x, kind, p })
}
// ANCHOR_END: pool_naive

/// dout: (N, C, Ho, Wo) -> dx: (N, C, H, W): max sends each gradient to its window's (first)
/// maximum, average spreads it evenly over the window.
pub fn pool_backward_naive<F: Float>(dout: ArrayView4<F>, cache: &PoolCache<'_, F>) -> Array4<F> {
    let (x, p) = (cache.x, cache.p);
    let scale = F::one() / F::lit((p.size * p.size) as f64);
    let mut dx = Array4::zeros(x.dim());
    for ((img, ch, i, j), &g) in dout.indexed_iter() {
        let pos = |a, b| (i * p.stride + a, j * p.stride + b);
        let window = (0..p.size).flat_map(|a| (0..p.size).map(move |b| (a, b)));
        match cache.kind {
            PoolKind::Max => {
                let best = window.fold((0, 0), |best, (a, b)| {
                    let ((r, q), (rb, qb)) = (pos(a, b), pos(best.0, best.1));
                    if x[[img, ch, r, q]] > x[[img, ch, rb, qb]] {
                        (a, b)
                    } else {
                        best
                    }
                });
                let (r, q) = pos(best.0, best.1);
                dx[[img, ch, r, q]] += g;
            }
            PoolKind::Average => {
                for (a, b) in window {
                    let (r, q) = pos(a, b);
                    dx[[img, ch, r, q]] += g * scale;
                }
            }
        }
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::pool::{pool_backward, pool_forward};

    #[test]
    fn the_fast_path_computes_the_definition_bit_for_bit() {
        // LeNet's 2x2/2 (its own path), overlapping 3x3/1 windows, and ties (repeated values).
        let x = Array4::<f64>::from_shape_fn((3, 4, 8, 8), |(n, c, i, j)| {
            ((n * 7 + c * 5 + i * 3 + j) % 11) as f64 * 0.3 - 1.1
        });
        let cases = [(2, 2), (3, 1), (2, 1), (4, 4)];
        for kind in [PoolKind::Max, PoolKind::Average] {
            for (size, stride) in cases {
                let p = PoolParams { size, stride };
                let (out, cache) = pool_forward_naive(x.view(), kind, p);
                assert_eq!(
                    pool_forward(x.view(), kind, p),
                    out,
                    "{kind:?} {size}/{stride}"
                );
                let dout = out.mapv(|v| v * 0.7 + 0.1);
                let dx = pool_backward_naive(dout.view(), &cache);
                let fast = pool_backward(dout.view(), x.view(), kind, p);
                assert_eq!(fast, dx, "{kind:?} {size}/{stride} backward");
            }
        }
    }
}
