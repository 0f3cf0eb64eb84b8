//! Parsing the command line and reporting errors: one line `error: ...` and exit status 1 for
//! every bad input, one line and status 130 for an interruption.

/// Runs a binary's body; on error prints one line `error: <cause chain>` (a cause already stated
/// is not repeated) and exits with status 1. An interruption (SIGINT, SIGTERM) removes the run's
/// staging folders, prints one line saying what was kept (see
/// [`crate::report::run_folder::interrupted`]) and exits with status 130.
pub fn run_main(body: impl FnOnce() -> anyhow::Result<()>) {
    let _ = ctrlc::set_handler(|| {
        eprintln!("\n{}", crate::report::run_folder::interrupted());
        std::process::exit(130);
    });
    if let Err(e) = body() {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// An error and its causes on one line, each cause once: `cannot write x: File exists (os error
/// 17)`, not the cause again after it.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim().strip_prefix("error: ").unwrap_or(text.trim());
        if line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line += ": ";
        }
        line += text;
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A flag error from clap as one line: the message and clap's tip, without the usage block.
fn clap_one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| {
        !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
    });
    let first = lines.next().unwrap_or("invalid flags");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let tips: Vec<&str> = lines.filter(|l| l.starts_with("tip:")).collect();
    let mut line = first.to_string();
    for tip in tips {
        line += "; ";
        line += tip;
    }
    line + "; see --help"
}

/// `argv` with each negative number that follows a flag joined to it (`--h64 -1e-5` ->
/// `--h64=-1e-5`): clap takes `-1e-5` for a flag of its own.
fn join_negative_numbers(argv: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for arg in argv {
        let negative =
            arg.starts_with('-') && arg.split(',').all(|v| v.trim().parse::<f64>().is_ok());
        match out.last_mut() {
            Some(flag) if negative && flag.starts_with("--") && !flag.contains('=') => {
                *flag = format!("{flag}={arg}");
            }
            _ => out.push(arg),
        }
    }
    out
}

/// Parses `argv` (the program's name first) as `A`'s flags: an error as one line `error: ...`
/// (see [`clap_one_line`]) and exit status 1, like every other bad input; `--help` and
/// `--version` print and exit 0.
pub fn parse_from<A: clap::Parser>(argv: impl IntoIterator<Item = String>) -> anyhow::Result<A> {
    A::try_parse_from(join_negative_numbers(argv)).map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            e.exit();
        }
        anyhow::anyhow!(clap_one_line(&e))
    })
}

/// [`parse_from`] on the process's arguments.
pub fn parse<A: clap::Parser>() -> anyhow::Result<A> {
    parse_from(std::env::args())
}
