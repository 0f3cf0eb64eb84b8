//! Repeated measurements per category: each run as a small dot, the mean as a large one and a bar
//! from the lowest to the highest run, so a reader sees whether two means differ by more than
//! the runs' spread.

use super::line::{legend_below, tick};
use super::style::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color, padded};
use crate::procedures::metrics::mean_and_range;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One group's runs: `values[i]` are the runs of category `i` (empty: not measured).
#[derive(Clone, Debug)]
pub struct RangeGroup {
    pub name: String,
    pub values: Vec<Vec<f64>>,
}

/// Categories down the left, one row each (the first on top); each group a line in its colour.
#[derive(Clone, Debug)]
pub struct RangePlot {
    pub title: String,
    pub x_label: String,
    pub categories: Vec<String>,
    pub groups: Vec<RangeGroup>,
}

impl RangePlot {
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let all = self.groups.iter().flat_map(|g| g.values.iter().flatten());
        let (lo, hi) = all
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let (x0, x1) = padded(lo, hi, 0.08);
        let n = self.categories.len().max(1);
        let entries: Vec<_> = (self.groups.iter().enumerate())
            .map(|(g, group)| (group.name.clone(), color(g)))
            .collect();
        let area = legend_below(area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .margin_right(26) // room for half of the last x tick's label
            .x_label_area_size(45)
            .y_label_area_size(150)
            .build_cartesian_2d(x0..x1, -0.5..n as f64 - 0.5)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .axis_desc_style(("sans-serif", LABEL_SIZE))
            .label_style(("sans-serif", TICK_SIZE))
            .x_label_formatter(&tick)
            .y_labels(0)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        // The category names left of the axis, row i from the top at y = n - 1 - i (plotters
        // places tick labels where it likes on a continuous axis).
        let font = TextStyle::from(("sans-serif", LABEL_SIZE).into_font())
            .pos(Pos::new(HPos::Right, VPos::Center));
        let names = self.categories.iter().enumerate().map(|(i, name)| {
            EmptyElement::at((x0, (n - 1 - i) as f64))
                + Text::new(name.clone(), (-10, 0), font.clone())
        });
        chart.draw_series(names)?;
        let groups = self.groups.len().max(1) as f64;
        for (g, group) in self.groups.iter().enumerate() {
            let c = color(g);
            // Groups side by side within a row, 0.5 of a row apart in all.
            let offset = 0.25 - 0.5 * (g as f64 + 0.5) / groups;
            for (i, values) in group.values.iter().enumerate() {
                let Some((mean, min, max)) = mean_and_range(values) else {
                    continue;
                };
                let y = (n - 1 - i) as f64 + offset;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(min, y), (max, y)],
                    c.stroke_width(3),
                )))?;
                let runs = values
                    .iter()
                    .map(|&v| Circle::new((v, y), 4, WHITE.filled()));
                chart.draw_series(runs)?;
                let rims = values
                    .iter()
                    .map(|&v| Circle::new((v, y), 4, c.stroke_width(2)));
                chart.draw_series(rims)?;
                chart.draw_series(std::iter::once(Circle::new((mean, y), 7, c.filled())))?;
                chart.draw_series(std::iter::once(Circle::new((mean, y), 7, BLACK)))?;
            }
        }
        Ok(())
    }
}
