//! Contour plots of a 2-D function with optimizer trajectories on top.

use super::line::{Legend, draw_legend, segments, tick};
use super::{LABEL_SIZE, PlotError, Series, TICK_SIZE, TITLE_SIZE, color};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Level lines of `f` over a window, with paths drawn over them.
pub struct ContourPlot {
    pub title: String,
    /// The function, sampled on a `grid x grid` lattice.
    pub f: Box<dyn Fn(f64, f64) -> f64 + Send + Sync>,
    /// `(x_min, x_max, y_min, y_max)`
    pub window: (f64, f64, f64, f64),
    pub levels: usize,
    /// Levels spaced geometrically between the smallest positive and the largest value (for
    /// losses spanning decades); otherwise evenly.
    pub log_levels: bool,
    pub trajectories: Vec<Series>,
    /// Marked with a star, e.g. the minimum.
    pub target: Option<(f64, f64)>,
    pub grid: usize,
}

/// Line segments of the level set `f = level` by marching squares over a regular grid.
/// `values[j][i]` is f at `(xs[i], ys[j])`.
pub fn contour_segments(
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
    level: f64,
) -> Vec<[(f64, f64); 2]> {
    let mut segs = Vec::new();
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..xs.len().saturating_sub(1) {
            // Corners counter-clockwise from bottom-left, and the four edges between them.
            let c = [
                (xs[i], ys[j], values[j][i]),
                (xs[i + 1], ys[j], values[j][i + 1]),
                (xs[i + 1], ys[j + 1], values[j + 1][i + 1]),
                (xs[i], ys[j + 1], values[j + 1][i]),
            ];
            let mut cross = Vec::with_capacity(4);
            for e in 0..4 {
                let (a, b) = (c[e], c[(e + 1) % 4]);
                if (a.2 < level) != (b.2 < level) {
                    let t = (level - a.2) / (b.2 - a.2);
                    cross.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
                }
            }
            for pair in cross.chunks_exact(2) {
                segs.push([pair[0], pair[1]]);
            }
        }
    }
    segs
}

impl ContourPlot {
    fn levels(&self, values: &[Vec<f64>]) -> Vec<f64> {
        let all = values.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = all
            .clone()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
        let n = self.levels.max(2);
        if self.log_levels {
            let pos_lo = all
                .filter(|&v| v > 0.0)
                .fold(f64::INFINITY, f64::min)
                .max(hi * 1e-8);
            let (a, b) = (pos_lo.ln(), hi.ln());
            (1..=n)
                .map(|k| (a + (b - a) * k as f64 / (n + 1) as f64).exp())
                .collect()
        } else {
            (1..=n)
                .map(|k| lo + (hi - lo) * k as f64 / (n + 1) as f64)
                .collect()
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1, y0, y1) = self.window;
        let g = self.grid.max(8);
        let xs: Vec<f64> = (0..g)
            .map(|i| x0 + (x1 - x0) * i as f64 / (g - 1) as f64)
            .collect();
        let ys: Vec<f64> = (0..g)
            .map(|j| y0 + (y1 - y0) * j as f64 / (g - 1) as f64)
            .collect();
        let values: Vec<Vec<f64>> = ys
            .iter()
            .map(|&y| xs.iter().map(|&x| (self.f)(x, y)).collect())
            .collect();
        let levels = self.levels(&values);

        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x")
            .y_desc("y")
            .axis_desc_style(("sans-serif", LABEL_SIZE))
            .label_style(("sans-serif", TICK_SIZE))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()?;
        for (k, &level) in levels.iter().enumerate() {
            // Light grey-blue, darker for higher levels.
            let t = k as f64 / levels.len().max(1) as f64;
            let shade = RGBColor(
                (200.0 - 110.0 * t) as u8,
                (210.0 - 110.0 * t) as u8,
                (230.0 - 60.0 * t) as u8,
            );
            let segs = contour_segments(&xs, &ys, &values, level);
            chart.draw_series(
                segs.into_iter()
                    .map(|s| PathElement::new(s.to_vec(), shade.stroke_width(1))),
            )?;
        }
        let inside = |p: &(f64, f64)| p.0 >= x0 && p.0 <= x1 && p.1 >= y0 && p.1 <= y1;
        for (i, s) in self.trajectories.iter().enumerate() {
            let c = color(s.color.unwrap_or(i));
            chart
                .draw_series(segments(&s.points, c.stroke_width(2)))?
                .label(&s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
            chart.draw_series(
                s.points
                    .iter()
                    .filter(|p| inside(p))
                    .map(|&p| Circle::new(p, 2, c.filled())),
            )?;
            if let Some(&p) = s.points.first() {
                chart.draw_series(std::iter::once(Circle::new(p, 5, BLACK.filled())))?;
            }
        }
        if let Some(t) = self.target {
            chart.draw_series(std::iter::once(Cross::new(t, 8, BLACK.stroke_width(3))))?;
        }
        if !self.trajectories.is_empty() {
            draw_legend(&mut chart, Legend::UpperRight)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_level_set() {
        // f = x² + y² = 1 on a fine grid: every segment end lies on the unit circle.
        let n = 101;
        let xs: Vec<f64> = (0..n)
            .map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64)
            .collect();
        let values: Vec<Vec<f64>> = xs
            .iter()
            .map(|&y| xs.iter().map(|&x| x * x + y * y).collect())
            .collect();
        let segs = contour_segments(&xs, &xs, &values, 1.0);
        assert!(segs.len() > 100);
        for s in &segs {
            for &(x, y) in s {
                let r = (x * x + y * y).sqrt();
                assert!((r - 1.0).abs() < 2e-3, "r = {r}");
            }
        }
        let length: f64 = segs
            .iter()
            .map(|s| ((s[0].0 - s[1].0).powi(2) + (s[0].1 - s[1].1).powi(2)).sqrt())
            .sum();
        approx::assert_relative_eq!(length, 2.0 * std::f64::consts::PI, max_relative = 1e-2);
    }
}
