//! Writing an experiment's outputs: CSV files, `meta.json`, and figures, each written atomically
//! (to a temporary file in the same folder, then renamed) so a killed run never leaves a
//! half-written file behind.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// An error while writing results.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {message}")]
    Encode { path: PathBuf, message: String },
    #[error(transparent)]
    Folder(#[from] crate::report::run_folder::FolderError),
}

/// Runs `write` on a temporary path next to `path`, then renames it into place. On error the
/// temporary file is removed and `path` is left as it was.
pub fn write_atomic<E: std::fmt::Display>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), ResultsError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Keep the extension last: some writers (image encoders) choose the format from it.
    let tmp = path.with_file_name(format!(".partial-{}-{name}", std::process::id()));
    let result = write(&tmp).map_err(|e| ResultsError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    });
    let result = result.and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| ResultsError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// An experiment's output folder, e.g. `results/momentum/`, being written: the files go to a
/// staging folder beside it, which [`ResultsDir::commit`] puts in its place once every file is
/// written; dropped uncommitted (the run failed), it is removed and the target left as it was
/// (see [`crate::report::run_folder`]).
#[derive(Debug)]
pub struct ResultsDir {
    dir: PathBuf,
    staged: Option<crate::report::run_folder::Staged>,
}

impl ResultsDir {
    /// Locks `target` and stages its replacement, carrying over the target's files whose names
    /// `carry` accepts.
    pub fn stage(target: &Path, carry: &dyn Fn(&str) -> bool) -> Result<Self, ResultsError> {
        Self::stage_locked(target, carry, None)
    }

    /// [`ResultsDir::stage`] under the target's lock taken earlier (`held`).
    pub fn stage_locked(
        target: &Path,
        carry: &dyn Fn(&str) -> bool,
        held: Option<crate::report::run_folder::FolderLock>,
    ) -> Result<Self, ResultsError> {
        let staged = crate::report::run_folder::stage(target, carry, held)?;
        Ok(ResultsDir {
            dir: staged.staging.clone(),
            staged: Some(staged),
        })
    }

    /// Where the files are written until the commit.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The previous run's files kept in this one (see [`ResultsDir::stage`]).
    pub fn carried(&self) -> &[String] {
        self.staged.as_ref().map_or(&[], |s| &s.carried)
    }

    /// The names of the files written so far (carried ones included), sorted.
    pub fn files(&self) -> Result<Vec<String>, ResultsError> {
        let io = |source| ResultsError::Io {
            path: self.dir.clone(),
            source,
        };
        let mut names = Vec::new();
        for e in std::fs::read_dir(&self.dir).map_err(io)? {
            names.push(e.map_err(io)?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// Replaces the target with the files written, in one step; returns the target.
    pub fn commit(mut self) -> Result<PathBuf, ResultsError> {
        let staged = self
            .staged
            .take()
            .expect("a staged folder is committed once");
        Ok(crate::report::run_folder::commit(staged)?)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `rows` as CSV with a header from the row type's field names.
    pub fn write_csv<T: Serialize>(
        &self,
        name: &str,
        rows: impl IntoIterator<Item = T>,
    ) -> Result<PathBuf, ResultsError> {
        let path = self.path(name);
        write_atomic(&path, |tmp| -> Result<(), csv::Error> {
            let mut w = csv::Writer::from_path(tmp)?;
            for row in rows {
                w.serialize(row)?;
            }
            w.flush()?;
            Ok(())
        })?;
        Ok(path)
    }

    /// Writes `text` as is (e.g. a Markdown table the book includes).
    pub fn write_text(&self, name: &str, text: &str) -> Result<PathBuf, ResultsError> {
        let path = self.path(name);
        write_atomic(&path, |tmp| std::fs::write(tmp, text))?;
        Ok(path)
    }

    /// Writes `value` as pretty-printed JSON.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<PathBuf, ResultsError> {
        let path = self.path(name);
        write_atomic(&path, |tmp| -> Result<(), std::io::Error> {
            let mut text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
            text.push('\n');
            std::fs::write(tmp, text)
        })?;
        Ok(path)
    }
}

impl Drop for ResultsDir {
    fn drop(&mut self) {
        if let Some(staged) = self.staged.take() {
            crate::report::run_folder::abandon(&staged);
        }
    }
}

/// Writes `parallel.csv`: every round of [`crate::runtime::parallel::compare_ways`]'s three ways.
pub fn write_ways(
    m: &crate::runtime::parallel::WaysMeasured,
    out: &ResultsDir,
) -> Result<PathBuf, ResultsError> {
    #[derive(Serialize)]
    struct Row {
        way: &'static str,
        threads: usize,
        round: usize,
        jobs: usize,
        seconds: f64,
    }
    let rows = (0..m.rounds).flat_map(|round| {
        (crate::runtime::parallel::WAYS.iter().enumerate()).map(move |(w, &way)| Row {
            way,
            threads: if w == 0 { 1 } else { m.threads },
            round: round + 1,
            jobs: m.jobs,
            seconds: m.seconds[w][round],
        })
    });
    out.write_csv("parallel.csv", rows)
}

/// A Markdown table (what a chapter includes from `results/`): the `header` cells, a rule, then
/// one line per row of cells.
pub fn markdown_table<S: AsRef<str>>(header: &[S], rows: &[Vec<String>]) -> String {
    // `| a | b |`; an empty cell is a single space.
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: String = cells
            .map(|c| {
                if c.is_empty() {
                    " |".into()
                } else {
                    format!(" {c} |")
                }
            })
            .collect();
        format!("|{cells}\n")
    };
    let mut s = line(&mut header.iter().map(|h| h.as_ref()));
    s += &format!("|{}\n", "---|".repeat(header.len()));
    for row in rows {
        assert_eq!(
            row.len(),
            header.len(),
            "a row of {} cells under {} columns",
            row.len(),
            header.len()
        );
        s += &line(&mut row.iter().map(String::as_str));
    }
    s
}

/// The data set an experiment used.
#[derive(Clone, Debug, Serialize)]
pub struct DataInfo {
    pub name: String,
    /// `full` (the original Fashion-MNIST, every hash checked) or `other`.
    pub kind: crate::data::DataKind,
    pub dir: String,
    pub found_via: String,
    pub n_train: usize,
    pub n_val: usize,
    pub n_test: usize,
    /// Each file and the SHA-256 of its decompressed bytes.
    pub files: Vec<crate::data::FileHash>,
}

impl DataInfo {
    /// Fashion-MNIST as an experiment used it: `n_train` and `n_val` rows of its training set and
    /// `n_test` of its test set.
    pub fn fashion_mnist<F>(
        data: &crate::data::FashionMnist<F>,
        n_train: usize,
        n_val: usize,
        n_test: usize,
    ) -> Self {
        DataInfo {
            name: "Fashion-MNIST".into(),
            kind: data.kind,
            // Inside the repository, relative to it: the same on every clone.
            dir: data
                .source
                .dir
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(&data.source.dir)
                .display()
                .to_string(),
            found_via: data.source.found_via.into(),
            n_train,
            n_val,
            n_test,
            files: data.files.clone(),
        }
    }
}

/// Every update rule's hyperparameters other than the learning rate, as the built optimizers
/// report them: `{"momentum": {"mu": 0.9}, ...}` for `meta.json`.
pub fn rule_defaults() -> serde_json::Value {
    crate::optim::Rule::ALL
        .iter()
        .map(|r| {
            let values: serde_json::Map<String, serde_json::Value> = r
                .defaults()
                .into_iter()
                .map(|(name, v)| (name.to_string(), v.into()))
                .collect();
            (r.name().to_string(), values.into())
        })
        .collect::<serde_json::Map<String, serde_json::Value>>()
        .into()
}

/// `meta.json`: how the results in a folder were made.
#[derive(Clone, Debug, Serialize)]
pub struct Meta {
    pub experiment: String,
    pub command: Vec<String>,
    pub seed: u64,
    pub quick: bool,
    pub threads: usize,
    /// The machine the run's timings were taken on.
    pub machine: crate::runtime::machine::Machine,
    pub hyperparameters: serde_json::Value,
    pub data: Option<DataInfo>,
    pub crate_version: String,
    /// The commit and whether the code was modified; absent outside a git checkout.
    pub git: Option<Provenance>,
    pub wall_seconds: f64,
    /// Every file the run wrote; with `kept_from_previous_run`, every file in the folder.
    pub outputs: Vec<String>,
    /// Files of the folder's previous run that this one kept (a shard's sibling parts, a report
    /// history).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_from_previous_run: Vec<String>,
}

/// The git commit the code was built from, if git and a repository are available.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    pub commit: String,
    /// Whether tracked files outside `results/` differ from the commit: the code (or data, book,
    /// benches) was modified. Rewritten results, which every run makes, do not count.
    pub modified: bool,
}

/// The current commit and whether the code differs from it (see [`Provenance`]).
pub fn provenance() -> Option<Provenance> {
    provenance_in(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// [`provenance`] of the repository at `dir`.
pub fn provenance_in(dir: &Path) -> Option<Provenance> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    let commit = String::from_utf8(git(&["rev-parse", "HEAD"])?.stdout)
        .ok()?
        .trim()
        .to_string();
    let status = git(&[
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ".",
        ":(exclude)results",
    ])?;
    Some(Provenance {
        commit,
        modified: !status.stdout.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        a: usize,
        b: Option<f64>,
    }

    #[test]
    fn csv_has_header_and_empty_optional_fields() {
        let dir = tempfile::tempdir().unwrap();
        let r = ResultsDir::stage(&dir.path().join("x"), &|_| false).unwrap();
        let p = r
            .write_csv("t.csv", [Row { a: 1, b: Some(0.5) }, Row { a: 2, b: None }])
            .unwrap();
        assert_eq!(std::fs::read_to_string(p).unwrap(), "a,b\n1,0.5\n2,\n");
    }

    #[test]
    fn rewritten_results_do_not_mark_the_code_modified() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .arg("-C")
                .arg(root)
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args(args)
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::create_dir(root.join("results")).unwrap();
        std::fs::write(root.join("results/a.csv"), "1\n").unwrap();
        std::fs::write(root.join("lib.rs"), "fn f() {}\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "first"]);
        let p = provenance_in(root).unwrap();
        assert_eq!((p.commit.len(), p.modified), (40, false));
        std::fs::write(root.join("results/a.csv"), "2\n").unwrap();
        assert!(
            !provenance_in(root).unwrap().modified,
            "results/ is not code"
        );
        std::fs::write(root.join("lib.rs"), "fn g() {}\n").unwrap();
        assert!(provenance_in(root).unwrap().modified);
        assert!(provenance_in(&root.join("results").join("missing")).is_none());
    }

    #[test]
    fn markdown_tables_have_a_rule_and_one_line_per_row() {
        let t = markdown_table(&["a", ""], &[vec!["1".into(), "x y".into()]]);
        assert_eq!(t, "| a | |\n|---|---|\n| 1 | x y |\n");
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let r = write_atomic(&target, |tmp| -> Result<(), String> {
            std::fs::write(tmp, "half").unwrap();
            Err("killed".into())
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
