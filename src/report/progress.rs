//! Progress bars on stderr for long runs (hidden when stderr is not a terminal): one bar, a
//! bar around any work that ticks, and training behind a bar that shows the recent loss.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>24} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Runs `work` behind one progress bar named `what` of `ticks` steps, handing it the tick to call
/// once per step (from any thread), e.g. [`crate::procedures::runs::Runs::train_all`].
pub fn with_progress<T>(ticks: usize, what: &str, work: impl FnOnce(&(dyn Fn() + Sync)) -> T) -> T {
    let bar = progress(ticks as u64, what);
    let done = work(&|| bar.inc(1));
    bar.finish_and_clear();
    done
}

/// [`train`](crate::procedures::train::train) behind a progress bar named `what` (one tick per iteration);
/// the bar's message shows the recent loss.
pub fn train_with_progress<F: crate::Float>(
    what: &str,
    net: &mut crate::nn::network::Sequential<F>,
    opt: &mut dyn crate::optim::Optimizer<F>,
    data: &crate::procedures::train::Split<'_, F>,
    cfg: &crate::procedures::train::TrainConfig,
    rng: &mut (impl rand::Rng + Send + ?Sized),
) -> crate::procedures::train::History {
    let bar = progress(data.iterations(cfg.epochs, cfg.batch_size) as u64, what);
    let on_iter = |r: &crate::procedures::train::IterRecord| {
        bar.inc(1);
        if r.iter.is_multiple_of(50) {
            bar.set_message(format!("{what}: loss {:.3}", r.loss));
        }
    };
    let hooks = crate::procedures::train::Hooks::none().on_iter(on_iter);
    let h = crate::procedures::train::train(net, opt, data, cfg, rng, hooks);
    bar.finish_and_clear();
    h
}
