//! Hot loops of the second-order chapter: the L-BFGS two-loop recursion at n = 1M (m = 10), one
//! BFGS inverse-Hessian update and one Newton solve at n = 1,000, and one value+gradient
//! evaluation of softmax regression on the Fashion-MNIST training set (the full 60,000 images when
//! installed, otherwise the committed subset; the benchmark id says which). 1 and 2 threads.

mod common;
use common::{THREADS, iter_warm, pool};

use std::collections::VecDeque;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nnlab::data::{FashionMnist, locate_fashion_mnist};
use nnlab::optim::second_order::Objective;
use nnlab::optim::second_order::bfgs::update_inverse_hessian;
use nnlab::optim::second_order::lbfgs::{Pair, two_loop};
use nnlab::optim::second_order::newton::newton_direction;
use nnlab::optim::second_order::objectives::{Quadratic, SoftmaxRegression};
use nnlab::rng::{randn, seeded};

fn random_vec(n: usize, rng: &mut nnlab::rng::NnRng) -> Vec<f64> {
    (0..n).map(|_| randn(rng)).collect()
}

fn two_loop_bench(c: &mut Criterion) {
    let (n, m) = (1_000_000, 10);
    let mut rng = seeded(1);
    // Pairs with y = D s for a positive diagonal D, so every y's > 0 as in a real run.
    let history: VecDeque<Pair> = (0..m)
        .map(|_| {
            let s = random_vec(n, &mut rng);
            let y = s
                .iter()
                .enumerate()
                .map(|(i, s)| s * (1.0 + (i % 7) as f64))
                .collect();
            Pair::new(s, y)
        })
        .collect();
    let g = random_vec(n, &mut rng);
    let mut group = c.benchmark_group("second_order/lbfgs_two_loop");
    group.sample_size(20);
    // Reads s and y of every pair twice and q/r 4m times: ~ (4m + 4m) n f64 = 8 m n * 8 bytes.
    group.throughput(Throughput::Bytes((8 * m * n * 8) as u64));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(
            BenchmarkId::new(format!("{threads}t"), format!("n={n},m={m}")),
            &n,
            |b, _| {
                iter_warm(b, &pool, || {
                    two_loop(black_box(&history), 0.5, black_box(&g))
                })
            },
        );
    }
    group.finish();
}

fn bfgs_update_bench(c: &mut Criterion) {
    let n = 1000;
    let mut rng = seeded(2);
    let s = random_vec(n, &mut rng);
    let y: Vec<f64> = s
        .iter()
        .enumerate()
        .map(|(i, s)| s * (1.0 + (i % 5) as f64))
        .collect();
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        h[i * n + i] = 1.0;
    }
    let mut group = c.benchmark_group("second_order/bfgs_update");
    group.sample_size(30);
    // One matrix-vector product (read H) and one rank-2 update (read and write H).
    group.throughput(Throughput::Bytes((3 * n * n * 8) as u64));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(BenchmarkId::new(format!("{threads}t"), n), &n, |b, _| {
            iter_warm(b, &pool, || {
                update_inverse_hessian(black_box(&mut h), &s, &y)
            })
        });
    }
    group.finish();
}

fn newton_solve_bench(c: &mut Criterion) {
    let n = 1000;
    let q = Quadratic::random(n, &mut seeded(3));
    let mut group = c.benchmark_group("second_order/newton_solve");
    group.sample_size(20);
    // Cholesky n³/3 + two triangular solves 2n² flops, reported as elements: flops.
    group.throughput(Throughput::Elements((n * n * n / 3 + 2 * n * n) as u64));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(BenchmarkId::new(format!("{threads}t"), n), &n, |b, _| {
            iter_warm(b, &pool, || {
                newton_direction(black_box(&q.a), black_box(&q.b))
            })
        });
    }
    group.finish();
}

fn softmax_eval_bench(c: &mut Criterion) {
    nnlab::report::plot::register_fonts();
    let source =
        locate_fashion_mnist(None).expect("Fashion-MNIST (installed or the committed subset)");
    let data = FashionMnist::<f64>::load(source).expect("readable Fashion-MNIST");
    let mut f = SoftmaxRegression::new(data.x_train.view(), &data.y_train, 10, 1e-4);
    let n = f.samples();
    let mut rng = seeded(4);
    let w: Vec<f64> = (0..f.dim()).map(|_| 0.01 * randn(&mut rng)).collect();
    let mut g = vec![0.0; f.dim()];
    let mut group = c.benchmark_group("second_order/softmax_value_grad");
    group.sample_size(20);
    // Two products of (n, 785) by (785, 10): 4 n 785 10 flops, reported as elements: flops.
    group.throughput(Throughput::Elements((4 * n * 785 * 10) as u64));
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_with_input(
            BenchmarkId::new(format!("{threads}t"), format!("N={n}")),
            &n,
            |b, _| iter_warm(b, &pool, || f.value_grad(black_box(&w), &mut g)),
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    softmax_eval_bench,
    two_loop_bench,
    bfgs_update_bench,
    newton_solve_bench
);
criterion_main!(benches);
