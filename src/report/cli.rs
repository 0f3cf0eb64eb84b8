//! The command line every experiment shares, and how binaries report errors and progress.

pub use super::progress::{progress, train_with_progress, with_progress};
use crate::data::fashion::Prepared;
use crate::data::{DataError, DataKind, FashionMnist, locate_fashion_mnist};
use crate::hyper::HyperparameterError;
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

/// A hyperparameter error in terms of the flag that set it, e.g. `--learning-rate must be > 0 and
/// finite, got -0.001`. `flags` maps the library's hyperparameter names to flags where they differ
/// from the name with dashes (`learning_rate` -> `--learning-rate`).
pub fn as_flag<T>(
    result: Result<T, HyperparameterError>,
    flags: &[(&str, &str)],
) -> anyhow::Result<T> {
    result.map_err(|e| {
        let flag = flags
            .iter()
            .find(|(name, _)| *name == e.name)
            .map(|(_, flag)| flag.to_string())
            .unwrap_or_else(|| format!("--{}", e.name.replace('_', "-")));
        anyhow::anyhow!("{flag} must be {}, got {}", e.requirement, e.value)
    })
}

/// Refuses any `(flag, value)` whose value is 0: `--iters must be at least 1, got 0`.
pub fn at_least_one(flags: &[(&str, usize)]) -> anyhow::Result<()> {
    match flags.iter().find(|(_, v)| *v == 0) {
        Some((flag, _)) => anyhow::bail!("{flag} must be at least 1, got 0"),
        None => Ok(()),
    }
}

/// Runs a binary's body; on error prints one line `error: <cause chain>` and exits with status 1.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) {
    if let Err(e) = body() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The training images held out for validation: `val` if given, else 5,000 (500 with `--quick`).
pub fn validation_rows(val: Option<usize>, quick: bool) -> usize {
    val.unwrap_or(if quick { 500 } else { 5_000 })
}

/// What an MLP chapter trains on and writes to: the data set, its prepared splits and the results
/// folder.
pub type MlpRun = (FashionMnist<f32>, Prepared<f32>, ResultsDir);

/// An experiment's name (its folder under `results/`) and how long its default run takes: wall
/// time measured on the project's 2-core machine (AMD EPYC Zen 4) with the default flags, rounded
/// up.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    pub experiment: &'static str,
    pub full_seconds: u32,
    pub quick_seconds: u32,
}

impl Expected {
    /// `experiment` takes `full_seconds` by default and `quick_seconds` with `--quick`.
    pub const fn new(experiment: &'static str, full_seconds: u32, quick_seconds: u32) -> Self {
        Expected {
            experiment,
            full_seconds,
            quick_seconds,
        }
    }

    /// The seconds for a full or quick run.
    pub fn seconds(&self, quick: bool) -> u32 {
        if quick {
            self.quick_seconds
        } else {
            self.full_seconds
        }
    }

    /// e.g. `2 min 10 s` or `15 s`.
    pub fn describe(&self, quick: bool) -> String {
        format_seconds(self.seconds(quick))
    }
}

/// `130` -> `2 min 10 s`, `15` -> `15 s`.
pub fn format_seconds(s: u32) -> String {
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

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
}

impl RunContext {
    /// Starts the clock and the thread pool. Call after the experiment validated its own flags.
    pub fn start(common: &CommonArgs, expected: Expected) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        hot_loop_settings();
        let threads = common.init_threads()?;
        Ok(RunContext {
            experiment: expected.experiment,
            common: common.clone(),
            threads,
            expected,
            started,
            machine: crate::runtime::machine::Machine::current(),
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
            .map_err(|e| match e {
                DataError::NoTrainingImages { n_val, available } => {
                    anyhow::anyhow!(
                        "--val {n_val} leaves no training images: {available} available"
                    )
                }
                DataError::EmptyValidation => anyhow::anyhow!("--val must be at least 1, got 0"),
                DataError::ZeroMaxTrain => anyhow::anyhow!("--max-train must be at least 1, got 0"),
                e => e.into(),
            })
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
                "check: exp_{} would {what}; nothing written",
                self.experiment
            );
        }
        self.common.check
    }

    /// The output folder, created. Call once every input is checked: it also says on stderr how
    /// long the run is expected to take.
    pub fn results_dir(&self) -> anyhow::Result<ResultsDir> {
        eprintln!(
            "exp_{}: {} run, expected to take about {} on 2 cores",
            self.experiment,
            if self.common.quick { "quick" } else { "full" },
            self.expected.describe(self.common.quick)
        );
        Ok(ResultsDir::create(&self.common.out_dir(self.experiment))?)
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
    pub fn write_numbers(&self, out: &ResultsDir, mut numbers: Numbers) -> anyhow::Result<PathBuf> {
        let wall = self.started.elapsed().as_secs_f64();
        numbers.timing("wall", format_seconds(wall.round() as u32));
        Ok(numbers.write(out)?)
    }

    /// Writes `meta.json` listing `outputs` (and itself) and reports the run on stderr.
    pub fn finish(
        &self,
        out: &ResultsDir,
        hyperparameters: serde_json::Value,
        data: Option<DataInfo>,
        outputs: &[PathBuf],
    ) -> anyhow::Result<Meta> {
        let mut names: Vec<String> = outputs
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        names.push("meta.json".into());
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
        };
        out.write_json("meta.json", &meta)?;
        eprintln!(
            "wrote {} files to {} in {:.1} s{}",
            meta.outputs.len(),
            out.dir().display(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_as_minutes_and_seconds() {
        assert_eq!(format_seconds(15), "15 s");
        assert_eq!(format_seconds(120), "2 min");
        assert_eq!(format_seconds(130), "2 min 10 s");
        let e = Expected::new("x", 90, 2);
        assert_eq!(
            (e.describe(false), e.describe(true)),
            ("1 min 30 s".into(), "2 s".into())
        );
    }

    #[test]
    fn hyperparameter_errors_name_the_flag() {
        let e = crate::hyper::check_learning_rate(-1.0);
        assert_eq!(
            as_flag(e, &[]).unwrap_err().to_string(),
            "--learning-rate must be > 0 and finite, got -1"
        );
        let e = crate::hyper::check_unit_interval("mu", 1.5);
        assert_eq!(
            as_flag(e, &[("mu", "--mlp-mu")]).unwrap_err().to_string(),
            "--mlp-mu must be in [0, 1), got 1.5"
        );
        assert_eq!(as_flag(Ok::<_, HyperparameterError>(3), &[]).unwrap(), 3);
    }
}
