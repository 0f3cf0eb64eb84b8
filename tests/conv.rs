//! Convolution and pooling: each fast path (im2col, wide rows) against the naive definition on
//! awkward and random shapes (f64, 1e-10), gradient checks of every path, and thread-count
//! independence.

use ndarray::{Array1, Array4, ArrayView4};
use nnlab::nn::layers::conv::{ConvAlgo, ConvParams, out_size};
use nnlab::nn::layers::pool::{PoolKind, PoolParams, pool_backward, pool_forward};
use nnlab::procedures::gradcheck::{max_rel_error, numerical_gradient};

mod common {
    pub mod conv_shapes;
}
use common::conv_shapes::{Shape4, max_abs_diff, random4, shapes};

#[test]
fn every_fast_path_matches_the_definition_forward_and_backward() {
    let mut checked = [0usize; ConvAlgo::ALL.len()];
    for (k, (xs, ws, stride, pad)) in shapes().into_iter().enumerate() {
        let p = ConvParams { stride, pad };
        let x = random4(xs, 10 + k as u64);
        let w = random4(ws, 20 + k as u64);
        let b = Array1::from_shape_fn(ws.0, |f| 0.1 * f as f64 - 0.2);
        let naive = ConvAlgo::Naive.forward(x.view(), w.view(), b.view(), p);
        let dout = random4(naive.dim(), 30 + k as u64);
        let (dx0, dw0, db0) = ConvAlgo::Naive.backward(dout.view(), x.view(), w.view(), p);
        for (a, algo) in ConvAlgo::ALL.into_iter().enumerate().skip(1) {
            if !algo.supports(p) {
                continue;
            }
            checked[a] += 1;
            let case = format!("{} {xs:?} {ws:?} s{stride} p{pad}", algo.name());
            let fast = algo.forward(x.view(), w.view(), b.view(), p);
            assert_eq!(naive.dim(), fast.dim(), "{case}");
            let err = max_abs_diff(naive.as_slice().unwrap(), fast.as_slice().unwrap());
            assert!(err < 1e-10, "forward {case}: {err:e}");
            let (dx1, dw1, db1) = algo.backward(dout.view(), x.view(), w.view(), p);
            // A first layer asks for the weight gradients alone: the same bits.
            let (dw2, db2) = algo.weight_grads(dout.view(), x.view(), w.view(), p);
            assert_eq!((&dw1, &db1), (&dw2, &db2), "{case}");
            for (name, a, b) in [
                ("dx", dx0.as_slice().unwrap(), dx1.as_slice().unwrap()),
                ("dw", dw0.as_slice().unwrap(), dw1.as_slice().unwrap()),
                ("db", db0.as_slice().unwrap(), db1.as_slice().unwrap()),
            ] {
                let err = max_abs_diff(a, b);
                assert!(err < 1e-10, "{name} {case}: {err:e}");
            }
        }
    }
    // Both fast paths really ran, on many shapes.
    assert!(
        checked[1] >= 20 && checked[2] >= 12 && checked[3] >= 12,
        "{checked:?}"
    );
}

/// `L = Σ out ⊙ dout`, so `∂L/∂(x, w, b)` is the backward pass of `dout`.
fn check_conv_gradients(algo: ConvAlgo, xs: Shape4, ws: Shape4, p: ConvParams) {
    let mut x = random4(xs, 1);
    let mut w = random4(ws, 2);
    let mut b = Array1::from_shape_fn(ws.0, |f| 0.3 - 0.2 * f as f64);
    let out = algo.forward(x.view(), w.view(), b.view(), p);
    let dout = random4(out.dim(), 3);
    let (dx, dw, db) = algo.backward(dout.view(), x.view(), w.view(), p);
    let loss = |o: Array4<f64>| (&o * &dout).sum();
    let (w0, b0) = (w.clone(), b.clone());
    let nx = numerical_gradient(
        |v| {
            loss(algo.forward(
                ArrayView4::from_shape(xs, v).unwrap(),
                w0.view(),
                b0.view(),
                p,
            ))
        },
        x.as_slice_mut().unwrap(),
        1e-5,
    );
    let x0 = x.clone();
    let nw = numerical_gradient(
        |v| {
            loss(algo.forward(
                x0.view(),
                ArrayView4::from_shape(ws, v).unwrap(),
                b0.view(),
                p,
            ))
        },
        w.as_slice_mut().unwrap(),
        1e-5,
    );
    let nb = numerical_gradient(
        |v| loss(algo.forward(x0.view(), w0.view(), ndarray::ArrayView1::from(v), p)),
        b.as_slice_mut().unwrap(),
        1e-5,
    );
    assert!(
        max_rel_error(dx.as_slice().unwrap(), &nx, 1e-8) < 1e-7,
        "dx {}",
        algo.name()
    );
    assert!(
        max_rel_error(dw.as_slice().unwrap(), &nw, 1e-8) < 1e-7,
        "dw {}",
        algo.name()
    );
    assert!(
        max_rel_error(db.as_slice().unwrap(), &nb, 1e-8) < 1e-7,
        "db {}",
        algo.name()
    );
}

#[test]
fn every_convolution_path_passes_the_gradient_check() {
    for algo in ConvAlgo::ALL {
        check_conv_gradients(
            algo,
            (2, 2, 6, 5),
            (3, 2, 3, 3),
            ConvParams { stride: 1, pad: 1 },
        );
    }
    // A stride that does not tile: the rows and columns no window reads get zero gradient.
    let p = ConvParams { stride: 2, pad: 0 };
    for algo in ConvAlgo::ALL.into_iter().filter(|a| a.supports(p)) {
        check_conv_gradients(algo, (2, 2, 8, 6), (3, 2, 3, 3), p);
    }
    let (x, w) = (random4((1, 1, 8, 6), 4), random4((1, 1, 3, 3), 5));
    let dout = random4((1, 1, 3, 2), 6);
    for algo in [ConvAlgo::Naive, ConvAlgo::Im2col] {
        let (dx, _, _) = algo.backward(dout.view(), x.view(), w.view(), p);
        assert!(
            dx.slice(ndarray::s![.., .., 7, ..])
                .iter()
                .all(|&v| v == 0.0)
        );
        assert!(
            dx.slice(ndarray::s![.., .., .., 5])
                .iter()
                .all(|&v| v == 0.0)
        );
    }
}

#[test]
fn pooling_gradients_check_and_route() {
    // 2x2 stride 2 has its own max kernels; 3x3 stride 1 and 2x2 stride 1 take the general ones.
    for (p, ho, wo) in [
        (PoolParams { size: 2, stride: 2 }, 3, 2),
        (PoolParams { size: 3, stride: 1 }, 4, 2),
        (PoolParams { size: 2, stride: 1 }, 5, 3),
    ] {
        for kind in [PoolKind::Max, PoolKind::Average] {
            let mut x = random4((2, 3, 6, 4), 4);
            let out = pool_forward(x.view(), kind, p);
            assert_eq!(out.dim(), (2, 3, ho, wo));
            let dout = random4(out.dim(), 5);
            let dx = pool_backward(dout.view(), x.view(), kind, p);
            let num = numerical_gradient(
                |v| {
                    (&pool_forward(ArrayView4::from_shape((2, 3, 6, 4), v).unwrap(), kind, p)
                        * &dout)
                        .sum()
                },
                x.as_slice_mut().unwrap(),
                1e-5,
            );
            let err = max_rel_error(dx.as_slice().unwrap(), &num, 1e-8);
            assert!(err < 1e-7, "{kind:?} {p:?}: {err:e}");
        }
        // Ties go to the first maximum in scan order, in the special and the general kernels.
        let ties = Array4::from_shape_vec(
            (1, 1, 3, 3),
            vec![1.0, 4.0, 4.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0],
        )
        .unwrap();
        let x = ties
            .slice(ndarray::s![.., .., ..p.size, ..p.size])
            .to_owned();
        let g = Array4::from_elem((1, 1, 1, 1), 1.0);
        let dx = pool_backward(
            g.view(),
            x.view(),
            PoolKind::Max,
            PoolParams {
                size: p.size,
                stride: p.size,
            },
        );
        assert_eq!(dx[[0, 0, 0, 1]], 1.0, "{p:?}");
        assert_eq!(dx.sum(), 1.0);
    }
    // Values by hand: one 2x2 window.
    let x = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 4.0, 3.0, 2.0]).unwrap();
    let p = PoolParams { size: 2, stride: 2 };
    assert_eq!(pool_forward(x.view(), PoolKind::Max, p)[[0, 0, 0, 0]], 4.0);
    assert_eq!(
        pool_forward(x.view(), PoolKind::Average, p)[[0, 0, 0, 0]],
        2.5
    );
    let g = Array4::from_elem((1, 1, 1, 1), 1.0);
    assert_eq!(
        pool_backward(g.view(), x.view(), PoolKind::Max, p)
            .into_raw_vec_and_offset()
            .0,
        vec![0.0, 1.0, 0.0, 0.0]
    );
    assert_eq!(
        pool_backward(g.view(), x.view(), PoolKind::Average, p)
            .into_raw_vec_and_offset()
            .0,
        vec![0.25; 4]
    );
}

#[test]
fn fast_paths_do_not_depend_on_the_thread_count() {
    let (xs, ws, p) = (
        (5, 3, 10, 10),
        (4, 3, 3, 3),
        ConvParams { stride: 1, pad: 1 },
    );
    let (x, w) = (
        random4(xs, 6).mapv(|v| v as f32),
        random4(ws, 7).mapv(|v| v as f32),
    );
    let b = Array1::from_elem(4, 0.5f32);
    for algo in [ConvAlgo::Im2col, ConvAlgo::Wide, ConvAlgo::Interleaved] {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let out = algo.forward(x.view(), w.view(), b.view(), p);
                let (dx, dw, db) = algo.backward(out.view(), x.view(), w.view(), p);
                (out, dx, dw, db)
            })
        };
        let (a, b2) = (run(1), run(2));
        assert_eq!(a.0, b2.0, "{}", algo.name());
        assert_eq!(a.1, b2.1, "{}", algo.name());
        assert_eq!(a.2, b2.2, "{}", algo.name());
        assert_eq!(a.3, b2.3, "{}", algo.name());
    }
}

#[test]
fn output_sizes_and_refusals() {
    assert_eq!(out_size(32, 5, 1, 0), Some(28)); // LeNet C1
    assert_eq!(out_size(28, 5, 1, 2), Some(28));
    assert_eq!(out_size(7, 3, 2, 0), Some(3));
    // PyTorch's rule: floor((8 - 3) / 2) + 1 = 3 (the last row is never read).
    assert_eq!(
        out_size(8, 3, 2, 0),
        Some(3),
        "a stride that does not tile rounds down"
    );
    assert_eq!(out_size(10, 4, 3, 1), Some(3));
    assert_eq!(out_size(5, 5, 3, 0), Some(1));
    assert_eq!(out_size(4, 5, 1, 0), None, "kernel larger than the input");
    assert_eq!(out_size(4, 3, 0, 0), None, "zero stride");
}
