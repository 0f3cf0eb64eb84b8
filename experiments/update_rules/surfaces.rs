//! Parts 1 and 2: the six rules on four 2-D surfaces, each at the learning rate a log-uniform grid
//! search picks for it there, and the race on Beale's function.

use std::path::PathBuf;

use nnlab::optim::Rule;
use nnlab::procedures::search::{Trial, grid_search, log_grid};
use nnlab::procedures::surfaces::{
    Beale, PathPoint, Rosenbrock, Saddle, Surface, TacoShell, clamped_loss, descend,
    window_objective,
};
use nnlab::report::cli::progress;
use nnlab::report::numbers::{Numbers, sig3};
use nnlab::report::plot::{
    ContourPlot, Figure, LineChart, MAX_WIDTH, Panel, Series, save_gif, short_number,
};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Settings};

/// The taco shell of this chapter (the momentum chapter's, curvatures 1 and 50).
pub static TACO: TacoShell = TacoShell { a: 1.0, b: 50.0 };

#[derive(Serialize)]
struct TrajectoryRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    decay_rate: Option<f64>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

#[derive(Serialize)]
struct TuningRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    objective: f64,
    chosen: bool,
}

/// A half-width panel's title: the surface's formula, or its name if the formula is too long.
fn short_title(surface: &dyn Surface) -> String {
    let formula = surface.formula();
    if formula.chars().count() <= 36 {
        formula
    } else {
        format!("{} (formula in the text)", surface.name())
    }
}

/// Contour panel of `surface` with paths, in a window that holds the start and the minimum.
fn contour_panel(
    surface: &'static dyn Surface,
    title: String,
    paths: Vec<Series>,
    grid: usize,
) -> Panel {
    Panel::Contour(ContourPlot {
        title,
        f: Box::new(move |x, y| surface.value(x, y)),
        window: surface.window(),
        levels: 16,
        log_levels: surface.minimum().is_some(),
        trajectories: paths,
        target: surface.minimum(),
        grid,
    })
}

/// One tuned rule: its surface, the rule, every trial of the grid and the index of the chosen one.
type Tuned = (&'static str, Rule, Vec<Trial>, usize);

/// The table of chosen rates and their losses, and per surface and rule `<surface>_<rule>_lr`,
/// `_loss`, the best rule `<surface>_best`, and the smallest rate whose path left the window
/// (`_first_out`).
fn quote(numbers: &mut Numbers, surfaces: &[&'static dyn Surface], tuned: &[Tuned]) {
    let find = |surface: &str, rule: Rule| {
        tuned
            .iter()
            .find(|t| t.0 == surface && t.1 == rule)
            .expect("every rule ran on every surface")
    };
    let mut header = vec!["rule".to_string()];
    header.extend(surfaces.iter().map(|s| s.name().to_string()));
    let rows: Vec<Vec<String>> = Rule::ALL
        .iter()
        .map(|&rule| {
            let mut row = vec![rule.label().to_string()];
            for surface in surfaces {
                let (_, _, trials, best) = find(surface.name(), rule);
                let t = &trials[*best];
                row.push(format!("{} → {}", short_number(t.value), sig3(t.objective)));
            }
            row
        })
        .collect();
    numbers.table("tuned", &header, &rows);
    for (surface, rule, trials, best) in tuned {
        let key = |what: &str| format!("{surface}_{}_{what}", rule.name());
        numbers
            .value(&key("lr"), short_number(trials[*best].value))
            .value(&key("loss"), sig3(trials[*best].objective));
        let out = trials.iter().find(|t| t.objective.is_infinite());
        numbers.value(
            &key("first_out"),
            out.map_or("none".into(), |t| short_number(t.value)),
        );
    }
    let chosen = |t: &Tuned| t.2[t.3];
    for surface in surfaces {
        let name = surface.name();
        let runs: Vec<&Tuned> = tuned.iter().filter(|t| t.0 == name).collect();
        let objective = |t: &&Tuned| chosen(t).objective;
        let best = runs
            .iter()
            .min_by(|a, b| objective(a).total_cmp(&objective(b)));
        let tie = runs
            .iter()
            .all(|t| objective(t) == best.map_or(f64::NAN, objective));
        let label = best
            .filter(|_| !tie)
            .map_or("every rule alike", |t| t.1.label());
        numbers.value(&format!("{name}_best"), label);
        // How much larger a rate the per-coordinate rules could take than SGD.
        let sgd = find(name, Rule::Sgd);
        let ratios: Vec<f64> = [Rule::Adagrad, Rule::Rmsprop]
            .iter()
            .map(|&r| chosen(find(name, r)).value / chosen(sgd).value)
            .collect();
        let (low, high) = (ratios[0].min(ratios[1]), ratios[0].max(ratios[1]));
        numbers.value(
            &format!("{name}_adaptive_over_sgd"),
            format!("{}–{}", sig3(low), sig3(high)),
        );
    }
}

/// Tunes and runs every rule on every surface; writes `tuning.csv`, `trajectory.csv`, the two
/// figures and the race.
pub fn run(
    args: &Args,
    s: &Settings,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let (quick, grid_points) = (s.quick, s.grid_points);
    let mut outputs = Vec::new();
    // Part 1: tune each rule's learning rate on each surface, then run it.
    let surfaces: [&'static dyn Surface; 4] = [&TACO, &Rosenbrock, &Beale, &Saddle];
    let grid = log_grid(args.lr_min, args.lr_max, grid_points);
    let (mut tuning, mut rows, mut tuned) = (Vec::new(), Vec::new(), Vec::new());
    let mut paths: Vec<Vec<(Rule, f64, Vec<PathPoint>)>> = Vec::new();
    let bar = progress(
        (surfaces.len() * Rule::ALL.len()) as u64,
        "tuning on surfaces",
    );
    for &surface in &surfaces {
        let mut per_surface = Vec::new();
        for rule in Rule::ALL {
            let descent = |lr| {
                let mut opt = rule.build::<f64>(lr).expect("grid values are positive");
                let path = descend(surface, opt.as_mut(), surface.start(), args.iters);
                (opt, path)
            };
            let (trials, best) = grid_search(&grid, |lr| {
                window_objective(surface, &descent(lr).1, args.iters)
            });
            let best = anyhow::Context::with_context(best, || {
                format!(
                    "every candidate learning rate of {} diverged on {}",
                    rule.name(),
                    surface.name()
                )
            })?;
            tuning.extend(trials.iter().enumerate().map(|(i, t)| TuningRow {
                surface: surface.name(),
                optimizer: rule.name(),
                learning_rate: t.value,
                objective: t.objective,
                chosen: i == best,
            }));
            let lr = trials[best].value;
            tuned.push((surface.name(), rule, trials.clone(), best));
            let (opt, path) = descent(lr);
            let hyper = |name| opt.hyperparameter(name);
            rows.extend(path.iter().map(|p| TrajectoryRow {
                surface: surface.name(),
                optimizer: opt.name(),
                learning_rate: lr,
                mu: hyper("mu"),
                decay_rate: hyper("decay_rate"),
                beta1: hyper("beta1"),
                beta2: hyper("beta2"),
                eps: hyper("eps"),
                iter: p.iter,
                x: p.x,
                y: p.y,
                loss: p.loss,
            }));
            per_surface.push((rule, lr, path));
            bar.inc(1);
        }
        paths.push(per_surface);
    }
    bar.finish_and_clear();
    quote(numbers, &surfaces, &tuned);
    numbers
        .value("grid_points", grid_points)
        .value("iters", args.iters)
        .value("lr_min", short_number(args.lr_min))
        .value("lr_max", short_number(args.lr_max));
    outputs.push(out.write_csv("tuning.csv", tuning)?);
    outputs.push(out.write_csv("trajectory.csv", rows)?);

    let series = |runs: &[(Rule, f64, Vec<PathPoint>)], upto: usize| -> Vec<Series> {
        let named = |(i, (rule, lr, path)): (usize, &(Rule, f64, Vec<PathPoint>))| {
            let name = format!("{} (lr = {})", rule.label(), short_number(*lr));
            Series::new(name, path.iter().take(upto).map(|p| (p.x, p.y)).collect()).colored(i)
        };
        runs.iter().enumerate().map(named).collect()
    };
    let surface_runs = || surfaces.iter().zip(&paths);
    let panels = surface_runs()
        .map(|(&s, runs)| contour_panel(s, short_title(s), series(runs, usize::MAX), 160))
        .collect();
    outputs.extend(Figure::pair(panels, 520).save(out.dir(), "trajectories")?);
    let panels = surface_runs().map(|(&s, runs)| {
        let bounded = s.minimum().is_some();
        let what = if bounded {
            "loss"
        } else {
            "loss, clamped to the window"
        };
        let chart = LineChart::new(format!("{}: {what}", s.name()), "iteration", "loss");
        let curve = |(rule, _, path): &(Rule, f64, Vec<PathPoint>)| {
            let points = path.iter().map(|p| (p.iter as f64, clamped_loss(s, p)));
            Series::new(rule.label(), points.collect())
        };
        let chart = chart.with(runs.iter().map(curve).collect());
        Panel::from(if bounded { chart.log_y() } else { chart })
    });
    outputs.extend(Figure::pair(panels.collect(), 440).save(out.dir(), "loss")?);

    // Part 2: the race on Beale's function.
    let beale = &paths[2];
    let frames = if quick { 5 } else { 80 };
    outputs.push(save_gif(&out.path("race.gif"), frames, 60, |k| {
        let upto = 1 + (args.iters * (k + 1)).div_ceil(frames);
        let title = format!("Beale's function, iteration {}", upto - 1);
        let grid = if quick { 40 } else { 140 };
        Figure::single(
            contour_panel(&Beale, title, series(beale, upto), grid),
            (MAX_WIDTH, 640),
        )
    })?);

    Ok(outputs)
}
