//! Part 2: PCA of Fashion-MNIST's training images — the spectrum, the leading eigenvectors,
//! reconstructions from k components, and PCA whitening with the noise it amplifies.

use std::path::PathBuf;

use ndarray::{ArrayView2, s};
use nnlab::data::preprocess::{Pca, covariance, feature_mean};
use nnlab::report::numbers::{Numbers, percent_of, sig3, thousands};
use nnlab::report::plot::{Figure, ImageGrid, LineChart, Series, short_number};
use nnlab::report::results::ResultsDir;

/// The epsilons whose whitened images the chapter shows (pixels in [0, 1]; 1e-5 is CS231n's).
pub const SHOWN_EPS: [f64; 3] = [0.1, 0.01, 1e-5];
/// Components of the reconstructions shown.
const KS: [usize; 4] = [10, 50, 200, 784];
/// Validation images shown.
const SHOWN: usize = 6;

#[derive(serde::Serialize)]
struct SpectrumRow {
    component: usize,
    eigenvalue: f64,
    explained: f64,
}

/// The number of leading components that explain at least `share` of the variance.
fn components_for(explained: &[f64], share: f64) -> usize {
    explained
        .iter()
        .position(|&e| e >= share)
        .map_or(explained.len(), |i| i + 1)
}

fn images(x: &ndarray::Array2<f64>) -> Vec<Vec<f64>> {
    x.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// Writes `spectrum.csv` and the figures `spectrum`, `eigenvectors`, `reconstructions` and
/// `whitened`; quotes what they show. `white_train` is the training set whitened with `train_eps`
/// (what the training part trains on): its covariance is checked here.
pub fn run(
    pca: &Pca,
    white_train: &ndarray::Array2<f64>,
    x_val: ArrayView2<f32>,
    train_eps: f64,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let lambda = &pca.eigen.values;
    let d = lambda.len();
    let explained = pca.explained_variance();
    let rows = (0..d).map(|i| SpectrumRow {
        component: i + 1,
        eigenvalue: lambda[i],
        explained: explained[i],
    });
    let mut outputs = vec![out.write_csv("spectrum.csv", rows)?];
    let k99 = components_for(&explained, 0.99);
    numbers
        .value("components_90", components_for(&explained, 0.90))
        .value("components_95", components_for(&explained, 0.95))
        .value("components_99", k99)
        .percent("first_component", explained[0], 1)
        .percent("first_10", explained[9.min(d - 1)], 1)
        .value("lambda_max", sig3(lambda[0]))
        .value("lambda_min", sig3(lambda[d - 1]))
        .value(
            "total_variance",
            sig3(lambda.iter().map(|l| l.max(0.0)).sum()),
        );

    // The spectrum: explained variance, and the eigenvalues against the shown epsilons.
    let cumulative = (explained.iter().enumerate())
        .map(|(i, &e)| ((i + 1) as f64, e))
        .collect();
    let spectrum = (lambda.iter().enumerate())
        .map(|(i, &l)| ((i + 1) as f64, l.max(1e-12)))
        .collect();
    let mut eig_series = vec![Series::new("eigenvalue", spectrum)];
    for (c, eps) in SHOWN_EPS.iter().enumerate() {
        eig_series.push(
            Series::new(
                format!("eps = {}", short_number(*eps)),
                vec![(1.0, *eps), (d as f64, *eps)],
            )
            .colored(c + 1),
        );
    }
    let panels = vec![
        LineChart::new(
            "explained variance",
            "components k",
            "share of the variance",
        )
        .log_x()
        .with(vec![Series::new("first k components", cumulative)])
        .into(),
        LineChart::new("eigenvalues of the covariance", "component", "eigenvalue")
            .log_y()
            .with(eig_series)
            .into(),
    ];
    outputs.extend(Figure::pair(panels, 400).save(out.dir(), "spectrum")?);

    // The leading eigenvectors as images.
    let vectors = pca.eigen.vectors.slice(s![.., ..16]).t().to_owned();
    let grid = ImageGrid {
        title: "the 16 leading eigenvectors (principal axes)".into(),
        images: images(&vectors),
        captions: (1..=16).map(|i| i.to_string()).collect(),
        width: 28,
        height: 28,
        cols: 8,
    };
    outputs.extend(Figure::single(grid, (900, 280)).save(out.dir(), "eigenvectors")?);

    // Validation images rebuilt from k components, and the share of their variance each k misses.
    let shown = x_val.slice(s![..SHOWN, ..]);
    let mut recon = shown.mapv(f64::from);
    let mut captions: Vec<String> = vec!["original".into(); SHOWN];
    let centred_sq = (x_val.mapv(f64::from) - &pca.mean).mapv(|v| v * v).sum();
    let mut errors = Vec::new();
    for k in KS {
        let r = pca.reconstruct(shown, k);
        recon.append(ndarray::Axis(0), r.view())?;
        captions.extend(std::iter::repeat_n(format!("k = {k}"), SHOWN));
        let all = pca.reconstruct(x_val, k);
        let err = (all - x_val.mapv(f64::from)).mapv(|v| v * v).sum() / centred_sq;
        numbers.percent(&format!("recon_error_{k}"), err, 1);
        errors.push(vec![
            k.to_string(),
            percent_of(err, 1),
            percent_of(explained[k - 1], 1),
        ]);
    }
    let header = [
        "components k",
        "validation variance missed",
        "training variance explained",
    ];
    numbers.table("reconstruction", &header, &errors);
    let grid = ImageGrid {
        title: "validation images rebuilt from k components".into(),
        images: images(&recon),
        captions,
        width: 28,
        height: 28,
        cols: SHOWN,
    };
    outputs.extend(Figure::single(grid, (720, 720)).save(out.dir(), "reconstructions")?);

    // Whitening: the covariance of the whitened training set, and what each epsilon amplifies.
    let c = covariance(white_train.view(), &feature_mean(white_train.view()));
    let want = lambda.mapv(|l| l.max(0.0) / (l.max(0.0) + train_eps));
    let mut off = 0.0f64;
    for ((i, j), &v) in c.indexed_iter() {
        let target = if i == j { want[i] } else { 0.0 };
        off = off.max((v - target).abs());
    }
    numbers
        .value("whitened_cov_error", sig3(off))
        .value("train_eps", train_eps);
    let mut table = Vec::new();
    let mut shown_white = Vec::new();
    let mut white_captions = Vec::new();
    for eps in SHOWN_EPS {
        let gain = lambda.mapv(|l| l.max(0.0) / (l.max(0.0) + eps));
        let identity = gain.iter().filter(|&&g| g > 0.99).count();
        let tail = gain.slice(s![k99..]).sum() / gain.sum();
        table.push(vec![
            short_number(eps),
            identity.to_string(),
            percent_of(tail, 1),
        ]);
        let z = pca.unrotate(&pca.whiten(shown, eps));
        shown_white.extend(images(&z));
        white_captions.extend(std::iter::repeat_n(
            format!("eps = {}", short_number(eps)),
            SHOWN,
        ));
    }
    let header = [
        "eps".to_string(),
        "components whitened to within 1% of variance 1".to_string(),
        format!(
            "share of the whitened variance in the last {} components",
            d - k99
        ),
    ];
    numbers
        .table("whitening", &header, &table)
        .value("tail_components", d - k99)
        .value("train_rows", thousands(white_train.nrows()));
    let mut all = images(&shown.mapv(f64::from));
    all.extend(shown_white);
    let mut captions: Vec<String> = vec!["original".into(); SHOWN];
    captions.extend(white_captions);
    let grid = ImageGrid {
        title: "whitened validation images (ZCA: rotated back to pixels)".into(),
        images: all,
        captions,
        width: 28,
        height: 28,
        cols: SHOWN,
    };
    outputs.extend(Figure::single(grid, (720, 600)).save(out.dir(), "whitened")?);
    Ok(outputs)
}
