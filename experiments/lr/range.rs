//! Part 2: the learning-rate range test and its suggestions, against a grid search's best rate on
//! the same network.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::init::Init;
use nnlab::nn::network::Sequential;
use nnlab::procedures::lr_range::{Suggestions, suggest};
use nnlab::procedures::search::grid_search;
use nnlab::procedures::train::{Hooks, Split, TrainConfig, train};
use nnlab::report::numbers::{Numbers, percent_of, sig3};
use nnlab::report::plot::{Figure, LineChart, Series, short_number};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Settings};

#[derive(Serialize)]
struct GridRow {
    learning_rate: f64,
    epochs: usize,
    val_accuracy: f64,
    diverged: bool,
    chosen: bool,
}

/// What the range part found.
pub struct Found {
    pub outputs: Vec<PathBuf>,
    pub suggestions: Option<Suggestions>,
    pub grid_best: f64,
}

/// A vertical marker at `x` from `lo` to `hi`, drawn as a two-point series.
fn marker(name: String, x: f64, (lo, hi): (f64, f64), color: usize) -> Series {
    Series {
        name,
        ..Series::vertical(x, lo, hi)
    }
    .colored(color)
}

/// Runs the range test and the grid; writes `range_test.csv`, `grid.csv` and `range_test.png`.
pub fn run(
    args: &Args,
    s: &Settings,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Found> {
    let split = Split::of(d);
    let mut rng = substream(args.common.seed, 2);
    let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
    let mut opt = args.rule.build::<f32>(s.range.start)?;
    let points = s.range.run(&mut net, opt.as_mut(), &split, &mut rng);
    let suggestions = suggest(&points, 5);
    let last = points.last().expect("at least one iteration");
    eprintln!(
        "range test: {} iterations, stopped at lr {:.3e}; suggestions {suggestions:?}",
        points.len(),
        last.learning_rate
    );
    let lowest = points
        .iter()
        .min_by(|a, b| a.smoothed.total_cmp(&b.smoothed))
        .expect("a point");
    numbers
        .value("range_iters", s.range.iters)
        .value("range_stopped_after", points.len())
        .value("range_stop_rate", sig3(last.learning_rate))
        .fixed("range_lowest_loss", lowest.smoothed, 3)
        .value("range_lowest_rate", sig3(lowest.learning_rate))
        .value("range_start", short_number(s.range.start))
        .value("range_end", short_number(s.range.end));
    if let Some(sg) = suggestions {
        numbers
            .value("steepest", sig3(sg.steepest))
            .value("min_over_10", sig3(sg.min_over_10));
    }
    let mut outputs = vec![out.write_csv("range_test.csv", points.iter())?];

    let cfg = TrainConfig {
        epochs: s.grid_epochs,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 1_000,
    };
    let (trials, best) = grid_search(&args.grid, |lr| {
        let mut rng = substream(args.common.seed, 3);
        let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
        let mut opt = args.rule.build::<f32>(lr).expect("validated");
        let h = train(
            &mut net,
            opt.as_mut(),
            &split,
            &cfg,
            &mut rng,
            Hooks::none(),
        );
        h.accuracy_objective()
    });
    let best = anyhow::Context::context(
        best,
        "every --grid learning rate diverged: no best rate; try smaller rates",
    )?;
    let grid_best = trials[best].value;
    eprintln!(
        "grid search: best lr {grid_best} ({:.4} validation accuracy)",
        -trials[best].objective
    );
    let rows = trials.iter().enumerate().map(|(i, t)| GridRow {
        learning_rate: t.value,
        epochs: s.grid_epochs,
        val_accuracy: t.accuracy().unwrap_or(0.0),
        diverged: t.accuracy().is_none(),
        chosen: i == best,
    });
    outputs.push(out.write_csv("grid.csv", rows)?);
    numbers
        .value("grid_best", short_number(grid_best))
        .value("grid_epochs", s.grid_epochs)
        .value("grid_spent", s.grid_epochs * trials.len())
        .value("grid_points", trials.len());
    for t in &trials {
        let key = short_number(t.value).replace(['.', '-'], "_");
        let acc = t.accuracy().map_or("diverged".into(), |a| percent_of(a, 1));
        numbers.value(&format!("grid_{key}"), acc);
    }

    // The loss axis stops at twice the starting loss: past it the test has blown up.
    let ceiling = 2.0 * points[0].smoothed;
    let curve = |f: fn(&nnlab::procedures::lr_range::RangePoint) -> f64| {
        let on_axis = points
            .iter()
            .filter(|p| f(p).is_finite() && f(p) <= ceiling);
        on_axis.map(|p| (p.learning_rate, f(p))).collect::<Vec<_>>()
    };
    let smoothed = curve(|p| p.smoothed);
    let lowest = smoothed.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let span = (lowest, points[0].smoothed);
    let mut series = vec![
        Series::new("mini-batch loss", curve(|p| p.loss)).colored(7),
        Series::new("smoothed (beta = 0.98)", smoothed).colored(0),
    ];
    let accuracies: Vec<(f64, f64)> = trials
        .iter()
        .filter(|t| t.objective.is_finite())
        .map(|t| (t.value, -t.objective))
        .collect();
    let acc_span = accuracies
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let mut grid_series =
        vec![Series::new(format!("{} epoch(s) each", s.grid_epochs), accuracies).colored(0)];
    let mut marks = vec![(
        format!("grid best: {}", short_number(grid_best)),
        grid_best,
        2,
    )];
    if let Some(sg) = suggestions {
        marks.push((
            format!("steepest: {}", short_number(sg.steepest)),
            sg.steepest,
            3,
        ));
        marks.push((
            format!("min / 10: {}", short_number(sg.min_over_10)),
            sg.min_over_10,
            1,
        ));
    }
    for (name, x, color) in marks {
        series.push(marker(name.clone(), x, span, color));
        grid_series.push(marker(name, x, acc_span, color));
    }
    let range_chart = LineChart::new(
        "range test: loss as the rate grows",
        "learning rate",
        "loss",
    );
    let grid_chart = LineChart::new("grid search", "learning rate", "validation accuracy");
    let panels = vec![
        range_chart.log_x().with(series).into(),
        grid_chart.log_x().with(grid_series).into(),
    ];
    outputs.extend(Figure::pair(panels, 520).save(out.dir(), "range_test")?);
    Ok(Found {
        outputs,
        suggestions,
        grid_best,
    })
}
