//! A panic inside a training step on two threads ends the process with a non-zero exit within
//! seconds: `keep_warm`'s spinning workers leave when the work unwinds, so nothing waits for ever.
//!
//! The parent test runs this same test binary again with only the child test selected; the child
//! trains a network whose layer panics on a pool worker in its third forward pass.

use ndarray::{Array2, ArrayView2};
use nnlab::nn::layers::{Layer, Mode};
use nnlab::nn::loss::LossKind;
use nnlab::nn::network::Sequential;
use nnlab::optim::Sgd;
use nnlab::procedures::train::{Hooks, Split, TrainConfig, train};
use rayon::prelude::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "NNLAB_PANIC_TEST_CHILD";

/// The identity, except that the third forward pass panics inside a parallel loop.
struct PanicsOnThirdForward {
    calls: usize,
}

impl Layer<f64> for PanicsOnThirdForward {
    fn describe(&self) -> String {
        "panics on its third forward pass".into()
    }

    fn forward(&mut self, x: ArrayView2<f64>, _mode: Mode) -> Array2<f64> {
        self.calls += 1;
        let calls = self.calls;
        (0..64usize).into_par_iter().with_max_len(1).for_each(|i| {
            assert!(!(calls == 3 && i == 40), "layer failed in step {calls}");
        });
        x.to_owned()
    }

    fn backward(&mut self, dout: ArrayView2<f64>) -> Array2<f64> {
        dout.to_owned()
    }
}

#[test]
#[ignore = "run by a_panic_in_a_training_step_ends_the_process, in a child process"]
fn child_trains_with_a_panicking_layer() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    // As the experiment binaries run: the other worker spins while training runs.
    nnlab::runtime::parallel::set_warm_training(true);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let x = Array2::<f64>::zeros((40, 3));
    let y = vec![0usize; 40];
    let mut net = Sequential::new(LossKind::Softmax, 0.0).push(PanicsOnThirdForward { calls: 0 });
    let mut opt = Sgd::new(0.1).expect("valid learning rate");
    let data = Split {
        x_train: x.view(),
        y_train: &y,
        x_val: x.view(),
        y_val: &y,
        test: None,
    };
    let cfg = TrainConfig {
        epochs: 10,
        batch_size: 10,
        train_eval_rows: 10,
    };
    let mut rng = nnlab::rng::seeded(1);
    pool.install(|| train(&mut net, &mut opt, &data, &cfg, &mut rng, Hooks::none()));
    unreachable!("the third step panics");
}

#[test]
fn a_panic_in_a_training_step_ends_the_process() {
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "child_trains_with_a_panicking_layer",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    let limit = Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("child status") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the child still runs after {limit:?}: a panic in a training step hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().expect("child output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!status.success(), "the child should fail: {text}");
    assert!(text.contains("layer failed in step 3"), "{text}");
}
