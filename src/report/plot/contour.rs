//! Contour plots of a 2-D function with optimizer trajectories on top.

use super::line::Series;
use super::line::{legend_below, legend_entries, tick};
use super::style::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color};
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

/// The part of segment `a`-`b` inside the window `(x0, x1, y0, y1)` (Liang–Barsky), if any.
/// Paths that run off to huge values (a diverging optimizer) are cut at the frame instead of
/// being handed to the backend as out-of-range pixel coordinates.
pub fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    window: (f64, f64, f64, f64),
) -> Option<[(f64, f64); 2]> {
    let (x0, x1, y0, y1) = window;
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    // Clamp: for endpoints far outside (1e38 and beyond) the interpolation cancels catastrophically
    // and can land far from the frame it should touch.
    let at = |t: f64| ((a.0 + t * dx).clamp(x0, x1), (a.1 + t * dy).clamp(y0, y1));
    Some([at(t0), at(t1)])
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

        // A single path is named by the title; several get a legend.
        let entries = match self.trajectories.len() {
            0 | 1 => Vec::new(),
            _ => legend_entries(&self.trajectories),
        };
        let area = legend_below(area, &entries)?;
        let mut chart = ChartBuilder::on(&area)
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
            chart.draw_series(
                s.points
                    .windows(2)
                    .filter_map(|w| clip_segment(w[0], w[1], self.window))
                    .map(|seg| PathElement::new(seg.to_vec(), c.stroke_width(2))),
            )?;
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_paths_draw_without_overflow() {
        let plot = ContourPlot {
            title: "t".into(),
            f: Box::new(|x, y| x * x + y * y),
            window: (-11.0, 11.0, -3.0, 3.0),
            levels: 4,
            log_levels: true,
            trajectories: vec![Series::new(
                "diverging",
                vec![
                    (-10.0, 1.0),
                    (-9.0, -3.5),
                    (-8.0, 12.0),
                    (-7.0, -1e20),
                    (-6.0, 1e38),
                    (-5.0, -1e39),
                    (1.0, 1e300),
                ],
            )],
            target: None,
            grid: 20,
        };
        crate::report::plot::register_fonts();
        let mut buf = vec![0u8; 300 * 200 * 3];
        let root = BitMapBackend::with_buffer(&mut buf, (300, 200)).into_drawing_area();
        plot.draw(&root).unwrap();
    }

    #[test]
    fn clipping() {
        let w = (0.0, 1.0, 0.0, 1.0);
        assert_eq!(
            clip_segment((0.2, 0.2), (0.8, 0.8), w),
            Some([(0.2, 0.2), (0.8, 0.8)])
        );
        assert_eq!(
            clip_segment((-1.0, 0.5), (2.0, 0.5), w),
            Some([(0.0, 0.5), (1.0, 0.5)])
        );
        assert_eq!(clip_segment((2.0, 2.0), (3.0, 5.0), w), None);
        let far = clip_segment((0.5, 0.5), (0.5, 1e300), w).unwrap();
        assert_eq!(far[1], (0.5, 1.0));
        assert_eq!(clip_segment((0.5, 0.5), (f64::NAN, 0.5), w), None);
        // A diverging optimizer's jump between +-1e38 across the window: the cut stays on the frame.
        let w2 = (-11.5, 9.7, -2.5, 4.2);
        let s = clip_segment((-0.0039, 7.5e37), (-0.0038, -1.35e38), w2).unwrap();
        for p in s {
            assert!(
                (-11.5..=9.7).contains(&p.0) && (-2.5..=4.2).contains(&p.1),
                "{s:?}"
            );
        }
        // Both ends astronomically far on opposite sides: the cut stays on the frame.
        let s = clip_segment((0.3, -1e38), (0.6, 1.1e39), w).unwrap();
        for p in s {
            assert!(
                (0.0..=1.0).contains(&p.0) && (0.0..=1.0).contains(&p.1),
                "{s:?}"
            );
        }
    }

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
