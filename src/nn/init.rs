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
    /// `randn(fan_in, fan_out) / sqrt(fan_in)`, as on the slide.
    Xavier,
    /// `randn(fan_in, fan_out) * sqrt(2 / fan_in)`: Xavier corrected for ReLU halving the variance.
    He,
}

// ANCHOR: init
/// W: (fan_in, fan_out)
pub fn init_weights<F: Float, R: Rng + ?Sized>(
    init: Init,
    fan_in: usize,
    fan_out: usize,
    rng: &mut R,
) -> Array2<F> {
    // ANCHOR: xavier
    let scale = match init {
        Init::Small => 0.01,
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

    fn std_of(w: &Array2<f64>) -> f64 {
        let n = w.len() as f64;
        let mean = w.sum() / n;
        (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
    }

    #[test]
    fn scales_match_the_formulas() {
        let mut rng = seeded(0);
        let small: Array2<f64> = init_weights(Init::Small, 400, 300, &mut rng);
        let xavier: Array2<f64> = init_weights(Init::Xavier, 400, 300, &mut rng);
        let he: Array2<f64> = init_weights(Init::He, 400, 300, &mut rng);
        approx::assert_relative_eq!(std_of(&small), 0.01, max_relative = 0.01);
        approx::assert_relative_eq!(std_of(&xavier), 1.0 / 20.0, max_relative = 0.01);
        approx::assert_relative_eq!(std_of(&he), (2.0f64 / 400.0).sqrt(), max_relative = 0.01);
    }
}
