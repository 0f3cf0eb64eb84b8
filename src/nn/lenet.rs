//! LeNet-5 [LeCun et al., 1998] on 28x28 Fashion-MNIST images. The original takes 32x32 inputs;
//! padding C1 by 2 is the same computation as zero-padding the image to 32x32 first.
//!
//! C1 6@5x5 → S2 2x2 → C3 16@5x5 → S4 2x2 → C5 120 → F6 84 → 10. C5 sees the whole 16x5x5 map,
//! so it is written as an affine layer 400 → 120 (the same 48,120 parameters as a 5x5 convolution
//! with 120 filters). ReLU and max pooling by default; the 1998 variant uses tanh and average
//! pooling ("subsampling"; the original's trainable subsampling coefficients are left out).

use faer::traits::RealField;
use ndarray::Array4;
use rand::Rng;

use crate::Float;
use crate::nn::init::{Init, init_weights};
use crate::nn::layers::conv::{Conv2d, ConvAlgo, ConvParams};
use crate::nn::layers::pool::{Pool2d, PoolKind, PoolParams};
use crate::nn::layers::{Activation, ActivationKind, Affine, BatchNorm};
use crate::nn::loss::LossKind;
use crate::nn::network::Sequential;

/// Which LeNet-5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum LeNetVariant {
    /// ReLU and max pooling, He initialization.
    Modern,
    /// tanh and average pooling, Xavier initialization.
    Original,
    /// Modern with batch normalization after each convolution (per channel) and each hidden affine
    /// layer, before the ReLU.
    BatchNorm,
}

impl LeNetVariant {
    /// Layers of [`lenet5`] up to and including C1's activation: `net.forward_through(x,
    /// variant.after_c1())` gives C1's feature maps (6x28x28).
    pub fn after_c1(self) -> usize {
        match self {
            LeNetVariant::BatchNorm => 3,
            _ => 2,
        }
    }

    /// Layers up to and including C3's activation (16x10x10 feature maps).
    pub fn after_c3(self) -> usize {
        match self {
            LeNetVariant::BatchNorm => 7,
            _ => 5,
        }
    }
}

/// Filters `(F, C, HH, WW)` drawn like an affine layer with fan-in `C·HH·WW`.
fn filters<F: Float, R: Rng + ?Sized>(
    init: Init,
    f: usize,
    c: usize,
    k: usize,
    rng: &mut R,
) -> Array4<F> {
    let w = init_weights::<F, R>(init, c * k * k, f, rng); // (fan_in, F)
    Array4::from_shape_fn((f, c, k, k), |(o, ch, a, b)| w[[(ch * k + a) * k + b, o]])
}

/// LeNet-5 with its convolutions on the fastest implementation for each batch.
pub fn lenet5<F: Float + RealField, R: Rng + ?Sized>(
    variant: LeNetVariant,
    reg: F,
    rng: &mut R,
) -> Sequential<F> {
    lenet5_on(variant, reg, None, rng)
}

// ANCHOR: lenet5
/// LeNet-5 with both convolutions on `algo` (`None`: the fastest for each batch).
pub fn lenet5_on<F: Float + RealField, R: Rng + ?Sized>(
    variant: LeNetVariant,
    reg: F,
    algo: Option<ConvAlgo>,
    rng: &mut R,
) -> Sequential<F> {
    let conv = |w, input, params| {
        let layer = Conv2d::new(w, input, params);
        match algo {
            Some(algo) => layer.with_algo(algo),
            None => layer,
        }
    };
    let (act, pool, init) = match variant {
        LeNetVariant::Modern | LeNetVariant::BatchNorm => {
            (ActivationKind::Relu, PoolKind::Max, Init::He)
        }
        LeNetVariant::Original => (ActivationKind::Tanh, PoolKind::Average, Init::Xavier),
    };
    // Batch normalization of `(C, H, W)` feature maps per channel, or of `(D, 1, 1)` features.
    let norm = |net: Sequential<F>, (c, h, w)| match variant {
        LeNetVariant::BatchNorm if h * w == 1 => net.push(BatchNorm::new(c)),
        LeNetVariant::BatchNorm => net.push(BatchNorm::spatial(c, h, w)),
        _ => net,
    };
    let two = PoolParams { size: 2, stride: 2 };
    let c1 = conv(
        filters(init, 6, 1, 5, rng),
        (1, 28, 28),
        ConvParams { stride: 1, pad: 2 },
    );
    let net = Sequential::new(LossKind::Softmax, reg)
        .with_eval_batch(128)
        .push(c1.first_layer()); // C1: 6x28x28 (no gradient for the input images)
    let net = norm(net, (6, 28, 28))
        .push(Activation::new(act))
        .push(Pool2d::new(pool, two, (6, 28, 28))) // S2: 6x14x14
        .push(conv(
            filters(init, 16, 6, 5, rng),
            (6, 14, 14),
            ConvParams { stride: 1, pad: 0 },
        )); // C3: 16x10x10
    let net = norm(net, (16, 10, 10))
        .push(Activation::new(act))
        .push(Pool2d::new(pool, two, (16, 10, 10))) // S4: 16x5x5
        .push(Affine::new(init_weights(init, 400, 120, rng))); // C5: 120
    let net = norm(net, (120, 1, 1))
        .push(Activation::new(act))
        .push(Affine::new(init_weights(init, 120, 84, rng))); // F6: 84
    norm(net, (84, 1, 1))
        .push(Activation::new(act))
        .push(Affine::new(init_weights(init, 84, 10, rng))) // output: 10
}
// ANCHOR_END: lenet5

/// One of LeNet-5's convolutions as [`lenet5`] runs it: input `(C, H, W)` of one image and filters
/// `(F, C, HH, WW)`.
#[derive(Clone, Copy, Debug)]
pub struct ConvShape {
    pub name: &'static str,
    pub input: (usize, usize, usize),
    pub filters: (usize, usize, usize, usize),
    pub params: ConvParams,
}

/// C1 and C3 of [`lenet5`] (what the cnn chapter times).
pub const CONVOLUTIONS: [ConvShape; 2] = [
    ConvShape {
        name: "C1",
        input: (1, 28, 28),
        filters: (6, 1, 5, 5),
        params: ConvParams { stride: 1, pad: 2 },
    },
    ConvShape {
        name: "C3",
        input: (6, 14, 14),
        filters: (16, 6, 5, 5),
        params: ConvParams { stride: 1, pad: 0 },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::conv::Geometry;

    #[test]
    fn the_listed_convolutions_are_the_networks() {
        let mut rng = crate::rng::substream(1, 0);
        let modern = LeNetVariant::Modern;
        let mut net = lenet5::<f64, _>(modern, 0.0, &mut rng);
        let x = ndarray::Array2::<f64>::zeros((1, 784));
        for (shape, upto) in CONVOLUTIONS
            .iter()
            .zip([modern.after_c1(), modern.after_c3()])
        {
            let g = Geometry::new(shape.input, shape.filters, shape.params);
            let maps = net.forward_through(x.view(), upto);
            assert_eq!(maps.len(), g.f * g.ho * g.wo, "{}", shape.name);
        }
        let c1 = net.params()[0].value.len();
        let (f, c, hh, ww) = CONVOLUTIONS[0].filters;
        assert_eq!(c1, f * c * hh * ww);
    }
}
