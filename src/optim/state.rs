//! What a rule keeps between steps: one state vector per parameter tensor ([`SlotState`]), and
//! the chunked loops that update a tensor and its state together, in parallel when large.

use crate::Float;
use crate::runtime::buffer::StateVec;
use crate::runtime::simd;
use rayon::prelude::*;

/// Per-slot state vectors, created as zeros the first time a slot is seen (in huge-page-backed
/// memory when large; see [`crate::runtime::buffer`]).
#[derive(Clone, Debug)]
pub struct SlotState<F: Float> {
    slots: Vec<Option<StateVec<F>>>,
}

impl<F: Float> Default for SlotState<F> {
    fn default() -> Self {
        SlotState { slots: Vec::new() }
    }
}

impl<F: Float> SlotState<F> {
    /// The state vector of `slot`, zero-initialized with length `len` on first use.
    pub fn get(&mut self, slot: usize, len: usize) -> &mut [F] {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        let s = self.slots[slot].get_or_insert_with(|| StateVec::zeros(len));
        assert_eq!(s.len(), len, "parameter slot {slot} changed size");
        s
    }

    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

/// Elements per parallel task: large enough to amortize scheduling, small enough to split 1M
/// parameters across cores. Below `PAR_MIN` elements the loop runs on the calling thread.
pub const CHUNK: usize = 1 << 16;
const PAR_MIN: usize = 1 << 18;

/// Whether a loop over `len` elements runs on the calling thread: small tensors, or a pool of one
/// thread (where splitting into tasks only adds overhead).
pub fn serial(len: usize) -> bool {
    len < PAR_MIN || rayon::current_num_threads() == 1
}

/// Applies `kernel` to matching chunks of `x` and `dx` (in parallel for large tensors), compiled
/// for the dispatched tier ([`simd::vectorized`]; `kernel` is an `#[inline(always)]` closure
/// calling an `#[inline(always)]` loop). Elementwise kernels give the same bits whatever the thread count and the tier.
pub fn zip2<F: Float>(x: &mut [F], dx: &[F], kernel: impl Fn(&mut [F], &[F]) + Sync) {
    assert_eq!(x.len(), dx.len(), "x and dx differ in length");
    let run = |x: &mut [F], dx: &[F]| {
        simd::vectorized(
            #[inline(always)]
            || kernel(x, dx),
        )
    };
    if serial(x.len()) {
        run(x, dx);
    } else {
        x.par_chunks_mut(CHUNK)
            .zip(dx.par_chunks(CHUNK))
            .for_each(|(x, dx)| run(x, dx));
    }
}

/// Like [`zip2`] with one state vector `s` updated alongside `x`.
pub fn zip3<F: Float>(
    x: &mut [F],
    s: &mut [F],
    dx: &[F],
    kernel: impl Fn(&mut [F], &mut [F], &[F]) + Sync,
) {
    assert_eq!(x.len(), dx.len(), "x and dx differ in length");
    assert_eq!(x.len(), s.len(), "x and its state differ in length");
    let run = |x: &mut [F], s: &mut [F], dx: &[F]| {
        simd::vectorized(
            #[inline(always)]
            || kernel(x, s, dx),
        )
    };
    if serial(x.len()) {
        run(x, s, dx);
    } else {
        x.par_chunks_mut(CHUNK)
            .zip(s.par_chunks_mut(CHUNK))
            .zip(dx.par_chunks(CHUNK))
            .for_each(|((x, s), dx)| run(x, s, dx));
    }
}
