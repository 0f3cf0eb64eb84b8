//! The fast path of dropout: the mask drawn and applied in one parallel, vectorized pass, with no
//! mask stored. It computes what [`super::dropout_forward`] computes, bit for bit (tested).

use crate::Float;
use crate::rng::CounterStream;
use crate::runtime::{buffer, simd};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// `p * 2^32` as an integer: a unit is kept when its draw, uniform on `0..2^32`, falls below it
/// (`None` for `p = 1`, which keeps every unit; `p` within `2^-32` of 1 keeps all but the draw
/// `2^32 - 1`).
pub fn keep_threshold(p: f64) -> Option<u32> {
    (p < 1.0).then(|| (p * 2f64.powi(32)).min(u32::MAX as f64) as u32)
}

/// Units a rayon task draws and applies at a time.
const CHUNK: usize = 1 << 14;

/// Units drawn together: 16 `u32` draws fill one 512-bit (or two 256-bit) vectors, so LLVM
/// vectorizes the hash across them.
const LANES: usize = 16;

// ANCHOR: kernel
/// The draws of units `first..first + LANES`.
#[inline(always)]
fn draw_block(stream: CounterStream, first: usize) -> [u32; LANES] {
    let mut draws = [0u32; LANES];
    for (k, d) in draws.iter_mut().enumerate() {
        *d = stream.draw((first + k) as u32);
    }
    draws
}

/// `dst[j] = src[j] * U * scale` for the units `first..first + src.len()` of `stream`, where `U`
/// is 1 when the unit's draw is below `threshold` (`None`: every unit kept).
#[inline(always)]
fn mask_chunk<F: Float>(
    stream: CounterStream,
    first: usize,
    threshold: Option<u32>,
    scale: F,
    src: &[F],
    dst: &mut [std::mem::MaybeUninit<F>],
) {
    let Some(t) = threshold else {
        for (d, &s) in dst.iter_mut().zip(src) {
            d.write(s * scale);
        }
        return;
    };
    let blocks = src.chunks(LANES).zip(dst.chunks_mut(LANES));
    for (b, (src, dst)) in blocks.enumerate() {
        let draws = draw_block(stream, first + b * LANES);
        for ((d, &s), &r) in dst.iter_mut().zip(src).zip(&draws) {
            // 1 or 0 by arithmetic, not a branch: a random branch is mispredicted half the time.
            let kept = F::lit(f64::from(u8::from(r < t)));
            d.write(s * (kept * scale));
        }
    }
}
// ANCHOR_END: kernel

/// `v * U_i * scale` for every unit `i` of `v` (numbered in row-major order), with `U` the mask
/// of keep probability `p` drawn from `stream`, in one parallel pass over contiguous chunks.
pub fn masked<F: Float>(v: ArrayView2<F>, p: f64, scale: F, stream: CounterStream) -> Array2<F> {
    let threshold = keep_threshold(p);
    let v = v.as_standard_layout(); // units numbered in row-major order
    assert!(
        v.len() <= u32::MAX as usize,
        "dropout numbers units with 32 bits"
    );
    let src = v.as_slice().expect("a standard-layout array is contiguous");
    let mut out = Array2::<F>::uninit(v.raw_dim());
    let dst = out.as_slice_mut().expect("a fresh array is contiguous");
    buffer::advise_huge(dst); // a large output: one page fault per 2 MB rather than per 4 KB
    (dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)))
        .enumerate()
        .for_each(|(c, (dst, src))| {
            simd::vectorized(
                #[inline(always)]
                || mask_chunk(stream, c * CHUNK, threshold, scale, src, dst),
            )
        });
    // SAFETY: the chunks cover `dst`, and `mask_chunk` writes every element of its chunk.
    unsafe { out.assume_init() }
}
