//! What every chart shares: text sizes, the palette, padding of ranges, number formatting, and the error a chart returns.

use plotters::prelude::*;

/// A drawing error from plotters, as text.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PlotError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(plain_backend_error(&e.to_string()))
    }
}

/// plotters' bitmap errors display as Rust debug text (`backend error: Drawing backend error:
/// ImageError(IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" }))`);
/// a reader gets the system's words: `No space left on device`.
fn plain_backend_error(text: &str) -> String {
    for key in ["message: \"", "error: \""] {
        if let Some(i) = text.find(key) {
            let rest = &text[i + key.len()..];
            return rest[..rest.find('"').unwrap_or(rest.len())].to_string();
        }
    }
    if let Some(i) = text.find("kind: ") {
        let kind: String = text[i + 6..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        return format!("cannot write the image ({kind})");
    }
    text.trim_start_matches("backend error: ")
        .trim_start_matches("Drawing backend error: ")
        .to_string()
}

/// A value as a legend shows it: three significant digits (whole numbers from 1,000 to 9,999),
/// without trailing zeros, in plain notation from 0.001 to 9,999 and in scientific notation
/// outside (`3`, `0.0316`, `1e-5`).
pub fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if (-3..4).contains(&magnitude) {
        let decimals = (2 - magnitude).max(0) as usize;
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{v:.2e}");
        let (mantissa, exponent) = text.split_once('e').expect("scientific notation");
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    }
}

/// Ten distinguishable colours (Tableau 10), used in order.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`-th palette colour (wrapping).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Font sizes used everywhere, in pixels. With figures at most [`MAX_WIDTH`] wide, the smallest
/// (ticks and legends) stays above 12 px in the book's ~730 px column.
pub(crate) const TITLE_SIZE: u32 = 19;

pub(crate) const LABEL_SIZE: u32 = 17;

pub(crate) const TICK_SIZE: u32 = 15;

pub(crate) const LEGEND_SIZE: u32 = 15;

/// `lo..hi` widened by `frac` of its span on both sides (and made non-empty).
pub(crate) fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - frac * span, hi + frac * span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_read_as_the_systems_words() {
        let debug = r#"backend error: Drawing backend error: ImageError(IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" }))"#;
        assert_eq!(plain_backend_error(debug), "No space left on device");
        let custom = r#"backend error: Drawing backend error: IOError(Custom { kind: Other, error: "boom" })"#;
        assert_eq!(plain_backend_error(custom), "boom");
        assert_eq!(plain_backend_error("Bad layout"), "Bad layout");
    }
}
