//! The two skinny matrix products of softmax regression, `Z = X W` and `G += X' P` with `X` a
//! cache block of rows `(rows, w)` and only `K <= 10` columns on the other side. General GEMM
//! kernels (faer's, BLAS's) tile for square-ish shapes and reached ~19 GFLOP/s on these; here
//! register tiles are shaped for them: 3 rows by 12 (padded) classes for `X W`, 8 features by 5
//! classes for `X' P`, 9 and 10 accumulators in AVX2's 16 vector registers.
//!
//! At the AVX2 and AVX-512 tiers ([`crate::runtime::tier`], chosen at run time) the loops are
//! written with AVX2 and FMA `std::arch` intrinsics; the baseline tier and other architectures get
//! loops in plain Rust that sum in the same order with `mul_add`, so every path gives the same
//! bits, whatever the thread count.

/// Classes the register-blocked kernels handle (Fashion-MNIST has 10).
pub const MAX_K: usize = 10;
const LANES: usize = 4;

use crate::runtime::simd::Backend;
use crate::runtime::tier::Tier;

/// Whether `backend` runs the intrinsics (the AVX2 and AVX-512 tiers) rather than the plain loops.
fn intrinsics(backend: Backend) -> bool {
    cfg!(target_arch = "x86_64") && matches!(backend, Backend::Native(Tier::Avx2 | Tier::Avx512))
}

/// Classes padded to this many columns in the score kernel's copy of `W` (three 4-lane vectors).
pub const KP: usize = 12;

/// `z = X W` for a block of rows: `x: (rows, w)` row-major, `wp: (w, KP)` row-major (`W` with its
/// `K` columns padded with zeros to `KP`), `z: (rows, K)`. Each score is summed over the features in
/// order with fused multiply-adds, so every path gives the same bits.
pub fn scores<const K: usize>(x: &[f64], wp: &[f64], w: usize, z: &mut [f64]) {
    scores_on::<K>(Backend::current(), x, wp, w, z)
}

/// [`scores`] on a chosen backend.
pub fn scores_on<const K: usize>(b: Backend, x: &[f64], wp: &[f64], w: usize, z: &mut [f64]) {
    assert!(
        K <= MAX_K && wp.len() == w * KP && x.len().is_multiple_of(w) && z.len() == x.len() / w * K
    );
    if intrinsics(b) {
        // SAFETY: `intrinsics` holds only on x86-64 at a tier with AVX2 and FMA, which
        // `Backend::current` and the tests' `Backend::all_here` give only on CPUs that have them.
        #[cfg(target_arch = "x86_64")]
        return unsafe { avx2::scores::<K>(x, wp, w, z) };
    }
    portable::scores::<K>(x, wp, w, z)
}

/// `grad += X' P` for a block of rows: `x: (rows, w)`, `p: (rows, K)`, `grad: (w, K)`, all
/// row-major. A tile of 4 features by `K` classes accumulates in registers over all rows of the
/// block, then is added to `grad` once.
pub fn add_outer<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
    add_outer_on::<K>(Backend::current(), x, p, w, grad)
}

/// [`add_outer`] on a chosen backend.
pub fn add_outer_on<const K: usize>(b: Backend, x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
    assert!(
        K <= MAX_K
            && x.len().is_multiple_of(w)
            && p.len() == x.len() / w * K
            && grad.len() == w * K
    );
    if intrinsics(b) {
        // SAFETY: as in `scores_on`.
        #[cfg(target_arch = "x86_64")]
        return unsafe { avx2::add_outer::<K>(x, p, w, grad) };
    }
    portable::add_outer::<K>(x, p, w, grad)
}

/// The reference loops (and the baseline tier's path).
pub mod portable {
    use super::LANES;

    // Inlined into the intrinsics' functions (which finish their remainders with these), so that
    // there `mul_add` is an FMA instruction rather than a call.
    #[inline(always)]
    pub fn scores<const K: usize>(x: &[f64], wp: &[f64], w: usize, z: &mut [f64]) {
        for (xr, zr) in x.chunks_exact(w).zip(z.chunks_exact_mut(K)) {
            for (a, z) in zr.iter_mut().enumerate() {
                *z = (0..w).fold(0.0, |acc, k| xr[k].mul_add(wp[k * super::KP + a], acc));
            }
        }
    }

    pub fn add_outer<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        let body = w / LANES * LANES;
        for j0 in (0..body).step_by(LANES) {
            for a in 0..K {
                let mut acc = [0.0; LANES];
                for (xr, pr) in x.chunks_exact(w).zip(p.chunks_exact(K)) {
                    for l in 0..LANES {
                        acc[l] = xr[j0 + l].mul_add(pr[a], acc[l]);
                    }
                }
                for (l, v) in acc.iter().enumerate() {
                    grad[(j0 + l) * K + a] += v;
                }
            }
        }
        tail_columns::<K>(x, p, w, body, grad);
    }

    /// Features `body..w` (fewer than one vector), scalar.
    #[inline(always)]
    pub fn tail_columns<const K: usize>(
        x: &[f64],
        p: &[f64],
        w: usize,
        body: usize,
        grad: &mut [f64],
    ) {
        // Like the tiles: each entry sums its rows from zero, then is added to grad once.
        for j in body..w {
            let mut acc = [0.0; K];
            for (xr, pr) in x.chunks_exact(w).zip(p.chunks_exact(K)) {
                for (acc, &pa) in acc.iter_mut().zip(pr) {
                    *acc = xr[j].mul_add(pa, *acc);
                }
            }
            for (g, acc) in grad[j * K..(j + 1) * K].iter_mut().zip(acc) {
                *g += acc;
            }
        }
    }
}

/// Every function here needs AVX2 and FMA: callers check the tier first.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{KP, LANES};

    /// Three rows by the 12 padded classes: per feature, 3 loads of `W`'s row and 3 broadcasts of
    /// the rows' values feed 9 FMAs into 9 register accumulators (13 registers in all). Four rows
    /// fill all 16 registers, and LLVM's generic x86-64 tuning then spills an accumulator through
    /// the stack every feature (measured: 1.4x the time of the evaluation). The last one or two
    /// rows of a block take the same tile with fewer rows.
    #[target_feature(enable = "avx2,fma")]
    pub fn scores<const K: usize>(x: &[f64], wp: &[f64], w: usize, z: &mut [f64]) {
        let mut triples = x.chunks_exact(3 * w);
        let mut out = z.chunks_exact_mut(3 * K);
        for (xt, zt) in (&mut triples).zip(&mut out) {
            scores_tile::<K, 3>(xt, wp, w, zt);
        }
        let (x, z) = (triples.remainder(), out.into_remainder());
        match x.len() / w {
            2 => scores_tile::<K, 2>(x, wp, w, z),
            1 => scores_tile::<K, 1>(x, wp, w, z),
            _ => {}
        }
    }

    /// `R` rows of [`scores`]: `x: (R, w)`, `z: (R, K)`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn scores_tile<const K: usize, const R: usize>(x: &[f64], wp: &[f64], w: usize, z: &mut [f64]) {
        assert!(x.len() == R * w && z.len() == R * K && wp.len() >= w * KP);
        let mut acc = [[_mm256_setzero_pd(); 3]; R];
        // SAFETY: AVX2/FMA enabled on this function. For k < w: W loads read wp[k*KP .. +12]
        // (inside wp, length >= w*KP); broadcasts read x[r*w + k] with r < R (inside x, R*w).
        unsafe {
            for k in 0..w {
                let wr = wp.as_ptr().add(k * KP);
                let (w0, w1, w2) = (
                    _mm256_loadu_pd(wr),
                    _mm256_loadu_pd(wr.add(4)),
                    _mm256_loadu_pd(wr.add(8)),
                );
                for (r, acc) in acc.iter_mut().enumerate() {
                    let xv = _mm256_broadcast_sd(&*x.as_ptr().add(r * w + k));
                    acc[0] = _mm256_fmadd_pd(xv, w0, acc[0]);
                    acc[1] = _mm256_fmadd_pd(xv, w1, acc[1]);
                    acc[2] = _mm256_fmadd_pd(xv, w2, acc[2]);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let mut v = [0.0; KP];
            // SAFETY: v holds exactly 12 f64.
            unsafe {
                _mm256_storeu_pd(v.as_mut_ptr(), acc[0]);
                _mm256_storeu_pd(v.as_mut_ptr().add(4), acc[1]);
                _mm256_storeu_pd(v.as_mut_ptr().add(8), acc[2]);
            }
            z[r * K..(r + 1) * K].copy_from_slice(&v[..K]);
        }
    }

    /// Classes per pass in the 8-feature kernel: 2 x 5 accumulators + 2 feature vectors + a
    /// broadcast fit the 16 registers.
    const GROUP: usize = 5;

    #[target_feature(enable = "avx2,fma")]
    pub fn add_outer<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        if K.is_multiple_of(GROUP) {
            add_outer_8x5::<K>(x, p, w, grad)
        } else {
            add_outer_4xk::<K>(x, p, w, grad)
        }
    }

    /// Tiles of 8 features (one cache line of a row) by 5 classes: per row, 2 loads and 5
    /// broadcasts feed 10 FMAs.
    #[target_feature(enable = "avx2,fma")]
    fn add_outer_8x5<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        const T: usize = 2 * LANES;
        let body = w / T * T;
        let rows = p.len() / K;
        let mut j0 = 0;
        while j0 < body {
            for a0 in (0..K).step_by(GROUP) {
                // SAFETY: AVX2/FMA enabled on this function. Loads read x[i*w + j0 .. +8] with
                // i < rows, j0 + 8 <= body <= w (inside x); broadcasts read p[i*K + a0 + a] with
                // a0 + a < K (inside p).
                unsafe {
                    let mut lo = [_mm256_setzero_pd(); GROUP];
                    let mut hi = [_mm256_setzero_pd(); GROUP];
                    for i in 0..rows {
                        let xr = x.as_ptr().add(i * w + j0);
                        let (x0, x1) = (_mm256_loadu_pd(xr), _mm256_loadu_pd(xr.add(LANES)));
                        let pr = p.as_ptr().add(i * K + a0);
                        for a in 0..GROUP {
                            let pa = _mm256_broadcast_sd(&*pr.add(a));
                            lo[a] = _mm256_fmadd_pd(x0, pa, lo[a]);
                            hi[a] = _mm256_fmadd_pd(x1, pa, hi[a]);
                        }
                    }
                    for a in 0..GROUP {
                        let mut v = [0.0; T];
                        _mm256_storeu_pd(v.as_mut_ptr(), lo[a]);
                        _mm256_storeu_pd(v.as_mut_ptr().add(LANES), hi[a]);
                        for (l, v) in v.iter().enumerate() {
                            grad[(j0 + l) * K + a0 + a] += v;
                        }
                    }
                }
            }
            j0 += T;
        }
        super::portable::tail_columns::<K>(x, p, w, body, grad);
    }

    #[target_feature(enable = "avx2,fma")]
    fn add_outer_4xk<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        let body = w / LANES * LANES;
        let rows = p.len() / K;
        let mut j0 = 0;
        while j0 < body {
            // SAFETY: AVX2 and FMA are enabled on this function. Loads read x[i*w + j0 ..+4] with
            // i < rows and j0 + 4 <= body <= w, inside x (rows * w); broadcasts read p[i*K + a]
            // with a < K, inside p (rows * K).
            unsafe {
                let mut acc = [_mm256_setzero_pd(); K];
                for i in 0..rows {
                    let xv = _mm256_loadu_pd(x.as_ptr().add(i * w + j0));
                    for (a, acc) in acc.iter_mut().enumerate() {
                        let pa = _mm256_broadcast_sd(&*p.as_ptr().add(i * K + a));
                        *acc = _mm256_fmadd_pd(xv, pa, *acc);
                    }
                }
                for (a, acc) in acc.iter().enumerate() {
                    let mut v = [0.0; LANES];
                    _mm256_storeu_pd(v.as_mut_ptr(), *acc);
                    for (l, v) in v.iter().enumerate() {
                        grad[(j0 + l) * K + a] += v;
                    }
                }
            }
            j0 += LANES;
        }
        super::portable::tail_columns::<K>(x, p, w, body, grad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{randn, seeded};

    /// The kernels on every backend of this CPU give the portable loops' bits exactly, on odd
    /// shapes that exercise every remainder path.
    #[test]
    fn fast_paths_match_portable_bit_for_bit() {
        for b in Backend::all_here() {
            on_backend(b);
        }
    }

    fn on_backend(b: Backend) {
        let mut rng = seeded(11);
        for (rows, w) in [(1, 3), (7, 13), (8, 13), (64, 785), (33, 50)] {
            let x: Vec<f64> = (0..rows * w).map(|_| randn(&mut rng)).collect();
            let wp: Vec<f64> = (0..w * KP)
                .map(|i| if i % KP < 10 { randn(&mut rng) } else { 0.0 })
                .collect();
            let (mut z, mut zp) = (vec![0.0; rows * 10], vec![0.0; rows * 10]);
            scores_on::<10>(b, &x, &wp, w, &mut z);
            portable::scores::<10>(&x, &wp, w, &mut zp);
            assert!(
                z.iter().zip(&zp).all(|(a, b)| a.to_bits() == b.to_bits()),
                "scores {rows}x{w}"
            );
            for k in [3usize, 10] {
                let p: Vec<f64> = (0..rows * k).map(|_| randn(&mut rng)).collect();
                let (mut g, mut gp) = (vec![0.5; w * k], vec![0.5; w * k]);
                match k {
                    3 => {
                        add_outer_on::<3>(b, &x, &p, w, &mut g);
                        portable::add_outer::<3>(&x, &p, w, &mut gp);
                    }
                    _ => {
                        add_outer_on::<10>(b, &x, &p, w, &mut g);
                        portable::add_outer::<10>(&x, &p, w, &mut gp);
                    }
                }
                assert!(
                    g.iter().zip(&gp).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "add_outer k={k} {rows}x{w}"
                );
                // And both are X'P.
                for j in 0..w {
                    for a in 0..k {
                        let e: f64 =
                            0.5 + (0..rows).map(|i| x[i * w + j] * p[i * k + a]).sum::<f64>();
                        assert!((g[j * k + a] - e).abs() < 1e-10 * (1.0 + e.abs()));
                    }
                }
            }
        }
    }
}
