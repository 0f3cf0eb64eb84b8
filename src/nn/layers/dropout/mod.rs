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
//! Read [`dropout_forward`] and [`dropout_backward`] first: the slide's `U = (rand < p) / p;
//! H *= U` as written. The layer [`Dropout`] computes the same bits on the fast path of
//! [`kernel`]. The masks come from a counter-based stream ([`CounterStream`]): unit `i` of training
//! pass `step` is kept when its draw falls below `p`, so a mask does not depend on how many threads
//! draw it or in what order, and the same key gives the same masks on any machine.

use super::layer::{Layer, Mode};
use crate::Float;
use crate::hyper::{HyperparameterError, check_fraction, check_unit_interval};
use crate::rng::CounterStream;
use ndarray::{Array2, ArrayView2};

pub mod kernel;
pub use kernel::keep_threshold;
#[cfg(test)]
mod tests;

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

// ANCHOR: dropout_reference
/// Training pass `step` of the dropout layer `key` in the slide's form. x: (N, D) -> (out: (N, D),
/// cache: the mask U: (N, D)); unit `i` (row-major) draws `rand` from the pass's stream.
pub fn dropout_forward<F: Float>(
    x: ArrayView2<F>,
    p: f64,
    kind: DropoutKind,
    (key, step): (u64, u64),
) -> (Array2<F>, Array2<F>) {
    // ANCHOR: dropout_train
    let stream = CounterStream::new(key, step);
    let (d, threshold) = (x.ncols(), keep_threshold(p));
    let mut u = Array2::from_shape_fn(x.dim(), |(n, j)| {
        let rand = stream.draw((n * d + j) as u32);
        let kept = threshold.is_none_or(|t| rand < t); // rand < p
        F::lit(f64::from(u8::from(kept)))
    });
    if kind == DropoutKind::Inverted {
        u /= F::lit(p); // U = (rand < p) / p
    }
    (&x * &u, u) // H *= U
    // ANCHOR_END: dropout_train
}

/// dout: (N, D), cache: the mask U of [`dropout_forward`] -> dx = dout * U
pub fn dropout_backward<F: Float>(dout: ArrayView2<F>, u: &Array2<F>) -> Array2<F> {
    &dout * u
}
// ANCHOR_END: dropout_reference

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

    /// The scale of a kept unit: 1 (vanilla) or `1/p` (inverted).
    fn scale(&self) -> F {
        match self.kind {
            DropoutKind::Vanilla => F::one(),
            DropoutKind::Inverted => F::one() / F::lit(self.p), // scale at training time instead
        }
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
            // ANCHOR: dropout_predict
            return match self.kind {
                DropoutKind::Vanilla => x.mapv(|h| h * p), // scale at test time
                DropoutKind::Inverted => x.to_owned(),     // nothing to do at test time
                                                            // ANCHOR_END: dropout_predict
            };
        }
        let step = self.step;
        if self.advance {
            self.step += 1;
        }
        self.last = Some((step, x.dim()));
        let stream = CounterStream::new(self.key, step);
        kernel::masked(x, self.p, self.scale(), stream) // H *= U (vanilla) or H *= U / p (inverted)
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
        let stream = CounterStream::new(self.key, step);
        kernel::masked(dout, self.p, self.scale(), stream) // the same mask: dx = dout * U (/ p)
    }
}
