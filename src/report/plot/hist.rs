//! Histograms and scatter plots.

use super::style::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color, padded};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Counts of values in equal-width bins over their range.
pub struct Histogram {
    pub title: String,
    pub x_label: String,
    pub values: Vec<f64>,
    pub bins: usize,
}

impl Histogram {
    /// `(bin_start, bin_end, count)` for each bin; non-finite values are left out.
    pub fn counts(&self) -> Vec<(f64, f64, usize)> {
        let v: Vec<f64> = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                (l.min(x), h.max(x))
            });
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            padded(lo, hi, 0.5)
        };
        let n = self.bins.max(1);
        let w = (hi - lo) / n as f64;
        let mut counts = vec![0usize; n];
        for x in v {
            counts[(((x - lo) / w) as usize).min(n - 1)] += 1;
        }
        counts
            .into_iter()
            .enumerate()
            .map(|(i, c)| (lo + i as f64 * w, lo + (i + 1) as f64 * w, c))
            .collect()
    }

    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let bins = self.counts();
        let x0 = bins.first().map_or(0.0, |b| b.0);
        let x1 = bins.last().map_or(1.0, |b| b.1);
        let top = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64 * 1.05;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc("count")
            .axis_desc_style(("sans-serif", LABEL_SIZE))
            .label_style(("sans-serif", TICK_SIZE))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(bins.iter().map(|&(a, b, c)| {
            Rectangle::new([(a, 0.0), (b, c as f64)], color(0).mix(0.8).filled())
        }))?;
        Ok(())
    }
}

/// Points coloured by class.
pub struct Scatter {
    pub title: String,
    pub points: Vec<(f64, f64)>,
    pub classes: Vec<usize>,
    /// `Some((lo, hi))`: both axes over `[lo, hi]` (panels to compare on one scale; a square panel
    /// then shows shapes undistorted), else each axis over its data.
    pub bounds: Option<(f64, f64)>,
}

impl Scatter {
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let fold = |f: fn(&(f64, f64)) -> f64| {
            self.points
                .iter()
                .map(f)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(v), h.max(v))
                })
        };
        let (x0, x1) = fold(|p| p.0);
        let (y0, y1) = fold(|p| p.1);
        let ((x0, x1), (y0, y1)) = match self.bounds {
            Some(b) => (b, b),
            None => (padded(x0, x1, 0.05), padded(y0, y1, 0.05)),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        // Few ticks with short labels: scatter panels are often small.
        let short = |v: &f64| super::style::short_number(*v);
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&short)
            .y_label_formatter(&short)
            .label_style(("sans-serif", TICK_SIZE))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(
            self.points
                .iter()
                .zip(&self.classes)
                .map(|(&p, &c)| Circle::new(p, 3, color(c).mix(0.8).filled())),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_every_value_once() {
        let h = Histogram {
            title: String::new(),
            x_label: String::new(),
            values: vec![0.0, 0.1, 0.5, 1.0, 1.0, f64::NAN],
            bins: 4,
        };
        let c = h.counts();
        assert_eq!(c.iter().map(|b| b.2).collect::<Vec<_>>(), vec![2, 0, 1, 2]);
        approx::assert_relative_eq!(c[3].1, 1.0);
    }
}
