//! Dropout [Srivastava et al., 2014]: in the forward pass of training, every unit is kept with
//! probability `p` and set to zero otherwise, with a fresh random mask for every pass.
//!
//! `p` is the probability of **keeping** a unit, as on the slide and in CS231n; PyTorch's
//! `nn.Dropout(p)` takes the probability of *dropping* it ([`Dropout::from_drop_rate`]).
//!
//! A unit's expected output in training is `p` times its input, so test time must see the same
//! scale. The slide shows two ways: **vanilla** dropout multiplies by `p` at prediction ("not
//! recommended": prediction code must know about dropout), **inverted** dropout divides by `p`
//! during training and leaves prediction alone.
//!
//! The masks come from a counter-based stream: unit `i` of training pass `step` is kept when
//! `hash(key, step, i)` falls below `p`, so a mask does not depend on how many threads draw it or in
//! what order, and the same key gives the same masks on any machine.

use super::{Layer, Mode};
use crate::Float;
use crate::hyper::{HyperparameterError, check_fraction, check_unit_interval};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// Where dropout restores the expected activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DropoutKind {
    /// Train: `H *= U`; predict: `H * p`.
    Vanilla,
    /// Train: `H *= U / p`; predict: `H`.
    Inverted,
}

/// A dropout layer with keep probability `p`.
///
/// The layer stores no mask: backward redraws the last training pass's mask from the stream
/// (unit `i`'s draw is a pure function of the layer, the pass and `i`), which costs a few integer
/// operations per unit and saves writing and reading a mask as large as the activations.
pub struct Dropout<F> {
    p: f64,
    kind: DropoutKind,
    key: u64,
    step: u64,
    /// Draw a new mask for every training pass (off for gradient checks: one fixed mask).
    advance: bool,
    /// The pass and the shape of the last training forward: what backward redraws.
    last: Option<(u64, (usize, usize))>,
    _float: std::marker::PhantomData<F>,
}

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function [Steele, Lea and Flood, 2014]: a bijective mix of 64 bits.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ANCHOR: mask
/// The random stream of training pass `step` of the layer `key`: two 32-bit keys from one
/// SplitMix64 output.
#[inline]
fn stream(key: u64, step: u64) -> (u32, u32) {
    let z = mix64(key ^ step.wrapping_mul(GOLDEN));
    (z as u32, (z >> 32) as u32)
}

/// Unit `i`'s draw in `stream`: `i` through two rounds of the lowbias32 hash, each after a key.
/// The unit is kept when its draw falls below `p * 2^32`, which happens with probability `p`.
/// (32-bit arithmetic vectorizes 16 units to a 512-bit register; a 64-bit multiply does not.)
#[inline]
fn draw((a, b): (u32, u32), i: u32) -> u32 {
    lowbias32(lowbias32(i ^ a) ^ b)
}

/// Wellons' lowbias32 [nullprogram.com, 2018]: a bijective 32-bit mix with low avalanche bias.
#[inline]
fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}
// ANCHOR_END: mask

/// Units a rayon task draws and applies at a time.
const CHUNK: usize = 1 << 14;

/// Units drawn together: 16 `u32` draws fill one 512-bit (or two 256-bit) vectors, so LLVM
/// vectorizes the hash across them.
const LANES: usize = 16;

// ANCHOR: kernel
/// The draws of units `first..first + LANES`.
#[inline]
fn draw_block(stream: (u32, u32), first: usize) -> [u32; LANES] {
    let mut draws = [0u32; LANES];
    for (k, d) in draws.iter_mut().enumerate() {
        *d = draw(stream, (first + k) as u32);
    }
    draws
}

/// `dst[j] = src[j] * U * scale` for the units `first..first + src.len()` of `stream`, where `U`
/// is 1 when the unit's draw is below `threshold` (`None`: every unit kept).
fn mask_chunk<F: Float>(
    stream: (u32, u32),
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

impl<F: Float> Dropout<F> {
    /// Keep probability `p` in (0, 1]; `key` selects the layer's stream of masks (give every
    /// dropout layer of a network its own).
    pub fn new(p: f64, kind: DropoutKind, key: u64) -> Result<Self, HyperparameterError> {
        Ok(Dropout {
            p: check_fraction("p", p)?,
            kind,
            key,
            step: 0,
            advance: true,
            last: None,
            _float: std::marker::PhantomData,
        })
    }

    /// PyTorch's convention: `drop` is the probability of zeroing a unit, in [0, 1).
    pub fn from_drop_rate(
        drop: f64,
        kind: DropoutKind,
        key: u64,
    ) -> Result<Self, HyperparameterError> {
        Self::new(1.0 - check_unit_interval("drop", drop)?, kind, key)
    }

    /// The same layer drawing one mask for every training pass, for gradient checks.
    pub fn with_fixed_mask(self) -> Self {
        Dropout {
            advance: false,
            ..self
        }
    }

    /// The keep probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// `p * 2^32` as an integer (`None` for `p = 1`, which keeps every unit; `p` within `2^-32` of
    /// 1 keeps all but the draw `2^32 - 1`).
    fn threshold(&self) -> Option<u32> {
        (self.p < 1.0).then(|| (self.p * 2f64.powi(32)).min(u32::MAX as f64) as u32)
    }
}

impl<F: Float> Layer<F> for Dropout<F> {
    fn describe(&self) -> String {
        format!("dropout keep {} ({:?})", self.p, self.kind).to_lowercase()
    }

    // ANCHOR: forward
    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F> {
        let p = F::lit(self.p);
        if mode == Mode::Eval {
            self.last = None;
            return match self.kind {
                DropoutKind::Vanilla => x.mapv(|h| h * p), // scale at test time
                DropoutKind::Inverted => x.to_owned(),     // nothing to do at test time
            };
        }
        let step = self.step;
        if self.advance {
            self.step += 1;
        }
        self.last = Some((step, x.dim()));
        self.masked(x, step) // H *= U (vanilla) or H *= U / p (inverted)
    }
    // ANCHOR_END: forward

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let (step, dim) = self
            .last
            .expect("dropout backward needs a training forward first");
        assert_eq!(
            dout.dim(),
            dim,
            "dropout backward: dout's shape differs from the input's"
        );
        self.masked(dout, step) // the same mask and scale: dx = dout * U (/ p)
    }
}

impl<F: Float> Dropout<F> {
    /// `v * U_i * scale` for every unit `i` of `v`, with `U` the mask of training pass `step` and
    /// `scale` 1 (vanilla) or `1/p` (inverted), in one parallel pass over contiguous chunks.
    fn masked(&self, v: ArrayView2<F>, step: u64) -> Array2<F> {
        let scale = match self.kind {
            DropoutKind::Vanilla => F::one(),
            DropoutKind::Inverted => F::one() / F::lit(self.p), // scale at training time instead
        };
        let (stream, threshold) = (stream(self.key, step), self.threshold());
        let v = v.as_standard_layout(); // units numbered in row-major order
        assert!(
            v.len() <= u32::MAX as usize,
            "dropout numbers units with 32 bits"
        );
        let src = v.as_slice().expect("a standard-layout array is contiguous");
        let mut out = Array2::<F>::uninit(v.raw_dim());
        let dst = out.as_slice_mut().expect("a fresh array is contiguous");
        (dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)))
            .enumerate()
            .for_each(|(c, (dst, src))| mask_chunk(stream, c * CHUNK, threshold, scale, src, dst));
        // SAFETY: the chunks cover `dst`, and `mask_chunk` writes every element of its chunk.
        unsafe { out.assume_init() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn x() -> Array2<f64> {
        Array2::from_shape_fn((40, 50), |(i, j)| (i as f64 - 20.0) * 0.1 + j as f64 * 0.01)
    }

    #[test]
    fn keep_probability_one_is_the_identity() {
        for kind in [DropoutKind::Vanilla, DropoutKind::Inverted] {
            let mut d = Dropout::<f64>::new(1.0, kind, 3).unwrap();
            assert_eq!(d.forward(x().view(), Mode::Train), x());
            assert_eq!(d.backward(x().view()), x());
            assert_eq!(d.forward(x().view(), Mode::Eval), x());
        }
    }

    #[test]
    fn both_forms_have_the_test_time_output_as_their_training_mean() {
        // The expectation over masks of the training output is what prediction returns: p x for
        // vanilla dropout, x for inverted dropout (checked to 5 standard errors over 2,000 masks).
        let (p, passes) = (0.3, 2_000);
        for kind in [DropoutKind::Vanilla, DropoutKind::Inverted] {
            let mut d = Dropout::<f64>::new(p, kind, 11).unwrap();
            let input = x();
            let mut mean = Array2::<f64>::zeros(input.raw_dim());
            for _ in 0..passes {
                mean += &(d.forward(input.view(), Mode::Train) / passes as f64);
            }
            let want = d.forward(input.view(), Mode::Eval);
            let scale = if kind == DropoutKind::Inverted {
                1.0 / p
            } else {
                1.0
            };
            for ((m, w), h) in mean.iter().zip(&want).zip(&input) {
                let se = h.abs() * scale * (p * (1.0 - p) / passes as f64).sqrt();
                assert!(
                    (m - w).abs() <= 5.0 * se + 1e-12,
                    "{kind:?}: mean {m} vs {w}"
                );
            }
        }
    }

    #[test]
    fn masks_keep_a_fraction_p_and_do_not_depend_on_threads() {
        let big = Array2::<f32>::ones((300, 1000)); // several chunks
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut d = Dropout::<f32>::new(0.5, DropoutKind::Inverted, 7).unwrap();
                let first = d.forward(big.view(), Mode::Train);
                let second = d.forward(big.view(), Mode::Train);
                (first, second)
            })
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        assert_ne!(one.0, one.1, "a fresh mask every pass");
        let kept = one.0.iter().filter(|&&v| v != 0.0).count() as f64 / one.0.len() as f64;
        assert!((kept - 0.5).abs() < 0.005, "kept {kept}");
        assert!(
            one.0.iter().all(|&v| v == 0.0 || v == 2.0),
            "inverted: kept units are x / p"
        );
    }

    #[test]
    fn neighbouring_units_and_consecutive_passes_are_uncorrelated() {
        // The counter-based draws must look independent where a weak hash would not: unit i and
        // unit i + 1 of one pass, and unit i of pass s and of pass s + 1 (keys differing in one
        // step). Each correlation of the keep indicators is within 5 standard errors of 0.
        let (p, n) = (0.5, 1 << 20);
        let d = Dropout::<f32>::new(p, DropoutKind::Inverted, 3).unwrap();
        let t = d.threshold().unwrap();
        let kept = |step: u64| -> Vec<f64> {
            let s = stream(d.key, step);
            (0..n)
                .map(|i| f64::from(u8::from(draw(s, i) < t)))
                .collect()
        };
        let correlation = |a: &[f64], b: &[f64]| {
            let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (m(a), m(b));
            let cov = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - ma) * (y - mb))
                .sum::<f64>();
            let var = |v: &[f64], mv: f64| v.iter().map(|x| (x - mv).powi(2)).sum::<f64>();
            cov / (var(a, ma) * var(b, mb)).sqrt()
        };
        let limit = 5.0 / (n as f64).sqrt();
        let (first, second) = (kept(0), kept(1));
        let pairs = [
            (
                "neighbours",
                correlation(&first[..n as usize - 1], &first[1..]),
            ),
            ("passes", correlation(&first, &second)),
            (
                "shifted passes",
                correlation(&first[1..], &second[..n as usize - 1]),
            ),
        ];
        for (what, r) in pairs {
            assert!(r.abs() < limit, "{what}: correlation {r}");
        }
    }

    #[test]
    fn pytorch_drop_rate_is_one_minus_the_keep_probability() {
        let mut ours = Dropout::<f64>::new(0.8, DropoutKind::Inverted, 5).unwrap();
        let mut theirs = Dropout::<f64>::from_drop_rate(0.2, DropoutKind::Inverted, 5).unwrap();
        assert_eq!(theirs.p(), 0.8);
        let input = x();
        assert_eq!(
            ours.forward(input.view(), Mode::Train),
            theirs.forward(input.view(), Mode::Train)
        );
        let bad = |p| {
            Dropout::<f64>::new(p, DropoutKind::Vanilla, 0)
                .err()
                .map(|e| e.name)
        };
        assert_eq!(
            (bad(0.0), bad(1.5), bad(f64::NAN), bad(0.5)),
            (Some("p"), Some("p"), Some("p"), None)
        );
        let drop = Dropout::<f64>::from_drop_rate(1.0, DropoutKind::Vanilla, 0);
        assert_eq!(drop.err().map(|e| e.name), Some("drop"));
    }

    #[test]
    fn the_slides_three_layer_network_has_dropout_after_each_hidden_layer() {
        let mut rng = crate::rng::seeded(1);
        let net = crate::nn::network::Sequential::<f64>::dropout_mlp(
            &[784, 100, 100, 10],
            0.5,
            DropoutKind::Inverted,
            &mut rng,
        )
        .unwrap();
        let layers = net.describe();
        assert_eq!(layers.len(), 7, "{layers:?}");
        assert_eq!(layers[2], "dropout keep 0.5 (inverted)");
        assert_eq!(layers[5], "dropout keep 0.5 (inverted)");
        let bad = crate::nn::network::Sequential::<f64>::dropout_mlp(
            &[4, 3, 2],
            0.0,
            DropoutKind::Vanilla,
            &mut rng,
        );
        assert_eq!(bad.err().map(|e| e.name), Some("p"));
    }

    #[test]
    fn backward_multiplies_by_the_same_mask_and_a_fixed_mask_stays() {
        let mut d = Dropout::<f64>::new(0.5, DropoutKind::Vanilla, 9)
            .unwrap()
            .with_fixed_mask();
        let out = d.forward(x().view(), Mode::Train);
        let dx = d.backward(Array2::ones((40, 50)).view());
        for ((o, g), h) in out.iter().zip(&dx).zip(&x()) {
            assert_eq!(*o, h * g, "vanilla: out = x * U, dx = dout * U");
        }
        assert_eq!(
            d.forward(x().view(), Mode::Train),
            out,
            "the fixed mask again"
        );
    }
}
