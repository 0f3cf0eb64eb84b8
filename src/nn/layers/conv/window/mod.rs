//! Register-blocked kernels for products whose right-hand matrix is a set of shifted windows of
//! one buffer: row `t` is `src[starts[t]..]`, over chosen ranges of columns. In the wide-row convolution
//! ([`super::conv_forward_wide`]) the im2col matrix is exactly that, with `src` the
//! zero-padded image, so these kernels read the image in place and no im2col copy is made.
//!
//! Both kernels keep a block of outputs in registers (12 vectors: 6 rows by 2 vectors of the
//! dispatched width in [`window_product`]) while they stream over the reduction, and use fused
//! multiply-adds. They are written once, generic over the vector width, and run at the tier
//! [`crate::runtime::simd`] dispatches to. Every output is summed in one fixed order, whatever the
//! width and the thread count, so every tier gives the same bits.

use crate::Float;
use crate::runtime::simd::{self, Backend, Kernel};
use std::ops::Range;

/// Extra readable zeros `src` needs past its last window for [`window_product`] (which computes
/// whole blocks of columns and drops the surplus): at least the widest block of any type and width.
pub const SLACK: usize = 64;

/// A multiple of every vector width [`window_dots`] uses: over a column range this long it has no
/// columns to finish one by one. Callers that can pad their rows with zeros to such a length (with
/// `src` readable that far, as [`SLACK`] provides) skip that slow tail.
pub const DOT_COLS: usize = 8;

/// Rows of a left-hand matrix `a (m, T)` packed for [`window_product`]: blocks of `MR = 6` rows,
/// each stored tap by tap as `(a[i0][t], …, a[i0+5][t])` (zeros past the last row), so the kernel
/// reads one block's weights for tap `t` with six consecutive loads. Pack once, use for many
/// images.
#[derive(Clone, Debug)]
pub struct Panels<F> {
    m: usize,
    taps: usize,
    data: Vec<[F; MR]>,
}

/// Rows per block of [`Panels`].
const MR: usize = 6;

impl<F: Float> Panels<F> {
    /// Packs the row-major `(m, taps)` matrix `a`.
    pub fn new(a: &[F], m: usize, taps: usize) -> Self {
        assert_eq!(a.len(), m * taps, "a is not (m, taps)");
        assert!(taps > 0, "a product needs at least one window");
        let mut data = Vec::with_capacity(m.div_ceil(MR) * taps);
        for i0 in (0..m).step_by(MR) {
            data.extend((0..taps).map(|t| {
                std::array::from_fn(|i| {
                    let row = i0 + i;
                    if row < m {
                        a[row * taps + t]
                    } else {
                        F::zero()
                    }
                })
            }));
        }
        Panels { m, taps, data }
    }
}

/// `out[i][q] = Σ_t a[i][t] · src[starts[t] + q]` for `i < m` and every column `q` in `cols` (the
/// other columns of `out` are left alone): `a` is packed `(m, T)` with `T = starts.len()`, and
/// `out` is row-major `(m, out_len)`. `src` must hold `max(starts) + max(cols.end) + SLACK`
/// values.
pub fn window_product<F: Float>(
    a: &Panels<F>,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
    out_len: usize,
) {
    window_product_on(Backend::current(), a, starts, src, cols, out, out_len)
}

/// [`window_product`] on a chosen backend (the tests run every one).
pub fn window_product_on<F: Float>(
    backend: Backend,
    a: &Panels<F>,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
    out_len: usize,
) {
    let args = (a, starts, src, cols, out, out_len);
    backend.run(Product(args))
}

type ProductArgs<'a, F> = (
    &'a Panels<F>,
    &'a [usize],
    &'a [F],
    &'a [Range<usize>],
    &'a mut [F],
    usize,
);

struct Product<'a, F>(ProductArgs<'a, F>);

impl<F: Float> Kernel for Product<'_, F> {
    type Output = ();
    #[inline(always)]
    fn run<const BITS: usize>(self) {
        // Two vectors of six rows: 12 accumulators, 2 vectors of columns and 1 broadcast weight
        // (BLIS's 6×16 shape for AVX2). Four rows by three vectors also has 12 accumulators but
        // needs all 16 registers of AVX2, and LLVM's generic x86-64 tuning then spilled one
        // accumulator through the stack every tap (measured: 1.2-1.6x the time of the layers).
        let (a, starts, src, cols, out, out_len) = self.0;
        match (BITS, size_of::<F>()) {
            (512, 4) => product_blocks::<F, 32>(a, starts, src, cols, out, out_len),
            (512, _) | (_, 4) => product_blocks::<F, 16>(a, starts, src, cols, out, out_len),
            _ => product_blocks::<F, 8>(a, starts, src, cols, out, out_len),
        }
    }
}

#[inline(always)]
fn product_blocks<F: Float, const NR: usize>(
    a: &Panels<F>,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
    out_len: usize,
) {
    let (m, taps) = (a.m, a.taps);
    assert_eq!(
        taps,
        starts.len(),
        "a has {taps} columns for {} windows",
        starts.len()
    );
    assert_eq!(out.len(), m * out_len, "out is not (m, out_len)");
    let end = cols.iter().map(|r| r.end).max().unwrap_or(0);
    assert!(
        end <= out_len,
        "a column range passes the end of out's rows"
    );
    let last = starts.iter().copied().max().unwrap_or(0);
    assert!(
        NR <= SLACK && last + end + SLACK <= src.len(),
        "src too short for its windows"
    );
    for (block, panel) in a.data.chunks_exact(taps).enumerate() {
        let (i0, rows) = (block * MR, MR.min(m - block * MR));
        for range in cols {
            for q0 in range.clone().step_by(NR) {
                let acc = product_tile::<F, MR, NR>(panel, starts, src, q0);
                let n = NR.min(range.end - q0);
                for (i, acc) in acc.iter().enumerate().take(rows) {
                    out[(i0 + i) * out_len + q0..][..n].copy_from_slice(&acc[..n]);
                }
            }
        }
    }
}

// ANCHOR: product_tile
/// One `MR × NR` tile of [`window_product`], columns `q0..q0 + NR`.
#[inline(always)]
fn product_tile<F: Float, const MR: usize, const NR: usize>(
    panel: &[[F; MR]],
    starts: &[usize],
    src: &[F],
    q0: usize,
) -> [[F; NR]; MR] {
    let mut acc = [[F::zero(); NR]; MR];
    for (a, &s) in panel.iter().zip(starts) {
        // SAFETY: product_blocks checked max(starts) + max(cols.end) + SLACK <= src.len(), and
        // q0 < max(cols.end), NR <= SLACK, so src[s + q0..s + q0 + NR] is in bounds. [F; NR] has
        // F's alignment.
        let b = unsafe { &*src.as_ptr().add(s + q0).cast::<[F; NR]>() };
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = a[i].mul_add(b[j], acc[i][j]);
            }
        }
    }
    acc
}
// ANCHOR_END: product_tile

/// `out[i][t] = Σ_q a[i][q] · src[starts[t] + q]` over the columns `q` in `cols`: `a` holds `m`
/// rows `a_len` apart (the last may stop after the last column used) and `out` is `(m, T)`. `src` must hold `max(starts) + max(cols.end)`
/// values.
pub fn window_dots<F: Float>(
    a: &[F],
    a_len: usize,
    m: usize,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
) {
    window_dots_on(Backend::current(), a, a_len, m, starts, src, cols, out)
}

/// [`window_dots`] on a chosen backend (the tests run every one).
#[allow(clippy::too_many_arguments)]
pub fn window_dots_on<F: Float>(
    backend: Backend,
    a: &[F],
    a_len: usize,
    m: usize,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
) {
    backend.run(Dots((a, a_len, m, starts, src, cols, out)))
}

type DotsArgs<'a, F> = (
    &'a [F],
    usize,
    usize,
    &'a [usize],
    &'a [F],
    &'a [Range<usize>],
    &'a mut [F],
);

struct Dots<'a, F>(DotsArgs<'a, F>);

impl<F: Float> Kernel for Dots<'_, F> {
    type Output = ();
    #[inline(always)]
    fn run<const BITS: usize>(self) {
        // Four rows by three windows of partial sums: 12 accumulators. The partial sums per
        // output are 32 bytes' worth of lanes at every width (8 f32, 4 f64): their number fixes
        // the order of each output's sum, and so its bits. (Not tuned for 512-bit vectors: no
        // machine at hand had them when this was written.)
        let (a, a_len, m, starts, src, cols, out) = self.0;
        if size_of::<F>() == 4 {
            dot_blocks::<F, 4, 3, 8>(a, a_len, m, starts, src, cols, out)
        } else {
            dot_blocks::<F, 4, 3, 4>(a, a_len, m, starts, src, cols, out)
        }
    }
}

#[inline(always)]
fn dot_blocks<F: Float, const MR: usize, const TR: usize, const LANES: usize>(
    a: &[F],
    a_len: usize,
    m: usize,
    starts: &[usize],
    src: &[F],
    cols: &[Range<usize>],
    out: &mut [F],
) {
    const {
        assert!(
            DOT_COLS.is_multiple_of(LANES),
            "DOT_COLS must be whole vectors"
        )
    };
    let taps = starts.len();
    let end = cols.iter().map(|r| r.end).max().unwrap_or(0);
    assert!(end <= a_len, "a column range passes the end of a's rows");
    assert!(
        m == 0 || (m - 1) * a_len + end <= a.len(),
        "a is shorter than (m, a_len)"
    );
    assert_eq!(out.len(), m * taps, "out is not (m, starts.len())");
    let last = starts.iter().copied().max().unwrap_or(0);
    assert!(last + end <= src.len(), "src too short for its windows");
    // Each range as whole vectors (`bodies`) plus a few single columns (`tails`).
    let bodies: Vec<Range<usize>> = cols
        .iter()
        .map(|r| r.start..r.end - r.len() % LANES)
        .collect();
    for i0 in (0..m).step_by(MR) {
        let rows = MR.min(m - i0);
        // A short last block repeats its last row (computed twice, stored once).
        let a_at: [usize; MR] = std::array::from_fn(|i| (i0 + i.min(rows - 1)) * a_len);
        for t0 in (0..taps).step_by(TR) {
            let windows = TR.min(taps - t0);
            let s_at: [usize; TR] = std::array::from_fn(|j| starts[t0 + j.min(windows - 1)]);
            let mut acc = [[[F::zero(); LANES]; TR]; MR];
            for body in &bodies {
                dot_tile(a, &a_at, src, &s_at, body.clone(), &mut acc);
            }
            for i in 0..rows {
                for j in 0..windows {
                    // The lanes in a fixed pairwise order, then the columns past each range's
                    // last whole vector one by one.
                    let mut sum = pairwise(acc[i][j]);
                    for (range, body) in cols.iter().zip(&bodies) {
                        for q in body.end..range.end {
                            sum = a[a_at[i] + q].mul_add(src[s_at[j] + q], sum);
                        }
                    }
                    out[(i0 + i) * taps + t0 + j] = sum;
                }
            }
        }
    }
}

/// One `MR × TR` tile of [`window_dots`] over the columns of `body` (a multiple of LANES long),
/// each output kept as LANES partial sums in `acc`.
#[inline(always)]
fn dot_tile<F: Float, const MR: usize, const TR: usize, const LANES: usize>(
    a: &[F],
    a_at: &[usize; MR],
    src: &[F],
    s_at: &[usize; TR],
    body: Range<usize>,
    acc: &mut [[[F; LANES]; TR]; MR],
) {
    // Two vectors of columns per trip: the loop's bookkeeping (an address increment per row) is
    // shared by 24 multiply-adds instead of 12. The columns are still added in order.
    // The partial sums in a local copy, which lives in registers: through `acc` itself LLVM
    // stored all twelve back to memory after every step (measured: 1.5x the time of C1).
    let mut sums = *acc;
    let mut q0 = body.start;
    while q0 + 2 * LANES <= body.end {
        dot_step(a, a_at, src, s_at, q0, &mut sums);
        dot_step(a, a_at, src, s_at, q0 + LANES, &mut sums);
        q0 += 2 * LANES;
    }
    if q0 < body.end {
        dot_step(a, a_at, src, s_at, q0, &mut sums);
    }
    *acc = sums;
}

/// One vector of columns `q0..q0 + LANES` of [`dot_tile`]. A function, not a closure: a closure
/// called from three places may be left out of line, compiled for the baseline with `mul_add` a
/// call to `fmaf` (measured: 1.5x the time of the whole C3 layer).
#[inline(always)]
fn dot_step<F: Float, const MR: usize, const TR: usize, const LANES: usize>(
    a: &[F],
    a_at: &[usize; MR],
    src: &[F],
    s_at: &[usize; TR],
    q0: usize,
    acc: &mut [[[F; LANES]; TR]; MR],
) {
    // SAFETY: dot_blocks checked that every a_at[i] + max(cols.end) <= a.len() and max(starts) +
    // max(cols.end) <= src.len(); the caller passes q0 + LANES <= body.end <= max(cols.end).
    let mut b = [[F::zero(); LANES]; TR];
    for (b, &s) in b.iter_mut().zip(s_at) {
        *b = unsafe { *src.as_ptr().add(s + q0).cast::<[F; LANES]>() };
    }
    for i in 0..MR {
        // SAFETY: as above.
        let x = unsafe { *a.as_ptr().add(a_at[i] + q0).cast::<[F; LANES]>() };
        for j in 0..TR {
            for l in 0..LANES {
                acc[i][j][l] = x[l].mul_add(b[j][l], acc[i][j][l]);
            }
        }
    }
}

/// The sum of `values` in eight interleaved partial sums (so the additions vectorize instead of
/// waiting on each other), combined as a balanced tree, then the last few values in order.
pub fn sum<F: Float>(values: &[F]) -> F {
    simd::vectorized(
        #[inline(always)]
        || sum_in_lanes(values),
    )
}

#[inline(always)]
fn sum_in_lanes<F: Float>(values: &[F]) -> F {
    let mut acc = [F::zero(); 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += v;
        }
    }
    tail.iter().fold(pairwise(acc), |s, &v| s + v)
}

/// The sum of a vector's lanes as a balanced tree (the same order every call): lane `l` is first
/// added to lane `l + LANES/2`, and so on down to one value.
#[inline(always)]
fn pairwise<F: Float, const LANES: usize>(mut v: [F; LANES]) -> F {
    const { assert!(LANES.is_power_of_two()) };
    let mut n = LANES;
    while n > 1 {
        n /= 2;
        for l in 0..n {
            let upper = v[l + n];
            v[l] += upper;
        }
    }
    v[0]
}

#[cfg(test)]
mod tests;
