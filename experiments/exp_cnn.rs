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
//! ```text
//!     cargo run --release --bin exp_cnn             # full run, writes results/cnn/
//!     cargo run --release --bin exp_cnn -- --quick  # seconds; every code path
//! ```

use clap::Parser;
use ndarray::{Array1, Array4, s};
use nnlab::cli::{
    CommonArgs, Expected, RunContext, as_flag, progress, run_main, train_with_progress,
};
use nnlab::data::fashion::CLASS_NAMES;
use nnlab::layers::conv::{ConvAlgo, Geometry};
use nnlab::lenet::{AFTER_C1, AFTER_C3, CONVOLUTIONS, LeNetVariant, lenet5_on};
use nnlab::metrics::{accuracy, confusion_matrix};
use nnlab::optim::Rule;
use nnlab::parallel::keep_warm;
use nnlab::plot::{Figure, Heatmap, ImageGrid, LineChart, Series, training_curves};
use nnlab::results::{DataInfo, rule_defaults};
use nnlab::rng::{randn, substream};
use nnlab::timing::fastest;
use nnlab::train::{Split, TrainConfig};
use serde::Serialize;

/// Wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected {
    full_seconds: 50,
    quick_seconds: 2,
};

const EXPERIMENT: &str = "cnn";

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
    /// Epochs [default: 10, or 1 with --quick].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// L2 regularization strength on the weights.
    #[arg(long, default_value_t = 0.0)]
    pub reg: f64,
    /// Training images held out for validation [default: 5000, or 500 with --quick].
    #[arg(long)]
    pub val: Option<usize>,
    /// Train on at most this many images [default: all, or 2000 with --quick].
    #[arg(long)]
    pub max_train: Option<usize>,
    /// Batch sizes of the convolution timing (comma-separated) [default: 1,4,16,64,256, or 1,8
    /// with --quick].
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub speed_batches: Vec<usize>,
    /// Timed repetitions per point of the convolution timing, at least; short points repeat until
    /// they have run for 0.3 s (at most 1,000 times). The fastest counts [default: 5, or 1 with
    /// --quick, where the 0.3 s floor does not apply].
    #[arg(long)]
    pub speed_repeats: Option<usize>,
}

#[derive(Serialize)]
struct TrainingRow {
    epoch: usize,
    iter: usize,
    train_loss: f64,
    train_accuracy: f64,
    val_accuracy: f64,
    seconds: f64,
}

#[derive(Serialize)]
struct ConfusionRow {
    true_label: usize,
    true_class: &'static str,
    predicted_label: usize,
    predicted_class: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct SpeedRow {
    layer: &'static str,
    algo: &'static str,
    batch: usize,
    threads: usize,
    /// Fastest of the repetitions, forward + backward.
    seconds: f64,
    /// Forward + backward FLOPs (3 x 2·N·F·C·R·S·Ho·Wo) per second, in billions.
    gflops: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 10 });
    let n_val = args.val.unwrap_or(if quick { 500 } else { 5_000 });
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
    // Refuse bad values before touching data or files.
    anyhow::ensure!(
        epochs > 0 && args.batch_size > 0 && repeats > 0,
        "--epochs, --batch-size and --speed-repeats must be at least 1"
    );
    anyhow::ensure!(
        !speed_batches.contains(&0),
        "--speed-batches must be positive, got {speed_batches:?}"
    );
    anyhow::ensure!(
        args.reg >= 0.0 && args.reg.is_finite(),
        "--reg must be non-negative, got {}",
        args.reg
    );
    as_flag(args.rule.build::<f32>(args.learning_rate), &[])?;
    let run = RunContext::start(EXPERIMENT, &args.common, EXPECTED)?;
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
            "training diverged at iteration {at} (loss not finite); lower --learning-rate"
        );
    }
    let test_pred = net.predict(d.x_test.view(), 1_000);
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
    let accuracy = |f: fn(&nnlab::train::EpochRecord) -> f64| {
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

    // Part 2: what the network learned. C1's filters are the first parameter tensor (6x1x5x5).
    let c1 = net.params()[0].value.to_vec();
    let filters = ImageGrid {
        title: "LeNet-5: the six learned C1 filters (5x5)".into(),
        images: c1.chunks(25).map(to_f64).collect(),
        captions: (1..=6).map(|i| format!("filter {i}")).collect(),
        width: 5,
        height: 5,
        cols: 6,
    };
    outputs.extend(Figure::single(filters, (900, 220)).save(out.dir(), "filters")?);
    let image = d.x_test.slice(s![0..1, ..]);
    let (after_c1, after_c3) = (
        net.forward_through(image, AFTER_C1),
        net.forward_through(image, AFTER_C3),
    );
    let mut c1_images = vec![to_f64(image.as_slice().expect("row"))];
    c1_images.extend(
        after_c1
            .as_slice()
            .expect("row")
            .chunks(28 * 28)
            .map(to_f64),
    );
    let mut c1_captions = vec![format!("input: {}", CLASS_NAMES[d.y_test[0]])];
    c1_captions.extend((1..=6).map(|i| format!("C1 map {i}")));
    let maps = vec![
        ImageGrid {
            title: "a test image and its 6 maps after C1 + ReLU (28x28)".into(),
            images: c1_images,
            captions: c1_captions,
            width: 28,
            height: 28,
            cols: 4,
        }
        .into(),
        ImageGrid {
            title: "its 16 maps after C3 + ReLU (10x10)".into(),
            images: after_c3
                .as_slice()
                .expect("row")
                .chunks(100)
                .map(to_f64)
                .collect(),
            captions: (1..=16).map(|i| format!("C3 map {i}")).collect(),
            width: 10,
            height: 10,
            cols: 8,
        }
        .into(),
    ];
    outputs.extend(Figure::column(maps, 330).save(out.dir(), "feature_maps")?);

    // Part 3: the confusion matrix on the test set.
    let counts = confusion_matrix(&test_pred, &d.y_test, CLASS_NAMES.len());
    let confusion = (0..CLASS_NAMES.len()).flat_map(|t| {
        let row = &counts[t];
        (0..CLASS_NAMES.len()).map(move |p| ConfusionRow {
            true_label: t,
            true_class: CLASS_NAMES[t],
            predicted_label: p,
            predicted_class: CLASS_NAMES[p],
            count: row[p],
        })
    });
    outputs.push(out.write_csv("confusion.csv", confusion)?);
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let heatmap = Heatmap {
        title: format!(
            "LeNet-5 on the {} test images: {:.1}% correct",
            d.y_test.len(),
            100.0 * test_accuracy
        ),
        row_label: "true class".into(),
        col_label: "predicted class".into(),
        rows: names.clone(),
        cols: names,
        values: counts
            .iter()
            .map(|r| r.iter().map(|&c| c as f64).collect())
            .collect(),
    };
    outputs.extend(Figure::single(heatmap, (900, 820)).save(out.dir(), "confusion")?);

    // Part 4: convolution speed, forward + backward, per implementation and batch size.
    let mut speed = Vec::new();
    let points = CONVOLUTIONS.len() * ConvAlgo::ALL.len() * speed_batches.len();
    let bar = progress(points as u64, "timing convolutions");
    let mut speed_rng = substream(args.common.seed, 3);
    // Short points repeat until they have run this long (not with --quick).
    let floor = if quick { 0.0 } else { 0.3 };
    for shape in &CONVOLUTIONS {
        let ((c, hgt, wid), wshape, p) = (shape.input, shape.filters, shape.params);
        let w = Array4::from_shape_fn(wshape, |_| randn(&mut speed_rng) as f32);
        let b = Array1::<f32>::zeros(wshape.0);
        // Forward + backward: three times the forward pass's FLOPs.
        let flops_per_image = 3.0 * Geometry::new(shape.input, wshape, p).forward_flops() as f64;
        for &n in &speed_batches {
            let x = Array4::from_shape_fn((n, c, hgt, wid), |_| randn(&mut speed_rng) as f32);
            for algo in ConvAlgo::ALL {
                // Timed as the training loop runs: on a pool worker, the others kept awake.
                let best = keep_warm(|| {
                    fastest(repeats, floor, 1_000, || {
                        let y = algo.forward(x.view(), w.view(), b.view(), p);
                        std::hint::black_box(algo.backward(y.view(), x.view(), w.view(), p));
                    })
                });
                speed.push(SpeedRow {
                    layer: shape.name,
                    algo: algo.name(),
                    batch: n,
                    threads: run.threads,
                    seconds: best,
                    gflops: n as f64 * flops_per_image / best / 1e9,
                });
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    let panels = CONVOLUTIONS.iter().map(|shape| {
        let per_image = |algo: &ConvAlgo| {
            let rows = speed
                .iter()
                .filter(|r| r.layer == shape.name && r.algo == algo.name());
            let points = rows.map(|r| (r.batch as f64, 1e3 * r.seconds / r.batch as f64));
            Series::new(algo.name(), points.collect())
        };
        let title = format!("{}, {} thread(s)", shape.name, run.threads);
        let chart = LineChart::new(title, "batch size", "ms per image, fwd + bwd");
        chart
            .log_x()
            .log_y()
            .with(ConvAlgo::ALL.iter().map(per_image).collect())
            .into()
    });
    let panels = panels.collect();
    outputs.push(out.write_csv("conv_speed.csv", speed)?);
    outputs.extend(Figure::pair(panels, 460).save(out.dir(), "conv_speed")?);

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
        "speed": {"batches": speed_batches, "repeats": repeats, "min_seconds_per_point": floor, "timed": "forward + backward, fastest repetition"},
        "results": {"test_accuracy": test_accuracy, "final_val_accuracy": last.val_accuracy,
                    "seconds_per_epoch": epoch_seconds},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(&out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// `f32` values as `f64` (the plots' number type).
fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

#[allow(dead_code)] // unused when `reproduce` includes this file as a module
fn main() {
    run_main(|| run(Args::parse()));
}
