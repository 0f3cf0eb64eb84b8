//! Part 3: what the slide's momentum convention (the learning rate inside the velocity) means when
//! the rate changes — the same step decay under it and under PyTorch's (the rate outside a buffer
//! of raw gradients), on the same network, weights and batches.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::init::Init;
use nnlab::nn::network::Sequential;
use nnlab::optim::schedule::{LrSchedule, Per, StepDecay};
use nnlab::optim::{Momentum, MomentumBuffer, Optimizer};
use nnlab::procedures::train::{Hooks, Split, TrainConfig, smoothing_window, train};
use nnlab::report::cli::progress;
use nnlab::report::numbers::{Numbers, percent_of};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Settings};

#[derive(Serialize)]
struct ConventionRow {
    convention: &'static str,
    epoch: usize,
    learning_rate: f64,
    train_loss: f64,
    val_accuracy: f64,
}

/// The final validation accuracy of each convention, for meta.json.
pub type Finals = serde_json::Map<String, serde_json::Value>;

/// Trains the MLP with momentum 0.9 under both conventions and the same step decay (`--decay-*`);
/// writes `convention.csv` and `convention.png`.
pub fn run(
    args: &Args,
    s: &Settings,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<(Vec<PathBuf>, Finals)> {
    let split = Split::of(d);
    let cfg = TrainConfig {
        epochs: s.decay_epochs,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 1_000,
    };
    let per_epoch = split.iterations(1, args.mlp.batch_size) as f64;
    let smooth = smoothing_window(split.iterations(s.decay_epochs, args.mlp.batch_size));
    let (lr, factor, period) = (args.decay_rate, args.decay_factor, args.decay_period);
    let conventions: [(&'static str, Box<dyn Optimizer<f32>>); 2] = [
        ("velocity (the slide's)", Box::new(Momentum::new(lr, 0.9)?)),
        (
            "buffer (PyTorch's)",
            Box::new(MomentumBuffer::new(lr, 0.9)?),
        ),
    ];
    let bar = progress(
        2 * split.iterations(s.decay_epochs, args.mlp.batch_size) as u64,
        "momentum conventions",
    );
    let (mut rows, mut losses, mut rates, mut finals) =
        (Vec::new(), Vec::new(), Vec::new(), Finals::new());
    for (i, (convention, mut opt)) in conventions.into_iter().enumerate() {
        let mut rng = substream(args.common.seed, 4);
        let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
        let mut schedule = LrSchedule::new(StepDecay::new(lr, factor, period)?, Per::Epoch);
        let h = train(
            &mut net,
            opt.as_mut(),
            &split,
            &cfg,
            &mut rng,
            Hooks::none()
                .schedule(Some(&mut schedule))
                .on_iter(|_| bar.inc(1)),
        );
        rows.extend(h.epochs.iter().map(|e| ConventionRow {
            convention,
            epoch: e.epoch,
            learning_rate: schedule.rate_at(0, e.epoch - 1),
            train_loss: e.train_loss,
            val_accuracy: e.val_accuracy,
        }));
        let curve = h
            .smoothed_loss(smooth)
            .into_iter()
            .map(|(t, l)| (t / per_epoch, l));
        losses.push(Series::new(convention, curve.collect()).colored(i));
        if i == 0 {
            // The same schedule for both: drawn once.
            let rate = h
                .iters
                .iter()
                .map(|r| (r.iter as f64 / per_epoch, r.learning_rate));
            rates.push(Series::new("both conventions", rate.collect()).colored(2));
        }
        bar.suspend(|| {
            eprintln!(
                "{convention}: final validation accuracy {:.4}",
                h.final_val_accuracy()
            )
        });
        finals.insert(convention.into(), h.final_val_accuracy().into());
        let key = ["velocity", "buffer"][i];
        let loss = |e: Option<&nnlab::procedures::train::EpochRecord>| {
            e.map_or(f64::NAN, |e| e.train_loss)
        };
        numbers
            .value(&format!("{key}_val"), percent_of(h.final_val_accuracy(), 2))
            .fixed(&format!("{key}_loss_first"), loss(h.epochs.first()), 5)
            .fixed(&format!("{key}_loss_last"), loss(h.epochs.last()), 4);
    }
    bar.finish_and_clear();
    numbers
        .value("convention_rate", lr)
        .value("convention_factor", factor)
        .value("convention_period", period)
        .value("convention_epochs", s.decay_epochs);
    let mut outputs = vec![out.write_csv("convention.csv", rows)?];
    let title = format!("momentum 0.9, lr {lr} x {factor} every {period} epochs");
    let loss = LineChart::new(
        title,
        "epoch",
        format!("training loss (moving average of {smooth})"),
    );
    let rate = LineChart::new("the learning rate", "epoch", "learning rate");
    let panels = vec![
        loss.log_y().with(losses).into(),
        rate.log_y().with(rates).into(),
    ];
    outputs.extend(Figure::column(panels, 380).save(out.dir(), "convention")?);
    Ok((outputs, finals))
}
