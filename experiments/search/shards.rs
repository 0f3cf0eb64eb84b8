//! `--merge`: the part files of a sharded run, read back and checked against the trials the flags
//! define.

use nnlab::procedures::search::{Shard, merge_csv_parts};

use super::trials::{Trial, TrialRow};

/// The rows of every part file in `dir` (all n parts of one `--shard i/n` split), checked against
/// the trials these flags run.
pub fn read_parts(
    dir: &std::path::Path,
    jobs: &[Trial],
    settings: &Settings,
) -> anyhow::Result<Vec<TrialRow>> {
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
    check_settings(dir, count, settings)?;
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

/// What decides a part's rows, by the flag that sets it (`--batch-size`: 128; the data's hashes
/// under `--data-dir`): written beside each part and compared by `--merge`, which refuses parts
/// run with other settings, naming the flag.
pub type Settings = serde_json::Map<String, serde_json::Value>;

/// What decides the independent trials' rows, by flag: the seed, the budget's counts, the split
/// and the batch size, and the data files' SHA-256.
pub fn settings(
    seed: u64,
    batch_size: usize,
    budget: &super::plan::Budget,
    d: &nnlab::data::fashion::Prepared<f32>,
    files: &[nnlab::data::FileHash],
) -> Settings {
    let mut s = Settings::new();
    let mut put = |flag: &str, v: serde_json::Value| s.insert(flag.into(), v);
    put("--seed", seed.into());
    put("--searches", budget.searches.into());
    put("--trials", budget.trials.into());
    put("--epochs", budget.epochs.into());
    put("--grids", serde_json::json!(budget.grids));
    put(
        "--eta/--halving-max (first rung)",
        serde_json::json!(budget.halving.first()),
    );
    put("--train", d.y_train.len().into());
    put("--val", d.y_val.len().into());
    put("--batch-size", batch_size.into());
    put("--data-dir (the files' SHA-256)", serde_json::json!(files));
    s
}

/// The name of a part's settings file: `trials.part-i-of-n.json`.
pub fn settings_name(shard: &Shard) -> String {
    shard.part_name("trials.json")
}

/// Checks every part's settings file in `dir` against `mine`, for parts 1..=count.
pub fn check_settings(dir: &std::path::Path, count: usize, mine: &Settings) -> anyhow::Result<()> {
    use anyhow::Context;
    for index in 1..=count {
        let path = dir.join(settings_name(&Shard { index, count }));
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "--merge: part {index} of {count} has no settings file ({})",
                path.display()
            )
        })?;
        let theirs: Settings = serde_json::from_str(&text)
            .with_context(|| format!("--merge: reading {}", path.display()))?;
        for (flag, value) in mine {
            let other = theirs.get(flag).unwrap_or(&serde_json::Value::Null);
            anyhow::ensure!(
                other == value,
                "--merge: part {index} of {count} was run with {flag} {other}, these flags say {value}; merge with the flags the shards ran with"
            );
        }
    }
    Ok(())
}
