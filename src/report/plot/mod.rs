//! Figures as PNG and SVG (and animated GIF), from plain numbers: line charts (linear or log y),
//! contour plots with trajectories, histograms, scatter plots, image grids and heatmaps.
//!
//! A figure is a grid of [`Panel`]s. Every panel draws on any plotters backend, so the PNG and the
//! SVG of a figure come from the same code. Text uses DejaVu Sans, committed under `assets/` and
//! registered before the first drawing, so no system font library is needed.

mod style;
pub use style::{PALETTE, PlotError, color, short_number};

mod contour;
mod heatmap;
mod hist;
mod image;
mod line;
mod ranges;
mod ridges;

pub use contour::{ContourPlot, contour_segments};
pub use heatmap::Heatmap;
pub use hist::{Histogram, Scatter};
pub use image::ImageGrid;
pub use line::{LineChart, Series, log_ticks};
pub use ranges::{RangeGroup, RangePlot};
pub use ridges::Ridges;

use crate::report::results::{ResultsError, write_atomic};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

static FONT: Once = Once::new();

/// Registers the committed DejaVu Sans as plotters' `sans-serif` (idempotent). Call before any
/// drawing, including criterion's own plots in benches.
pub fn register_fonts() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            panic!("the committed font assets/DejaVuSans.ttf does not parse");
        }
    });
}

/// The widest figure [`Figure::save`] writes, in pixels: the book shows figures at its ~730 px
/// column, so a wider one would shrink its 15 px text below 12 px. Lay panels out in one or
/// two columns ([`Figure::column`], [`Figure::pair`]) instead of wide grids.
pub const MAX_WIDTH: u32 = 900;

/// Panel width of a figure with two panels side by side.
pub const HALF_WIDTH: u32 = MAX_WIDTH / 2;

/// One chart in a figure.
pub enum Panel {
    Line(LineChart),
    Contour(ContourPlot),
    Histogram(Histogram),
    Scatter(Scatter),
    Images(ImageGrid),
    Heatmap(Heatmap),
    Ranges(RangePlot),
    Ridges(Ridges),
}

impl Panel {
    /// Draws the panel filling `area`.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        match self {
            Panel::Line(p) => p.draw(area),
            Panel::Contour(p) => p.draw(area),
            Panel::Histogram(p) => p.draw(area),
            Panel::Scatter(p) => p.draw(area),
            Panel::Images(p) => p.draw(area),
            Panel::Heatmap(p) => p.draw(area),
            Panel::Ranges(p) => p.draw(area),
            Panel::Ridges(p) => p.draw(area),
        }
    }
}

/// Panels laid out in a grid of `cols` columns, each `panel_size` pixels.
pub struct Figure {
    pub panels: Vec<Panel>,
    pub cols: usize,
    pub panel_size: (u32, u32),
}

impl From<LineChart> for Panel {
    fn from(p: LineChart) -> Self {
        Panel::Line(p)
    }
}

impl From<ContourPlot> for Panel {
    fn from(p: ContourPlot) -> Self {
        Panel::Contour(p)
    }
}

impl From<ImageGrid> for Panel {
    fn from(p: ImageGrid) -> Self {
        Panel::Images(p)
    }
}

impl From<RangePlot> for Panel {
    fn from(p: RangePlot) -> Self {
        Panel::Ranges(p)
    }
}

impl From<Ridges> for Panel {
    fn from(p: Ridges) -> Self {
        Panel::Ridges(p)
    }
}

impl From<Scatter> for Panel {
    fn from(p: Scatter) -> Self {
        Panel::Scatter(p)
    }
}

impl From<Heatmap> for Panel {
    fn from(p: Heatmap) -> Self {
        Panel::Heatmap(p)
    }
}

impl Figure {
    /// A figure of one panel.
    pub fn single(panel: impl Into<Panel>, size: (u32, u32)) -> Self {
        Figure {
            panels: vec![panel.into()],
            cols: 1,
            panel_size: size,
        }
    }

    /// Panels stacked in one column, each [`MAX_WIDTH`] wide and `height` high.
    pub fn column(panels: Vec<Panel>, height: u32) -> Self {
        Figure {
            panels,
            cols: 1,
            panel_size: (MAX_WIDTH, height),
        }
    }

    /// Panels two to a row, each [`HALF_WIDTH`] wide and `height` high.
    pub fn pair(panels: Vec<Panel>, height: u32) -> Self {
        Figure {
            panels,
            cols: 2,
            panel_size: (HALF_WIDTH, height),
        }
    }

    fn size(&self) -> (u32, u32) {
        let cols = self.cols.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1);
        (
            self.panel_size.0 * cols as u32,
            self.panel_size.1 * rows as u32,
        )
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let cols = self.cols.max(1);
        let rows = self.panels.len().div_ceil(cols).max(1);
        let areas = root.split_evenly((rows, cols));
        for (panel, area) in self.panels.iter().zip(areas.iter()) {
            panel.draw(area)?;
        }
        root.present()?;
        Ok(())
    }

    /// Refuses a figure wider than [`MAX_WIDTH`] (its text would be unreadable in the book).
    fn check_width(&self, path: &Path) -> Result<(u32, u32), ResultsError> {
        let size = self.size();
        if size.0 > MAX_WIDTH {
            return Err(ResultsError::Encode {
                path: path.to_path_buf(),
                message: format!(
                    "the figure is {} px wide; at most {MAX_WIDTH} px keep its text readable in the book (use Figure::column or Figure::pair)",
                    size.0
                ),
            });
        }
        Ok(size)
    }

    /// Writes `<stem>.png` and `<stem>.svg` into `dir`; returns both paths.
    pub fn save(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ResultsError> {
        register_fonts();
        let png = dir.join(format!("{stem}.png"));
        let size = self.check_width(&png)?;
        write_atomic(&png, |tmp| {
            self.draw_on(&BitMapBackend::new(tmp, size).into_drawing_area())
        })?;
        let svg = dir.join(format!("{stem}.svg"));
        write_atomic(&svg, |tmp| {
            self.draw_on(&SVGBackend::new(tmp, size).into_drawing_area())
        })?;
        Ok(vec![png, svg])
    }
}

/// The training figure the chapters share, two panels stacked: mini-batch loss (already
/// smoothed over `smooth` iterations) against iteration, and validation accuracy against epoch.
pub fn training_curves(
    title: &str,
    smooth: usize,
    losses: Vec<Series>,
    accuracies: Vec<Series>,
) -> Figure {
    let loss = LineChart::new(
        format!("{title}: training loss"),
        format!("iteration (moving average of {smooth})"),
        "training loss",
    );
    let accuracy = LineChart::new("validation accuracy", "epoch", "accuracy");
    Figure::column(
        vec![loss.with(losses).into(), accuracy.with(accuracies).into()],
        420,
    )
}

/// Writes an animated GIF: frame `i` of `frames` is the figure `frame(i)`; `delay_ms` per frame.
pub fn save_gif(
    path: &Path,
    frames: usize,
    delay_ms: u32,
    frame: impl Fn(usize) -> Figure,
) -> Result<PathBuf, ResultsError> {
    register_fonts();
    write_atomic(path, |tmp| -> Result<(), PlotError> {
        let size = frame(0)
            .check_width(path)
            .map_err(|e| PlotError(e.to_string()))?;
        let root = BitMapBackend::gif(tmp, size, delay_ms)
            .map_err(|e| PlotError(e.to_string()))?
            .into_drawing_area();
        for i in 0..frames {
            frame(i).draw_on(&root)?;
        }
        Ok(())
    })?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_three_significant_digits() {
        let cases = [
            (3.0, "3"),
            (0.03162277660168379, "0.0316"),
            (0.1, "0.1"),
            (1e-3, "0.001"),
            (1e-5, "1e-5"),
            (3.1622776e-5, "3.16e-5"),
            (1234.4, "1234"),
            (20000.0, "2e4"),
            (-0.25, "-0.25"),
            (0.0, "0"),
        ];
        for (v, want) in cases {
            assert_eq!(short_number(v), want, "{v}");
        }
    }

    #[test]
    fn writes_png_svg_and_gif() {
        let dir = tempfile::tempdir().unwrap();
        let chart = |n: usize| {
            LineChart::new("t", "x", "y").log_y().with(vec![Series::new(
                "a",
                (1..=n.max(2)).map(|i| (i as f64, 1.0 / i as f64)).collect(),
            )])
        };
        let files = Figure::single(chart(10), (400, 300))
            .save(dir.path(), "f")
            .unwrap();
        for f in &files {
            assert!(std::fs::metadata(f).unwrap().len() > 1000, "{f:?}");
        }
        let png = std::fs::read(&files[0]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let svg = std::fs::read_to_string(&files[1]).unwrap();
        assert!(svg.contains("<svg"));
        let gif = save_gif(&dir.path().join("a.gif"), 3, 50, |i| {
            Figure::single(chart(i + 2), (200, 150))
        })
        .unwrap();
        assert_eq!(&std::fs::read(gif).unwrap()[..3], b"GIF");
        // Nothing but the three outputs is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn refuses_figures_wider_than_the_book_column_allows() {
        let dir = tempfile::tempdir().unwrap();
        let chart = || LineChart::new("t", "x", "y").into();
        let wide = Figure {
            panels: vec![chart(), chart(), chart()],
            cols: 3,
            panel_size: (HALF_WIDTH, 300),
        };
        let err = wide.save(dir.path(), "wide").unwrap_err().to_string();
        assert!(err.contains("1350 px wide"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let files = Figure::pair(vec![chart(), chart()], 300)
            .save(dir.path(), "pair")
            .unwrap();
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn every_panel_kind_renders() {
        let dir = tempfile::tempdir().unwrap();
        let panels = vec![
            Panel::Contour(ContourPlot {
                title: "contour".into(),
                f: Box::new(|x, y| x * x + 4.0 * y * y),
                window: (-2.0, 2.0, -1.0, 1.0),
                levels: 6,
                log_levels: true,
                // Two paths: a single one is named by the title and gets no legend.
                trajectories: vec![
                    Series::new("path", vec![(-1.5, 0.8), (-1.0, -0.5), (-0.3, 0.2)]),
                    Series::new("other", vec![(1.5, 0.8), (1.0, -0.5)]),
                ],
                target: Some((0.0, 0.0)),
                grid: 30,
            }),
            Panel::Histogram(Histogram {
                title: "hist".into(),
                x_label: "v".into(),
                values: (0..100).map(|i| (i % 17) as f64).collect(),
                bins: 10,
            }),
            Panel::Scatter(Scatter {
                title: "scatter".into(),
                points: vec![(0.0, 1.0), (1.0, 0.0), (0.5, 0.5)],
                classes: vec![0, 1, 2],
                bounds: None,
            }),
            Panel::Images(ImageGrid {
                title: "images".into(),
                images: vec![
                    (0..16).map(f64::from).collect(),
                    (0..16).map(|v| f64::from(15 - v)).collect(),
                ],
                captions: vec!["up".into(), "down".into()],
                width: 4,
                height: 4,
                cols: 2,
            }),
        ];
        let files = Figure {
            panels,
            cols: 2,
            panel_size: (300, 240),
        }
        .save(dir.path(), "all")
        .unwrap();
        assert!(std::fs::metadata(&files[0]).unwrap().len() > 5_000);
        let svg = std::fs::read_to_string(&files[1]).unwrap();
        for title in ["contour", "hist", "scatter", "images", "path"] {
            assert!(svg.contains(title), "SVG lacks {title}");
        }
    }
}
