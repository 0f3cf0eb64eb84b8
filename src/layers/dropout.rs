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
//! `mix(key, step, i)` falls below `p`, so a mask does not depend on how many threads draw it or in
//! what order, and the same key gives the same masks on any machine.

use super::{Layer, Mode};
use crate::Float;
use crate::optim::{HyperparameterError, check_fraction, check_unit_interval};
use ndarray::{Array2, ArrayView2, Zip};
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
pub struct Dropout<F> {
    p: f64,
    kind: DropoutKind,
    key: u64,
    step: u64,
    /// Draw a new mask for every training pass (off for gradient checks: one fixed mask).
    advance: bool,
    /// The last training pass's mask times its scale (1 or 1/p): what backward multiplies by.
    mask: Option<Array2<F>>,
}

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function [Steele, Lea and Flood, 2014]: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ANCHOR: mask
/// Whether unit `i` of training pass `step` of the layer `key` is kept: unit `i` of a SplitMix64
/// stream seeded by the key and the pass, below `p * 2^64` (`threshold`; `None` keeps all).
fn keeps(key: u64, step: u64, threshold: Option<u64>) -> impl Fn(usize) -> bool {
    let stream = mix64(key ^ step.wrapping_mul(GOLDEN));
    move |i| match threshold {
        None => true, // p = 1
        Some(t) => mix64(stream.wrapping_add((i as u64 + 1).wrapping_mul(GOLDEN))) < t,
    }
}
// ANCHOR_END: mask

/// Units a rayon task draws and applies at a time.
const CHUNK: usize = 1 << 14;

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
            mask: None,
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

    /// `p * 2^64` as an integer (`None` for `p = 1`, which keeps every unit).
    fn threshold(&self) -> Option<u64> {
        (self.p < 1.0).then(|| (self.p * 2f64.powi(64)) as u64)
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
            self.mask = None;
            return match self.kind {
                DropoutKind::Vanilla => x.mapv(|h| h * p), // scale at test time
                DropoutKind::Inverted => x.to_owned(),     // nothing to do at test time
            };
        }
        let scale = match self.kind {
            DropoutKind::Vanilla => F::one(),
            DropoutKind::Inverted => F::one() / p, // scale at training time instead
        };
        let keeps = keeps(self.key, self.step, self.threshold());
        if self.advance {
            self.step += 1;
        }
        let mut mask = Array2::<F>::zeros(x.raw_dim());
        let flat = mask.as_slice_mut().expect("a fresh array is contiguous");
        flat.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                for (j, m) in chunk.iter_mut().enumerate() {
                    *m = if keeps(c * CHUNK + j) {
                        scale
                    } else {
                        F::zero()
                    };
                }
            });
        let out = Zip::from(&x).and(&mask).par_map_collect(|&h, &m| h * m);
        self.mask = Some(mask);
        out
    }
    // ANCHOR_END: forward

    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F> {
        let mask = (self.mask.as_ref()).expect("dropout backward needs a training forward first");
        Zip::from(&dout).and(mask).par_map_collect(|&d, &m| d * m)
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
        let net = crate::network::Sequential::<f64>::dropout_mlp(
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
        let bad = crate::network::Sequential::<f64>::dropout_mlp(
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
