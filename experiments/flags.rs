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
        self.val.unwrap_or(if quick { 500 } else { 5_000 })
    }
}
