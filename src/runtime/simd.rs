//! Run-time dispatch of the hot kernels: one body, written once in plain Rust and generic over the
//! vector width, compiled three times — inside an `#[target_feature(enable = "avx2,fma")]` wrapper,
//! inside an AVX-512 one, and for the baseline target — and run at the tier [`tier::current`]
//! names. The project builds without `target-cpu`: a binary runs on any x86-64 CPU and still uses
//! the vector units and fused multiply-adds of the one it runs on. (LLVM's generic tuning schedules
//! loads early: a kernel whose tile needs all 16 AVX2 registers spills one through the stack, so the
//! tiles leave a register or more free.)
//!
//! The body is a [`Kernel`]: its `run::<BITS>` is `#[inline(always)]`, and so is everything its hot
//! loop calls, so that the whole loop is compiled with the wrapper's instructions (a function the
//! loop calls without inlining would be compiled for the baseline: no FMA, `mul_add` in
//! software). Plain loops that LLVM vectorizes by itself go through [`vectorized`].
//!
//! Nothing here changes a result: the kernels keep every output's reduction in one fixed order
//! whatever `BITS` is, so every tier gives the same bits (tested, and compared on whole runs).

use super::tier::{self, Tier, TierError};
use std::sync::atomic::{AtomicBool, Ordering};

/// A hot loop to run at the current tier.
pub trait Kernel {
    type Output;
    /// The body for vectors of `BITS` bits: 256 (AVX2, and the baseline's shape) or 512 (AVX-512).
    /// Implementations are `#[inline(always)]`, as is everything their hot loop calls.
    fn run<const BITS: usize>(self) -> Self::Output;
}

/// Where a kernel runs: a tier of this CPU, or the 512-bit body on the baseline's plain
/// instructions (an emulated 16-lane `f32` vector, as `pulp`'s `Scalar512b`), which lets the tests
/// check the AVX-512 tier's code on a CPU without AVX-512.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Native(Tier),
    Emulated512,
}

/// Set by [`Backend::force`]: every kernel runs on [`Backend::Emulated512`].
static EMULATE_512: AtomicBool = AtomicBool::new(false);

impl Backend {
    /// Runs every kernel of the process on this backend from now on (a tier through
    /// [`tier::force`], which refuses one the CPU lacks). For comparing whole computations across
    /// backends; the binaries force tiers with `NNLAB_TIER`.
    pub fn force(self) -> Result<(), TierError> {
        if let Backend::Native(t) = self {
            tier::force(t)?;
        }
        EMULATE_512.store(self == Backend::Emulated512, Ordering::Relaxed);
        Ok(())
    }

    /// The backend kernels run on now.
    pub fn current() -> Backend {
        if EMULATE_512.load(Ordering::Relaxed) {
            Backend::Emulated512
        } else {
            Backend::Native(tier::current())
        }
    }

    /// Every backend this CPU can run: its tiers, lowest first, then the emulated 512-bit body.
    pub fn all_here() -> Vec<Backend> {
        let tiers = Tier::ALL.into_iter().filter(|t| t.supported());
        tiers
            .map(Backend::Native)
            .chain([Backend::Emulated512])
            .collect()
    }

    /// The width of the vectors the kernels' bodies are written for.
    pub fn bits(self) -> usize {
        match self {
            Backend::Native(Tier::Avx512) | Backend::Emulated512 => 512,
            Backend::Native(_) => 256,
        }
    }

    /// Runs `kernel` on this backend. Panics if it is a tier this CPU lacks.
    #[inline]
    pub fn run<K: Kernel>(self, kernel: K) -> K::Output {
        match self {
            Backend::Emulated512 => kernel.run::<512>(),
            Backend::Native(Tier::Baseline) => kernel.run::<256>(),
            Backend::Native(t) => {
                assert!(
                    t <= Tier::detected(),
                    "this CPU cannot run the {} tier",
                    t.name()
                );
                x86::run(t, kernel)
            }
        }
    }
}

/// Runs `kernel` at the current tier.
#[inline]
pub fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    Backend::current().run(kernel)
}

/// Runs `f` compiled with the current tier's instructions, for plain loops that LLVM vectorizes by
/// itself (elementwise updates, fixed-order partial sums). `f` must inline into the wrapper, so
/// pass it as `vectorized(#[inline(always)] || …)` and make the functions it calls
/// `#[inline(always)]` too: LLVM may leave a large closure out of line, compiled for the baseline
/// (the instruction-count gate caught dropout's hash running 2.5 times the instructions so).
#[inline]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    dispatch(Closure(f))
}

struct Closure<F>(F);

impl<R, F: FnOnce() -> R> Kernel for Closure<F> {
    type Output = R;
    #[inline(always)]
    fn run<const BITS: usize>(self) -> R {
        (self.0)()
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Kernel, Tier};

    /// `kernel` compiled for `tier` (AVX2 or AVX-512), which the caller checked this CPU has.
    #[inline]
    pub fn run<K: Kernel>(tier: Tier, kernel: K) -> K::Output {
        // SAFETY: `Backend::run` asserted that the CPU supports `tier`, whose features these are.
        unsafe {
            match tier {
                Tier::Avx512 => avx512(kernel),
                _ => avx2(kernel),
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2<K: Kernel>(kernel: K) -> K::Output {
        kernel.run::<256>()
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn avx512<K: Kernel>(kernel: K) -> K::Output {
        kernel.run::<512>()
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod x86 {
    use super::{Kernel, Tier};

    /// Other architectures have only the baseline tier, which `Backend::run` handles.
    pub fn run<K: Kernel>(tier: Tier, _: K) -> K::Output {
        unreachable!("the {} tier exists only on x86-64", tier.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fma(Vec<f32>);

    impl Kernel for Fma {
        type Output = (usize, Vec<f32>);
        #[inline(always)]
        fn run<const BITS: usize>(self) -> (usize, Vec<f32>) {
            let v = self.0.iter().map(|&x| x.mul_add(x, 1.0)).collect();
            (BITS, v)
        }
    }

    #[test]
    fn every_backend_here_runs_its_width_and_gives_the_same_bits() {
        let x: Vec<f32> = (0..100).map(|i| 1.0 + i as f32 / 3.0).collect();
        let want: Vec<u32> = x.iter().map(|&x| x.mul_add(x, 1.0).to_bits()).collect();
        let backends = Backend::all_here();
        assert!(backends.contains(&Backend::Native(Tier::Baseline)));
        assert!(backends.contains(&Backend::Emulated512));
        for b in backends {
            let (bits, v) = b.run(Fma(x.clone()));
            assert_eq!(bits, b.bits(), "{b:?}");
            assert_eq!(v.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want);
        }
        assert_eq!(vectorized(|| 41 + 1), 42);
    }
}
