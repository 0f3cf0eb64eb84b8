//! faer (used by Newton's method) against LAPACK (OpenBLAS through ndarray-linalg) on random
//! well-conditioned matrices: the linear solve and the symmetric eigendecomposition.
//! Opt-in: `cargo test --features lapack --test lapack` (needs `libopenblas-dev`).
#![cfg(feature = "lapack")]

use faer::{Mat, Side};
use ndarray::{Array1, Array2};
use ndarray_linalg::{Eigh, Solve, UPLO};
use nnlab::optim::second_order::newton::newton_direction;
use nnlab::rng::{randn, seeded};

/// `A = M'M / n + I` (symmetric positive definite, condition number a few tens) and `b`.
fn problem(n: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = seeded(seed);
    let m = Array2::from_shape_fn((n, n), |_| randn(&mut rng));
    let a = m.t().dot(&m) / n as f64 + Array2::<f64>::eye(n);
    let b = Array1::from_shape_fn(n, |_| randn(&mut rng));
    (a, b)
}

/// Runs `f` on a thread with a 64 MiB stack. OpenBLAS's multithreaded LU (`dgetrf_parallel`)
/// recurses with large stack buffers and overflowed the test harness's 2 MiB threads on the
/// 300x300 solve (a SIGSEGV in about 7 runs of 10 with `--test-threads=1`, 0 of 30 with this).
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("spawn test thread")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn faer_cholesky_solve_matches_lapack() {
    with_big_stack(cholesky_solve_matches_lapack);
}

fn cholesky_solve_matches_lapack() {
    for (n, seed) in [(5, 1), (64, 2), (300, 3)] {
        let (a, b) = problem(n, seed);
        let lapack = a.solve(&b).expect("LAPACK solve");
        // newton_direction solves A p = -g: pass g = -b.
        let flat: Vec<f64> = a.iter().copied().collect();
        let (faer_x, tau) = newton_direction(&flat, &b.iter().map(|v| -v).collect::<Vec<_>>());
        assert_eq!(tau, 0.0, "A is positive definite: no shift");
        for (u, v) in faer_x.iter().zip(lapack.iter()) {
            assert!(
                (u - v).abs() <= 1e-10 * (1.0 + v.abs()),
                "n={n}: faer {u} vs LAPACK {v}"
            );
        }
    }
}

/// The library's eigendecomposition (`data::preprocess::symmetric_eigen`, faer on one thread,
/// largest first) against LAPACK's on a covariance matrix of correlated data, as PCA uses it.
#[test]
fn the_library_eigendecomposition_matches_lapack() {
    with_big_stack(|| {
        for (n, seed) in [(3, 7), (60, 8), (300, 9)] {
            let (a, _) = problem(n, seed);
            let (lapack_vals, lapack_vecs) = a.eigh(UPLO::Lower).expect("LAPACK eigh");
            let e = nnlab::data::preprocess::symmetric_eigen(&a).expect("faer eigh");
            for i in 0..n {
                // LAPACK sorts ascending, the library largest first.
                let j = n - 1 - i;
                assert!(
                    (e.values[i] - lapack_vals[j]).abs() <= 1e-10 * lapack_vals[j].abs(),
                    "eigenvalue {i}"
                );
                let dot: f64 = (0..n)
                    .map(|r| e.vectors[[r, i]] * lapack_vecs[[r, j]])
                    .sum();
                assert!(
                    (dot.abs() - 1.0).abs() < 1e-8,
                    "eigenvector {i}: |cos| = {}",
                    dot.abs()
                );
            }
        }
    });
}

#[test]
fn faer_symmetric_eigendecomposition_matches_lapack() {
    with_big_stack(symmetric_eigendecomposition_matches_lapack);
}

fn symmetric_eigendecomposition_matches_lapack() {
    for (n, seed) in [(4, 4), (50, 5), (200, 6)] {
        let (a, _) = problem(n, seed);
        let (lapack_vals, lapack_vecs) = a.eigh(UPLO::Lower).expect("LAPACK eigh");
        let fm = Mat::from_fn(n, n, |i, j| a[[i, j]]);
        let evd = fm.self_adjoint_eigen(Side::Lower).expect("faer eigh");
        let (vals, vecs) = (evd.S(), evd.U());
        for i in 0..n {
            // Both sort ascending.
            assert!(
                (vals[i] - lapack_vals[i]).abs() <= 1e-10 * lapack_vals[i].abs(),
                "eigenvalue {i}"
            );
            // Eigenvectors agree up to sign.
            let dot: f64 = (0..n).map(|r| vecs[(r, i)] * lapack_vecs[[r, i]]).sum();
            assert!(
                (dot.abs() - 1.0).abs() < 1e-8,
                "eigenvector {i}: |cos| = {}",
                dot.abs()
            );
        }
    }
}
