//! LeNet-5: the architecture table (shapes, parameter counts) and a gradient check through the
//! whole network, both variants.

use ndarray::Array2;
use nnlab::lenet::{LeNetVariant, lenet5};
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
    for variant in [LeNetVariant::Modern, LeNetVariant::Original] {
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
