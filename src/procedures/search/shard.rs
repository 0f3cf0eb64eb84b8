//! Shards: deterministic slices of a list of trials, so a search or an ensemble fans out over any
//! job runner (GNU parallel, a Slurm array) with nothing shared but the output folder. Shard `i/n`
//! runs trials `i - 1, i - 1 + n, i - 1 + 2n, ...` and writes a part file; merging the `n` parts
//! gives exactly the bytes an unsharded run writes.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1-based, as Slurm array indices and GNU parallel's `{#}` count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// A `--shard` value that is not `i/n` with `1 <= i <= n`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("--shard takes i/n (shard i of n, 1 <= i <= n), got {0:?}")]
    Syntax(String),
    #[error("--shard {index}/{count}: n must be at least 1")]
    NoShards { index: usize, count: usize },
    #[error("--shard {index}/{count}: i must be between 1 and {count}")]
    OutOfRange { index: usize, count: usize },
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(syntax)?;
        let index: usize = i.trim().parse().map_err(|_| syntax())?;
        let count: usize = n.trim().parse().map_err(|_| syntax())?;
        if count == 0 {
            Err(ShardError::NoShards { index, count })
        } else if index == 0 || index > count {
            Err(ShardError::OutOfRange { index, count })
        } else {
            Ok(Shard { index, count })
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole list: shard 1 of 1.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether trial `trial` (from 0) belongs to this shard.
    pub fn contains(&self, trial: usize) -> bool {
        trial % self.count == self.index - 1
    }

    /// This shard's trials among `0..n`.
    pub fn trials(&self, n: usize) -> Vec<usize> {
        (self.index - 1..n).step_by(self.count).collect()
    }

    /// The part file this shard writes for `name` (`trials.csv` -> `trials.part-2-of-4.csv`); the
    /// name itself for [`Shard::ALL`].
    pub fn part_name(&self, name: &str) -> String {
        if *self == Shard::ALL {
            return name.to_string();
        }
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        format!("{stem}.part-{}-of-{}.{ext}", self.index, self.count)
    }
}

/// Part files that do not merge into one run's CSV.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("part {part} is empty (no header)")]
    Empty { part: usize },
    #[error("part {part}'s header {found:?} differs from part 1's {expected:?}")]
    Header {
        part: usize,
        expected: String,
        found: String,
    },
    #[error("part {part}, line {line}: the first column {value:?} is not a trial index")]
    Trial {
        part: usize,
        line: usize,
        value: String,
    },
}

// ANCHOR: merge
/// Merges the texts of part CSV files (each with the same header, the first column the trial
/// index) into one: the header once, then every row in trial order — the bytes an unsharded run
/// writes, since its rows are in trial order and each row's bytes are kept as written. Rows of one
/// trial keep their order within their part.
pub fn merge_csv_parts(parts: &[String]) -> Result<String, MergeError> {
    let mut header: Option<&str> = None;
    let mut rows: Vec<(usize, usize, usize, &str)> = Vec::new();
    for (p, text) in parts.iter().enumerate() {
        let mut lines = text.lines();
        let head = lines.next().ok_or(MergeError::Empty { part: p + 1 })?;
        match header {
            None => header = Some(head),
            Some(h) if h != head => {
                return Err(MergeError::Header {
                    part: p + 1,
                    expected: h.to_string(),
                    found: head.to_string(),
                });
            }
            Some(_) => {}
        }
        for (l, line) in lines.enumerate() {
            let first = line.split(',').next().unwrap_or("");
            let trial = first.parse().map_err(|_| MergeError::Trial {
                part: p + 1,
                line: l + 2,
                value: first.to_string(),
            })?;
            rows.push((trial, p, l, line));
        }
    }
    rows.sort_by_key(|&(trial, p, l, _)| (trial, p, l));
    let mut out = String::new();
    for line in header.into_iter().chain(rows.iter().map(|r| r.3)) {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}
// ANCHOR_END: merge

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_in_one_line() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        let message = |s: &str| s.parse::<Shard>().unwrap_err().to_string();
        assert_eq!(message("3/2"), "--shard 3/2: i must be between 1 and 2");
        assert_eq!(message("0/0"), "--shard 0/0: n must be at least 1");
        assert_eq!(message("0/3"), "--shard 0/3: i must be between 1 and 3");
        assert_eq!(
            message("x"),
            "--shard takes i/n (shard i of n, 1 <= i <= n), got \"x\""
        );
        assert!(matches!(
            "1/-2".parse::<Shard>(),
            Err(ShardError::Syntax(_))
        ));
        assert_eq!(Shard { index: 2, count: 4 }.to_string(), "2/4");
    }

    #[test]
    fn shards_cover_every_trial_once() {
        let n = 11;
        let mut all: Vec<usize> = (1..=4)
            .flat_map(|i| Shard { index: i, count: 4 }.trials(n))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
        let s = Shard { index: 3, count: 4 };
        assert!(s.contains(2) && s.contains(6) && !s.contains(3));
        assert_eq!(s.part_name("trials.csv"), "trials.part-3-of-4.csv");
        assert_eq!(Shard::ALL.part_name("trials.csv"), "trials.csv");
    }

    #[test]
    fn merged_parts_equal_the_unsharded_bytes() {
        // Rows of trials 0..7, two rows per trial (e.g. one per epoch).
        let row = |t: usize, e: usize| format!("{t},{e},0.{}\n", (t * 13 + e) % 10);
        let header = "trial,epoch,accuracy\n";
        let whole: String = std::iter::once(header.to_string())
            .chain((0..7).flat_map(|t| [row(t, 1), row(t, 2)]))
            .collect();
        let parts: Vec<String> = (1..=3)
            .map(|i| {
                let s = Shard { index: i, count: 3 };
                let rows = s.trials(7).into_iter().flat_map(|t| [row(t, 1), row(t, 2)]);
                std::iter::once(header.to_string()).chain(rows).collect()
            })
            .collect();
        // In any order of the parts.
        let reversed: Vec<String> = parts.iter().rev().cloned().collect();
        assert_eq!(merge_csv_parts(&parts).unwrap(), whole);
        assert_eq!(merge_csv_parts(&reversed).unwrap(), whole);
        let bad = vec![parts[0].clone(), "trial,epoch\n".to_string()];
        assert!(matches!(
            merge_csv_parts(&bad),
            Err(MergeError::Header { part: 2, .. })
        ));
        let junk = vec![format!("{header}x,1,0.5\n")];
        assert!(matches!(
            merge_csv_parts(&junk),
            Err(MergeError::Trial { line: 2, .. })
        ));
    }
}
