//! The command line every experiment shares, and how binaries report errors and progress: the
//! shared flags and what every run does around its own work (here), the flags' bounds and checks
//! ([`flags`]), and parsing and error lines ([`parse`]).

mod flags;
mod parse;

pub use super::progress::{progress, train_with_progress, with_progress};
pub use flags::{
    Expected, LONGEST_RUN_SECONDS, as_flag, count, distinct_list, format_seconds, smaller_batch,
    work_factor,
};
pub use parse::{parse, parse_from, run_main};

use crate::data::fashion::Prepared;
use crate::data::{DataError, DataKind, FashionMnist, locate_fashion_mnist};
use crate::report::numbers::Numbers;
use crate::report::results::{DataInfo, Meta, ResultsDir, provenance};
use std::path::{Path, PathBuf};

/// Flags shared by every experiment binary.
#[derive(clap::Args, Clone, Debug)]
pub struct CommonArgs {
    /// Run every part of the experiment at a reduced size (seconds), for tests and CI.
    #[arg(long)]
    pub quick: bool,
    /// Seed of every random stream; equal seeds and thread counts give byte-identical CSV files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder [default: results/<experiment> in the repository, or
    /// target/quick/<experiment> with --quick: a quick run never writes into results/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Folder holding the four Fashion-MNIST IDX files (.gz or raw), any size. Without it:
    /// $NNLAB_DATA, then the committed data/fashion-mnist/, then /usr/share/datasets/fashion-mnist/.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Check the flags, load and split the data, say what the run would do, and stop: nothing is
    /// written.
    #[arg(long)]
    pub check: bool,
}

impl CommonArgs {
    /// The output folder for `experiment`: `--out`, else `results/<experiment>`, or
    /// `target/quick/<experiment>` for a quick run.
    pub fn out_dir(&self, experiment: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
            if self.quick {
                repo.join("target").join("quick").join(experiment)
            } else {
                repo.join("results").join(experiment)
            }
        })
    }

    /// Sets up the global thread pool (once per process) and returns its size.
    pub fn init_threads(&self) -> anyhow::Result<usize> {
        let want = self.threads.map(usize::from).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        if rayon::ThreadPoolBuilder::new()
            .num_threads(want)
            .build_global()
            .is_err()
            && rayon::current_num_threads() != want
        {
            anyhow::bail!(
                "the thread pool already has {} threads, {want} requested",
                rayon::current_num_threads()
            );
        }
        Ok(rayon::current_num_threads())
    }

    /// The flags as arguments again, for `reproduce` to pass through.
    pub fn to_args(&self) -> Vec<String> {
        let mut a = vec!["--seed".to_string(), self.seed.to_string()];
        if self.quick {
            a.push("--quick".into());
        }
        if let Some(d) = &self.data_dir {
            a.extend(["--data-dir".into(), d.display().to_string()]);
        }
        if let Some(t) = self.threads {
            a.extend(["--threads".into(), t.to_string()]);
        }
        if self.check {
            a.push("--check".into());
        }
        a
    }
}

/// The process settings the experiments and benches run with, which the library never applies on
/// its own: freed heap memory kept for reuse ([`crate::runtime::memory::keep_freed_memory`]), the pool's
/// workers kept spinning during training ([`crate::runtime::parallel::set_warm_training`]) and large
/// optimizer state on huge pages ([`crate::runtime::buffer::set_huge_pages`]). None changes a
/// result, only its speed. Idempotent.
pub fn hot_loop_settings() {
    crate::runtime::memory::keep_freed_memory();
    crate::runtime::parallel::set_warm_training(true);
    crate::runtime::buffer::set_huge_pages(true);
}

/// Forces the tier `NNLAB_TIER` names (`baseline`, `avx2`, `avx512`; see
/// [`crate::runtime::tier`]), if set; an unknown name or a tier the CPU lacks is an error.
pub fn tier_from_env() -> anyhow::Result<()> {
    match std::env::var("NNLAB_TIER") {
        Ok(name) => crate::runtime::tier::Tier::parse(&name)
            .and_then(crate::runtime::tier::force)
            .map_err(|e| anyhow::anyhow!("NNLAB_TIER={name}: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(()),
        Err(e) => anyhow::bail!("NNLAB_TIER: {e}"),
    }
}

/// The training images held out for validation: `val` if given, else 5,000 (500 with `--quick`).
pub fn validation_rows(val: Option<usize>, quick: bool) -> usize {
    val.unwrap_or(if quick { 500 } else { 5_000 })
}

/// A data error in terms of the flags that caused it.
fn flag_error(e: DataError) -> anyhow::Error {
    match e {
        DataError::NoTrainingImages { n_val, available } => {
            anyhow::anyhow!("--val {n_val} leaves no training images: {available} available")
        }
        DataError::EmptyValidation => anyhow::anyhow!("--val must be at least 1, got 0"),
        DataError::ZeroMaxTrain => anyhow::anyhow!("--max-train must be at least 1, got 0"),
        e => e.into(),
    }
}

/// What an MLP chapter trains on and writes to: the data set, its prepared splits and the results
/// folder.
pub type MlpRun = (FashionMnist<f32>, Prepared<f32>, ResultsDir);

/// What every experiment does around its own work: set up threads, find and load the data (saying
/// so when it is not the original set), create the output folder, and write `meta.json` last.
pub struct RunContext {
    pub experiment: &'static str,
    pub common: CommonArgs,
    pub threads: usize,
    expected: Expected,
    started: std::time::Instant,
    /// Read once, at the start: what `numbers.md` and `meta.json` name.
    machine: crate::runtime::machine::Machine,
    /// The output folder's lock, taken at the start (a second run into the folder is refused
    /// before it loads anything) and handed to the folder when it is staged.
    lock: std::sync::Mutex<Option<crate::report::run_folder::FolderLock>>,
}

impl RunContext {
    /// Starts the clock and the thread pool. Call after the experiment validated its own flags.
    pub fn start(common: &CommonArgs, expected: Expected) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        hot_loop_settings();
        tier_from_env()?;
        let threads = common.init_threads()?;
        let out = common.out_dir(expected.experiment);
        let lock = if common.check {
            // What a run would write to must be writable: --check says so now, not at the end.
            crate::report::run_folder::check_writable(&out)
                .map_err(|e| anyhow::anyhow!("--out {}: {e}", out.display()))?;
            None
        } else {
            Some(crate::report::run_folder::lock(&out)?)
        };
        Ok(RunContext {
            experiment: expected.experiment,
            common: common.clone(),
            threads,
            expected,
            started,
            machine: crate::runtime::machine::Machine::current(),
            lock: std::sync::Mutex::new(lock),
        })
    }

    /// Fashion-MNIST as `f32`, found as `--data-dir` and the documented search order say; a note on
    /// stderr when the files are not the original set.
    pub fn load_fashion_mnist(&self) -> anyhow::Result<FashionMnist<f32>> {
        self.load_fashion_mnist_as::<f32>()
    }

    /// [`RunContext::load_fashion_mnist`] in the precision `F`.
    pub fn load_fashion_mnist_as<F: crate::float::Float>(&self) -> anyhow::Result<FashionMnist<F>> {
        use anyhow::Context;
        let source = locate_fashion_mnist(self.common.data_dir.as_deref())
            .context("finding Fashion-MNIST")?;
        let data = FashionMnist::<F>::load(source).context("loading Fashion-MNIST")?;
        let (rows, cols) = data.image;
        anyhow::ensure!(
            data.image == (28, 28),
            "exp_{} takes 28x28 images (its networks have 784 inputs; LeNet-5 needs 28x28), but {} holds {rows}x{cols} images",
            self.experiment,
            data.source.dir.display()
        );
        anyhow::ensure!(
            !data.y_train.is_empty(),
            "{} holds no training images",
            data.source.dir.display()
        );
        anyhow::ensure!(
            !data.y_test.is_empty(),
            "{} holds no test images: every experiment reports test accuracy",
            data.source.dir.display()
        );
        if data.kind == DataKind::Other {
            eprintln!(
                "note: using {}; results will differ from the committed ones",
                data.describe()
            );
        } else {
            eprintln!("data: {}", data.describe());
        }
        Ok(data)
    }

    /// [`FashionMnist::prepared`] with its errors in terms of the flags: `--val N leaves no
    /// training images: M available`.
    pub fn prepare<F: crate::float::Float>(
        &self,
        data: &FashionMnist<F>,
        n_val: usize,
        max_train: Option<usize>,
        max_test: Option<usize>,
    ) -> anyhow::Result<Prepared<F>> {
        data.prepared(n_val, max_train, max_test)
            .map_err(flag_error)
    }

    /// [`FashionMnist::splits`] (not zero-centred) with the errors of [`RunContext::prepare`].
    pub fn splits<F: crate::float::Float>(
        &self,
        data: &FashionMnist<F>,
        n_val: usize,
        max_train: Option<usize>,
        max_test: Option<usize>,
    ) -> anyhow::Result<Prepared<F>> {
        data.splits(n_val, max_train, max_test).map_err(flag_error)
    }

    /// [`FashionMnist::prepared`] for an experiment without a `--val` flag (its split is fixed):
    /// the errors name the data, not a flag the binary does not have.
    pub fn prepare_fixed<F: crate::float::Float>(
        &self,
        data: &FashionMnist<F>,
        n_val: usize,
        max_train: Option<usize>,
        max_test: Option<usize>,
    ) -> anyhow::Result<Prepared<F>> {
        use anyhow::Context;
        let dir = data.source.dir.display();
        data.prepared(n_val, max_train, max_test)
            .with_context(|| format!("{dir} is too small for this experiment"))
    }

    /// The MLP chapters' data: Fashion-MNIST with the last `val` training images held out
    /// (default 5,000, or 500 with `--quick`); a quick run trains on 1,000 and tests on 1,000.
    pub fn mlp_data(
        &self,
        val: Option<usize>,
    ) -> anyhow::Result<(FashionMnist<f32>, Prepared<f32>)> {
        let quick = self.common.quick;
        let data = self.load_fashion_mnist()?;
        let n_val = validation_rows(val, quick);
        let d = self.prepare(&data, n_val, quick.then_some(1_000), quick.then_some(1_000))?;
        Ok((data, d))
    }

    /// [`RunContext::mlp_data`]; then with `--check` says what the run would train (`model`) and
    /// returns `None`, otherwise returns the data and the results folder.
    pub fn mlp_training(&self, val: Option<usize>, model: &str) -> anyhow::Result<Option<MlpRun>> {
        let (data, d) = self.mlp_data(val)?;
        if self.check_only_training(model, &d) {
            return Ok(None);
        }
        Ok(Some((data, d, self.results_dir()?)))
    }

    /// [`RunContext::check_only`] for an experiment that trains `model` on `d`.
    pub fn check_only_training<F>(&self, model: &str, d: &Prepared<F>) -> bool {
        self.check_only(&format!(
            "train {model} on {} images and validate on {}",
            d.y_train.len(),
            d.y_val.len()
        ))
    }

    /// With `--check`, reports that the flags and data are fine and returns true: the caller then
    /// stops before writing anything.
    pub fn check_only(&self, what: &str) -> bool {
        if self.common.check {
            eprintln!(
                "check: exp_{} would {what}, taking about {} on 2 cores; nothing written",
                self.experiment,
                self.expected.describe(self.common.quick)
            );
        }
        self.common.check
    }

    /// The output folder, staged (see [`ResultsDir`]): locked for this run and replaced only when
    /// [`RunContext::finish`] commits it. Call once every input is checked: it also says on stderr
    /// how long the run is expected to take.
    pub fn results_dir(&self) -> anyhow::Result<ResultsDir> {
        self.results_dir_keeping(&|_| false)
    }

    /// [`RunContext::results_dir`] keeping the previous run's files whose names `keep` accepts.
    pub fn results_dir_keeping(&self, keep: &dyn Fn(&str) -> bool) -> anyhow::Result<ResultsDir> {
        eprintln!(
            "exp_{}: {} run, expected to take about {} on 2 cores",
            self.experiment,
            if self.common.quick { "quick" } else { "full" },
            self.expected.describe(self.common.quick)
        );
        let held = self.lock.lock().unwrap_or_else(|e| e.into_inner()).take();
        Ok(ResultsDir::stage_locked(
            &self.common.out_dir(self.experiment),
            keep,
            held,
        )?)
    }

    /// The chapter's numbers (see [`Numbers`]), starting with `machine` (the CPU, the build's vector
    /// width and the run's threads, which every timing the chapter quotes names) and `expected` (the
    /// full run's expected time on 2 cores, what the Regenerate box says).
    pub fn numbers(&self) -> Numbers {
        let threads = match self.threads {
            1 => "1 thread".to_string(),
            t => format!("{t} threads"),
        };
        let machine = self.machine.describe();
        let mut numbers = Numbers::new();
        numbers
            .timing("machine", format!("{machine}, {threads}"))
            .value(
                "expected",
                format!("about {} on 2 cores", self.expected.describe(false)),
            );
        numbers
    }

    /// Writes `numbers` as `numbers.md` with `wall`, the time the run has taken so far (all of it
    /// but `meta.json`), on the machine `machine` names.
    /// A value that is not finite (a run diverged) is refused: the chapter would quote nonsense.
    pub fn write_numbers(&self, out: &ResultsDir, mut numbers: Numbers) -> anyhow::Result<PathBuf> {
        if let Some((name, value)) = numbers.first_not_finite() {
            let shown: String = value.chars().take(90).collect();
            anyhow::bail!(
                "exp_{}: under these flags the chapter's value `{name}` is not finite ({shown}): a run diverged or a flag is far outside its useful range; nothing replaced",
                self.experiment
            );
        }
        let wall = self.started.elapsed().as_secs_f64();
        numbers.timing("wall", format_seconds(wall.round() as u32));
        Ok(numbers.write(out)?)
    }

    /// Writes `meta.json` listing `outputs` (and itself), the commit record, then puts the folder
    /// in place of the previous run's and reports the run on stderr. Refuses a folder holding a
    /// file `outputs` does not list: `meta.json` says what produced every file beside it.
    pub fn finish(
        &self,
        out: ResultsDir,
        hyperparameters: serde_json::Value,
        data: Option<DataInfo>,
        outputs: &[PathBuf],
    ) -> anyhow::Result<Meta> {
        let mut names: Vec<String> = outputs
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        names.push("meta.json".into());
        let kept = out.carried().to_vec();
        if let Some(stray) = out
            .files()?
            .into_iter()
            .find(|f| !names.contains(f) && !kept.contains(f))
        {
            anyhow::bail!(
                "exp_{} wrote {stray} without listing it in meta.json (a bug): nothing replaced",
                self.experiment
            );
        }
        let meta = Meta {
            experiment: self.experiment.into(),
            command: std::env::args().collect(),
            seed: self.common.seed,
            quick: self.common.quick,
            threads: self.threads,
            machine: self.machine.clone(),
            hyperparameters,
            data,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            git: provenance(),
            wall_seconds: self.started.elapsed().as_secs_f64(),
            outputs: names,
            kept_from_previous_run: kept,
        };
        out.write_json("meta.json", &meta)?;
        let target = out.commit()?;
        eprintln!(
            "wrote {} files to {} in {:.1} s{}",
            meta.outputs.len(),
            target.display(),
            meta.wall_seconds,
            if self.common.quick && self.common.out.is_none() {
                " (a quick run never writes into results/)"
            } else {
                ""
            }
        );
        Ok(meta)
    }
}
