//! Looking inside a deep network (the activation and initialization chapters): the course's
//! forward pass through a stack of random layers and the statistics of each layer's activations,
//! the gradient reaching each layer, units that never fire, and the sign pattern of a weight
//! gradient.

use crate::Float;
use crate::nn::init::{Init, init_weights};
use crate::nn::layers::{ActivationKind, Mode};
use crate::nn::network::Sequential;
use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;

// ANCHOR: forward_stack
/// CS231n's initialization experiment: `x` through `layers` layers of `width` units, each
/// `H = f(X W)` with `W` drawn by `init`. Returns every layer's activations `H`: (N, width).
pub fn forward_stack<F: Float, R: Rng + ?Sized>(
    x: ArrayView2<F>,
    layers: usize,
    width: usize,
    init: Init,
    f: ActivationKind,
    rng: &mut R,
) -> Vec<Array2<F>> {
    let mut hs: Vec<Array2<F>> = Vec::with_capacity(layers);
    for i in 0..layers {
        let input = if i == 0 { x } else { hs[i - 1].view() };
        let w: Array2<F> = init_weights(init, input.ncols(), width, rng); // W: (fan_in, fan_out)
        let h = f.apply(input.dot(&w).view()); // H = f(X W)
        hs.push(h);
    }
    hs
}
// ANCHOR_END: forward_stack

/// What one layer's activations look like.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LayerStats {
    /// 1 for the first hidden layer.
    pub layer: usize,
    pub mean: f64,
    pub std: f64,
    /// The share of activations with |h| > 0.99 (a saturated tanh).
    pub saturated: f64,
    /// The share of activations exactly 0 (a ReLU that did not fire, or a tanh that underflowed).
    pub zero: f64,
}

/// The statistics of h: (N, D), summed in a fixed order (rows, then columns) in f64.
pub fn layer_stats<F: Float>(layer: usize, h: ArrayView2<F>) -> LayerStats {
    let n = h.len().max(1) as f64;
    let mean = h.iter().map(|v| v.as_f64()).sum::<f64>() / n;
    let var = h.iter().map(|v| (v.as_f64() - mean).powi(2)).sum::<f64>() / n;
    let share = |keep: fn(f64) -> bool| h.iter().filter(|v| keep(v.as_f64())).count() as f64 / n;
    LayerStats {
        layer,
        mean,
        std: var.sqrt(),
        saturated: share(|v| v.abs() > 0.99),
        zero: share(|v| v == 0.0),
    }
}

/// Counts of `values` in `bins` equal bins over [lo, hi] (`hi` in the last bin); values outside
/// the range are not counted.
pub fn histogram(values: impl IntoIterator<Item = f64>, lo: f64, hi: f64, bins: usize) -> Vec<u64> {
    let mut counts = vec![0u64; bins];
    let width = (hi - lo) / bins as f64;
    for v in values {
        if (lo..=hi).contains(&v) {
            counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
        }
    }
    counts
}

/// The outputs of every activation layer of `net` on x (evaluation mode), in order.
pub fn hidden_activations<F: Float>(net: &mut Sequential<F>, x: ArrayView2<F>) -> Vec<Array2<F>> {
    let mut h = x.to_owned();
    let mut out = Vec::new();
    for layer in &mut net.layers {
        h = layer.forward(h.view(), Mode::Eval);
        if layer.is_nonlinearity() {
            out.push(h.clone());
        }
    }
    out
}

/// For each activation layer of `net`, the share of its units that output 0 or less for every row
/// of x — ReLUs that never fire on x ("dead"). Evaluated in batches of 1,000 rows.
pub fn never_firing<F: Float>(net: &mut Sequential<F>, x: ArrayView2<F>) -> Vec<f64> {
    let mut fired: Vec<Vec<bool>> = Vec::new();
    for chunk in x.axis_chunks_iter(Axis(0), 1_000) {
        for (l, h) in hidden_activations(net, chunk).iter().enumerate() {
            if fired.len() <= l {
                fired.push(vec![false; h.ncols()]);
            }
            for row in h.rows() {
                for (f, v) in fired[l].iter_mut().zip(row) {
                    *f |= *v > F::zero();
                }
            }
        }
    }
    fired
        .iter()
        .map(|f| f.iter().filter(|&&on| !on).count() as f64 / f.len().max(1) as f64)
        .collect()
}

/// The root mean square of every weight matrix's gradient entries (`W` of each affine layer, input
/// side first) after one forward and backward pass on the batch (x, y): the Euclidean norm of dW
/// divided by the square root of its size, so layers of different shapes compare.
pub fn weight_gradient_rms<F: Float>(
    net: &mut Sequential<F>,
    x: ArrayView2<F>,
    y: &[usize],
) -> Vec<f64> {
    net.loss_and_grad(x, y);
    net.params()
        .iter()
        .filter(|p| p.name == "W")
        .map(|p| {
            p.grad
                .iter()
                .map(|g| g.as_f64().powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

/// The share of a weight gradient dW: (fan_in, fan_out)'s columns — one output unit each, a row of
/// the slide's `W` in `W x` — whose non-zero entries all have one sign. With inputs that are all
/// positive (sigmoid outputs), one example's `dW = x doutᵀ` has every column of one sign: the
/// zig-zag the lecture blames on outputs that are not zero-centred.
pub fn one_sign_columns<F: Float>(dw: ArrayView2<F>) -> f64 {
    let one_sign = dw
        .columns()
        .into_iter()
        .filter(|c| {
            let pos = c.iter().any(|&v| v > F::zero());
            let neg = c.iter().any(|&v| v < F::zero());
            !(pos && neg)
        })
        .count();
    one_sign as f64 / dw.ncols().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{randn_array, seeded};

    #[test]
    fn stats_histogram_and_sign_pattern_of_small_cases() {
        let h = ndarray::array![[0.0f64, 1.0], [-1.0, 0.995]];
        let s = layer_stats(3, h.view());
        approx::assert_relative_eq!(s.mean, 0.24875);
        assert_eq!((s.saturated, s.zero), (0.75, 0.25));
        assert_eq!(histogram(h.iter().copied(), -1.0, 1.0, 4), vec![1, 0, 1, 2]);
        assert_eq!(
            histogram(h.iter().copied(), -0.5, 0.5, 2),
            vec![0, 1],
            "outside the range: not counted"
        );
        let dw = ndarray::array![[1.0f64, -2.0, 0.0], [3.0, 4.0, -1.0]];
        approx::assert_relative_eq!(one_sign_columns(dw.view()), 2.0 / 3.0);
    }

    #[test]
    fn a_stack_of_small_weights_collapses_and_unit_weights_saturate() {
        let x = randn_array::<f64, _>(200, 100, &mut seeded(1));
        let run =
            |init| forward_stack(x.view(), 6, 100, init, ActivationKind::Tanh, &mut seeded(2));
        let small = run(Init::Small);
        let stds: Vec<f64> = small.iter().map(|h| layer_stats(0, h.view()).std).collect();
        assert!(stds.windows(2).all(|w| w[1] < 0.2 * w[0]), "{stds:?}");
        let unit = run(Init::Unit);
        assert!(
            unit.iter()
                .all(|h| layer_stats(0, h.view()).saturated > 0.7)
        );
    }

    #[test]
    fn relus_with_a_negative_bias_never_fire() {
        let mut rng = seeded(3);
        let mut net: Sequential<f64> = Sequential::mlp(
            &[4, 3, 2],
            ActivationKind::Relu,
            Init::He,
            crate::nn::loss::LossKind::Softmax,
            0.0,
            &mut rng,
        );
        // Positive inputs and a first layer of all-negative weights: no unit ever fires.
        let x = randn_array::<f64, _>(50, 4, &mut rng).mapv(f64::abs);
        for p in net.params().into_iter().take(1) {
            p.value.iter_mut().for_each(|w| *w = -w.abs());
        }
        assert_eq!(never_firing(&mut net, x.view()), vec![1.0]);
        let norms = weight_gradient_rms(&mut net, x.view(), &vec![0; 50]);
        assert_eq!(norms.len(), 2);
        assert_eq!(norms[0], 0.0, "no gradient reaches a dead layer's weights");
    }
}
