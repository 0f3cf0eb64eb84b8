//! LeNet-5: the architecture table (shapes, parameter counts) and a gradient check through the
//! whole network, both variants.

use ndarray::Array2;
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::rng::{randn, seeded};

#[test]
fn lenet5_layers_shapes_and_parameter_count() {
    let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut seeded(1));
    let d = net.describe();
    let expected = [
        "conv 6@5x5 stride 1 pad 2: 1x28x28 -> 6x28x28",
        "relu",
        "max pool 2x2 stride 2: 6x28x28 -> 6x14x14",
        "conv 16@5x5 stride 1 pad 0: 6x14x14 -> 16x10x10",
        "relu",
        "max pool 2x2 stride 2: 16x10x10 -> 16x5x5",
        "affine 400->120",
        "relu",
        "affine 120->84",
        "relu",
        "affine 84->10",
    ];
    assert_eq!(d, expected);
    // C1 156, C3 2,416, C5 48,120, F6 10,164, output 850.
    let counts: Vec<usize> = net.params().iter().map(|p| p.value.len()).collect();
    assert_eq!(
        counts,
        vec![150, 6, 2400, 16, 48000, 120, 10080, 84, 840, 10]
    );
    assert_eq!(net.num_params(), 61_706);
    let original = lenet5::<f32, _>(LeNetVariant::Original, 0.0, &mut seeded(1));
    assert!(original.describe()[1] == "tanh" && original.describe()[2].starts_with("average pool"));
}

#[test]
fn lenet5_gradients_check_through_the_whole_network() {
    let variants = [
        LeNetVariant::Modern,
        LeNetVariant::Original,
        LeNetVariant::BatchNorm,
    ];
    for variant in variants {
        let mut rng = seeded(2);
        let mut net = lenet5::<f64, _>(variant, 1e-3, &mut rng);
        let x = Array2::from_shape_simple_fn((3, 784), || randn(&mut rng).abs());
        let y = vec![1, 7, 3];
        net.loss_and_grad(x.view(), &y);
        let grads: Vec<Vec<f64>> = net.params().iter().map(|p| p.grad.to_vec()).collect();
        let h = 1e-5;
        for (k, g) in grads.iter().enumerate() {
            // A spread of coordinates in every parameter tensor.
            for i in (0..g.len()).step_by((g.len() / 7).max(1)) {
                let mut at = |delta: f64| {
                    net.params()[k].value[i] += delta;
                    let l = net.loss_and_grad(x.view(), &y);
                    net.params()[k].value[i] -= delta;
                    l
                };
                let num = (at(h) - at(-h)) / (2.0 * h);
                let err = (num - g[i]).abs();
                assert!(
                    err <= 1e-8 + 1e-6 * g[i].abs(),
                    "{variant:?} tensor {k} [{i}]: {num} vs {}",
                    g[i]
                );
            }
        }
    }
}

/// LeNet-5 trained on the reference convolution (`Conv2d::with_algo(Naive)`) and on the automatic
/// choice of implementation: the same initial weights and batches give the same losses, step by
/// step, to 1e-5 (f32; the implementations sum in different orders).
#[test]
fn lenet5_trains_alike_on_the_naive_and_the_automatic_convolution() {
    use nnlab::nn::layers::conv::ConvAlgo;
    use nnlab::nn::lenet::lenet5_on;
    use nnlab::optim::Adam;
    use nnlab::procedures::train::{Hooks, Split, TrainConfig, train};
    let mut data_rng = seeded(3);
    let x = Array2::from_shape_fn((48, 784), |_| randn(&mut data_rng) as f32);
    let y: Vec<usize> = (0..48).map(|i| (i * 7) % 10).collect();
    let split = Split {
        x_train: x.view(),
        y_train: &y,
        x_val: x.view(),
        y_val: &y,
        test: None,
    };
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: 16,
        train_eval_rows: 16,
    };
    let losses = |algo: Option<ConvAlgo>| {
        let mut rng = seeded(4);
        let mut net = lenet5_on::<f32, _>(LeNetVariant::Modern, 1e-4, algo, &mut rng);
        let forced = net.describe()[0].ends_with("(naive convolution)");
        assert_eq!(forced, algo.is_some(), "{:?}", net.describe());
        let mut opt = Adam::new(1e-3, 0.9, 0.999).unwrap();
        let h = train(&mut net, &mut opt, &split, &cfg, &mut rng, Hooks::none());
        h.iters.iter().map(|r| r.loss).collect::<Vec<f64>>()
    };
    let (naive, auto) = (losses(Some(ConvAlgo::Naive)), losses(None));
    assert_eq!(naive.len(), 3);
    for (step, (a, b)) in naive.iter().zip(&auto).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 * a.abs().max(1.0),
            "step {step}: naive {a}, automatic {b}"
        );
    }
    // The losses move: the steps did something for the comparison to check.
    assert!(naive[0] != naive[2]);
}

#[test]
#[should_panic(expected = "the wide convolution needs stride 1, this layer has stride 2")]
fn a_forced_algorithm_must_take_the_layers_stride() {
    use nnlab::nn::layers::conv::{Conv2d, ConvAlgo, ConvParams};
    let w = ndarray::Array4::<f32>::zeros((2, 1, 3, 3));
    let _ = Conv2d::new(w, (1, 9, 9), ConvParams { stride: 2, pad: 0 }).with_algo(ConvAlgo::Wide);
}

/// `after_c1` and `after_c3` name the layers whose outputs are C1's and C3's feature maps.
#[test]
fn after_c1_and_after_c3_are_the_feature_maps() {
    for variant in [LeNetVariant::Modern, LeNetVariant::BatchNorm] {
        let mut net = lenet5::<f32, _>(variant, 0.0, &mut seeded(5));
        let x = Array2::<f32>::zeros((1, 784));
        let (c1, c3) = (variant.after_c1(), variant.after_c3());
        assert_eq!(net.forward_through(x.view(), c1).dim(), (1, 6 * 28 * 28));
        assert_eq!(net.forward_through(x.view(), c3).dim(), (1, 16 * 10 * 10));
        assert_eq!(net.describe()[c1 - 1], "relu");
        assert_eq!(net.describe()[c3 - 1], "relu");
    }
}
