//! Regenerates every committed result: runs each chapter's experiment in turn.
//!
//!     cargo run --release --bin reproduce             # everything under results/
//!     cargo run --release --bin reproduce -- --quick  # every code path, in seconds, under target/quick/
//!     cargo run --release --bin reproduce -- --out DIR  # everything under DIR/<experiment>/

use clap::Parser;
use nnlab::report::cli::{CommonArgs, Expected, format_seconds, run_main};
use std::time::Instant;

#[path = "babysit/main.rs"]
mod exp_babysit;
#[path = "cnn/main.rs"]
mod exp_cnn;
#[path = "dropout/main.rs"]
mod exp_dropout;
#[path = "ensemble/main.rs"]
mod exp_ensemble;
#[path = "gradcheck/main.rs"]
mod exp_gradcheck;
#[path = "lr/main.rs"]
mod exp_lr;
#[path = "lr_decay/main.rs"]
mod exp_lr_decay;
#[path = "momentum/main.rs"]
mod exp_momentum;
#[path = "search/main.rs"]
mod exp_search;
#[path = "second_order/main.rs"]
mod exp_second_order;
#[path = "update_rules/main.rs"]
mod exp_update_rules;

/// Run every experiment of the book in turn, passing the shared flags through; with --out DIR each
/// experiment writes to DIR/<experiment>.
#[derive(Parser, Debug)]
#[command(version, long_about = None, allow_negative_numbers = true)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Run only these experiments (comma-separated), e.g. `momentum`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// Each experiment: its name and how to run it from the pass-through flags.
type Runner = fn(Vec<String>) -> anyhow::Result<()>;
const EXPERIMENTS: &[(&str, Expected, Runner)] = &[
    ("momentum", exp_momentum::EXPECTED, |argv| {
        exp_momentum::run(exp_momentum::Args::try_parse_from(argv)?)
    }),
    ("update_rules", exp_update_rules::EXPECTED, |argv| {
        exp_update_rules::run(exp_update_rules::Args::try_parse_from(argv)?)
    }),
    ("second_order", exp_second_order::EXPECTED, |argv| {
        exp_second_order::run(exp_second_order::Args::try_parse_from(argv)?)
    }),
    ("cnn", exp_cnn::EXPECTED, |argv| {
        exp_cnn::run(exp_cnn::Args::try_parse_from(argv)?)
    }),
    ("lr", exp_lr::EXPECTED, |argv| {
        exp_lr::run(exp_lr::Args::try_parse_from(argv)?)
    }),
    ("lr_decay", exp_lr_decay::EXPECTED, |argv| {
        exp_lr_decay::run(exp_lr_decay::Args::try_parse_from(argv)?)
    }),
    ("dropout", exp_dropout::EXPECTED, |argv| {
        exp_dropout::run(exp_dropout::Args::try_parse_from(argv)?)
    }),
    ("gradcheck", exp_gradcheck::EXPECTED, |argv| {
        exp_gradcheck::run(exp_gradcheck::Args::try_parse_from(argv)?)
    }),
    ("babysit", exp_babysit::EXPECTED, |argv| {
        exp_babysit::run(exp_babysit::Args::try_parse_from(argv)?)
    }),
    ("search", exp_search::EXPECTED, |argv| {
        exp_search::run(exp_search::Args::try_parse_from(argv)?)
    }),
    ("ensemble", exp_ensemble::EXPECTED, |argv| {
        exp_ensemble::run(exp_ensemble::Args::try_parse_from(argv)?)
    }),
];

fn main() {
    run_main(|| {
        let args = Args::parse();
        for name in &args.only {
            anyhow::ensure!(
                EXPERIMENTS.iter().any(|(n, _, _)| n == name),
                "--only: unknown experiment {name:?}; the experiments are {}",
                EXPERIMENTS
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let selected: Vec<_> = EXPERIMENTS
            .iter()
            .filter(|(name, _, _)| args.only.is_empty() || args.only.iter().any(|o| o == name))
            .collect();
        let total: u32 = selected
            .iter()
            .map(|(_, expected, _)| expected.seconds(args.common.quick))
            .sum();
        eprintln!(
            "reproduce: {} experiment(s), expected to take about {} on 2 cores",
            selected.len(),
            format_seconds(total)
        );
        let started = Instant::now();
        for (name, _, run) in selected {
            eprintln!("== exp_{name} ==");
            let mut argv = vec![format!("exp_{name}")];
            argv.extend(args.common.to_args());
            if let Some(out) = &args.common.out {
                argv.extend(["--out".into(), out.join(name).display().to_string()]);
            }
            run(argv).map_err(|e| e.context(format!("exp_{name} failed")))?;
        }
        eprintln!(
            "reproduce: done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    });
}
