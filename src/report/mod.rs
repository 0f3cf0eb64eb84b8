//! What leaves a run: result files and `meta.json` ([`results`]), the values a chapter quotes
//! ([`numbers`]), figures ([`plot`]), the command
//! line the experiment binaries share ([`cli`], feature `cli`) and the wall-clock performance
//! reports ([`perf`]).

#[cfg(feature = "cli")]
pub mod cli;
pub mod numbers;
pub mod perf;
// plotters' bitmap backend needs a file system: not in the WebAssembly build of the playground.
#[cfg(not(target_family = "wasm"))]
pub mod plot;
#[cfg(feature = "cli")]
pub mod progress;
pub mod results;
pub mod run_folder;
