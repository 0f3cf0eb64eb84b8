//! Part 2: the learning-rate ladder. Each rate trains the same initial network on the same
//! batches for a few hundred SGD iterations; [`judge_learning_rate`] reads its losses.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::optim::Sgd;
use nnlab::procedures::babysit::{LrJudgement, LrVerdict, judge_learning_rate};
use nnlab::procedures::train::{Split, TrainConfig, moving_average};
use nnlab::report::cli::train_with_progress;
use nnlab::report::numbers::Numbers;
use nnlab::report::plot::{Figure, LineChart, Series, short_number};
use nnlab::report::results::{ResultsDir, markdown_table};
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, CheckRow, Net};

/// A row of `rates.csv`: one iteration of one rate.
#[derive(Serialize)]
struct IterRow {
    network: &'static str,
    learning_rate: f64,
    iter: usize,
    loss: f64,
}

/// A row of `ladder.csv` (and meta.json): one rate's verdict.
#[derive(Clone, Serialize)]
pub struct Rung {
    pub network: &'static str,
    pub learning_rate: f64,
    #[serde(flatten)]
    pub judgement: LrJudgement,
    /// The run ended on a NaN or infinite loss.
    pub diverged: bool,
    /// The last finite mini-batch loss, and the validation accuracy after the run (NaN if it
    /// diverged).
    pub last_loss: f64,
    pub val_accuracy: f64,
}

/// The CSV form of a [`Rung`] (the csv crate writes no nested fields).
#[derive(Serialize)]
struct RungRow {
    network: &'static str,
    learning_rate: f64,
    verdict: LrVerdict,
    relative_decrease: f64,
    exploded_at: Option<usize>,
    diverged: bool,
    last_loss: f64,
    val_accuracy: f64,
}

/// The top of the figure's loss axis: an exploding run is drawn up to it.
const CAP: f64 = 6.0;

/// A relative decrease as the change of the loss: `0.25` -> `-25.0%`.
fn percent(v: f64) -> String {
    format!("{:+.1}%", -100.0 * v)
}

pub fn run(
    args: &Args,
    iters: usize,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<(Vec<CheckRow>, Vec<Rung>, Vec<PathBuf>)> {
    let split = Split::of(d);
    let split = split.head(iters * args.batch_size);
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: args.batch_size,
        train_eval_rows: 1_000,
    };
    let (mut rows, mut ladder, mut checks, mut panels) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for net_kind in Net::ALL {
        let network = net_kind.name();
        let mut curves = Vec::new();
        for &lr in &args.rates {
            let mut net = net_kind.build(args);
            let mut opt = Sgd::new(lr)?;
            let mut rng = substream(args.common.seed, 10 + net_kind as u64);
            let what = format!("{network}, lr {lr}");
            let h = train_with_progress(&what, &mut net, &mut opt, &split, &cfg, &mut rng);
            let losses: Vec<f64> = h.iters.iter().map(|r| r.loss).collect();
            let judgement = judge_learning_rate(&losses);
            let finite: Vec<f64> = losses
                .iter()
                .copied()
                .take_while(|l| l.is_finite())
                .collect();
            let rung = Rung {
                network,
                learning_rate: lr,
                judgement,
                diverged: h.diverged_at.is_some(),
                last_loss: finite.last().copied().unwrap_or(f64::NAN),
                val_accuracy: h.final_accuracies().0,
            };
            let exploded = judgement
                .exploded_at
                .map_or(String::new(), |i| format!(", exploded at iteration {i}"));
            eprintln!(
                "{what}: {} (loss {}{exploded})",
                judgement.verdict.name(),
                percent(judgement.relative_decrease),
            );
            rows.extend(h.iters.iter().map(|r| IterRow {
                network,
                learning_rate: lr,
                iter: r.iter,
                loss: r.loss,
            }));
            curves.push((rung.clone(), finite));
            ladder.push(rung);
        }
        let first = |v: LrVerdict| curves.iter().find(|(r, _)| r.judgement.verdict == v);
        let too_small = first(LrVerdict::TooSmall);
        let too_large = first(LrVerdict::TooLarge);
        let good = curves
            .iter()
            .filter(|(r, _)| r.judgement.verdict == LrVerdict::Good)
            .max_by(|a, b| a.0.val_accuracy.total_cmp(&b.0.val_accuracy));
        let smallest = &curves[0].0;
        quote(numbers, net_kind, &curves, good.map(|g| &g.0));
        checks.push(CheckRow {
            network,
            check: "the smallest rate barely moves the loss".into(),
            measured: format!(
                "lr {}: {}, loss {} in {iters} iterations",
                short_number(smallest.learning_rate),
                smallest.judgement.verdict.name(),
                percent(smallest.judgement.relative_decrease)
            ),
            expected: format!(
                "too small (< {:.0}% down)",
                100.0 * nnlab::procedures::babysit::BARELY_MOVES
            ),
            passed: smallest.judgement.verdict == LrVerdict::TooSmall,
        });
        let largest = &curves[curves.len() - 1];
        checks.push(CheckRow {
            network,
            check: "the largest rate explodes".into(),
            measured: match largest.0.judgement.exploded_at {
                Some(at) => {
                    let nan = largest.0.diverged;
                    format!(
                        "lr {}: exploded at iteration {at}{}",
                        short_number(largest.0.learning_rate),
                        if nan { ", then NaN" } else { "" }
                    )
                }
                None => format!(
                    "lr {}: {}",
                    short_number(largest.0.learning_rate),
                    largest.0.judgement.verdict.name()
                ),
            },
            expected: format!(
                "too large (NaN or > {}x the start)",
                nnlab::procedures::babysit::EXPLODES
            ),
            passed: largest.0.judgement.verdict == LrVerdict::TooLarge,
        });
        checks.push(CheckRow {
            network,
            check: "some rate lowers the loss (the best on validation)".into(),
            measured: good.map_or("none".into(), |(r, _)| {
                format!(
                    "best lr {}: loss {}, validation {:.1}%",
                    short_number(r.learning_rate),
                    percent(r.judgement.relative_decrease),
                    100.0 * r.val_accuracy
                )
            }),
            expected: "good".into(),
            passed: good.is_some(),
        });
        let mut series = Vec::new();
        for (k, (label, pick)) in [
            ("too small", too_small),
            ("good", good),
            ("too large", too_large),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some((rung, finite)) = pick {
                let name = format!("{label}: lr {}", short_number(rung.learning_rate));
                let points = if rung.judgement.verdict == LrVerdict::TooLarge {
                    // Raw losses up to the first one past the chart's top, drawn there.
                    let raw = finite.iter().enumerate().map(|(i, &l)| ((i + 1) as f64, l));
                    let mut points: Vec<(f64, f64)> = raw.take_while(|p| p.1 <= CAP).collect();
                    if let Some(&l) = finite.get(points.len()) {
                        points.push(((points.len() + 1) as f64, l.min(CAP)));
                    }
                    points
                } else {
                    moving_average(finite, (finite.len() / 20).clamp(1, 10))
                };
                series.push(Series::new(name, points).colored(k));
            }
        }
        let title = format!("{network}, SGD (losses above {CAP} drawn at {CAP})");
        let chart = LineChart::new(title, "iteration", "mini-batch loss").with(series);
        panels.push(chart.into());
    }
    let rung_rows = ladder.iter().map(|r| RungRow {
        network: r.network,
        learning_rate: r.learning_rate,
        verdict: r.judgement.verdict,
        relative_decrease: r.judgement.relative_decrease,
        exploded_at: r.judgement.exploded_at,
        diverged: r.diverged,
        last_loss: r.last_loss,
        val_accuracy: r.val_accuracy,
    });
    let mut outputs = vec![
        out.write_csv("rates.csv", rows)?,
        out.write_csv("ladder.csv", rung_rows)?,
        out.write_text("ladder.md", &markdown(&args.rates, iters, &ladder))?,
    ];
    outputs.extend(Figure::pair(panels, 420).save(out.dir(), "rates")?);
    Ok((checks, ladder, outputs))
}

/// What the chapter says of one network's ladder: the smallest rate's change, the smallest rate
/// that lowers the loss, the smallest that explodes (where, and the mean and peak of its loss
/// before), and the best on validation.
fn quote(numbers: &mut Numbers, net: Net, curves: &[(Rung, Vec<f64>)], best: Option<&Rung>) {
    let slug = net.slug();
    let name = |what: &str| format!("{slug}_{what}");
    let rate = |r: Option<&Rung>| r.map_or("none".into(), |r| short_number(r.learning_rate));
    let verdict = |v: LrVerdict| curves.iter().find(|(r, _)| r.judgement.verdict == v);
    let (smallest, good) = (&curves[0].0, verdict(LrVerdict::Good).map(|c| &c.0));
    let change = percent(smallest.judgement.relative_decrease);
    numbers.value(&name("smallest_change"), change);
    numbers
        .value(&name("first_good"), rate(good))
        .value(&name("best"), rate(best));
    let large = verdict(LrVerdict::TooLarge);
    numbers.value(&name("first_too_large"), rate(large.map(|c| &c.0)));
    let at = large.and_then(|(r, _)| r.judgement.exploded_at);
    numbers.value(
        &name("first_too_large_at"),
        at.map_or("–".into(), |a| a.to_string()),
    );
    // The losses before the explosion: the iterations that are not yet "three times the start".
    let before = large.map_or(&[][..], |(_, l)| {
        &l[..at.unwrap_or(1).saturating_sub(1).min(l.len())]
    });
    let mean = before.iter().sum::<f64>() / before.len().max(1) as f64;
    let peak = before.iter().copied().fold(f64::NAN, f64::max);
    let peak_at = before.iter().position(|&l| l == peak).map_or(0, |i| i + 1);
    numbers
        .fixed(&name("first_too_large_mean"), mean, 2)
        .fixed(&name("first_too_large_peak"), peak, 2)
        .value(&name("first_too_large_peak_at"), peak_at);
}

/// The ladder as the chapter's table: one row per rate, one column pair per network.
fn markdown(rates: &[f64], iters: usize, ladder: &[Rung]) -> String {
    let mut header = vec!["SGD learning rate".to_string()];
    for net in Net::ALL {
        header.push(format!("{}: loss change in {iters} iterations", net.name()));
        header.push("verdict".into());
    }
    let rows: Vec<Vec<String>> = rates
        .iter()
        .map(|&lr| {
            let mut row = vec![short_number(lr)];
            for net in Net::ALL {
                let rung = ladder
                    .iter()
                    .find(|r| r.network == net.name() && r.learning_rate == lr)
                    .expect("every network ran every rate");
                let j = rung.judgement;
                row.push(match j.exploded_at {
                    Some(at) => format!("exploded at iteration {at}"),
                    None => percent(j.relative_decrease),
                });
                row.push(j.verdict.name().into());
            }
            row
        })
        .collect();
    markdown_table(&header, &rows)
}
