//! Part 1: SGD, Momentum and Nesterov on the taco-shell quadratic from the same start with the same
//! learning rate, beside the contraction rate theory predicts.

use std::path::PathBuf;

use nnlab::procedures::surfaces::{PathPoint, Surface, TacoShell, descend};
use nnlab::report::numbers::{Numbers, sig3, slug};
use nnlab::report::plot::{ContourPlot, Figure, LineChart, MAX_WIDTH, Panel, Series, save_gif};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Rules};

#[derive(Serialize)]
struct TrajectoryRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

#[derive(Serialize)]
struct SurfaceSummary {
    optimizer: &'static str,
    mu: Option<f64>,
    iters: usize,
    final_loss: f64,
    /// First iteration with loss below 1e-3 (empty if never).
    iters_to_1e_3: Option<usize>,
    /// Theory: the factor by which the error shrinks per step along x (curvature a) and y (b),
    /// and overall (the slower of the two).
    rate_x: f64,
    rate_y: f64,
    rate: f64,
}

const SUMMARY_HEADER: [&str; 6] = [
    "rule",
    "μ",
    "loss after the last step",
    "first step below 1e-3",
    "predicted rate along x, y",
    "predicted rate",
];

/// The summary as the chapter's table.
fn summary_table(summary: &[SurfaceSummary]) -> Vec<Vec<String>> {
    summary
        .iter()
        .map(|r| {
            vec![
                r.optimizer.to_string(),
                r.mu.map_or("–".into(), |m| m.to_string()),
                sig3(r.final_loss),
                r.iters_to_1e_3.map_or("never".into(), |i| i.to_string()),
                format!("{:.3}, {:.3}", r.rate_x, r.rate_y),
                format!("{:.3}", r.rate),
            ]
        })
        .collect()
}

/// Runs every rule on `taco`; writes `trajectory.csv`, `surface_summary.csv`, the figures and the
/// race.
pub fn run(
    args: &Args,
    taco: &TacoShell,
    surface_rules: &mut Rules<f64>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let (quick, taco) = (args.common.quick, *taco);
    let mut outputs = Vec::new();
    let mut trajectories: Vec<(String, Vec<PathPoint>)> = Vec::new();
    let (mut rows, mut summary) = (Vec::new(), Vec::new());
    for c in surface_rules.iter_mut() {
        let path = descend(&taco, c.opt.as_mut(), taco.start(), args.iters);
        rows.extend(path.iter().map(|p| TrajectoryRow {
            surface: taco.name(),
            optimizer: c.opt.name(),
            learning_rate: args.learning_rate,
            mu: c.mu,
            iter: p.iter,
            x: p.x,
            y: p.y,
            loss: p.loss,
        }));
        let last = path.last().expect("a path holds its start");
        let rate = |curvature| (c.rate)(args.learning_rate, c.mu.unwrap_or(0.0), curvature);
        let (rate_x, rate_y) = (rate(taco.a), rate(taco.b));
        let key = slug(&c.label);
        let reached = path.iter().find(|p| p.loss < 1e-3).map(|p| p.iter);
        numbers
            .value(&format!("{key}_final_loss"), sig3(last.loss))
            .value(
                &format!("{key}_to_1e_3"),
                reached.map_or("never".into(), |i| i.to_string()),
            )
            .fixed(&format!("{key}_rate"), rate_x.max(rate_y), 3)
            .fixed(&format!("{key}_rate_x"), rate_x, 3)
            .fixed(&format!("{key}_rate_y"), rate_y, 3);
        summary.push(SurfaceSummary {
            rate_x,
            rate_y,
            rate: rate_x.max(rate_y),
            optimizer: c.opt.name(),
            mu: c.mu,
            iters: last.iter,
            final_loss: last.loss,
            iters_to_1e_3: reached,
        });
        trajectories.push((c.label.clone(), path));
    }
    outputs.push(out.write_csv("trajectory.csv", rows)?);
    let (x, y) = taco.start();
    numbers
        .value("taco_start_loss", sig3(taco.value(x, y)))
        .value("taco_iters", args.iters)
        .value("taco_learning_rate", args.learning_rate)
        .table("surface_summary", &SUMMARY_HEADER, &summary_table(&summary));
    outputs.push(out.write_csv("surface_summary.csv", summary)?);

    // The window holds every path that stays near the valley; a diverging path runs off the
    // plot instead of shrinking the valley to a line.
    let (bx0, bx1, by0, by1) = taco.window();
    let (mut x0, mut x1, mut y0, mut y1) = (bx0, bx1, by0, by1);
    let near = |p: &&PathPoint| {
        p.x.abs() <= 2.0 * bx0.abs().max(bx1.abs()) && p.y.abs() <= 2.0 * by0.abs().max(by1.abs())
    };
    for p in trajectories.iter().flat_map(|t| t.1.iter()).filter(near) {
        (x0, x1, y0, y1) = (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y));
    }
    let window = (x0 - 0.5, x1 + 0.5, y0 - 0.2, y1 + 0.2);
    let contour = |title: String, trajectories: Vec<Series>, grid: usize| {
        Panel::Contour(ContourPlot {
            title,
            f: Box::new(move |x, y| taco.value(x, y)),
            window,
            levels: 14,
            log_levels: true,
            trajectories,
            target: taco.minimum(),
            grid,
        })
    };
    let series_of = |i: usize, upto: usize| {
        let (label, path) = &trajectories[i];
        let points = path.iter().take(upto).map(|p| (p.x, p.y)).collect();
        Series::new(label.clone(), points).colored(i)
    };
    let lr = args.learning_rate;
    let panels = (0..trajectories.len())
        .map(|i| {
            contour(
                format!("{}, lr = {lr}", trajectories[i].0),
                vec![series_of(i, usize::MAX)],
                160,
            )
        })
        .collect();
    outputs.extend(Figure::pair(panels, 300).save(out.dir(), "trajectories")?);

    // A diverging run is drawn until its loss passes 10x the starting loss, and says so.
    let start_loss = taco.value(taco.start().0, taco.start().1);
    let loss_series = trajectories.iter().map(|(label, path)| {
        let diverges = path.last().is_some_and(|p| p.loss > start_loss);
        let name = if diverges {
            format!("{label} (diverges)")
        } else {
            label.clone()
        };
        let shown = path.iter().take_while(|p| p.loss <= 10.0 * start_loss);
        Series::new(name, shown.map(|p| (p.iter as f64, p.loss)).collect())
    });
    let loss_chart = LineChart::new(
        format!("Loss on {} (lr = {lr})", taco.formula()),
        "iteration",
        "loss",
    );
    let loss_chart = loss_chart.log_y().with(loss_series.collect());
    outputs.extend(Figure::single(loss_chart, (MAX_WIDTH, 520)).save(out.dir(), "loss")?);

    let frames = if quick { 6 } else { 60 };
    outputs.push(save_gif(&out.path("race.gif"), frames, 80, |k| {
        let upto = 1 + (args.iters * (k + 1)).div_ceil(frames);
        let paths = (0..trajectories.len())
            .map(|i| series_of(i, upto))
            .collect();
        let grid = if quick { 40 } else { 120 };
        Figure::single(
            contour(format!("iteration {}", upto - 1), paths, grid),
            (MAX_WIDTH, 420),
        )
    })?);

    Ok(outputs)
}
