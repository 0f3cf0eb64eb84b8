//! A grid of grey-scale images with captions (filters, digits, feature maps).

use super::style::{PlotError, TICK_SIZE, TITLE_SIZE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Images of `width x height` pixels (row-major), each scaled to its own min..max.
pub struct ImageGrid {
    pub title: String,
    pub images: Vec<Vec<f64>>,
    pub captions: Vec<String>,
    pub width: usize,
    pub height: usize,
    pub cols: usize,
}

impl ImageGrid {
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let area = area.titled(&self.title, ("sans-serif", TITLE_SIZE))?;
        let cols = self.cols.max(1);
        let rows = self.images.len().div_ceil(cols).max(1);
        for (k, cell) in area.split_evenly((rows, cols)).iter().enumerate() {
            let Some(img) = self.images.get(k) else { break };
            let cell = match self.captions.get(k) {
                Some(c) => cell.titled(c, ("sans-serif", TICK_SIZE))?,
                None => cell.clone(),
            };
            let (w, h) = cell.dim_in_pixel();
            // 90% of the cell's width, so neighbouring images stay apart.
            let side = (0.9 * w as f64 / self.width as f64)
                .min(h as f64 / self.height as f64)
                .floor()
                .max(1.0) as i32;
            let (lo, hi) = img
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            let ox = (w as i32 - side * self.width as i32) / 2;
            for (idx, &v) in img.iter().enumerate() {
                let (r, c) = ((idx / self.width) as i32, (idx % self.width) as i32);
                let g = (255.0 * (v - lo) / span).round().clamp(0.0, 255.0) as u8;
                let (x, y) = (ox + c * side, r * side);
                cell.draw(&Rectangle::new(
                    [(x, y), (x + side, y + side)],
                    RGBColor(g, g, g).filled(),
                ))?;
            }
        }
        Ok(())
    }
}
