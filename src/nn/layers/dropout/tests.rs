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

#[test]
fn the_layer_computes_the_slide_form_bit_for_bit() {
    // Several rayon chunks, both kinds, a p whose 1/p is inexact, p = 1; forward and backward,
    // f32 and f64, on values of both signs.
    fn check<F: crate::Float>() {
        let x = Array2::<F>::from_shape_fn((130, 300), |(i, j)| {
            F::lit((i as f64 - 60.0) * 0.37 + (j as f64).sin())
        });
        let dout = x.mapv(|v| v * F::lit(-1.5) + F::lit(0.25));
        for kind in [DropoutKind::Vanilla, DropoutKind::Inverted] {
            for p in [0.3, 0.5, 0.9, 1.0] {
                let mut layer = Dropout::<F>::new(p, kind, 42).unwrap();
                for step in 0..2 {
                    let fast = layer.forward(x.view(), Mode::Train);
                    let (out, u) = dropout_forward(x.view(), p, kind, (42, step));
                    let bits =
                        |a: &Array2<F>| a.iter().map(|v| v.as_f64().to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&fast),
                        bits(&out),
                        "{kind:?} p {p} pass {step}: forward"
                    );
                    let dx = layer.backward(dout.view());
                    let want = dropout_backward(dout.view(), &u);
                    assert_eq!(
                        bits(&dx),
                        bits(&want),
                        "{kind:?} p {p} pass {step}: backward"
                    );
                }
            }
        }
    }
    check::<f32>();
    check::<f64>();
}
