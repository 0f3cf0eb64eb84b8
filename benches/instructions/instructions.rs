//! Instruction counts of the hot loops under callgrind, for the CI gate (`gate.rs`, baselines in
//! `benches/baselines/instructions.json`). Wall-clock time cannot gate a shared 2-core VM; the
//! number of instructions a fixed input executes can: it is the same from run to run, whatever
//! else the machine does.
//!
//! Everything runs on the benchmark's own thread: each case's setup makes it the only worker of
//! rayon's global pool (`use_current_thread`), so no instruction runs on a thread callgrind would
//! not attribute to the case, and no worker spins waiting for work. Sizes are small, so the suite
//! runs in a few minutes under callgrind (~50x slower than native): conv forward+backward at LeNet's
//! C1 and C3 (batch 8, one interleaved group) and the mid 3x3 layer (batch 1); one LeNet-5 training
//! step (batch 16); every update rule at 100k parameters; the L-BFGS two-loop (n = 100k, m = 10);
//! one softmax-regression value+gradient on 2,000 images; dropout forward+backward on 100k units.

// Shared with the criterion benches; this suite uses part of each.
#[allow(dead_code)]
#[path = "../common/dropout_pass.rs"]
mod dropout_pass;
#[allow(dead_code)]
#[path = "../common/optim_steps.rs"]
mod optim_steps;

#[path = "../common/random.rs"]
mod random;
use random::random4;
use std::collections::VecDeque;
use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use ndarray::{Array1, Array2, Array4};
use nnlab::nn::layers::Dropout;
use nnlab::nn::layers::conv::{ConvAlgo, ConvParams, Geometry};
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::nn::network::Sequential;
use nnlab::runtime::buffer::StateVec;
use nnlab::optim::{Adam, Optimizer, step_all};
use nnlab::rng::{randn, seeded, uniform};
use nnlab::optim::second_order::Objective;
use nnlab::optim::second_order::lbfgs::{Pair, two_loop};
use nnlab::optim::second_order::objectives::SoftmaxRegression;

/// Makes this thread rayon's only worker (once per process: each case runs in its own), and runs
/// the dispatched kernels at the AVX2 tier, the instruction set the suite is built for: counts are
/// comparable only within one (valgrind 3.19 cannot run AVX-512, and hides it from the CPU
/// features a program detects, so faer's own dispatch picks AVX2 under it too).
fn one_thread() {
    nnlab::runtime::tier::force(nnlab::runtime::tier::Tier::Avx2)
        .expect("the instruction-count gate needs a CPU with AVX2 and FMA");
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build_global();
}

/// A convolution's inputs and the path the layer picks for them ([`ConvAlgo::fastest`]).
struct ConvCase {
    algo: ConvAlgo,
    x: Array4<f32>,
    w: Array4<f32>,
    b: Array1<f32>,
    dout: Array4<f32>,
    p: ConvParams,
}

fn conv_case(name: &str) -> ConvCase {
    one_thread();
    let (x, w, pad) = match name {
        "c1" => ((8, 1, 32, 32), (6, 1, 5, 5), 0),
        "c3" => ((8, 6, 14, 14), (16, 6, 5, 5), 0),
        "mid" => ((1, 32, 32, 32), (64, 32, 3, 3), 1),
        _ => panic!("no conv case {name}"),
    };
    let p = ConvParams { stride: 1, pad };
    let g = Geometry::new((x.1, x.2, x.3), w, p);
    let algo = ConvAlgo::fastest(&g, x.0);
    let dout = random4((x.0, w.0, g.ho, g.wo), 3);
    ConvCase {
        algo,
        x: random4(x, 1),
        w: random4(w, 2),
        b: Array1::zeros(w.0),
        dout,
        p,
    }
}

#[library_benchmark]
#[bench::c1(args = ("c1"), setup = conv_case)]
#[bench::c3(args = ("c3"), setup = conv_case)]
#[bench::mid(args = ("mid"), setup = conv_case)]
fn conv_fwd_bwd(c: ConvCase) -> (Array4<f32>, impl Sized) {
    let out = c
        .algo
        .forward(black_box(c.x.view()), c.w.view(), c.b.view(), c.p);
    let grads = c.algo.backward(c.dout.view(), c.x.view(), c.w.view(), c.p);
    black_box((out, grads))
}

/// A LeNet-5 with Adam, one step already taken (the optimizer's state allocated), and a batch.
fn lenet_case() -> (Sequential<f32>, Adam<f32>, Array2<f32>, Vec<usize>) {
    one_thread();
    let mut rng = seeded(6);
    let x = Array2::from_shape_fn((16, 784), |_| randn(&mut rng) as f32);
    let y: Vec<usize> = (0..16).map(|i| i % 10).collect();
    let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut seeded(7));
    let mut opt = Adam::<f32>::new(1e-3, 0.9, 0.999).expect("valid");
    net.loss_and_grad(x.view(), &y);
    step_all(&mut opt as &mut dyn Optimizer<f32>, net.params());
    (net, opt, x, y)
}

#[library_benchmark]
#[bench::batch16(setup = lenet_case)]
fn lenet5_step(case: (Sequential<f32>, Adam<f32>, Array2<f32>, Vec<usize>)) -> f32 {
    let (mut net, mut opt, x, y) = case;
    let loss = net.loss_and_grad(black_box(x.view()), &y);
    step_all(&mut opt as &mut dyn Optimizer<f32>, net.params());
    black_box(loss)
}

type RuleCase = (Box<dyn Optimizer<f32>>, StateVec<f32>, StateVec<f32>);

/// An update rule with its state allocated by one step, and 100k parameters and gradients.
fn rule_case(name: &str) -> RuleCase {
    one_thread();
    let (mut x, dx) = optim_steps::data(100_000);
    let mut opt = optim_steps::rule(name).expect("a rule of RULES");
    opt.begin_step();
    opt.update(0, &mut x, &dx);
    (opt, x, dx)
}

#[library_benchmark]
#[bench::sgd(args = ("sgd"), setup = rule_case)]
#[bench::momentum(args = ("momentum"), setup = rule_case)]
#[bench::nesterov(args = ("nesterov"), setup = rule_case)]
#[bench::adagrad(args = ("adagrad"), setup = rule_case)]
#[bench::rmsprop(args = ("rmsprop"), setup = rule_case)]
#[bench::adam(args = ("adam"), setup = rule_case)]
fn update_rule(case: RuleCase) -> f32 {
    let (mut opt, mut x, dx) = case;
    opt.begin_step();
    opt.update(0, black_box(&mut x), black_box(&dx));
    black_box(x[0])
}

/// Ten curvature pairs with y = D s (D positive diagonal) and a gradient, n = 100k.
fn lbfgs_case() -> (VecDeque<Pair>, Vec<f64>) {
    one_thread();
    let n = 100_000;
    let mut rng = seeded(1);
    let mut vector = |n: usize| -> Vec<f64> { (0..n).map(|_| randn(&mut rng)).collect() };
    let history = (0..10)
        .map(|_| {
            let s = vector(n);
            let y = s
                .iter()
                .enumerate()
                .map(|(i, s)| s * (1.0 + (i % 7) as f64));
            Pair::new(s.clone(), y.collect())
        })
        .collect();
    (history, vector(n))
}

#[library_benchmark]
#[bench::n100k_m10(setup = lbfgs_case)]
fn lbfgs_two_loop(case: (VecDeque<Pair>, Vec<f64>)) -> Vec<f64> {
    black_box(two_loop(black_box(&case.0), 0.5, black_box(&case.1)))
}

/// Softmax regression (10 classes, λ = 1e-4) on 2,000 synthetic images with pixels uniform in
/// [0, 1), at small random weights. Synthetic rather than Fashion-MNIST: decompressing the data
/// set under valgrind would take most of the suite's time, and the count depends on the shapes,
/// not on the pixel values.
fn softmax_case() -> (SoftmaxRegression, Vec<f64>, Vec<f64>) {
    one_thread();
    let mut rng = seeded(4);
    let x = Array2::from_shape_fn((2000, 784), |_| uniform(&mut rng));
    let labels: Vec<usize> = (0..2000).map(|i| (i * 7) % 10).collect();
    let f = SoftmaxRegression::new(x.view(), &labels, 10, 1e-4);
    let w = (0..f.dim()).map(|_| 0.01 * randn(&mut rng)).collect();
    let g = vec![0.0; f.dim()];
    (f, w, g)
}

#[library_benchmark]
#[bench::n2000(setup = softmax_case)]
fn softmax_value_grad(case: (SoftmaxRegression, Vec<f64>, Vec<f64>)) -> f64 {
    let (mut f, w, mut g) = case;
    black_box(f.value_grad(black_box(&w), &mut g))
}

fn dropout_case() -> (Dropout<f32>, Array2<f32>, Array2<f32>) {
    one_thread();
    let (x, dout) = dropout_pass::data(100_000);
    (dropout_pass::layer(dropout_pass::KEEP), x, dout)
}

#[library_benchmark]
#[bench::inverted_100k(setup = dropout_case)]
fn dropout_fwd_bwd(case: (Dropout<f32>, Array2<f32>, Array2<f32>)) -> (Array2<f32>, Array2<f32>) {
    let (mut layer, x, dout) = case;
    black_box(dropout_pass::pass(&mut layer, black_box(&x), &dout))
}

library_benchmark_group!(name = conv; benchmarks = conv_fwd_bwd);
library_benchmark_group!(name = lenet; benchmarks = lenet5_step);
library_benchmark_group!(name = optim; benchmarks = update_rule);
library_benchmark_group!(
    name = second_order;
    benchmarks = lbfgs_two_loop, softmax_value_grad
);
library_benchmark_group!(name = dropout; benchmarks = dropout_fwd_bwd);

main!(
    library_benchmark_groups = conv,
    lenet,
    optim,
    second_order,
    dropout
);
