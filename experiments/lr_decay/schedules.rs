//! Part 1: the schedules themselves, as the comparison runs use them.

use std::path::PathBuf;

use nnlab::procedures::train::Split;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Settings};

#[derive(Serialize)]
struct ScheduleRow {
    schedule: &'static str,
    optimizer: &'static str,
    step: usize,
    learning_rate: f64,
}

/// Writes every schedule's rate at every iteration of a comparison run, for each rule
/// (`schedule.csv`), and draws them relative to the initial rate (`schedules.png`): the shape is
/// the same for every rule.
pub fn run(
    args: &Args,
    s: &Settings,
    split: &Split<'_, f32>,
    out: &ResultsDir,
) -> anyhow::Result<Vec<PathBuf>> {
    let steps = split.iterations(s.epochs, args.batch_size);
    let per_epoch = split.iterations(1, args.batch_size) as f64;
    let mut rows = Vec::new();
    let mut series = Vec::new();
    for (i, &family) in args.schedules.iter().enumerate() {
        for &(rule, lr) in &s.rules {
            let schedule = family.over(lr, steps, &s.stretch)?;
            rows.extend((0..steps).map(|t| ScheduleRow {
                schedule: family.name(),
                optimizer: rule.name(),
                step: t,
                learning_rate: schedule.rate_at(t, 0),
            }));
        }
        let unit = family.over(1.0, steps, &s.stretch)?;
        let points = (0..steps).map(|t| (t as f64 / per_epoch, unit.rate_at(t, 0)));
        series.push(Series::new(family.label(), points.collect()).colored(i));
    }
    let mut outputs = vec![out.write_csv("schedule.csv", rows)?];
    let chart = LineChart::new(
        format!("The schedules over a {}-epoch run", s.epochs),
        "epoch",
        "learning rate / initial rate",
    );
    let figure = Figure::column(vec![chart.with(series).into()], 480);
    outputs.extend(figure.save(out.dir(), "schedules")?);
    Ok(outputs)
}
