//! Flags that several experiments take with the same meaning and defaults.

/// `--val`: how many training images are held out for validation.
#[derive(clap::Args, Debug, Clone)]
pub struct Validation {
    /// Training images held out for validation [default: 5000, or 500 with --quick].
    #[arg(long)]
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
    /// Mini-batch size of MLP training.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Hidden units of the MLP (784 -> hidden -> 10).
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
}
