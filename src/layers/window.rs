//! Register-blocked kernels for products whose right-hand matrix is a set of shifted windows of
//! one buffer: row `t` is `src[starts[t]..][..len]`. In the wide-row convolution
//! ([`super::conv::conv_forward_wide`]) the im2col matrix is exactly that, with `src` the
//! zero-padded image, so these kernels read the image in place and no im2col copy is made.
//!
//! Both kernels keep a block of outputs in registers (12 vectors of AVX2 width for `f32` and
//! `f64`) while they stream over the reduction, and use fused multiply-adds. Every output is
//! summed in one fixed order, whatever the thread count.

use crate::Float;

/// Extra readable zeros `src` needs past its last window for [`window_product`] (which computes
/// whole blocks of columns and drops the surplus): at least the widest block of any type.
pub const SLACK: usize = 32;

/// `out[i][q] = Σ_t a[i][t] · src[starts[t] + q]` for `i < m`, `q < len`: `a` is `(m, T)` and
/// `out` `(m, len)`, both row-major, `T = starts.len()`. `src` must hold `max(starts) + len +
/// SLACK` values.
pub fn window_product<F: Float>(
    a: &[F],
    m: usize,
    starts: &[usize],
    src: &[F],
    len: usize,
    out: &mut [F],
) {
    // Three vectors of four rows: 12 accumulators. 24 f32 or 12 f64 columns per block.
    if size_of::<F>() == 4 {
        product_blocks::<F, 4, 24>(a, m, starts, src, len, out)
    } else {
        product_blocks::<F, 4, 12>(a, m, starts, src, len, out)
    }
}

fn product_blocks<F: Float, const MR: usize, const NR: usize>(
    a: &[F],
    m: usize,
    starts: &[usize],
    src: &[F],
    len: usize,
    out: &mut [F],
) {
    let taps = starts.len();
    assert_eq!(a.len(), m * taps, "a is not (m, starts.len())");
    assert_eq!(out.len(), m * len, "out is not (m, len)");
    let last = starts.iter().copied().max().unwrap_or(0);
    assert!(
        NR <= SLACK && last + len + SLACK <= src.len(),
        "src too short for its windows"
    );
    // `a`'s rows for one block, interleaved per tap: panel[t] = (a[i0][t], …, a[i0+MR-1][t]).
    let mut panel = vec![[F::zero(); MR]; taps];
    for i0 in (0..m).step_by(MR) {
        let rows = MR.min(m - i0);
        for (t, p) in panel.iter_mut().enumerate() {
            *p = std::array::from_fn(|i| {
                if i < rows {
                    a[(i0 + i) * taps + t]
                } else {
                    F::zero()
                }
            });
        }
        for q0 in (0..len).step_by(NR) {
            let acc = product_tile::<F, MR, NR>(&panel, starts, src, q0);
            let cols = NR.min(len - q0);
            for (i, acc) in acc.iter().enumerate().take(rows) {
                out[(i0 + i) * len + q0..][..cols].copy_from_slice(&acc[..cols]);
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
        // SAFETY: product_blocks checked max(starts) + len + SLACK <= src.len(), and q0 < len,
        // NR <= SLACK, so src[s + q0..s + q0 + NR] is in bounds. The read is unaligned-safe
        // because [F; NR] has F's alignment.
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

/// `out[i][t] = Σ_q a[i][q] · src[starts[t] + q]` for `q < len`: `a` is `(m, len)` and `out`
/// `(m, T)`, both row-major. `src` must hold `max(starts) + len` values.
pub fn window_dots<F: Float>(
    a: &[F],
    m: usize,
    starts: &[usize],
    src: &[F],
    len: usize,
    out: &mut [F],
) {
    // Four rows by three windows of one vector each: 12 accumulators.
    if size_of::<F>() == 4 {
        dot_blocks::<F, 4, 3, 8>(a, m, starts, src, len, out)
    } else {
        dot_blocks::<F, 4, 3, 4>(a, m, starts, src, len, out)
    }
}

fn dot_blocks<F: Float, const MR: usize, const TR: usize, const LANES: usize>(
    a: &[F],
    m: usize,
    starts: &[usize],
    src: &[F],
    len: usize,
    out: &mut [F],
) {
    let taps = starts.len();
    assert_eq!(a.len(), m * len, "a is not (m, len)");
    assert_eq!(out.len(), m * taps, "out is not (m, starts.len())");
    let last = starts.iter().copied().max().unwrap_or(0);
    assert!(last + len <= src.len(), "src too short for its windows");
    let body = len - len % LANES;
    for i0 in (0..m).step_by(MR) {
        let rows = MR.min(m - i0);
        // A short last block repeats its last row (computed twice, stored once).
        let a_at: [usize; MR] = std::array::from_fn(|i| (i0 + i.min(rows - 1)) * len);
        for t0 in (0..taps).step_by(TR) {
            let windows = TR.min(taps - t0);
            let s_at: [usize; TR] = std::array::from_fn(|j| starts[t0 + j.min(windows - 1)]);
            let acc = dot_tile::<F, MR, TR, LANES>(a, &a_at, src, &s_at, body);
            for i in 0..rows {
                for j in 0..windows {
                    // The lanes in a fixed pairwise order, then the columns past the last
                    // whole vector one by one.
                    let mut sum = pairwise(acc[i][j]);
                    for q in body..len {
                        sum = a[a_at[i] + q].mul_add(src[s_at[j] + q], sum);
                    }
                    out[(i0 + i) * taps + t0 + j] = sum;
                }
            }
        }
    }
}

/// One `MR × TR` tile of [`window_dots`] over columns `0..body` (a multiple of LANES), each
/// output kept as LANES partial sums.
#[inline(always)]
fn dot_tile<F: Float, const MR: usize, const TR: usize, const LANES: usize>(
    a: &[F],
    a_at: &[usize; MR],
    src: &[F],
    s_at: &[usize; TR],
    body: usize,
) -> [[[F; LANES]; TR]; MR] {
    let mut acc = [[[F::zero(); LANES]; TR]; MR];
    for q0 in (0..body).step_by(LANES) {
        // SAFETY: dot_blocks checked a.len() = m·len with every a_at[i] + len <= a.len(), and
        // max(starts) + len <= src.len(); q0 + LANES <= body <= len.
        let b: [[F; LANES]; TR] = std::array::from_fn(|j| unsafe {
            *src.as_ptr().add(s_at[j] + q0).cast::<[F; LANES]>()
        });
        for i in 0..MR {
            let x = unsafe { *a.as_ptr().add(a_at[i] + q0).cast::<[F; LANES]>() };
            for j in 0..TR {
                for l in 0..LANES {
                    acc[i][j][l] = x[l].mul_add(b[j][l], acc[i][j][l]);
                }
            }
        }
    }
    acc
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
mod tests {
    use super::*;

    fn reference(a: &[f64], m: usize, starts: &[usize], src: &[f64], len: usize) -> Vec<f64> {
        let taps = starts.len();
        let mut out = vec![0.0; m * len];
        for i in 0..m {
            for q in 0..len {
                out[i * len + q] = (0..taps)
                    .map(|t| a[i * taps + t] * src[starts[t] + q])
                    .sum();
            }
        }
        out
    }

    fn values(n: usize, seed: usize) -> Vec<f64> {
        (0..n)
            .map(|i| ((i * 37 + seed * 11) % 101) as f64 / 50.0 - 1.0)
            .collect()
    }

    #[test]
    fn window_product_matches_the_definition_on_ragged_sizes() {
        for (m, taps, len) in [
            (1, 1, 1),
            (3, 5, 7),
            (4, 25, 24),
            (6, 150, 136),
            (17, 9, 50),
        ] {
            let starts: Vec<usize> = (0..taps).map(|t| (t * 7) % 40).collect();
            let src = values(40 + len + SLACK, 1);
            let a = values(m * taps, 2);
            let mut out = vec![f64::NAN; m * len];
            window_product(&a, m, &starts, &src, len, &mut out);
            let want = reference(&a, m, &starts, &src, len);
            for (o, w) in out.iter().zip(&want) {
                assert!(
                    (o - w).abs() <= 1e-12 * (1.0 + w.abs()),
                    "{m}x{taps}x{len}: {o} vs {w}"
                );
            }
            // f32 goes through the wider blocks.
            let (a32, src32): (Vec<f32>, Vec<f32>) = (
                a.iter().map(|&v| v as f32).collect(),
                src.iter().map(|&v| v as f32).collect(),
            );
            let mut out32 = vec![f32::NAN; m * len];
            window_product(&a32, m, &starts, &src32, len, &mut out32);
            for (o, w) in out32.iter().zip(&want) {
                assert!((*o as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()));
            }
        }
    }

    #[test]
    fn window_dots_matches_the_definition_on_ragged_sizes() {
        for (m, taps, len) in [
            (1, 1, 1),
            (3, 5, 7),
            (4, 25, 24),
            (16, 150, 136),
            (5, 4, 13),
        ] {
            let starts: Vec<usize> = (0..taps).map(|t| (t * 5) % 30).collect();
            let src = values(30 + len, 3);
            let a = values(m * len, 4);
            let mut out = vec![f64::NAN; m * taps];
            window_dots(&a, m, &starts, &src, len, &mut out);
            for i in 0..m {
                for (t, &s) in starts.iter().enumerate() {
                    let want: f64 = (0..len).map(|q| a[i * len + q] * src[s + q]).sum();
                    let got = out[i * taps + t];
                    assert!(
                        (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
                        "{got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "src too short")]
    fn window_product_refuses_a_source_without_slack() {
        let mut out = vec![0.0f32; 4];
        window_product(&[1.0f32], 1, &[0], &[0.0; 4], 4, &mut out);
    }
}
