//! Part 1: Bergstra and Bengio's picture, computed. A function of two hyperparameters where one
//! matters (x) and one barely does (y); 9 grid trials try 3 values of x, 9 random trials try 9.

use std::path::PathBuf;

use nnlab::procedures::search::{Config, Param, Scale, Space};
use nnlab::report::plot::{ContourPlot, Figure, LineChart, Panel, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

// ANCHOR: objective
/// The important axis: a broad bump at 0.62 and a narrow, lower one at 0.15.
fn important(x: f64) -> f64 {
    let bump = |centre: f64, width: f64| (-((x - centre) / width).powi(2) / 2.0).exp();
    bump(0.62, 0.15) + 0.4 * bump(0.15, 0.08)
}

/// The unimportant axis: a ripple a tenth as tall.
fn unimportant(y: f64) -> f64 {
    0.1 * (std::f64::consts::TAU * y + 1.0).sin()
}

/// The score of a trial at `(x, y)` (higher is better).
fn score(x: f64, y: f64) -> f64 {
    important(x) + unimportant(y)
}

/// Where the score is highest: the broad bump's centre, the ripple's crest.
const BEST: (f64, f64) = (
    0.62,
    (std::f64::consts::FRAC_PI_2 - 1.0) / std::f64::consts::TAU,
);
// ANCHOR_END: objective

fn unit_square() -> Space {
    Space::new(vec![
        Param::new("x", 0.0, 1.0, Scale::Linear),
        Param::new("y", 0.0, 1.0, Scale::Linear),
    ])
}

#[derive(Serialize)]
struct PointRow {
    layout: &'static str,
    trial: usize,
    x: f64,
    y: f64,
    score: f64,
}

#[derive(Serialize)]
struct SummaryRow {
    layout: &'static str,
    trials: usize,
    /// Searches (random seeds) averaged; the grid is the same every time.
    searches: usize,
    distinct_x: f64,
    mean_best: f64,
    /// Fraction of searches whose best beats the grid's best.
    beats_grid: f64,
}

/// What the chapter quotes.
#[derive(Serialize)]
pub struct Summary {
    pub grid_best: f64,
    pub random_mean_best: f64,
    pub random_beats_grid: f64,
    pub searches: usize,
    pub optimum: f64,
}

fn distinct_x(configs: &[Config]) -> usize {
    let mut xs: Vec<u64> = configs.iter().map(|c| c.values[0].to_bits()).collect();
    xs.sort_unstable();
    xs.dedup();
    xs.len()
}

fn best(configs: &[Config]) -> f64 {
    let scores = configs.iter().map(|c| score(c.values[0], c.values[1]));
    scores.fold(f64::NEG_INFINITY, f64::max)
}

/// 9 grid and 9 random trials (seed `seed`), and `searches` random searches against the grid;
/// writes `layout.csv`, `layout_summary.csv` and `layout.png`.
pub fn run(
    seed: u64,
    searches: usize,
    out: &ResultsDir,
) -> anyhow::Result<(Summary, Vec<PathBuf>)> {
    let space = unit_square();
    let grid = space.grid(3);
    let random: Vec<Config> = (0..grid.len()).map(|k| space.random(seed, k)).collect();
    let mut points = Vec::new();
    for (layout, configs) in [("grid", &grid), ("random", &random)] {
        points.extend(configs.iter().enumerate().map(|(trial, c)| PointRow {
            layout,
            trial,
            x: c.values[0],
            y: c.values[1],
            score: score(c.values[0], c.values[1]),
        }));
    }
    let mut outputs = vec![out.write_csv("layout.csv", points)?];

    // Many random searches of 9 against the one grid.
    let grid_best = best(&grid);
    let (mut sum_best, mut sum_distinct, mut beats) = (0.0, 0.0, 0usize);
    for s in 0..searches {
        let configs: Vec<Config> = (0..grid.len())
            .map(|k| space.random(seed.wrapping_add(1 + s as u64), k))
            .collect();
        let b = best(&configs);
        sum_best += b;
        sum_distinct += distinct_x(&configs) as f64;
        beats += usize::from(b > grid_best);
    }
    let n = searches as f64;
    let summary = Summary {
        grid_best,
        random_mean_best: sum_best / n,
        random_beats_grid: beats as f64 / n,
        searches,
        optimum: score(BEST.0, BEST.1),
    };
    let rows = [
        SummaryRow {
            layout: "grid",
            trials: grid.len(),
            searches: 1,
            distinct_x: distinct_x(&grid) as f64,
            mean_best: grid_best,
            beats_grid: 0.0,
        },
        SummaryRow {
            layout: "random",
            trials: grid.len(),
            searches,
            distinct_x: sum_distinct / n,
            mean_best: summary.random_mean_best,
            beats_grid: summary.random_beats_grid,
        },
    ];
    outputs.push(out.write_csv("layout_summary.csv", rows)?);
    eprintln!(
        "layout: grid's best {:.3}; {searches} random searches of 9: mean best {:.3}, {:.0}% beat the grid (optimum {:.3})",
        grid_best,
        summary.random_mean_best,
        100.0 * summary.random_beats_grid,
        summary.optimum
    );
    outputs.extend(figure(&grid, &random).save(out.dir(), "layout")?);
    Ok((summary, outputs))
}

/// Top: the score's level lines with the trials; bottom: the important axis alone, with the x
/// values the trials tried.
fn figure(grid: &[Config], random: &[Config]) -> Figure {
    let mut panels = Vec::new();
    for (name, configs) in [("grid", grid), ("random", random)] {
        let dots = configs
            .iter()
            .map(|c| Series::new("", vec![(c.values[0], c.values[1])]).colored(1))
            .collect();
        panels.push(Panel::Contour(ContourPlot {
            title: format!("{name} layout: {} trials", configs.len()),
            f: Box::new(score),
            window: (0.0, 1.0, 0.0, 1.0),
            levels: 10,
            log_levels: false,
            trajectories: dots,
            target: Some(BEST),
            grid: 120,
        }));
    }
    for (name, configs) in [("grid", grid), ("random", random)] {
        let curve = (0..=200)
            .map(|i| i as f64 / 200.0)
            .map(|x| (x, important(x)));
        let tried = configs
            .iter()
            .map(|c| (c.values[0], important(c.values[0])));
        let chart = LineChart::new(
            format!("{name}: {} distinct x", distinct_x(configs)),
            "x (important)",
            "score's x part",
        )
        .with(vec![
            Series::new("", curve.collect()).colored(0),
            Series::new("", tried.collect()).colored(1).dots_only(),
        ]);
        panels.push(Panel::Line(chart));
    }
    Figure::pair(panels, 400)
}
