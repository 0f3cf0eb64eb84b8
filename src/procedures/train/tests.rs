use super::*;
use crate::data::synthetic::spiral;
use crate::nn::init::Init;
use crate::nn::layers::ActivationKind;

/// A run of `vals.len()` epochs with these validation accuracies (test = val / 2).
fn run_of(vals: &[f64]) -> History {
    let epochs = (vals.iter().enumerate()).map(|(i, &v)| EpochRecord {
        epoch: i + 1,
        iter: i + 1,
        train_loss: 0.0,
        train_accuracy: 1.0,
        val_accuracy: v,
        test_accuracy: Some(v / 2.0),
        seconds: 0.0,
    });
    History {
        epochs: epochs.collect(),
        ..History::default()
    }
}

#[test]
fn curves_and_finals_over_seeds() {
    let (a, b) = (run_of(&[0.5, 0.7, 0.9]), run_of(&[0.3, 0.5]));
    let curve = mean_curve(&[&a, &b], |e| e.val_accuracy);
    assert_eq!(
        curve,
        vec![(1.0, 0.4), (2.0, 0.6)],
        "the epochs both recorded"
    );
    assert_eq!(mean_final(&[&a, &b], |e| e.val_accuracy), 0.7);
    assert_eq!(a.final_accuracies(), (0.9, 0.45));
    let diverged = History {
        diverged_at: Some(3),
        ..a.clone()
    };
    assert!(diverged.final_accuracies().0.is_nan());
}
use crate::nn::loss::LossKind;
use crate::optim::{Momentum, Sgd};
use crate::rng::seeded;

fn spiral_run(learning_rate: f64, seed: u64) -> History {
    let mut rng = seeded(seed);
    let (x, y) = spiral::<f64, _>(100, 3, &mut rng);
    let mut net = Sequential::mlp(
        &[2, 100, 3],
        ActivationKind::Relu,
        Init::Small,
        LossKind::Softmax,
        1e-3,
        &mut rng,
    );
    let mut opt = Momentum::new(learning_rate, 0.9).unwrap();
    let data = Split {
        x_train: x.view(),
        y_train: &y,
        x_val: x.view(),
        y_val: &y,
        test: None,
    };
    let cfg = TrainConfig {
        epochs: 100,
        batch_size: 50,
        train_eval_rows: 300,
    };
    train(&mut net, &mut opt, &data, &cfg, &mut rng, Hooks::none())
}

#[test]
fn moving_average_values() {
    assert_eq!(
        moving_average(&[1.0, 2.0, 3.0, 6.0], 2),
        vec![(2.0, 1.5), (3.0, 2.5), (4.0, 4.5)]
    );
    assert_eq!(moving_average(&[4.0, 2.0], 5), vec![(2.0, 3.0)]);
    assert!(moving_average(&[], 3).is_empty());
}

#[test]
fn learns_the_spiral() {
    // A linear classifier gets ~50% on the spiral; the 2-layer net must do far better.
    let h = spiral_run(0.5, 0);
    assert_eq!(h.diverged_at, None);
    assert_eq!(h.iters.len(), 100 * 6);
    let first = h.iters[0].loss;
    approx::assert_relative_eq!(first, 3f64.ln(), max_relative = 0.01);
    let last = h.epochs.last().unwrap();
    assert!(last.train_accuracy > 0.9, "{last:?}");
}

#[test]
fn golden_trajectory() {
    // The same seed gives the same losses to the last bit; and a golden value pins them.
    let a = spiral_run(0.5, 7);
    let b = spiral_run(0.5, 7);
    assert_eq!(a.iters, b.iters);
    // Golden losses recorded from this implementation (seed 7): iterations 1, 100 and 600.
    // A change to the stream, the initializer, the layers or the update rule moves them.
    let golden = [1.0987755729208941, 0.5318887549962357, 0.2785909278010059];
    for (&i, g) in [0usize, 99, 599].iter().zip(golden) {
        approx::assert_relative_eq!(a.iters[i].loss, g, max_relative = 1e-9);
    }
    let c = spiral_run(0.5, 8);
    assert_ne!(a.iters[5].loss, c.iters[5].loss);
}

#[test]
fn divergence_is_recorded_not_panicked() {
    let mut rng = seeded(1);
    let (x, y) = spiral::<f32, _>(50, 3, &mut rng);
    let mut net = Sequential::mlp(
        &[2, 50, 3],
        ActivationKind::Relu,
        Init::He,
        LossKind::Softmax,
        0.0,
        &mut rng,
    );
    let mut opt = Sgd::new(1e30).unwrap();
    let data = Split {
        x_train: x.view(),
        y_train: &y,
        x_val: x.view(),
        y_val: &y,
        test: None,
    };
    let cfg = TrainConfig {
        epochs: 50,
        batch_size: 30,
        train_eval_rows: 10,
    };
    let h = train(&mut net, &mut opt, &data, &cfg, &mut rng, Hooks::none());
    let at = h
        .diverged_at
        .expect("a learning rate of 1e30 overflows f32");
    assert_eq!(h.iters.last().unwrap().iter, at);
    assert!(!h.iters.last().unwrap().loss.is_finite());
    assert!(at < 50 * 5);
}
