//! Line charts: one or more named series, linear or logarithmic axes.

use super::{LABEL_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color, padded};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A named sequence of (x, y) points.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Palette index; `None` uses the series' position.
    pub color: Option<usize>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            color: None,
        }
    }
}

/// A line chart.
#[derive(Clone, Debug)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Logarithmic y axis; non-positive values are left out.
    pub log_y: bool,
    /// Logarithmic x axis; non-positive values are left out.
    pub log_x: bool,
    pub series: Vec<Series>,
    /// Where the legend box goes.
    pub legend: Legend,
}

/// A corner for the legend box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Legend {
    #[default]
    UpperRight,
    LowerLeft,
    LowerRight,
}

impl Legend {
    fn position(self) -> SeriesLabelPosition {
        match self {
            Legend::UpperRight => SeriesLabelPosition::UpperRight,
            Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
            Legend::LowerRight => SeriesLabelPosition::LowerRight,
        }
    }
}

/// Tick labels without a trailing `.0` on whole numbers.
pub(crate) fn tick(v: &f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.0e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{}", (v * 1e6).round() / 1e6)
    }
}

/// A polyline drawn as separate segments: a thick polyline with sharp reversals (zigzagging
/// optimizers) gets long miter spikes at its joints in plotters; segments have no joints.
pub(crate) fn segments(
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> impl Iterator<Item = PathElement<(f64, f64)>> + '_ {
    points
        .windows(2)
        .map(move |w| PathElement::new(vec![w[0], w[1]], style))
}

impl LineChart {
    fn kept(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite()
            && p.1.is_finite()
            && (!self.log_y || p.1 > 0.0)
            && (!self.log_x || p.0 > 0.0)
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let pts = self
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| self.kept(p));
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let x = if x1 > x0 {
            (x0, x1)
        } else if self.log_x && x0.is_finite() {
            (x0 / 2.0, x0 * 2.0)
        } else {
            padded(x0, x1, 0.05)
        };
        let y = if self.log_y {
            if y1 > y0 {
                (y0 / 1.5, y1 * 1.5)
            } else if y0.is_finite() {
                (y0 / 10.0, y0 * 10.0)
            } else {
                (0.1, 10.0)
            }
        } else {
            padded(y0, y1, 0.05)
        };
        (x, y)
    }

    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        let ((x0, x1), (y0, y1)) = self.ranges();
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70);
        // One body for the four axis combinations (their coordinate types differ).
        macro_rules! finish {
            ($x:expr, $y:expr) => {{
                let mut chart = builder.build_cartesian_2d($x, $y)?;
                chart
                    .configure_mesh()
                    .x_desc(&self.x_label)
                    .y_desc(&self.y_label)
                    .axis_desc_style(("sans-serif", LABEL_SIZE))
                    .label_style(("sans-serif", TICK_SIZE))
                    .x_label_formatter(&tick)
                    .y_label_formatter(&|v| {
                        if self.log_y {
                            format!("{v:.0e}")
                        } else {
                            tick(v)
                        }
                    })
                    .light_line_style(WHITE.mix(0.0))
                    .draw()?;
                self.draw_series(&mut chart)?;
                draw_legend(&mut chart, self.legend)?;
            }};
        }
        match (self.log_x, self.log_y) {
            (false, false) => finish!(x0..x1, y0..y1),
            (false, true) => finish!(x0..x1, (y0..y1).log_scale()),
            (true, false) => finish!((x0..x1).log_scale(), y0..y1),
            (true, true) => finish!((x0..x1).log_scale(), (y0..y1).log_scale()),
        }
        Ok(())
    }

    fn draw_series<'a, DB: DrawingBackend + 'a, CT: CoordTranslate<From = (f64, f64)>>(
        &self,
        chart: &mut ChartContext<'a, DB, CT>,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        for (i, s) in self.series.iter().enumerate() {
            let c = color(s.color.unwrap_or(i));
            let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| self.kept(p)).collect();
            chart
                .draw_series(segments(&pts, c.stroke_width(2)))?
                .label(&s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        Ok(())
    }
}

/// The legend box in the upper right.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    legend: Legend,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(legend.position())
        .label_font(("sans-serif", TICK_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .draw()?;
    Ok(())
}
