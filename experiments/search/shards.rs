//! `--merge`: the part files of a sharded run, read back and checked against the trials the flags
//! define.

use nnlab::procedures::search::{Shard, merge_csv_parts};

use super::trials::{Trial, TrialRow};

/// The rows of every part file in `dir` (all n parts of one `--shard i/n` split), checked against
/// the trials these flags run.
pub fn read_parts(dir: &std::path::Path, jobs: &[Trial]) -> anyhow::Result<Vec<TrialRow>> {
    use anyhow::Context;
    let names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("--merge: reading {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("trials.part-") && n.ends_with(".csv"))
        .collect();
    let count = names
        .iter()
        .filter_map(|n| {
            n.rsplit("-of-")
                .next()?
                .strip_suffix(".csv")?
                .parse::<usize>()
                .ok()
        })
        .max()
        .with_context(|| format!("--merge: no trials.part-i-of-n.csv in {}", dir.display()))?;
    let mut parts = Vec::new();
    for index in 1..=count {
        let name = Shard { index, count }.part_name("trials.csv");
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "--merge: part {index} of {count} is missing ({})",
                path.display()
            )
        })?;
        parts.push(text);
    }
    let merged = merge_csv_parts(&parts).context("--merge")?;
    let rows: Vec<TrialRow> = csv::Reader::from_reader(merged.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .context("--merge: reading the merged rows")?;
    let same = rows.len() == jobs.len()
        && rows.iter().zip(jobs).all(|(r, j)| {
            r.id == j.id
                && r.method == j.method
                && r.trial == j.trial
                && r.epochs == j.epochs
                && r.config() == j.config
        });
    anyhow::ensure!(
        same,
        "--merge: the {count} parts hold {} trials that are not the {} these flags run; merge with the flags the shards ran with",
        rows.len(),
        jobs.len()
    );
    Ok(rows)
}
