//! Part 1: the table. Every case of [`nnlab::procedures::gradcheck::cases::cases`] checked in `f64` at CS231n's
//! step and in `f32` at about `eps^(1/3)` of `f32`, each tensor's worst relative error read the
//! way CS231n reads it, and `torch.autograd.gradcheck`'s test (`eps` 1e-6, `|a - n| <= 1e-5 +
//! 1e-3 |n|`) run on the same `f64` gradients.

use std::path::PathBuf;

use nnlab::procedures::gradcheck::cases::cases;
use nnlab::procedures::gradcheck::{Check, TORCH_EPS, reading, worst};
use nnlab::report::results::{ResultsDir, markdown_table};
use serde::Serialize;

use super::args::Args;

/// The seed of every case's inputs and weights (the same values in both precisions).
const CASE_SEED: u64 = 1;

/// A row of `table.csv`: one tensor of one case.
#[derive(Serialize)]
struct Row {
    case: String,
    kind: &'static str,
    tensor: String,
    entries: usize,
    compared_f64: usize,
    worst_f64: f64,
    median_f64: f64,
    reading_f64: &'static str,
    compared_f32: usize,
    worst_f32: f64,
    median_f32: f64,
    reading_f32: &'static str,
    /// Every entry within torch.autograd.gradcheck's tolerance at its step (f64).
    torch_default_pass: bool,
}

/// One case's worst tensor in each precision, for meta.json and the chapter.
#[derive(Serialize)]
pub struct CaseSummary {
    pub case: String,
    pub kind: &'static str,
    pub worst_f64: f64,
    pub reading_f64: &'static str,
    pub worst_f32: f64,
    pub reading_f32: &'static str,
    /// The largest of the tensors' median errors in f32: the typical entry, not the worst.
    pub median_f32: f64,
    /// The smallest and largest of the tensors' median errors in f64.
    pub median_f64: (f64, f64),
    pub torch_default_pass: bool,
}

pub fn run(
    args: &Args,
    lenet_entries: usize,
    out: &ResultsDir,
) -> anyhow::Result<(Vec<CaseSummary>, Vec<PathBuf>)> {
    let with_lenet = |c: Option<usize>| c.map(|_| lenet_entries);
    let (mut rows, mut summary) = (Vec::new(), Vec::new());
    let both = cases::<f64>(CASE_SEED)
        .into_iter()
        .zip(cases::<f32>(CASE_SEED));
    for (mut c64, mut c32) in both {
        (c64.sampled, c32.sampled) = (with_lenet(c64.sampled), with_lenet(c32.sampled));
        let r64 = c64.check(Check::new(args.h64, args.floor));
        let r32 = c32.check(Check::new(args.h32 as f32, args.floor));
        // A check restores every value it perturbs: the same case again at torch's step.
        let rt = c64.check(Check::new(TORCH_EPS, 0.0));
        for ((a, b), t) in r64.iter().zip(&r32).zip(&rt) {
            rows.push(Row {
                case: c64.name.clone(),
                kind: c64.kind(),
                tensor: a.tensor.clone(),
                entries: a.entries,
                compared_f64: a.compared,
                worst_f64: a.worst_rel_error,
                median_f64: a.median_rel_error,
                reading_f64: reading(a.worst_rel_error),
                compared_f32: b.compared,
                worst_f32: b.worst_rel_error,
                median_f32: b.median_rel_error,
                reading_f32: reading(b.worst_rel_error),
                torch_default_pass: t.within_torch_tolerance,
            });
        }
        let (w64, w32) = (worst(&r64), worst(&r32));
        summary.push(CaseSummary {
            case: c64.name.clone(),
            kind: c64.kind(),
            worst_f64: w64,
            reading_f64: reading(w64),
            worst_f32: w32,
            reading_f32: reading(w32),
            median_f32: r32.iter().map(|c| c.median_rel_error).fold(0.0, f64::max),
            median_f64: r64.iter().fold((f64::INFINITY, 0.0), |(lo, hi), c| {
                (lo.min(c.median_rel_error), hi.max(c.median_rel_error))
            }),
            torch_default_pass: rt.iter().all(|t| t.within_torch_tolerance),
        });
    }
    let happy = summary.iter().filter(|s| s.reading_f64 == "happy").count();
    eprintln!(
        "table: {} cases, {happy} happy in f64 (h = {}), worst f32 {:.1e} (h = {})",
        summary.len(),
        args.h64,
        summary.iter().map(|s| s.worst_f32).fold(0.0, f64::max),
        args.h32
    );
    let mut outputs = vec![out.write_csv("table.csv", rows)?];
    outputs.push(out.write_text("table.md", &markdown(args, &summary))?);
    Ok((summary, outputs))
}

/// The chapter's table: one row per case, its worst tensor in each precision.
fn markdown(args: &Args, summary: &[CaseSummary]) -> String {
    let header = [
        "case".to_string(),
        format!("worst relative error, f64 (h = {})", args.h64),
        "CS231n".into(),
        format!("worst, f32 (h = {})", args.h32),
        "CS231n".into(),
        "median, f32".into(),
        "torch defaults, f64".into(),
    ];
    let rows: Vec<Vec<String>> = summary
        .iter()
        .map(|c| {
            let pass = if c.torch_default_pass { "pass" } else { "fail" };
            vec![
                c.case.clone(),
                format!("{:.1e}", c.worst_f64),
                c.reading_f64.into(),
                format!("{:.1e}", c.worst_f32),
                c.reading_f32.into(),
                format!("{:.1e}", c.median_f32),
                pass.into(),
            ]
        })
        .collect();
    markdown_table(&header, &rows)
}
