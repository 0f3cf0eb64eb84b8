//! The values and tables a chapter quotes, written by its experiment as `numbers.md`: one mdBook
//! anchor per name, so the chapter includes each value where its sentence needs it
//! (`{{#include results/cnn/numbers.md:epoch_seconds}}`) and a regenerated run updates the text
//! with no edit. Nothing in a chapter's prose is typed by hand that a run measured.

use std::path::PathBuf;

use super::results::{ResultsDir, ResultsError, markdown_table};

/// Named values and tables, in the order they were added; written as `numbers.md`. Values that
/// depend on the machine or the moment (timings, the machine's name) are kept apart, after
/// [`TIMING_MARK`], so that a comparison of two runs can leave them out ([`without_timing`]).
#[derive(Clone, Debug, Default)]
pub struct Numbers {
    entries: Vec<(String, String)>,
    timing: Vec<(String, String)>,
}

/// The line of `numbers.md` after which every value depends on the machine or the moment.
pub const TIMING_MARK: &str =
    "<!-- Timing: the values below depend on the machine and the moment of the run. -->";

/// The part of a `numbers.md` text that a seed determines: everything before [`TIMING_MARK`].
pub fn without_timing(text: &str) -> &str {
    text.split(TIMING_MARK).next().unwrap_or(text)
}

impl Numbers {
    pub fn new() -> Self {
        Numbers::default()
    }

    /// A value shown inline: `text` must be one line. Panics on a name that is not an anchor name
    /// (letters, digits, `_`, `-`) or that was used before: both are mistakes in the experiment.
    pub fn value(&mut self, name: &str, text: impl std::fmt::Display) -> &mut Self {
        let text = text.to_string();
        self.check(name, &text);
        self.push(name, text, false)
    }

    fn check(&self, name: &str, text: &str) {
        assert!(
            !text.contains('\n') && !text.trim().is_empty(),
            "numbers: {name} must be one non-empty line, not {text:?}"
        );
    }

    /// A value that depends on the machine or the moment: a time, a speed, a ratio of times, the
    /// machine's name. One line, like [`Numbers::value`].
    pub fn timing(&mut self, name: &str, text: impl std::fmt::Display) -> &mut Self {
        let text = text.to_string();
        self.check(name, &text);
        self.push(name, text, true)
    }

    /// `v` with `decimals` digits after the point.
    pub fn fixed(&mut self, name: &str, v: f64, decimals: usize) -> &mut Self {
        self.value(name, format!("{v:.decimals$}"))
    }

    /// `fraction` as a percentage with `decimals` digits (see [`percent_of`]).
    pub fn percent(&mut self, name: &str, fraction: f64, decimals: usize) -> &mut Self {
        self.value(name, percent_of(fraction, decimals))
    }

    /// A Markdown table (see [`markdown_table`]), included as a block.
    pub fn table<S: AsRef<str>>(
        &mut self,
        name: &str,
        header: &[S],
        rows: &[Vec<String>],
    ) -> &mut Self {
        self.table_of(name, markdown_table(header, rows), false)
    }

    /// A table rendered by [`markdown_table`], with the timing values when `timing` (a table
    /// with a timing column).
    pub fn table_of(&mut self, name: &str, table: String, timing: bool) -> &mut Self {
        self.push(name, table.trim_end().to_string(), timing)
    }

    /// The first value (timings aside) that is not a finite number — NaN or infinite, from a run
    /// that diverged — as `(name, line)`: the line of the value (a table's row) that shows it.
    pub fn first_not_finite(&self) -> Option<(&str, &str)> {
        let bad = |w: &str| {
            let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            w.eq_ignore_ascii_case("nan") || w.eq_ignore_ascii_case("inf")
        };
        self.entries.iter().find_map(|(n, v)| {
            v.lines()
                .find(|l| {
                    l.split(|c: char| c.is_whitespace() || "%|(–".contains(c))
                        .any(bad)
                })
                .map(|l| (n.as_str(), l.trim()))
        })
    }

    /// The text stored under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .chain(&self.timing)
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    fn push(&mut self, name: &str, text: String, timing: bool) -> &mut Self {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "numbers: {name:?} is not an anchor name"
        );
        assert!(self.get(name).is_none(), "numbers: {name} added twice");
        let list = if timing {
            &mut self.timing
        } else {
            &mut self.entries
        };
        list.push((name.to_string(), text));
        self
    }

    /// The file's text: each entry between `<!-- ANCHOR: name -->` and `<!-- ANCHOR_END: name -->`,
    /// the timing entries after [`TIMING_MARK`].
    pub fn render(&self) -> String {
        let anchored = |entries: &[(String, String)]| -> String {
            entries
                .iter()
                .map(|(name, text)| {
                    format!("<!-- ANCHOR: {name} -->\n{text}\n<!-- ANCHOR_END: {name} -->\n")
                })
                .collect()
        };
        let mut s = String::from(
            "<!-- Written by the experiment: the values its chapter includes by anchor. Regenerated, \
             never edited. -->\n",
        );
        s += &anchored(&self.entries);
        if !self.timing.is_empty() {
            s += TIMING_MARK;
            s.push('\n');
            s += &anchored(&self.timing);
        }
        s
    }

    /// Writes `numbers.md` into `out`.
    pub fn write(&self, out: &ResultsDir) -> Result<PathBuf, ResultsError> {
        out.write_text("numbers.md", &self.render())
    }
}

/// `fraction` as the prose writes a percentage: `0.8712, 1` -> `87.1%`.
pub fn percent_of(fraction: f64, decimals: usize) -> String {
    format!("{:.decimals$}%", 100.0 * fraction)
}

/// A range of fractions as percentages: `(0.8512, 0.8630, 2)` -> `85.12%–86.30%`.
pub fn percent_range(low: f64, high: f64, decimals: usize) -> String {
    format!(
        "{}–{}",
        percent_of(low, decimals),
        percent_of(high, decimals)
    )
}

/// A label as an anchor name: lowercase, every run of other characters than letters and digits
/// one `_`: `Momentum mu=0.5` -> `momentum_mu_0_5`.
pub fn slug(label: &str) -> String {
    let mut s = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    s.trim_matches('_').to_string()
}

/// `v` with three significant digits, in the prose's form: `0.00114`, `11.3`, `2.8e-9`, `1.5e78`.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        let text = format!("{v:.1e}");
        return text.replace(".0e", "e");
    }
    let digits = if a == 0.0 {
        0
    } else {
        (2 - a.log10().floor() as i32).max(0) as usize
    };
    format!("{v:.digits$}")
}

/// A duration in the unit that reads best, three significant digits: `1.27 s`, `70.1 ms`, `12.0 µs`.
pub fn duration(seconds: f64) -> String {
    let a = seconds.abs();
    if a >= 1.0 || a == 0.0 || !a.is_finite() {
        format!("{} s", sig3(seconds))
    } else if a >= 1e-3 {
        format!("{} ms", sig3(seconds * 1e3))
    } else {
        format!("{} µs", sig3(seconds * 1e6))
    }
}

/// The chapter's view of [`super::results::write_ways`]'s measurement (all of it timing): the table `parallel`
/// (each way's median and range of seconds, its speed-up over one thread) and the speed-ups
/// `inside_speedup` and `side_by_side_speedup`.
pub fn quote_ways(
    numbers: &mut crate::report::numbers::Numbers,
    m: &crate::runtime::parallel::WaysMeasured,
) {
    let labels = [
        "one thread".to_string(),
        format!("{} threads inside each run", m.threads),
        format!("{} runs side by side", m.threads),
    ];
    let rows: Vec<Vec<String>> = (0..3)
        .map(|w| {
            let (_, lo, hi) = crate::procedures::metrics::mean_and_range(&m.seconds[w])
                .expect("at least one round");
            let median = [m.one_thread, m.inside, m.side_by_side][w];
            vec![
                labels[w].clone(),
                format!("{median:.2} ({lo:.2}–{hi:.2})"),
                format!("{:.2}", m.one_thread / median),
            ]
        })
        .collect();
    let header = ["way", "seconds, median (range)", "speed-up over 1 thread"];
    numbers
        .table_of("parallel", markdown_table(&header, &rows), true)
        .timing("inside_speedup", format!("{:.2}", m.inside_speedup))
        .timing(
            "side_by_side_speedup",
            format!("{:.2}", m.side_by_side_speedup),
        )
        .value("parallel_rounds", m.rounds)
        .value("parallel_jobs", m.jobs);
}

/// `55000` -> `55,000`: a count as the prose writes it.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut s = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_are_not_finite_are_found_with_their_line() {
        let mut n = Numbers::new();
        n.value("fine", "0.5").value("word", "infinity").table_of(
            "table",
            "| a | 1 |\n| b | NaN% |\n".into(),
            false,
        );
        assert_eq!(n.first_not_finite(), Some(("table", "| b | NaN% |")));
        let mut m = Numbers::new();
        m.value("rate", "inf").timing("wall", "NaN s");
        assert_eq!(m.first_not_finite(), Some(("rate", "inf")));
        let mut ok = Numbers::new();
        ok.value("x", "1e-5").timing("t", "NaN");
        assert_eq!(ok.first_not_finite(), None, "timings aside");
    }

    #[test]
    fn slugs_and_significant_digits() {
        assert_eq!(slug("Momentum mu=0.5"), "momentum_mu_0_5");
        assert_eq!(slug(" SGD "), "sgd");
        let cases = [
            (0.001140680474, "0.00114"),
            (11.2776981, "11.3"),
            (2.7983566e-9, "2.8e-9"),
            (1.47062e78, "1.5e78"),
            (75.0, "75.0"),
            (0.965, "0.965"),
            (1234.6, "1235"),
            (0.0, "0"),
        ];
        for (v, text) in cases {
            assert_eq!(sig3(v), text, "{v}");
        }
        assert_eq!(duration(1.2749), "1.27 s");
        assert_eq!(duration(0.0701), "70.1 ms");
        assert_eq!(duration(1.2e-5), "12.0 µs");
    }

    #[test]
    fn thousands_are_separated() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (55000, "55,000"),
            (1234567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn renders_one_anchor_per_value_and_refuses_bad_names() {
        let mut n = Numbers::new();
        n.fixed("epoch_seconds", 4.1349, 2)
            .percent("accuracy", 0.87125, 1)
            .table("t", &["a", "b"], &[vec!["1".into(), "2".into()]]);
        let text = n.render();
        assert!(text.contains(
            "<!-- ANCHOR: epoch_seconds -->\n4.13\n<!-- ANCHOR_END: epoch_seconds -->\n"
        ));
        assert!(text.contains("<!-- ANCHOR: accuracy -->\n87.1%\n"));
        assert!(text.contains(
            "<!-- ANCHOR: t -->\n| a | b |\n|---|---|\n| 1 | 2 |\n<!-- ANCHOR_END: t -->"
        ));
        let twice =
            std::panic::catch_unwind(|| Numbers::new().value("x", 1).value("x", 2).render());
        assert!(twice.is_err());
        let bad = std::panic::catch_unwind(|| Numbers::new().value("a b", 1).render());
        assert!(bad.is_err());
        let lines = std::panic::catch_unwind(|| Numbers::new().value("a", "1\n2").render());
        assert!(lines.is_err());
        let twice =
            std::panic::catch_unwind(|| Numbers::new().value("x", 1).timing("x", 2).render());
        assert!(twice.is_err());
    }

    #[test]
    fn timing_values_come_last_and_comparisons_leave_them_out() {
        let mut a = Numbers::new();
        a.timing("wall", "9 s").value("loss", 2.5);
        let mut b = Numbers::new();
        b.timing("wall", "12 s").value("loss", 2.5);
        let (a, b) = (a.render(), b.render());
        assert_ne!(a, b);
        assert_eq!(without_timing(&a), without_timing(&b));
        assert!(a.find("loss").unwrap() < a.find(TIMING_MARK).unwrap());
        assert!(a.find(TIMING_MARK).unwrap() < a.find("wall").unwrap());
        assert!(!without_timing(&a).contains("wall"));
    }
}
