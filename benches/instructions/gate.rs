//! The instruction-count gate: compares a run of `benches/instructions/instructions.rs` (gungraun's
//! JSON lines, `--output-format=json`) with the committed baselines and fails when any case's
//! count rose by more than the threshold.
//!
//! ```text
//!     gate RUN.jsonl BASELINE.json [--threshold PERCENT]   # table; exit 1 on a regression
//!     gate RUN.jsonl BASELINE.json --rebaseline            # write RUN's counts as the baseline
//! ```
//!
//! `benches/instructions/run` wraps both (and the build); see its header.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

/// The gate's default: a case fails when its count rises by more than this many percent. Counts
/// of this suite repeat exactly from run to run on one build (measured: six runs, some with the
/// other core busy, every case identical); rebuilding changed code outside the measured kernels
/// moved them by under 0.1%. The margin is for such code-layout drift, not for noise.
const DEFAULT_THRESHOLD_PERCENT: f64 = 2.0;

/// Case name (`group/function/id`) -> instructions executed (callgrind's `Ir`).
type Counts = BTreeMap<String, u64>;

/// Reads gungraun's JSON lines: one summary per case.
fn read_run(path: &Path) -> anyhow::Result<Counts> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut counts = Counts::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}: not JSON", path.display(), i + 1))?;
        let field = |key: &str| v[key].as_str().unwrap_or_default().to_string();
        let name = format!(
            "{}/{}/{}",
            field("group"),
            field("function_name"),
            field("id")
        );
        let ir = v["profiles"][0]["data"]["total"]["metrics"]["Ir"]["values"]["new"].as_u64();
        let Some(ir) = ir else {
            bail!(
                "{} line {}: no instruction count (Ir) for {name}",
                path.display(),
                i + 1
            );
        };
        if counts.insert(name.clone(), ir).is_some() {
            bail!("{}: case {name} appears twice", path.display());
        }
    }
    if counts.is_empty() {
        bail!("{}: no benchmark results", path.display());
    }
    Ok(counts)
}

fn read_baseline(path: &Path) -> anyhow::Result<Counts> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (create it with --rebaseline)", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a baseline", path.display()))
}

/// The table of every case and the names of those over the threshold (or missing from the run).
fn compare(baseline: &Counts, run: &Counts, threshold: f64) -> (String, Vec<String>) {
    let mut table = String::from("| case | baseline | now | change |\n|---|---:|---:|---:|\n");
    let mut failed = Vec::new();
    for (name, &base) in baseline {
        let row = match run.get(name) {
            Some(&now) => {
                let change = 100.0 * (now as f64 / base as f64 - 1.0);
                let over = change > threshold;
                if over {
                    failed.push(name.clone());
                }
                let mark = if over { " **regression**" } else { "" };
                format!("| {name} | {base} | {now} | {change:+.2}%{mark} |\n")
            }
            None => {
                failed.push(name.clone());
                format!("| {name} | {base} | missing | – |\n")
            }
        };
        table.push_str(&row);
    }
    for (name, now) in run.iter().filter(|(n, _)| !baseline.contains_key(*n)) {
        table.push_str(&format!("| {name} | new | {now} | – |\n"));
    }
    (table, failed)
}

fn main() -> ExitCode {
    match gate() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn gate() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut files, mut threshold, mut rebaseline) = (Vec::new(), DEFAULT_THRESHOLD_PERCENT, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rebaseline" => rebaseline = true,
            "--threshold" => {
                let v = it.next().context("--threshold needs a value in percent")?;
                threshold = v
                    .parse()
                    .ok()
                    .filter(|t: &f64| t.is_finite() && *t >= 0.0)
                    .with_context(|| format!("--threshold must be a percentage >= 0, got {v}"))?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: gate RUN.jsonl BASELINE.json [--threshold PERCENT] [--rebaseline]"
                );
                return Ok(ExitCode::SUCCESS);
            }
            f if f.starts_with('-') => bail!("unknown flag {f} (see --help)"),
            f => files.push(f),
        }
    }
    let [run, baseline] = files[..] else {
        bail!(
            "expected RUN.jsonl and BASELINE.json, got {} paths (see --help)",
            files.len()
        );
    };
    let run_counts = read_run(Path::new(run))?;
    if rebaseline {
        let text = serde_json::to_string_pretty(&run_counts)? + "\n";
        std::fs::write(baseline, text).with_context(|| format!("writing {baseline}"))?;
        println!("wrote {} cases to {baseline}", run_counts.len());
        return Ok(ExitCode::SUCCESS);
    }
    let (table, failed) = compare(&read_baseline(Path::new(baseline))?, &run_counts, threshold);
    println!("instruction counts (callgrind Ir, AVX2 tier) against {baseline}:\n\n{table}");
    if failed.is_empty() {
        println!("every case within +{threshold}% of its baseline");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} case(s) over +{threshold}% or missing: {}",
            failed.len(),
            failed.join(", ")
        );
        eprintln!("if the change is intended, re-baseline: benches/instructions/run --rebaseline");
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_a_rise_over_the_threshold_and_a_missing_case() {
        let base = Counts::from([("a".into(), 1000), ("b".into(), 1000), ("c".into(), 1000)]);
        let run = Counts::from([("a".into(), 1019), ("b".into(), 1021), ("d".into(), 5)]);
        let (table, failed) = compare(&base, &run, 2.0);
        assert_eq!(failed, vec!["b".to_string(), "c".to_string()]);
        assert!(table.contains("| a | 1000 | 1019 | +1.90% |"));
        assert!(table.contains("| b | 1000 | 1021 | +2.10% **regression** |"));
        assert!(table.contains("| d | new | 5 | – |"));
    }
}
