//! The compute yardstick: the core's peak rate of fused multiply-adds, measured by a loop that
//! touches no memory — `ACCUMULATORS` independent vector registers, each updated `acc = acc·a + b`
//! every iteration. Independent chains hide the FMA's latency (4 cycles with two FMA pipes on Zen
//! 3 and Zen 4: at least 8 in flight; 10 leave room), so the loop runs at the pipes' throughput.
//! The width is the run-time tier's (`nnlab::runtime::tier`): 512-bit registers where the CPU has
//! AVX-512, 256-bit with AVX2 and FMA, a portable scalar loop on the baseline tier. Every
//! compute-bound case of `bench_report` is reported as a fraction of this rate, as the
//! memory-bound ones are of the streaming yardstick's bytes/s.

use rayon::prelude::*;

/// Independent accumulators: more than latency × pipes, fewer than the 16 vector registers of
/// AVX2 less the two operands.
pub const ACCUMULATORS: usize = 10;

/// Iterations of one timed call per thread.
pub const ITERS: usize = 1 << 22;

/// The vector width the loop runs at, in bits: that of the tier the hot kernels run at
/// (`nnlab::runtime::tier::current`: the CPU's highest, or the one `NNLAB_TIER` forces).
pub fn width_bits() -> usize {
    nnlab::runtime::tier::current().vector_bits() as usize
}

/// FLOPs of one call of the loop for `F` (`iters` iterations) on each of `threads` threads: two
/// per lane, accumulator and iteration.
pub fn flops<F>(iters: usize, threads: usize) -> f64 {
    // The baseline tier's loop is scalar: one lane whatever the precision.
    let lanes = match width_bits() {
        64 => 1,
        bits => bits / 8 / std::mem::size_of::<F>(),
    };
    2.0 * (iters * ACCUMULATORS * lanes * threads) as f64
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::ACCUMULATORS;
    use std::arch::x86_64::*;

    macro_rules! peak {
        ($name:ident, $feature:literal, $t:ty, $vec:ty, $set1:ident, $fmadd:ident, $store:ident,
         $lanes:literal) => {
            /// The register-only loop; returns the sum of the accumulators' lanes.
            #[target_feature(enable = $feature)]
            pub fn $name(iters: usize) -> $t {
                let (a, b) = ($set1(0.999), $set1(1e-3));
                let mut acc: [$vec; ACCUMULATORS] = [$set1(0.0); ACCUMULATORS];
                for (i, v) in acc.iter_mut().enumerate() {
                    *v = $set1(i as $t * 1e-2);
                }
                for _ in 0..iters {
                    for v in acc.iter_mut() {
                        *v = $fmadd(*v, a, b);
                    }
                }
                let mut lanes = [0.0 as $t; $lanes];
                let mut sum = 0.0;
                for v in acc {
                    // SAFETY: `lanes` holds exactly one vector.
                    unsafe { $store(lanes.as_mut_ptr(), v) };
                    sum += lanes.iter().sum::<$t>();
                }
                sum
            }
        };
    }
    peak!(
        f32_256,
        "avx2,fma",
        f32,
        __m256,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        _mm256_storeu_ps,
        8
    );
    peak!(
        f64_256,
        "avx2,fma",
        f64,
        __m256d,
        _mm256_set1_pd,
        _mm256_fmadd_pd,
        _mm256_storeu_pd,
        4
    );
    peak!(
        f32_512,
        "avx512f",
        f32,
        __m512,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_storeu_ps,
        16
    );
    peak!(
        f64_512,
        "avx512f",
        f64,
        __m512d,
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_storeu_pd,
        8
    );
}

macro_rules! dispatch {
    ($name:ident, $t:ty, $w256:ident, $w512:ident) => {
        /// `iters` iterations of the loop at [`width_bits`]; returns the accumulators' sum.
        pub fn $name(iters: usize) -> $t {
            #[cfg(target_arch = "x86_64")]
            match width_bits() {
                // SAFETY: width_bits checked the CPU has the features each function enables.
                512 => return unsafe { x86::$w512(iters) },
                256 => return unsafe { x86::$w256(iters) },
                _ => {}
            }
            let mut acc = [0.0 as $t; ACCUMULATORS];
            for _ in 0..iters {
                for v in acc.iter_mut() {
                    *v = v.mul_add(std::hint::black_box(0.999), 1e-3);
                }
            }
            acc.iter().sum()
        }
    };
}
dispatch!(peak_f32, f32, f32_256, f32_512);
dispatch!(peak_f64, f64, f64_256, f64_512);

/// The loop on every thread of the current pool at once (one call each).
pub fn on_every_thread<F: Send>(threads: usize, call: impl Fn() -> F + Sync) {
    (0..threads).into_par_iter().for_each(|_| {
        std::hint::black_box(call());
    });
}
