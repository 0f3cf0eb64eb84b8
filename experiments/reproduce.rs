//! Regenerates every committed result: runs each chapter's experiment in turn.
//!
//!     cargo run --release --bin reproduce             # everything under results/
//!     cargo run --release --bin reproduce -- --quick  # every code path, in seconds, under target/quick/
//!     cargo run --release --bin reproduce -- --out DIR  # everything under DIR/<experiment>/

use crate::{
    activations, babysit, batchnorm, cnn, dropout, ensemble, gradcheck, init, lr, lr_decay,
    momentum, preprocess, search, second_order, update_rules,
};

use clap::Parser;
use nnlab::report::cli::{CommonArgs, Expected, format_seconds, parse_from, run_main};
use std::time::Instant;

/// Run every experiment of the book in turn, passing the shared flags through; with --out DIR each
/// experiment writes to DIR/<experiment>.
#[derive(Parser, Debug)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Run only these experiments (comma-separated), e.g. `momentum`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// Each experiment: its name and how to run it from the pass-through flags.
type Runner = fn(Vec<String>) -> anyhow::Result<()>;
const EXPERIMENTS: &[(&str, Expected, Runner)] = &[
    ("activations", activations::EXPECTED, |argv| {
        activations::run(parse_from::<activations::Args>(argv)?)
    }),
    ("preprocess", preprocess::EXPECTED, |argv| {
        preprocess::run(parse_from::<preprocess::Args>(argv)?)
    }),
    ("init", init::EXPECTED, |argv| {
        init::run(parse_from::<init::Args>(argv)?)
    }),
    ("batchnorm", batchnorm::EXPECTED, |argv| {
        batchnorm::run(parse_from::<batchnorm::Args>(argv)?)
    }),
    ("momentum", momentum::EXPECTED, |argv| {
        momentum::run(parse_from::<momentum::Args>(argv)?)
    }),
    ("update_rules", update_rules::EXPECTED, |argv| {
        update_rules::run(parse_from::<update_rules::Args>(argv)?)
    }),
    ("second_order", second_order::EXPECTED, |argv| {
        second_order::run(parse_from::<second_order::Args>(argv)?)
    }),
    ("cnn", cnn::EXPECTED, |argv| {
        cnn::run(parse_from::<cnn::Args>(argv)?)
    }),
    ("lr", lr::EXPECTED, |argv| {
        lr::run(parse_from::<lr::Args>(argv)?)
    }),
    ("lr_decay", lr_decay::EXPECTED, |argv| {
        lr_decay::run(parse_from::<lr_decay::Args>(argv)?)
    }),
    ("dropout", dropout::EXPECTED, |argv| {
        dropout::run(parse_from::<dropout::Args>(argv)?)
    }),
    ("gradcheck", gradcheck::EXPECTED, |argv| {
        gradcheck::run(parse_from::<gradcheck::Args>(argv)?)
    }),
    ("babysit", babysit::EXPECTED, |argv| {
        babysit::run(parse_from::<babysit::Args>(argv)?)
    }),
    ("search", search::EXPECTED, |argv| {
        search::run(parse_from::<search::Args>(argv)?)
    }),
    ("ensemble", ensemble::EXPECTED, |argv| {
        ensemble::run(parse_from::<ensemble::Args>(argv)?)
    }),
];

/// The binary `reproduce`.
pub fn main() {
    run_main(|| {
        let args: Args = nnlab::report::cli::parse()?;
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
