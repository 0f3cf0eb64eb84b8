//! Pooling plane by plane, planes in parallel, with LeNet's 2x2 max pooling on a path of its own:
//! the same bits as [`super::naive`] (tested).

use ndarray::{Array4, ArrayView4};
use rayon::prelude::*;

use super::params::{PoolKind, PoolParams, out_dims};
use crate::Float;

/// Planes per parallel task: a 28x28 plane is too little work to schedule on its own.
const PLANES_PER_TASK: usize = 32;

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
        // Window offset by window offset across a whole output row: branch-free selects the
        // compiler can keep in registers (a data-dependent branch per element mispredicts half
        // the time on real activations).
        PoolKind::Max if p.size == 2 && p.stride == 2 => planes.for_each(|(o, plane)| {
            // LeNet's (and most networks') case: the two input rows of each output row, read in
            // pairs, and no index arithmetic left.
            for (orow, rows) in o.chunks_exact_mut(wo).zip(plane.chunks_exact(2 * w)) {
                let (top, bottom) = rows.split_at(w);
                for ((o, t), b) in orow
                    .iter_mut()
                    .zip(top.chunks_exact(2))
                    .zip(bottom.chunks_exact(2))
                {
                    let (m0, m1) = (
                        if t[1] > t[0] { t[1] } else { t[0] },
                        if b[1] > b[0] { b[1] } else { b[0] },
                    );
                    *o = if m1 > m0 { m1 } else { m0 };
                }
            }
        }),
        PoolKind::Max => planes.for_each(|(o, plane)| {
            for (r, orow) in o.chunks_exact_mut(wo).enumerate() {
                let r0 = r * p.stride;
                for (q, o) in orow.iter_mut().enumerate() {
                    *o = plane[r0 * w + q * p.stride];
                }
                for a in 0..p.size {
                    let row = &plane[(r0 + a) * w..][..w];
                    for b in 0..p.size {
                        for (q, o) in orow.iter_mut().enumerate() {
                            let v = row[q * p.stride + b];
                            *o = if v > *o { v } else { *o };
                        }
                    }
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
    let (x, dout) = (
        x.as_slice().expect("standard layout"),
        dout.as_slice().expect("standard layout"),
    );
    if kind == PoolKind::Max && p.size == 2 && p.stride == 2 {
        return max_pool_2x2_backward(dout, x, (n, c, h, w));
    }
    let mut dx = Array4::zeros((n, c, h, w));
    dx.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(h * w)
        .zip(x.par_chunks(h * w))
        .zip(dout.par_chunks(ho * wo))
        .with_min_len(PLANES_PER_TASK)
        .for_each_init(
            || (vec![F::zero(); wo], vec![0usize; wo]),
            |(best, arg), ((dplane, plane), g)| {
                for (r, grow) in g.chunks_exact(wo).enumerate() {
                    let r0 = r * p.stride;
                    match kind {
                        PoolKind::Max => {
                            // The same scan order as the forward pass, remembering where the
                            // maximum was: strict `>` keeps the first on ties.
                            for q in 0..wo {
                                arg[q] = r0 * w + q * p.stride;
                                best[q] = plane[arg[q]];
                            }
                            for a in 0..p.size {
                                for b in 0..p.size {
                                    for q in 0..wo {
                                        let k = (r0 + a) * w + q * p.stride + b;
                                        let better = plane[k] > best[q];
                                        best[q] = if better { plane[k] } else { best[q] };
                                        arg[q] = if better { k } else { arg[q] };
                                    }
                                }
                            }
                            for (&k, &g) in arg.iter().zip(grow) {
                                dplane[k] += g;
                            }
                        }
                        PoolKind::Average => {
                            for (q, &g) in grow.iter().enumerate() {
                                let q0 = q * p.stride;
                                for a in 0..p.size {
                                    for d in &mut dplane[(r0 + a) * w + q0..][..p.size] {
                                        *d += g * scale;
                                    }
                                }
                            }
                        }
                    }
                }
            },
        );
    dx
}
// ANCHOR_END: pool_backward

// ANCHOR: max_pool_2x2_backward
/// LeNet's 2x2 max pooling with stride 2: the windows tile each plane, so every input gradient is
/// written exactly once — the output gradient where the window's (first) maximum was, zero
/// elsewhere — with no zero-filling pass and no scattered additions.
fn max_pool_2x2_backward<F: Float>(
    dout: &[F],
    x: &[F],
    (n, c, h, w): (usize, usize, usize, usize),
) -> Array4<F> {
    let mut dx = Array4::<F>::uninit((n, c, h, w));
    dx.as_slice_mut()
        .expect("fresh array")
        .par_chunks_mut(h * w)
        .zip(x.par_chunks(h * w))
        .zip(dout.par_chunks(h * w / 4))
        .with_min_len(PLANES_PER_TASK)
        .for_each(|((dplane, plane), g)| {
            let rows = dplane
                .chunks_exact_mut(2 * w)
                .zip(plane.chunks_exact(2 * w));
            for ((drows, rows), grow) in rows.zip(g.chunks_exact(w / 2)) {
                let ((dtop, dbottom), (top, bottom)) = (drows.split_at_mut(w), rows.split_at(w));
                let windows = dtop
                    .chunks_exact_mut(2)
                    .zip(dbottom.chunks_exact_mut(2))
                    .zip(top.chunks_exact(2).zip(bottom.chunks_exact(2)));
                for (((dt, db), (t, b)), &g) in windows.zip(grow) {
                    // The first maximum in the scan order (0,0), (0,1), (1,0), (1,1) wins: above
                    // every value before it, at least every value after it. Comparisons and
                    // selects, no branches (which would mispredict on real activations).
                    let (t0, t1, b0, b1) = (t[0], t[1], b[0], b[1]);
                    let wins = [
                        (t0 >= t1) & (t0 >= b0) & (t0 >= b1),
                        (t1 > t0) & (t1 >= b0) & (t1 >= b1),
                        (b0 > t0) & (b0 > t1) & (b0 >= b1),
                        (b1 > t0) & (b1 > t1) & (b1 > b0),
                    ]
                    .map(|win| if win { g } else { F::zero() });
                    dt[0].write(wins[0]);
                    dt[1].write(wins[1]);
                    db[0].write(wins[2]);
                    db[1].write(wins[3]);
                }
            }
        });
    // SAFETY: 2x2 windows with stride 2 tile every plane (`out_dims` checked that h and w are
    // even), so the row pairs and column pairs above wrote every element of `dx`.
    unsafe { dx.assume_init() }
}
// ANCHOR_END: max_pool_2x2_backward
