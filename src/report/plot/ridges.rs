//! Histograms stacked one above another on a shared x axis (a "ridgeline" plot): one row per
//! layer of a network, the first layer at the top.

use super::style::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A histogram's bins: `(bin_start, bin_end, count)`.
pub type Bins = Vec<(f64, f64, f64)>;

/// One histogram per row: `(bin_start, bin_end, count)` bins, each row scaled to its own tallest
/// bin (the shape of each row's distribution, not its size, is what is compared).
pub struct Ridges {
    pub title: String,
    pub x_label: String,
    /// The x range every row shares.
    pub x_range: (f64, f64),
    /// `(row name, bins)`, top row first.
    pub rows: Vec<(String, Bins)>,
}

impl Ridges {
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let n = self.rows.len().max(1);
        let (x0, x1) = self.x_range;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(45)
            .build_cartesian_2d(x0..x1, 0.0..n as f64)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc("layer (first at the top)")
            .axis_desc_style(("sans-serif", LABEL_SIZE))
            .label_style(("sans-serif", TICK_SIZE))
            .y_labels(0)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        let text = ("sans-serif", TICK_SIZE).into_font();
        for (i, (name, bins)) in self.rows.iter().enumerate() {
            let base = (n - 1 - i) as f64;
            let top = bins.iter().map(|b| b.2).fold(0.0, f64::max).max(1e-300);
            chart.draw_series(bins.iter().map(|&(a, b, c)| {
                let h = 0.9 * c / top;
                Rectangle::new([(a, base), (b, base + h)], color(0).mix(0.75).filled())
            }))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x0, base), (x1, base)],
                BLACK.mix(0.3),
            )))?;
            // The row's name in the label area, beside the middle of its row.
            let (bx, by) = area.get_base_pixel();
            let (px, py) = chart.backend_coord(&(x0, base + 0.45));
            area.draw(&Text::new(
                name.clone(),
                (px - bx - 8, py - by),
                text.clone()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}
