//! The timed cases: the criterion benches' key cases (`benches/conv.rs`, `optim.rs`, `dropout.rs`,
//! `second_order.rs`) with the same setup code, plus one Fashion-MNIST epoch.

#[path = "../common/random.rs"]
mod random;
use ndarray::{Array1, Array2};
use nnlab::data::fashion::Prepared;
use nnlab::nn::layers::conv::{ConvAlgo, ConvParams, Geometry};
use nnlab::nn::lenet::{CONVOLUTIONS, LeNetVariant, lenet5};
use nnlab::optim::second_order::Objective;
use nnlab::optim::second_order::objectives::SoftmaxRegression;
use nnlab::optim::{Adam, Optimizer, step_all};
use nnlab::procedures::train::{Hooks, Split, TrainConfig, train};
use nnlab::rng::{randn, seeded, substream};
use random::random4;
use std::hint::black_box;

// Shared with the criterion benches (dropout's yardstick is theirs only).
#[allow(dead_code)]
#[path = "../common/dropout_pass.rs"]
mod dropout_pass;
#[path = "../common/fma_peak.rs"]
mod fma_peak;
#[path = "../common/gemm.rs"]
mod gemm;
#[path = "../common/optim_steps.rs"]
mod optim_steps;

/// One timed case: its name, the work of one call (FLOPs or bytes, for rates) and the call.
pub struct Case<'a> {
    pub name: String,
    pub work: Option<f64>,
    pub unit: &'static str,
    pub call: Box<dyn FnMut() + Send + 'a>,
}

/// The sizes of a full or a quick report.
pub struct Sizes {
    pub gemm: usize,
    /// Images of the C1/C3 cases and of the mid layer.
    pub conv_batch: usize,
    pub mid_batch: usize,
    /// Parameters of each update rule and elements of the yardstick and dropout.
    pub elements: usize,
    pub lenet_batch: usize,
    /// Iterations of the FMA peak's loop per call.
    pub fma_iters: usize,
}

impl Sizes {
    pub fn new(quick: bool) -> Self {
        match quick {
            false => Sizes {
                gemm: 1024,
                conv_batch: 64,
                mid_batch: 32,
                elements: 10_000_000,
                lenet_batch: 64,
                fma_iters: fma_peak::ITERS,
            },
            true => Sizes {
                gemm: 128,
                conv_batch: 8,
                mid_batch: 1,
                elements: 100_000,
                lenet_batch: 16,
                fma_iters: fma_peak::ITERS / 64,
            },
        }
    }
}

/// faer's f32 GEMM, n x n by n x n, at the pool's thread count.
/// The compute yardstick at f32 and f64: the FMA peak of this build's vector width on every
/// thread ([`fma_peak`]).
fn fma_peaks<'a>(threads: usize, iters: usize) -> [Case<'a>; 2] {
    let peak = |name: &str, work: f64, run: fn(usize)| Case {
        name: name.into(),
        work: Some(work),
        unit: "flop",
        call: Box::new(move || fma_peak::on_every_thread(threads, || run(iters))),
    };
    [
        peak("fma_f32", fma_peak::flops::<f32>(iters, threads), |n| {
            std::hint::black_box(fma_peak::peak_f32(n));
        }),
        peak("fma_f64", fma_peak::flops::<f64>(iters, threads), |n| {
            std::hint::black_box(fma_peak::peak_f64(n));
        }),
    ]
}

fn gemm<'a>(n: usize, threads: usize) -> Case<'a> {
    let (a, b, mut out) = gemm::operands(n);
    let par = gemm::par(threads);
    Case {
        name: "gemm_1024".into(),
        work: Some(2.0 * (n * n * n) as f64),
        unit: "flop",
        call: Box::new(move || gemm::multiply(&mut out, &a, &b, par)),
    }
}

/// Forward + backward on the path the layer picks ([`ConvAlgo::fastest`]).
fn conv<'a>(
    name: &str,
    x: (usize, usize, usize, usize),
    w: (usize, usize, usize, usize),
    pad: usize,
) -> Case<'a> {
    let p = ConvParams { stride: 1, pad };
    let g = Geometry::new((x.1, x.2, x.3), w, p);
    let algo = ConvAlgo::fastest(&g, x.0);
    let (xs, ws, b) = (random4(x, 1), random4(w, 2), Array1::<f32>::zeros(w.0));
    let dout = random4((x.0, w.0, g.ho, g.wo), 3);
    Case {
        name: name.into(),
        work: Some(3.0 * (x.0 * g.forward_flops()) as f64),
        unit: "flop",
        call: Box::new(move || {
            let out = algo.forward(black_box(xs.view()), ws.view(), b.view(), p);
            black_box((out, algo.backward(dout.view(), xs.view(), ws.view(), p)));
        }),
    }
}

/// The streaming yardstick, every update rule's step and dropout's training pass on `n` elements.
fn memory_bound<'a>(n: usize) -> Vec<Case<'a>> {
    let (mut a, b) = optim_steps::data(n);
    let mut cases = vec![Case {
        name: "stream".into(),
        work: Some(12.0 * n as f64),
        unit: "byte",
        call: Box::new(move || optim_steps::stream(black_box(&mut a), &b, -1e-3)),
    }];
    for (rule, arrays) in optim_steps::RULES {
        let (mut x, dx) = optim_steps::data(n);
        let mut opt = optim_steps::rule(rule).expect("a rule of RULES");
        cases.push(Case {
            name: rule.into(),
            work: Some((arrays * 4) as f64 * n as f64),
            unit: "byte",
            call: Box::new(move || {
                opt.begin_step();
                opt.update(0, black_box(&mut x), &dx);
            }),
        });
    }
    let (x, dout) = dropout_pass::data(n);
    let mut layer = dropout_pass::layer(dropout_pass::KEEP);
    cases.push(Case {
        name: "dropout".into(),
        work: Some((dropout_pass::BYTES_PER_UNIT * n as u64) as f64),
        unit: "byte",
        call: Box::new(move || {
            black_box(dropout_pass::pass(&mut layer, black_box(&x), &dout));
        }),
    });
    cases
}

/// One LeNet-5 (modern) training step with Adam on a batch of random images.
fn lenet_step<'a>(batch: usize) -> Case<'a> {
    let mut rng = seeded(6);
    let x = Array2::from_shape_fn((batch, 784), |_| randn(&mut rng) as f32);
    let y: Vec<usize> = (0..batch).map(|i| i % 10).collect();
    let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut seeded(7));
    let mut opt = Adam::<f32>::new(1e-3, 0.9, 0.999).expect("valid");
    // The multiply-adds of one step: each convolution's forward pass and weight gradients, and its
    // input gradients but for C1's (the images need none); each dense layer's three products (its
    // weights follow the two convolutions' weights and biases). Pooling, activations and the loss
    // are not counted.
    let convs: f64 = CONVOLUTIONS
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let passes = if k == 0 { 2.0 } else { 3.0 };
            passes * Geometry::new(c.input, c.filters, c.params).forward_flops() as f64
        })
        .sum();
    let params = net.params();
    let dense: f64 = params[2 * CONVOLUTIONS.len()..]
        .iter()
        .step_by(2)
        .map(|p| 3.0 * 2.0 * p.value.len() as f64)
        .sum();
    drop(params);
    Case {
        name: "lenet_step".into(),
        work: Some(batch as f64 * (convs + dense)),
        unit: "flop",
        call: Box::new(move || {
            black_box(net.loss_and_grad(black_box(x.view()), &y));
            step_all(&mut opt as &mut dyn Optimizer<f32>, net.params());
        }),
    }
}

/// One epoch of LeNet-5 with Adam at `batch` over `d`'s training images (a fresh network each
/// call; its validation pass covers `d`'s few validation images).
fn lenet_epoch<'a>(d: &'a Prepared<f32>, seed: u64, batch: usize) -> Case<'a> {
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: batch,
        train_eval_rows: 100,
    };
    Case {
        name: "lenet_epoch".into(),
        work: None,
        unit: "epoch",
        call: Box::new(move || {
            let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut substream(seed, 1));
            let mut opt = Adam::<f32>::new(1e-3, 0.9, 0.999).expect("valid");
            let mut rng = substream(seed, 2);
            black_box(train(
                &mut net,
                &mut opt,
                &Split::of(d),
                &cfg,
                &mut rng,
                Hooks::none(),
            ));
        }),
    }
}

/// One softmax-regression value + gradient in f64 on `x64`'s images (the L-BFGS objective).
fn softmax_eval<'a>(x64: &Array2<f64>, labels: &[usize]) -> Case<'a> {
    let mut f = SoftmaxRegression::new(x64.view(), labels, 10, 1e-4);
    let mut rng = seeded(4);
    let w: Vec<f64> = (0..f.dim()).map(|_| 0.01 * randn(&mut rng)).collect();
    let mut g = vec![0.0; f.dim()];
    let n = f.samples();
    Case {
        name: "softmax_eval".into(),
        work: Some((4 * n * 785 * 10) as f64),
        unit: "flop",
        call: Box::new(move || {
            black_box(f.value_grad(black_box(&w), &mut g));
        }),
    }
}

/// Every case at `threads`, in the order each round times them.
pub fn all<'a>(
    s: &Sizes,
    threads: usize,
    data: &'a Prepared<f32>,
    x64: &Array2<f64>,
    seed: u64,
) -> Vec<Case<'a>> {
    let mut cases = Vec::from(fma_peaks(threads, s.fma_iters));
    cases.extend([
        gemm(s.gemm, threads),
        conv("conv_c1", (s.conv_batch, 1, 32, 32), (6, 1, 5, 5), 0),
        conv("conv_c3", (s.conv_batch, 6, 14, 14), (16, 6, 5, 5), 0),
        conv("conv_mid", (s.mid_batch, 32, 32, 32), (64, 32, 3, 3), 1),
    ]);
    cases.extend(memory_bound(s.elements));
    cases.push(lenet_step(s.lenet_batch));
    cases.push(lenet_epoch(data, seed, s.lenet_batch));
    cases.push(softmax_eval(x64, &data.y_train));
    cases
}
