//! The two skinny matrix products of softmax regression, `Z = X W` and `G += X' P` with `X` a
//! cache block of rows `(rows, w)` and only `K <= 10` columns on the other side. General GEMM
//! kernels (faer's, BLAS's) tile for square-ish shapes and reach ~19 GFLOP/s here; these keep all
//! `K` accumulators in registers and stream `X` once per product.
//!
//! With AVX2 and FMA (the build uses `-C target-cpu=native`) the loops are written with
//! `std::arch` intrinsics; other targets get the same loops in plain Rust. Both sum in the same
//! order, so results do not depend on the thread count.

/// Classes the register-blocked kernels handle (Fashion-MNIST has 10; 10 accumulators + 2 operands
/// fit AVX2's 16 vector registers).
pub const MAX_K: usize = 10;
const LANES: usize = 4;

/// `z = X W` for a block of rows: `x: (rows, w)` row-major, `wt = W': (K, w)` row-major,
/// `z: (rows, K)`. Per row, `K` dot products vectorized along the features.
pub fn scores<const K: usize>(x: &[f64], wt: &[f64], w: usize, z: &mut [f64]) {
    assert!(K <= MAX_K && wt.len() == K * w && x.len() % w == 0 && z.len() == x.len() / w * K);
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    {
        avx2::scores::<K>(x, wt, w, z)
    }
    #[cfg(not(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )))]
    {
        portable::scores::<K>(x, wt, w, z)
    }
}

/// `grad += X' P` for a block of rows: `x: (rows, w)`, `p: (rows, K)`, `grad: (w, K)`, all
/// row-major. A tile of 4 features by `K` classes accumulates in registers over all rows of the
/// block, then is added to `grad` once.
pub fn add_outer<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
    assert!(K <= MAX_K && x.len() % w == 0 && p.len() == x.len() / w * K && grad.len() == w * K);
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ))]
    {
        avx2::add_outer::<K>(x, p, w, grad)
    }
    #[cfg(not(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )))]
    {
        portable::add_outer::<K>(x, p, w, grad)
    }
}

/// The reference loops (and the path on targets without AVX2/FMA).
#[cfg_attr(
    all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    ),
    allow(dead_code)
)]
pub mod portable {
    use super::LANES;

    pub fn scores<const K: usize>(x: &[f64], wt: &[f64], w: usize, z: &mut [f64]) {
        let body = w / LANES * LANES;
        for (xr, zr) in x.chunks_exact(w).zip(z.chunks_exact_mut(K)) {
            for (a, z) in zr.iter_mut().enumerate() {
                let wa = &wt[a * w..(a + 1) * w];
                let mut acc = [0.0; LANES];
                for j in (0..body).step_by(LANES) {
                    for l in 0..LANES {
                        acc[l] = xr[j + l].mul_add(wa[j + l], acc[l]);
                    }
                }
                let tail: f64 = (body..w).map(|j| xr[j] * wa[j]).sum();
                *z = (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail;
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
    pub fn tail_columns<const K: usize>(
        x: &[f64],
        p: &[f64],
        w: usize,
        body: usize,
        grad: &mut [f64],
    ) {
        for j in body..w {
            for (xr, pr) in x.chunks_exact(w).zip(p.chunks_exact(K)) {
                for (a, &pa) in pr.iter().enumerate() {
                    grad[j * K + a] = xr[j].mul_add(pa, grad[j * K + a]);
                }
            }
        }
    }
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
))]
mod avx2 {
    use std::arch::x86_64::*;

    use super::LANES;

    /// Horizontal sum in the portable loop's order: `(l0 + l1) + (l2 + l3)`.
    #[inline(always)]
    fn hsum(v: __m256d) -> f64 {
        let mut a = [0.0; LANES];
        // SAFETY: `a` holds exactly 4 f64.
        unsafe { _mm256_storeu_pd(a.as_mut_ptr(), v) };
        (a[0] + a[1]) + (a[2] + a[3])
    }

    pub fn scores<const K: usize>(x: &[f64], wt: &[f64], w: usize, z: &mut [f64]) {
        if K % GROUP == 0 {
            scores_2x5::<K>(x, wt, w, z)
        } else {
            scores_1xk::<K>(x, wt, w, z)
        }
    }

    /// Two rows by 5 classes: per 4 features, 2 row loads and 5 `W'` loads feed 10 FMAs, and the
    /// 5 rows of `W'` (5 x 785 x 8 bytes = 31 KB) stay in L1 while the rows stream past.
    fn scores_2x5<const K: usize>(x: &[f64], wt: &[f64], w: usize, z: &mut [f64]) {
        let body = w / LANES * LANES;
        let mut pairs = x.chunks_exact(2 * w);
        let mut out = z.chunks_exact_mut(2 * K);
        for (xx, zz) in (&mut pairs).zip(&mut out) {
            for a0 in (0..K).step_by(GROUP) {
                // SAFETY: AVX2/FMA enabled at compile time. Row loads read xx[r*w + j .. +4] with
                // r < 2 and j + 4 <= body <= w (inside xx, length 2w); W' loads read
                // wt[(a0+a)*w + j .. +4] with a0 + a < K (inside wt, length K*w).
                unsafe {
                    let mut r0 = [_mm256_setzero_pd(); GROUP];
                    let mut r1 = [_mm256_setzero_pd(); GROUP];
                    let mut j = 0;
                    while j < body {
                        let x0 = _mm256_loadu_pd(xx.as_ptr().add(j));
                        let x1 = _mm256_loadu_pd(xx.as_ptr().add(w + j));
                        for a in 0..GROUP {
                            let wv = _mm256_loadu_pd(wt.as_ptr().add((a0 + a) * w + j));
                            r0[a] = _mm256_fmadd_pd(x0, wv, r0[a]);
                            r1[a] = _mm256_fmadd_pd(x1, wv, r1[a]);
                        }
                        j += LANES;
                    }
                    for a in 0..GROUP {
                        zz[a0 + a] = hsum(r0[a]);
                        zz[K + a0 + a] = hsum(r1[a]);
                    }
                }
            }
        }
        let rem = pairs.remainder();
        let zrem = out.into_remainder();
        scores_1xk::<K>(rem, wt, w, zrem);
        // Features body..w: fewer than one vector.
        for (xr, zr) in x
            .chunks_exact(w)
            .zip(z.chunks_exact_mut(K))
            .take(x.len() / w - rem.len() / w)
        {
            for (a, z) in zr.iter_mut().enumerate() {
                *z += (body..w).map(|j| xr[j] * wt[a * w + j]).sum::<f64>();
            }
        }
    }

    fn scores_1xk<const K: usize>(x: &[f64], wt: &[f64], w: usize, z: &mut [f64]) {
        let body = w / LANES * LANES;
        for (xr, zr) in x.chunks_exact(w).zip(z.chunks_exact_mut(K)) {
            // SAFETY: AVX2 and FMA are enabled at compile time (cfg above). Every load reads
            // LANES elements at j with j + LANES <= body <= w: inside the row `xr` (length w)
            // and inside row a < K of `wt` (length K * w).
            unsafe {
                let mut acc = [_mm256_setzero_pd(); K];
                let mut j = 0;
                while j < body {
                    let xv = _mm256_loadu_pd(xr.as_ptr().add(j));
                    for (a, acc) in acc.iter_mut().enumerate() {
                        let wv = _mm256_loadu_pd(wt.as_ptr().add(a * w + j));
                        *acc = _mm256_fmadd_pd(xv, wv, *acc);
                    }
                    j += LANES;
                }
                for (a, (z, acc)) in zr.iter_mut().zip(acc).enumerate() {
                    *z = hsum(acc) + (body..w).map(|j| xr[j] * wt[a * w + j]).sum::<f64>();
                }
            }
        }
    }

    /// Classes per pass in the 8-feature kernel: 2 x 5 accumulators + 2 feature vectors + a
    /// broadcast fit the 16 registers.
    const GROUP: usize = 5;

    pub fn add_outer<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        if K % GROUP == 0 {
            add_outer_8x5::<K>(x, p, w, grad)
        } else {
            add_outer_4xk::<K>(x, p, w, grad)
        }
    }

    /// Tiles of 8 features (one cache line of a row) by 5 classes: per row, 2 loads and 5
    /// broadcasts feed 10 FMAs.
    fn add_outer_8x5<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        const T: usize = 2 * LANES;
        let body = w / T * T;
        let rows = p.len() / K;
        let mut j0 = 0;
        while j0 < body {
            for a0 in (0..K).step_by(GROUP) {
                // SAFETY: AVX2/FMA enabled at compile time. Loads read x[i*w + j0 .. +8] with
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

    fn add_outer_4xk<const K: usize>(x: &[f64], p: &[f64], w: usize, grad: &mut [f64]) {
        let body = w / LANES * LANES;
        let rows = p.len() / K;
        let mut j0 = 0;
        while j0 < body {
            // SAFETY: AVX2 and FMA are enabled at compile time. Loads read x[i*w + j0 ..+4] with
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
