//! Regenerates every committed result: runs each chapter's experiment in turn.
//!
//!     cargo run --release --bin reproduce             # everything under results/
//!     cargo run --release --bin reproduce -- --quick  # every code path, in seconds

use clap::Parser;
use nnlab::cli::{CommonArgs, run_main};
use std::time::Instant;

#[path = "exp_cnn.rs"]
mod exp_cnn;
#[path = "exp_momentum.rs"]
mod exp_momentum;
#[path = "exp_second_order.rs"]
mod exp_second_order;
#[path = "exp_update_rules.rs"]
mod exp_update_rules;

/// Run every experiment of the book, passing the shared flags through.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Run only these experiments (comma-separated), e.g. `momentum`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// Each experiment: its name and how to run it from the pass-through flags.
type Runner = fn(Vec<String>) -> anyhow::Result<()>;
const EXPERIMENTS: &[(&str, Runner)] = &[
    ("momentum", |argv| {
        exp_momentum::run(exp_momentum::Args::try_parse_from(argv)?)
    }),
    ("update_rules", |argv| {
        exp_update_rules::run(exp_update_rules::Args::try_parse_from(argv)?)
    }),
    ("second_order", |argv| {
        exp_second_order::run(exp_second_order::Args::try_parse_from(argv)?)
    }),
    ("cnn", |argv| {
        exp_cnn::run(exp_cnn::Args::try_parse_from(argv)?)
    }),
];

fn main() {
    run_main(|| {
        let args = Args::parse();
        if args.common.out.is_some() {
            anyhow::bail!(
                "--out names one experiment's folder; reproduce writes each to results/<experiment>"
            );
        }
        for name in &args.only {
            anyhow::ensure!(
                EXPERIMENTS.iter().any(|(n, _)| n == name),
                "unknown experiment {name:?}"
            );
        }
        let started = Instant::now();
        for (name, run) in EXPERIMENTS {
            if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
                continue;
            }
            eprintln!("== exp_{name} ==");
            let mut argv = vec![format!("exp_{name}")];
            argv.extend(args.common.to_args());
            run(argv).map_err(|e| e.context(format!("exp_{name} failed")))?;
        }
        eprintln!(
            "reproduce: done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    });
}
