//! Part 1: the slide's panels on a correlated 2-D point cloud, computed by the library.

use std::path::PathBuf;

use ndarray::{Array1, Array2, array};
use nnlab::data::preprocess::{Pca, Standardize, covariance, feature_mean};
use nnlab::report::numbers::{Numbers, sig3};
use nnlab::report::plot::{Figure, Scatter};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{randn_array, substream};

#[derive(serde::Serialize)]
struct Row {
    panel: &'static str,
    x: f64,
    y: f64,
}

/// `n` points of N(μ, Σ) with μ = (3, 2) and Σ's axes 2 and 0.5 long, turned by 30 degrees.
fn cloud(n: usize, seed: u64) -> Array2<f64> {
    let z = randn_array::<f64, _>(n, 2, &mut substream(seed, 200));
    let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let shape = array![[2.0 * c, 2.0 * s], [-0.5 * s, 0.5 * c]];
    z.dot(&shape) + &array![3.0, 2.0]
}

/// Writes `cloud.csv` and the figure `cloud`; quotes each panel's covariance.
pub fn run(
    n: usize,
    seed: u64,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let x = cloud(n, seed);
    let mean = feature_mean(x.view());
    let centred = &x - &mean;
    let normalized = Standardize::fit(x.view()).apply(x.view());
    let pca = Pca::fit(x.view())?;
    let decorrelated = pca.decorrelate(x.view());
    let whitened = pca.whiten(x.view(), 1e-5);
    let panels: [(&'static str, &str, &Array2<f64>); 5] = [
        ("original", "original data", &x),
        ("zero_centred", "zero-centred", &centred),
        ("normalized", "normalized", &normalized),
        ("decorrelated", "decorrelated", &decorrelated),
        ("whitened", "whitened", &whitened),
    ];
    let mut rows = Vec::new();
    let mut figure = Vec::new();
    let mut table = Vec::new();
    for (key, title, p) in panels {
        let m: Array1<f64> = feature_mean(p.view());
        let c = covariance(p.view(), &m);
        table.push(vec![
            title.to_string(),
            format!("({}, {})", sig3(m[0]), sig3(m[1])),
            sig3(c[[0, 0]]),
            sig3(c[[1, 1]]),
            sig3(c[[0, 1]]),
        ]);
        numbers.value(&format!("cloud_{key}_cov"), sig3(c[[0, 1]]));
        rows.extend(p.rows().into_iter().map(|r| Row {
            panel: key,
            x: r[0],
            y: r[1],
        }));
        figure.push(
            Scatter {
                title: title.into(),
                points: p.rows().into_iter().map(|r| (r[0], r[1])).collect(),
                classes: vec![0; p.nrows()],
                bounds: Some((-8.0, 8.0)),
            }
            .into(),
        );
    }
    let header = ["panel", "mean (x, y)", "var x", "var y", "cov(x, y)"];
    numbers
        .table("cloud", &header, &table)
        .value("cloud_points", n)
        .value(
            "cloud_eigenvalues",
            format!(
                "{} and {}",
                sig3(pca.eigen.values[0]),
                sig3(pca.eigen.values[1])
            ),
        );
    let mut outputs = vec![out.write_csv("cloud.csv", rows)?];
    // Three small square panels to a row: the shapes compare undistorted on one scale.
    let figure = Figure {
        panels: figure,
        cols: 3,
        panel_size: (300, 300),
    };
    outputs.extend(figure.save(out.dir(), "cloud")?);
    Ok(outputs)
}
