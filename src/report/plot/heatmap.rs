//! A labelled matrix of numbers drawn as coloured cells (a confusion matrix).

use super::style::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// `values[r][c]` drawn as a grid and printed as whole numbers, each cell shaded by its share of
/// its row, from white (none) to dark blue (all): a confusion matrix reads as "of the images of
/// class r, how many were called c".
pub struct Heatmap {
    pub title: String,
    pub row_label: String,
    pub col_label: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl Heatmap {
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let area = area.titled(&self.title, ("sans-serif", TITLE_SIZE))?;
        let (w, h) = area.dim_in_pixel();
        let (nr, nc) = (self.rows.len().max(1), self.cols.len().max(1));
        // Room for the row names on the left and the rotated column names underneath.
        let (left, bottom, right, top) = (150i32, 130i32, 20i32, 10i32);
        let cell_w = ((w as i32 - left - right) / nc as i32).max(1);
        let cell_h = ((h as i32 - top - bottom) / nr as i32).max(1);
        let tick = ("sans-serif", TICK_SIZE).into_font();
        for (r, row) in self.values.iter().enumerate() {
            let total: f64 = row.iter().sum::<f64>().max(1e-300);
            for (c, &v) in row.iter().enumerate() {
                let share = (v / total).clamp(0.0, 1.0);
                let shade = |full: f64| (255.0 - share * (255.0 - full)).round() as u8;
                let fill = RGBColor(shade(8.0), shade(48.0), shade(107.0));
                let (x0, y0) = (left + c as i32 * cell_w, top + r as i32 * cell_h);
                area.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell_w, y0 + cell_h)],
                    fill.filled(),
                ))?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                area.draw(&Text::new(
                    format!("{v:.0}"),
                    (x0 + cell_w / 2, y0 + cell_h / 2),
                    tick.clone()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        for (r, name) in self.rows.iter().enumerate() {
            area.draw(&Text::new(
                name.clone(),
                (left - 8, top + r as i32 * cell_h + cell_h / 2),
                tick.clone()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        let rotated = tick.clone().transform(FontTransform::Rotate270);
        for (c, name) in self.cols.iter().enumerate() {
            area.draw(&Text::new(
                name.clone(),
                (
                    left + c as i32 * cell_w + cell_w / 2,
                    top + nr as i32 * cell_h + 8,
                ),
                rotated
                    .clone()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        let label = ("sans-serif", LABEL_SIZE).into_font();
        area.draw(&Text::new(
            self.col_label.clone(),
            (left + nc as i32 * cell_w / 2, h as i32 - 6),
            label
                .clone()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        area.draw(&Text::new(
            self.row_label.clone(),
            (4, top + nr as i32 * cell_h / 2),
            label
                .transform(FontTransform::Rotate270)
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        Ok(())
    }
}
