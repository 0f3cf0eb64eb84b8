//! The guard of the book's numbers (issue 32): what in a chapter's prose states a measured value by
//! hand instead of including it from `results/`.

/// The prose of a chapter, line by line: code blocks, math, inline code (but for a bare number such
/// as `5.2e-3`, which is a value in disguise), includes, HTML comments,
/// link targets and the numbers of references (`eq. 6.17`, `Algorithms 3.5 and 3.6`) blanked out.
pub fn prose(text: &str) -> Vec<(usize, String)> {
    let blank = regex::Regex::new(
        r"(?i)\{\{#include[^}]*\}\}|`[^`]*[^`\d.eE+\-−][^`]*`|\$\$.*?\$\$|\$[^$]*\$|<!--.*?-->|\]\([^)]*\)|arXiv:\s*\d+\.\d+|(?:eq\.|equation|section|algorithms?)\s+\d+(?:\.\d+)?(?:(?:,|,?\s+and)\s+\d+(?:\.\d+)?)*",
    )
    .unwrap();
    let (mut fenced, mut display_math) = (false, false);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        // A line with an odd number of `$$` opens or closes a display formula (whose first or
        // last line may carry part of it); a line with an even number holds whole ones.
        if line.matches("$$").count() % 2 == 1 {
            display_math = !display_math;
            continue;
        }
        if fenced || display_math {
            continue;
        }
        out.push((i + 1, blank.replace_all(line, " ").into_owned()));
    }
    out
}

/// Every place in `text` that states a measured value by hand: a number with a unit of time,
/// speed, percent or ratio (`3.1 s`, `85.4%`, `2.1x faster`, `25 GFLOP/s`), or a number with two or
/// more decimals or an exponent (`2.41`, `5.2e-3`). `(line, what)`.
pub fn typed_results(text: &str) -> Vec<(usize, String)> {
    let unit = regex::Regex::new(
        r"(?x) (?:^|[^\w.\-])
          ( \d[\d,]*(?:\.\d+)? (?:\s*[-–]\s*\d+(?:\.\d+)?)? \s?
            (?: % | ms\b | µs\b | s\b | GFLOP/s | GB/s | [x×](?:\s*[^\s\d]|$) | \ times\ (?:faster|slower) ) )",
    )
    .unwrap();
    let precise = regex::Regex::new(r"(?:^|[^\w.])(\d+\.\d{2,}|\d+(?:\.\d+)?e[-+]?\d+)\b").unwrap();
    let mut out = Vec::new();
    for (line, prose) in prose(text) {
        for m in unit
            .captures_iter(&prose)
            .chain(precise.captures_iter(&prose))
        {
            out.push((line, m[1].trim().to_string()));
        }
    }
    out
}
