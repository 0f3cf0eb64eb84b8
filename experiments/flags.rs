//! Flags that several experiments take with the same meaning and defaults.

/// `--val`: how many training images are held out for validation.
#[derive(clap::Args, Debug, Clone)]
pub struct Validation {
    /// Training images held out for validation (1 to 60000) [default: 5000, or 500 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub val: Option<usize>,
}

impl Validation {
    /// The images held out: the flag's, or the default of a full or quick run.
    pub fn rows(&self, quick: bool) -> usize {
        nnlab::report::cli::validation_rows(self.val, quick)
    }
}

/// `--batch-size` and `--hidden` of the update-rule chapters' 2-layer MLP (784 -> hidden -> 10).
#[derive(clap::Args, Debug, Clone)]
pub struct Mlp {
    /// Mini-batch size of MLP training (1 to 60000).
    #[arg(long, default_value_t = 100, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    /// Hidden units of the MLP (784 -> hidden -> 10; 1 to 8192).
    #[arg(long, default_value_t = 100, value_parser = nnlab::report::cli::count(8_192))]
    pub hidden: usize,
}

impl Mlp {
    /// The [`nnlab::report::cli::work_factor`] entries of the two flags.
    pub fn work(&self) -> [(usize, usize, f64); 2] {
        [
            (self.hidden, 100, 1.0),
            nnlab::report::cli::smaller_batch(self.batch_size, 100),
        ]
    }
}

/// `--seeds`, `--rule` and `--batch-size` of the recap chapters' comparisons (several variants of
/// one network, each trained from several seeds).
#[derive(clap::Args, Debug, Clone)]
pub struct SeedRuns {
    /// Seeds per variant (1 to 20).
    #[arg(long, default_value_t = 3, value_parser = nnlab::report::cli::count(20))]
    pub seeds: usize,
    /// Update rule (its other settings are the book's defaults, mu = 0.9).
    #[arg(long, value_enum, default_value_t = nnlab::optim::Rule::Momentum)]
    pub rule: nnlab::optim::Rule,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 100, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
}
