//! Line charts: one or more named series, linear or logarithmic axes.

use super::style::{LABEL_SIZE, LEGEND_SIZE, PlotError, TICK_SIZE, TITLE_SIZE, color, padded};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A named sequence of (x, y) points.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Palette index; `None` uses the series' position.
    pub color: Option<usize>,
    /// A shaded band `(x, low, high)` behind the line, e.g. the range over repeated runs.
    pub band: Vec<(f64, f64, f64)>,
    /// Each point also drawn as a dot (for series of a few measured points).
    pub dots: bool,
    /// The points joined by a line (off: a scatter of dots).
    pub line: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            color: None,
            band: Vec::new(),
            dots: false,
            line: true,
        }
    }

    /// The same series with a shaded band `(x, low, high)` behind it.
    pub fn with_band(self, band: Vec<(f64, f64, f64)>) -> Self {
        Series { band, ..self }
    }

    /// The same series with every point drawn as a dot too.
    pub fn with_dots(self) -> Self {
        Series { dots: true, ..self }
    }

    /// The same series as dots without the line (a scatter).
    pub fn dots_only(self) -> Self {
        Series {
            dots: true,
            line: false,
            ..self
        }
    }

    /// An unnamed vertical segment at `x` from `lo` to `hi` (a range bar; no legend entry).
    pub fn vertical(x: f64, lo: f64, hi: f64) -> Self {
        Series::new("", vec![(x, lo), (x, hi)])
    }

    /// The same series drawn in palette colour `i` (whatever its position).
    pub fn colored(self, i: usize) -> Self {
        Series {
            color: Some(i),
            ..self
        }
    }
}

/// A line chart. Its legend goes in a strip below the axes, so it never covers a curve.
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
    /// A fixed x range instead of the data's (linear axes).
    pub x_range: Option<(f64, f64)>,
}

/// Tick labels without a trailing `.0` on whole numbers. Below 1e-12 a tick is zero: plotters
/// steps to the tick at 0 by adding floats and can land on 7e-18.
pub(crate) fn tick(v: &f64) -> String {
    let a = v.abs();
    if a < 1e-12 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
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

/// Tick positions of a log axis over `[lo, hi]` (both > 0): every decade, or every 2nd, 5th,
/// 10th, ... decade so that at most eight are labelled; 1-2-5 steps when the range holds fewer
/// than two decades.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (a, b) = (lo.log10().ceil() as i32, hi.log10().floor() as i32);
    if b - a < 1 {
        let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        return (a..=b)
            .flat_map(|e| [1, 2, 5].map(|m| decade(m, e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect();
    }
    let step = [1, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|s| (b - a) / s < 8)
        .unwrap_or(200);
    (a..=b)
        .filter(|e| e.rem_euclid(step) == 0)
        .map(|e| decade(1, e))
        .collect()
}

/// `m * 10^e`, correctly rounded (as the literal `me<e>` would be).
fn decade(m: u32, e: i32) -> f64 {
    format!("{m}e{e}").parse().expect("a float literal")
}

/// A log axis label: plain between 0.001 and 10,000, `1e-10` outside.
fn log_tick(v: &f64) -> String {
    if (1e-3..=1e4).contains(&v.abs()) {
        super::style::short_number(*v)
    } else {
        format!("{v:.0e}")
    }
}

/// The legend entries of `series`: each name with the colour it is drawn in.
/// The legend of `series`: a series with an empty name is left out of it.
pub(crate) fn legend_entries(series: &[Series]) -> Vec<(String, RGBColor)> {
    let entry = |(i, s): (usize, &Series)| (s.name.clone(), color(s.color.unwrap_or(i)));
    let named = series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.is_empty());
    named.map(entry).collect()
}

/// Draws the legend of `entries` (name, colour) in a strip along the bottom of `area`, entries
/// flowing left to right in as many rows as they need, and returns the area above it. With no
/// entries the whole area is returned.
pub(crate) fn legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> Result<DrawingArea<DB, Shift>, PlotError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let font = TextStyle::from(("sans-serif", LEGEND_SIZE).into_font()).color(&BLACK);
    let (width, height) = area.dim_in_pixel();
    let (left, row_height, swatch, gap) = (24i32, LEGEND_SIZE as i32 + 8, 26i32, 22i32);
    // Lay the entries out first: (row, x) of each.
    let mut placed = Vec::with_capacity(entries.len());
    let (mut row, mut x) = (0i32, left);
    for (name, _) in entries {
        let w = swatch + area.estimate_text_size(name, &font)?.0 as i32;
        if x > left && x + w > width as i32 - left {
            (row, x) = (row + 1, left);
        }
        placed.push((row, x));
        x += w + gap;
    }
    let strip = (row + 1) * row_height + 10;
    let (chart, legend) = area.split_vertically(height as i32 - strip);
    for ((name, c), (row, x)) in entries.iter().zip(placed) {
        let y = 4 + row * row_height + row_height / 2;
        legend.draw(&PathElement::new(
            vec![(x, y), (x + swatch - 6, y)],
            c.stroke_width(3),
        ))?;
        legend.draw_text(name, &font, (x + swatch, y - LEGEND_SIZE as i32 / 2 - 1))?;
    }
    Ok(chart)
}

impl LineChart {
    /// A chart with linear axes and no series yet.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_y: false,
            log_x: false,
            series: Vec::new(),
            x_range: None,
        }
    }

    /// The same chart with its x axis over `[lo, hi]`, whatever the data's range.
    pub fn x_range(self, lo: f64, hi: f64) -> Self {
        LineChart {
            x_range: Some((lo, hi)),
            ..self
        }
    }

    /// The same chart with a logarithmic y axis.
    pub fn log_y(self) -> Self {
        LineChart {
            log_y: true,
            ..self
        }
    }

    /// The same chart with a logarithmic x axis.
    pub fn log_x(self) -> Self {
        LineChart {
            log_x: true,
            ..self
        }
    }

    /// The same chart showing `series`.
    pub fn with(self, series: Vec<Series>) -> Self {
        LineChart { series, ..self }
    }

    fn kept(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite()
            && p.1.is_finite()
            && (!self.log_y || p.1 > 0.0)
            && (!self.log_x || p.0 > 0.0)
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let bands =
            (self.series.iter().flat_map(|s| &s.band)).flat_map(|&(x, lo, hi)| [(x, lo), (x, hi)]);
        let points = self.series.iter().flat_map(|s| s.points.iter().copied());
        let pts = points.chain(bands).filter(|p| self.kept(p));
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        // Dots at the ends of the x range would be cut in half by the frame: pad it.
        let dotted = self.series.iter().any(|s| s.dots);
        let x = if let Some(range) = self.x_range {
            range
        } else if x1 > x0 && dotted && self.log_x {
            (x0 / 1.15, x1 * 1.15)
        } else if x1 > x0 && dotted {
            padded(x0, x1, 0.04)
        } else if x1 > x0 {
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
        let area = legend_below(area, &legend_entries(&self.series))?;
        let mut builder = ChartBuilder::on(&area);
        builder
            .caption(&self.title, ("sans-serif", TITLE_SIZE))
            .margin(12)
            .margin_right(26) // room for half of the last x tick's label (`1000`)
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
                    .x_label_formatter(if self.log_x { &log_tick } else { &tick })
                    .y_label_formatter(if self.log_y { &log_tick } else { &tick })
                    .light_line_style(WHITE.mix(0.0))
                    .draw()?;
                self.draw_series(&mut chart)?;
            }};
        }
        // Log axes are labelled at decades (see `log_ticks`), not where plotters would choose.
        let log = |lo: f64, hi: f64| (lo..hi).log_scale().with_key_points(log_ticks(lo, hi));
        match (self.log_x, self.log_y) {
            (false, false) => finish!(x0..x1, y0..y1),
            (false, true) => finish!(x0..x1, log(y0, y1)),
            (true, false) => finish!(log(x0, x1), y0..y1),
            (true, true) => finish!(log(x0, x1), log(y0, y1)),
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
            let low = s.band.iter().map(|&(x, lo, _)| (x, lo));
            let high = s.band.iter().rev().map(|&(x, _, hi)| (x, hi));
            let outline: Vec<(f64, f64)> = low.chain(high).filter(|p| self.kept(p)).collect();
            if outline.len() > 2 {
                chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18).filled())))?;
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = color(s.color.unwrap_or(i));
            let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| self.kept(p)).collect();
            if s.line {
                chart.draw_series(segments(&pts, c.stroke_width(2)))?;
            }
            if s.dots {
                let radius = 4;
                let dot = |&p: &(f64, f64)| Circle::new(p, radius, c.mix(0.75).filled());
                chart.draw_series(pts.iter().map(dot))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_are_labelled_at_decades_at_most_eight_times() {
        assert_eq!(log_ticks(0.5, 2e3), vec![1.0, 10.0, 100.0, 1000.0]);
        // The taco shell's loss runs from ~30 to ~1e-54: every 10th decade.
        let wide = log_ticks(1e-54, 30.0);
        assert_eq!(wide.len(), 6);
        assert_eq!((wide[0], wide[5]), (1e-50, 1.0));
        assert!(log_ticks(1e-300, 1e300).len() <= 8);
        // Under two decades: 1-2-5 steps.
        assert_eq!(log_ticks(0.15, 3.0), vec![0.2, 0.5, 1.0, 2.0]);
        assert!(log_ticks(-1.0, 3.0).is_empty());
        assert_eq!(log_tick(&1e-10), "1e-10");
        assert_eq!(log_tick(&0.01), "0.01");
        assert_eq!(
            (tick(&6.9e-18), tick(&-0.01), tick(&2.0)),
            ("0".into(), "-0.01".into(), "2".into())
        );
    }
}
