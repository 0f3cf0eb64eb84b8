//! Convolution hot loops: naive vs im2col + GEMM vs wide rows vs interleaved images (the layer
//! picks one of the last two for stride 1), forward and forward+backward, on LeNet's C1
//! (N=64, 1x32x32, 6@5x5) and C3 (N=64, 6x14x14, 16@5x5) and a mid-size layer (N=32, 32x32x32,
//! 64@3x3, pad 1); max pooling on the LeNet shapes; one LeNet-5 training step at batch 64; and a
//! 1024³ f32 GEMM (faer) as the machine's practical peak. Throughput in FLOPs (reported as
//! elements): forward 2·N·K·C·R·S·Ho·Wo, forward+backward 3x that. 1 and 2 threads.

mod common;
#[path = "common/gemm.rs"]
mod gemm;
#[path = "common/random.rs"]
mod random;
use common::{THREADS, iter_warm, pool};
use random::random4;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array1, Array2};
use nnlab::nn::layers::conv::{ConvAlgo, ConvParams, Geometry};
use nnlab::nn::layers::pool::{PoolKind, PoolParams, pool_backward, pool_forward};
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::optim::{Adam, Optimizer, step_all};
use nnlab::rng::{randn, seeded};

struct Case {
    name: &'static str,
    x: (usize, usize, usize, usize),
    w: (usize, usize, usize, usize),
    p: ConvParams,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "lenet_c1",
            x: (64, 1, 32, 32),
            w: (6, 1, 5, 5),
            p: ConvParams { stride: 1, pad: 0 },
        },
        Case {
            name: "lenet_c3",
            x: (64, 6, 14, 14),
            w: (16, 6, 5, 5),
            p: ConvParams { stride: 1, pad: 0 },
        },
        Case {
            name: "mid",
            x: (32, 32, 32, 32),
            w: (64, 32, 3, 3),
            p: ConvParams { stride: 1, pad: 1 },
        },
    ]
}

fn conv(c: &mut Criterion) {
    for case in cases() {
        let x = random4(case.x, 1);
        let w = random4(case.w, 2);
        let b = Array1::<f32>::zeros(case.w.0);
        let p = case.p;
        let out = ConvAlgo::Im2col.forward(x.view(), w.view(), b.view(), p);
        let (n, channels, h, wd) = case.x;
        let flops = n * Geometry::new((channels, h, wd), case.w, p).forward_flops();
        let dout = random4(out.dim(), 3);
        let mut group = c.benchmark_group(format!("conv/{}", case.name));
        group.sample_size(10);
        for threads in THREADS {
            let pool = pool(threads);
            for algo in [ConvAlgo::Im2col, ConvAlgo::Wide, ConvAlgo::Interleaved] {
                group.throughput(Throughput::Elements(flops as u64));
                group.bench_with_input(
                    BenchmarkId::new(format!("forward_{}", algo.name()), format!("{threads}t")),
                    &threads,
                    |bn, _| {
                        iter_warm(bn, &pool, || {
                            algo.forward(black_box(x.view()), w.view(), b.view(), p)
                        })
                    },
                );
                group.throughput(Throughput::Elements(3 * flops as u64));
                group.bench_with_input(
                    BenchmarkId::new(format!("fwd_bwd_{}", algo.name()), format!("{threads}t")),
                    &threads,
                    |bn, _| {
                        iter_warm(bn, &pool, || {
                            let o = algo.forward(black_box(x.view()), w.view(), b.view(), p);
                            (o, algo.backward(dout.view(), x.view(), w.view(), p))
                        })
                    },
                );
            }
            if threads == 1 {
                group.throughput(Throughput::Elements(flops as u64));
                group.bench_with_input(
                    BenchmarkId::new("forward_naive", "1t"),
                    &threads,
                    |bn, _| {
                        bn.iter(|| {
                            ConvAlgo::Naive.forward(black_box(x.view()), w.view(), b.view(), p)
                        })
                    },
                );
            }
        }
        group.finish();
    }
}

fn pooling(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool/max2x2");
    group.sample_size(20);
    for (name, shape) in [
        ("lenet_s2", (64, 6, 28, 28)),
        ("lenet_s4", (64, 16, 10, 10)),
    ] {
        let x = random4(shape, 4);
        let p = PoolParams { size: 2, stride: 2 };
        let dout = random4((shape.0, shape.1, shape.2 / 2, shape.3 / 2), 5);
        for threads in THREADS {
            let pool = pool(threads);
            group.throughput(Throughput::Bytes((x.len() * 4) as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{name}_fwd_bwd"), format!("{threads}t")),
                &threads,
                |bn, _| {
                    iter_warm(bn, &pool, || {
                        let o = pool_forward(black_box(x.view()), PoolKind::Max, p);
                        (o, pool_backward(dout.view(), x.view(), PoolKind::Max, p))
                    })
                },
            );
        }
    }
    group.finish();
}

fn lenet_step(c: &mut Criterion) {
    let mut rng = seeded(6);
    let x = Array2::from_shape_fn((64, 784), |_| randn(&mut rng) as f32);
    let y: Vec<usize> = (0..64).map(|i| i % 10).collect();
    let mut group = c.benchmark_group("lenet5/train_step");
    group.sample_size(20);
    for threads in THREADS {
        let pool = pool(threads);
        let mut net = lenet5::<f32, _>(LeNetVariant::Modern, 0.0, &mut seeded(7));
        let mut opt = Adam::<f32>::new(1e-3, 0.9, 0.999).expect("valid");
        group.bench_with_input(
            BenchmarkId::new("batch64", format!("{threads}t")),
            &threads,
            |bn, _| {
                iter_warm(bn, &pool, || {
                    let loss = net.loss_and_grad(black_box(x.view()), &y);
                    step_all(&mut opt as &mut dyn Optimizer<f32>, net.params());
                    loss
                })
            },
        );
    }
    group.finish();
}

fn gemm_peak(c: &mut Criterion) {
    // Criterion's plots draw text with the font the crate registers.
    nnlab::report::plot::register_fonts();
    let n = 1024;
    let (a, b, mut out) = gemm::operands(n);
    let mut group = c.benchmark_group("gemm/f32_1024");
    group.sample_size(20);
    group.throughput(Throughput::Elements((2 * n * n * n) as u64));
    for threads in THREADS {
        let par = gemm::par(threads);
        let pool = pool(threads);
        group.bench_with_input(
            BenchmarkId::new("faer", format!("{threads}t")),
            &threads,
            |bn, _| iter_warm(bn, &pool, || gemm::multiply(&mut out, &a, &b, par)),
        );
    }
    group.finish();
}

criterion_group!(benches, gemm_peak, conv, pooling, lenet_step);
criterion_main!(benches);
