//! Weight initialization: small random numbers, Xavier [Glorot and Bengio, 2010], He [He et al., 2015].

use crate::Float;
use crate::rng::randn;
use ndarray::Array2;
use rand::Rng;

/// How the weights of a `(fan_in, fan_out)` matrix are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// `0.01 * randn(fan_in, fan_out)`: fine for small nets, activations vanish in deep ones.
    Small,
    /// `1.0 * randn(fan_in, fan_out)`: tanh units saturate at ±1 in every layer.
    Unit,
    /// `randn(fan_in, fan_out) / sqrt(fan_in)`, as on the slide.
    Xavier,
    /// `randn(fan_in, fan_out) * sqrt(2 / fan_in)`: Xavier corrected for ReLU halving the variance.
    He,
}

// ANCHOR: init
/// W: (fan_in, fan_out), every entry `randn * scale`
pub fn init_weights<F: Float, R: Rng + ?Sized>(
    init: Init,
    fan_in: usize,
    fan_out: usize,
    rng: &mut R,
) -> Array2<F> {
    // ANCHOR: xavier
    let scale = match init {
        Init::Small => 0.01,
        Init::Unit => 1.0,
        Init::Xavier => 1.0 / (fan_in as f64).sqrt(),
        Init::He => (2.0 / fan_in as f64).sqrt(),
    };
    // ANCHOR_END: xavier
    Array2::from_shape_simple_fn((fan_in, fan_out), || F::lit(randn(rng) * scale))
}
// ANCHOR_END: init

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    /// The sample variance of `n` draws of N(0, σ²) has mean σ² and standard deviation
    /// σ² sqrt(2 / (n − 1)); each initializer's variance must be within 5 of those standard
    /// deviations of its formula (a false alarm about once in 1.7 million), and its mean within 5
    /// standard errors σ / sqrt(n) of 0. Checked for several fan-ins and seeds.
    #[test]
    fn weight_variance_matches_each_formula_within_sampling_error() {
        for (fan_in, fan_out, seed) in [(784, 100, 0), (500, 500, 1), (100, 10, 2), (3, 7, 3)] {
            for (init, variance) in [
                (Init::Small, 1e-4),
                (Init::Unit, 1.0),
                (Init::Xavier, 1.0 / fan_in as f64),
                (Init::He, 2.0 / fan_in as f64),
            ] {
                let mut rng = seeded(seed);
                let w: Array2<f64> = init_weights(init, fan_in, fan_out, &mut rng);
                assert_eq!(w.dim(), (fan_in, fan_out));
                let n = w.len() as f64;
                let mean = w.sum() / n;
                let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                let tolerance = 5.0 * variance * (2.0 / (n - 1.0)).sqrt();
                assert!(
                    (var - variance).abs() < tolerance,
                    "{init:?} {fan_in}x{fan_out}: variance {var:e}, formula {variance:e} ± {tolerance:e}"
                );
                assert!(
                    mean.abs() < 5.0 * (variance / n).sqrt(),
                    "{init:?}: mean {mean:e}"
                );
            }
        }
    }
}
