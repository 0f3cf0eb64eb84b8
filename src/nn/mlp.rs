//! A fully connected network described by value: its sizes, nonlinearity, initialization, and
//! what follows each hidden affine layer — batch or layer normalization (before the nonlinearity,
//! where Ioffe and Szegedy put it) and dropout (after it). The recap and normalization chapters
//! compare variants of one such description.

use rand::Rng;

use crate::Float;
use crate::hyper::{HyperparameterError, check_positive};
use crate::nn::init::{Init, init_weights};
use crate::nn::layers::{Activation, ActivationKind, Affine, BatchNorm, Dropout, LayerNorm};
use crate::nn::layers::{DropoutKind, Layer};
use crate::nn::loss::LossKind;
use crate::nn::network::Sequential;

/// What normalizes each hidden affine layer's output, before its nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    None,
    /// [`BatchNorm`]: each feature over the batch (running estimates for evaluation).
    Batch,
    /// [`LayerNorm`]: each example over its features.
    Layer,
}

impl Norm {
    /// The layer normalizing `d` features, if any.
    fn layer<F: Float>(self, d: usize) -> Option<Box<dyn Layer<F>>> {
        match self {
            Norm::None => None,
            Norm::Batch => Some(Box::new(BatchNorm::new(d))),
            Norm::Layer => Some(Box::new(LayerNorm::new(d))),
        }
    }
}

/// `sizes[0] -> ... -> sizes[last]`: each hidden layer is affine, then [`MlpSpec::norm`], then
/// `activation`, then inverted dropout if [`MlpSpec::keep`] is below 1; softmax loss, no L2.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MlpSpec {
    pub sizes: Vec<usize>,
    pub activation: ActivationKind,
    pub init: Init,
    /// Multiplies every drawn weight: CS231n's `weight_scale * randn` is [`Init::Unit`] with this
    /// scale. 1 leaves `init`'s weights as drawn.
    pub weight_scale: f64,
    pub norm: Norm,
    /// Keep probability of the dropout after each hidden nonlinearity (1: no dropout layer).
    pub keep: f64,
}

impl MlpSpec {
    /// `activation` between affine layers drawn by `init`, nothing else: the same network, from the
    /// same draws, as [`Sequential::mlp`].
    pub fn plain(sizes: Vec<usize>, activation: ActivationKind, init: Init) -> Self {
        MlpSpec {
            sizes,
            activation,
            init,
            weight_scale: 1.0,
            norm: Norm::None,
            keep: 1.0,
        }
    }

    /// The same network normalized by `norm`.
    pub fn normalized(self, norm: Norm) -> Self {
        MlpSpec { norm, ..self }
    }

    /// The same network with dropout keeping each unit with probability `keep`.
    pub fn with_dropout(self, keep: f64) -> Self {
        MlpSpec { keep, ..self }
    }

    /// The same network with its weights scaled by `scale`.
    pub fn scaled(self, weight_scale: f64) -> Self {
        MlpSpec {
            weight_scale,
            ..self
        }
    }

    /// The network, its weights drawn from `rng` input side first (each dropout layer then takes
    /// one draw for its mask stream). An error names a weight scale that is not positive or a keep
    /// probability outside (0, 1].
    ///
    /// # Panics
    /// If there are fewer than two sizes.
    pub fn build<F: Float, R: Rng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<Sequential<F>, HyperparameterError> {
        assert!(
            self.sizes.len() >= 2,
            "an MLP needs an input and an output size"
        );
        let scale = F::lit(check_positive("weight scale", self.weight_scale)?);
        let dropout = (self.keep != 1.0).then_some(self.keep);
        let mut net = Sequential::new(LossKind::Softmax, F::zero());
        let hidden = self.sizes.len() - 2;
        for (i, pair) in self.sizes.windows(2).enumerate() {
            let mut w = init_weights::<F, R>(self.init, pair[0], pair[1], rng);
            if self.weight_scale != 1.0 {
                w.mapv_inplace(|v| v * scale);
            }
            net = net.push(Affine::new(w));
            if i < hidden {
                if let Some(norm) = self.norm.layer(pair[1]) {
                    net.layers.push(norm);
                }
                net = net.push(Activation::new(self.activation));
                if let Some(p) = dropout {
                    net = net.push(Dropout::new(p, DropoutKind::Inverted, rng.next_u64())?);
                }
            }
        }
        Ok(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::Mode;
    use crate::rng::substream;
    use ndarray::Array2;

    fn spec() -> MlpSpec {
        MlpSpec::plain(vec![6, 5, 4, 3], ActivationKind::Tanh, Init::Xavier)
    }

    #[test]
    fn the_plain_description_is_sequential_mlp_from_the_same_draws() {
        let x = Array2::from_shape_fn((4, 6), |(i, j)| (i as f64 - j as f64) * 0.3);
        let mut a = spec().build::<f64, _>(&mut substream(3, 1)).unwrap();
        let mut b = Sequential::<f64>::mlp(
            &[6, 5, 4, 3],
            ActivationKind::Tanh,
            Init::Xavier,
            LossKind::Softmax,
            0.0,
            &mut substream(3, 1),
        );
        assert_eq!(a.describe(), b.describe());
        assert_eq!(
            a.forward(x.view(), Mode::Eval),
            b.forward(x.view(), Mode::Eval)
        );
    }

    #[test]
    fn layers_come_in_the_documented_order() {
        let net = spec()
            .normalized(Norm::Batch)
            .with_dropout(0.5)
            .build::<f32, _>(&mut substream(1, 0))
            .unwrap();
        let kinds: Vec<String> = net
            .describe()
            .iter()
            .map(|d| d.split(' ').next().unwrap().to_string())
            .collect();
        let hidden = ["affine", "batchnorm", "tanh", "dropout"];
        let expected: Vec<&str> = hidden
            .iter()
            .chain(&hidden)
            .chain(&["affine"])
            .copied()
            .collect();
        assert_eq!(kinds, expected, "{:?}", net.describe());
        let ln = spec()
            .normalized(Norm::Layer)
            .build::<f32, _>(&mut substream(1, 0));
        assert!(ln.unwrap().describe()[1].starts_with("layernorm"));
    }

    #[test]
    fn the_weight_scale_multiplies_the_draws_and_bad_values_are_refused() {
        let unit = MlpSpec::plain(vec![50, 40, 3], ActivationKind::Relu, Init::Unit);
        let mut small = unit
            .clone()
            .scaled(1e-3)
            .build::<f64, _>(&mut substream(2, 0))
            .unwrap();
        let mut big = unit.clone().build::<f64, _>(&mut substream(2, 0)).unwrap();
        let (ps, pb) = (small.params(), big.params());
        for (s, b) in ps[0].value.iter().zip(pb[0].value.iter()) {
            assert!((s - b * 1e-3).abs() <= 1e-15 * b.abs(), "{s} vs {b}");
        }
        drop((ps, pb));
        let err = unit
            .clone()
            .scaled(0.0)
            .build::<f32, _>(&mut substream(2, 0));
        assert!(err.is_err_and(|e| e.to_string().contains("weight scale")));
        let err = unit.with_dropout(1.5).build::<f32, _>(&mut substream(2, 0));
        assert!(err.is_err());
    }
}
