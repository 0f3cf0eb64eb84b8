//! Chapter "Convolutional networks": LeNet-5 on Fashion-MNIST, and how fast its convolutions run.
//!
//! 1. Trains LeNet-5 (ReLU/max pooling, or the 1998 tanh/average variant) with Adam by default;
//!    per-epoch loss, accuracies and training seconds (`training.csv`, `training.png`).
//! 2. Looks inside: the learned C1 filters (`filters.png`) and the feature maps of one test image
//!    after C1 and C3 (`feature_maps.png`).
//! 3. The test set's confusion matrix with the class names (`confusion.csv`, `confusion.png`).
//! 4. Forward + backward time of LeNet's C1 and C3 with the naive, im2col, wide-row and
//!    interleaved convolutions across batch sizes (`conv_speed.csv`, `conv_speed.png`).
//!
//! Parts 2 and 3 live in `inside.rs`, part 4 in `speed.rs`.
//!
//! ```text
//!     cargo run --release --bin exp_cnn             # full run, writes results/cnn/
//!     cargo run --release --bin exp_cnn -- --quick  # seconds; every code path
//! ```

use clap::Parser;
use nnlab::nn::layers::conv::ConvAlgo;
use nnlab::nn::lenet::{LeNetVariant, lenet5_on};
use nnlab::optim::Rule;
use nnlab::procedures::metrics::{accuracy, mean_and_range};
use nnlab::procedures::train::{EpochRecord, Split, TrainConfig};
use nnlab::report::cli::{
    CommonArgs, Expected, RunContext, as_flag, distinct_list, parse, run_main, train_with_progress,
    work_factor,
};
use nnlab::report::numbers::{Numbers, percent_of, thousands};
use nnlab::report::plot::{Series, training_curves};
use nnlab::report::results::{DataInfo, rule_defaults};
use nnlab::rng::substream;
use serde::Serialize;

mod inside;
mod speed;

/// LeNet-5 on Fashion-MNIST: training curves, filters, feature maps, confusion matrix, and the
/// speed of the four convolution implementations.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Which LeNet-5: `modern` (ReLU, max pooling, He init) or `original` (tanh, average pooling,
    /// Xavier init).
    #[arg(long, value_enum, default_value_t = LeNetVariant::Modern)]
    pub variant: LeNetVariant,
    /// Update rule (its other hyperparameters are the chapter's defaults: mu 0.9, beta1 0.9,
    /// beta2 0.999, eps 1e-7).
    #[arg(long, value_enum, default_value_t = Rule::Adam)]
    pub rule: Rule,
    /// Convolution implementation for training, e.g. `naive` (the definition as loops) [default:
    /// the fastest for each batch].
    #[arg(long, value_enum)]
    pub conv: Option<ConvAlgo>,
    /// Learning rate of the update rule.
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// Epochs (1 to 1000) [default: 10, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 64, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    /// L2 regularization strength on the weights.
    #[arg(long, default_value_t = 0.0)]
    pub reg: f64,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
    /// Train on at most this many images (1 to 60000) [default: all, or 2000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub max_train: Option<usize>,
    /// Batch sizes of the convolution timing (comma-separated, distinct, each 1 to 1024, at most
    /// 10) [default: 1,4,16,64,256, or 1,8 with --quick].
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub speed_batches: Vec<usize>,
    /// Timed repetitions per point of the convolution timing, at least; short points repeat until
    /// they have run for 0.3 s (at most 1,000 times). The fastest counts (1 to 1000) [default: 5, or 1 with
    /// --quick, where the 0.3 s floor does not apply].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub speed_repeats: Option<usize>,
}

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("cnn", 50, 2);

#[derive(Serialize)]
struct TrainingRow {
    epoch: usize,
    iter: usize,
    train_loss: f64,
    train_accuracy: f64,
    val_accuracy: f64,
    seconds: f64,
}

/// The accuracies after training, the epoch of the best validation accuracy and the range after
/// it, and the seconds per epoch (training only; timing).
fn quote_training(numbers: &mut Numbers, epochs: &[EpochRecord], test_accuracy: f64) {
    let pct = |a: f64| percent_of(a, 1);
    let last = epochs.last().expect("at least one epoch");
    let best = epochs
        .iter()
        .max_by(|a, b| {
            a.val_accuracy
                .total_cmp(&b.val_accuracy)
                .then(b.epoch.cmp(&a.epoch))
        })
        .expect("at least one epoch");
    let after: Vec<f64> = epochs
        .iter()
        .filter(|e| e.epoch > best.epoch)
        .map(|e| e.val_accuracy)
        .collect();
    let after_text = mean_and_range(&after)
        .map_or("none: it was the last epoch".into(), |(_, lo, hi)| {
            format!("{}–{}", pct(lo), pct(hi))
        });
    let seconds: Vec<f64> = epochs
        .iter()
        .scan(0.0, |before, e| {
            let s = e.seconds - *before;
            *before = e.seconds;
            Some(s)
        })
        .collect();
    let (_, lo, hi) = mean_and_range(&seconds).expect("at least one epoch");
    numbers
        .value("test_accuracy", pct(test_accuracy))
        .value("val_accuracy", pct(last.val_accuracy))
        .value("train_accuracy", pct(last.train_accuracy))
        .value("best_val_epoch", best.epoch)
        .value("best_val_accuracy", pct(best.val_accuracy))
        .value("val_after_best", after_text)
        .timing(
            "epoch_seconds",
            format!("{:.2} s", last.seconds / epochs.len() as f64),
        )
        .timing("epoch_seconds_range", format!("{lo:.2}–{hi:.2} s"));
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 10 });
    let n_val = args.validation.rows(quick);
    let max_train = args.max_train.or(quick.then_some(2_000));
    let speed_batches = if args.speed_batches.is_empty() {
        if quick {
            vec![1, 8]
        } else {
            vec![1, 4, 16, 64, 256]
        }
    } else {
        args.speed_batches.clone()
    };
    let repeats = args.speed_repeats.unwrap_or(if quick { 1 } else { 5 });
    // Refuse bad values before touching data or files (the counts are bounded by their parsers).
    anyhow::ensure!(
        speed_batches.iter().all(|&b| (1..=1_024).contains(&b)),
        "--speed-batches takes batch sizes from 1 to 1024, got {speed_batches:?}"
    );
    anyhow::ensure!(
        args.reg >= 0.0 && args.reg.is_finite(),
        "--reg must be non-negative, got {}",
        nnlab::hyper::show(args.reg)
    );
    as_flag(args.rule.build::<f32>(args.learning_rate), &[])?;
    distinct_list("--speed-batches", &speed_batches, 10)?;
    // Shares of the default run: training (the naive convolution is about 25 times slower, as
    // measured by a quick run) and the convolution timing, whose work grows with the batches.
    let slower = if args.conv == Some(ConvAlgo::Naive) {
        25
    } else {
        1
    };
    let images = |b: &[usize]| b.iter().sum::<usize>();
    let default_batches: &[usize] = if quick { &[1, 8] } else { &[1, 4, 16, 64, 256] };
    let work =
        0.7 * work_factor(&[
            (epochs, if quick { 1 } else { 10 }, 1.0),
            (
                max_train.unwrap_or(55_000),
                if quick { 2_000 } else { 55_000 },
                1.0,
            ),
            (slower, 1, 1.0),
            nnlab::report::cli::smaller_batch(args.batch_size, 64),
        ]) + 0.3
            * work_factor(&[
                (images(&speed_batches), images(default_batches), 1.0),
                (repeats, if quick { 1 } else { 5 }, 1.0),
            ]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let d = run.prepare(&data, n_val, max_train, quick.then_some(1_000))?;
    if run.check_only_training("LeNet-5", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut outputs = Vec::new();

    // Part 1: training.
    let mut rng = substream(args.common.seed, 1);
    let mut net = lenet5_on::<f32, _>(args.variant, args.reg as f32, args.conv, &mut rng);
    let (architecture, n_params) = (net.describe(), net.num_params());
    let mut opt = args.rule.build::<f32>(args.learning_rate)?;
    let cfg = TrainConfig {
        epochs,
        batch_size: args.batch_size,
        train_eval_rows: 5_000,
    };
    let split = Split::of(&d);
    let h = train_with_progress("LeNet-5", &mut net, opt.as_mut(), &split, &cfg, &mut rng);
    if let Some(at) = h.diverged_at {
        anyhow::bail!(
            "training diverged at iteration {at} (loss not finite); lower --learning-rate or --reg"
        );
    }
    let test_pred = net.predict(d.x_test.view(), net.eval_batch);
    let test_accuracy = accuracy(&test_pred, &d.y_test);
    let last = h.epochs.last().expect("at least one epoch");
    let epoch_seconds = last.seconds / epochs as f64;
    eprintln!(
        "LeNet-5 ({:?}, {} parameters): validation {:.4}, test {:.4} after {epochs} epochs; {:.2} s per epoch on {} thread(s)",
        args.variant, n_params, last.val_accuracy, test_accuracy, epoch_seconds, run.threads
    );
    let rows = h.epochs.iter().map(|e| TrainingRow {
        epoch: e.epoch,
        iter: e.iter,
        train_loss: e.train_loss,
        train_accuracy: e.train_accuracy,
        val_accuracy: e.val_accuracy,
        seconds: e.seconds,
    });
    outputs.push(out.write_csv("training.csv", rows)?);
    let smooth = (h.iters.len() / 50).clamp(1, 100);
    let accuracy = |f: fn(&nnlab::procedures::train::EpochRecord) -> f64| {
        h.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect()
    };
    let loss = Series::new(
        format!("{} (lr = {})", args.rule.label(), args.learning_rate),
        h.smoothed_loss(smooth),
    );
    let accuracies = vec![
        Series::new("training (5,000 images)", accuracy(|e| e.train_accuracy)),
        Series::new("validation", accuracy(|e| e.val_accuracy)),
    ];
    let figure = training_curves("LeNet-5", smooth, vec![loss], accuracies);
    outputs.extend(figure.save(out.dir(), "training")?);

    let mut numbers = run.numbers();
    quote_training(&mut numbers, &h.epochs, test_accuracy);
    numbers
        .value("epochs", epochs)
        .value("batch_size", args.batch_size)
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()));
    outputs.extend(inside::run(
        &mut net,
        args.variant,
        &d,
        &test_pred,
        test_accuracy,
        &out,
        &mut numbers,
    )?);
    let timing = speed::Timing {
        batches: speed_batches.clone(),
        repeats,
        floor: if quick { 0.0 } else { 0.3 },
        threads: run.threads,
    };
    outputs.extend(speed::run(&timing, args.common.seed, &out, &mut numbers)?);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "variant": args.variant,
        "architecture": architecture,
        "parameters": n_params,
        "rule": args.rule,
        "convolution": args.conv.map_or("fastest per batch", |a| a.name()),
        "learning_rate": args.learning_rate,
        "defaults": rule_defaults(),
        "epochs": epochs,
        "batch_size": args.batch_size,
        "reg": args.reg,
        "preprocessing": "pixels in [0, 1], minus the training set's per-pixel mean",
        "speed": {"batches": speed_batches, "repeats": repeats, "min_seconds_per_point": timing.floor, "timed": "forward + backward, fastest repetition"},
        "results": {"test_accuracy": test_accuracy, "final_val_accuracy": last.val_accuracy,
                    "seconds_per_epoch": epoch_seconds},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_cnn`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
