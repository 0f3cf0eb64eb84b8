//! Parts 2 and 3: what the trained network learned (its C1 filters, one test image's feature
//! maps after C1 and C3) and the test set's confusion matrix.

use std::path::PathBuf;

use ndarray::s;
use nnlab::data::fashion::{CLASS_NAMES, Prepared};
use nnlab::nn::lenet::LeNetVariant;
use nnlab::nn::network::Sequential;
use nnlab::procedures::metrics::confusion_matrix;
use nnlab::report::numbers::{Numbers, thousands};
use nnlab::report::plot::{Figure, Heatmap, ImageGrid};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

#[derive(Serialize)]
struct ConfusionRow {
    true_label: usize,
    true_class: &'static str,
    predicted_label: usize,
    predicted_class: &'static str,
    count: usize,
}

/// The hardest class (fewest right), how many of its images were right, and the three classes it
/// was most often taken for, with their counts.
fn quote_confusion(numbers: &mut Numbers, counts: &[Vec<usize>]) {
    let right = |t: usize| counts[t][t];
    let hardest = (0..counts.len())
        .min_by_key(|&t| right(t))
        .expect("classes");
    let mut wrong: Vec<(usize, usize)> = (0..counts.len())
        .filter(|&p| p != hardest)
        .map(|p| (p, counts[hardest][p]))
        .collect();
    wrong.sort_by_key(|&(p, c)| (std::cmp::Reverse(c), p));
    let taken_for: Vec<String> = wrong
        .iter()
        .take(3)
        .map(|&(p, c)| format!("{c} as {}", CLASS_NAMES[p]))
        .collect();
    numbers
        .value("hardest_class", CLASS_NAMES[hardest])
        .value("hardest_right", right(hardest))
        .value("hardest_total", thousands(counts[hardest].iter().sum()))
        .value("hardest_taken_for", taken_for.join(", "))
        .value("test_images", thousands(counts.iter().flatten().sum()));
}

/// Writes `filters.png`, `feature_maps.png`, `confusion.csv` and `confusion.png` for `net`, whose
/// predictions on `d`'s test set are `test_pred`.
pub fn run(
    net: &mut Sequential<f32>,
    variant: LeNetVariant,
    d: &Prepared<f32>,
    test_pred: &[usize],
    test_accuracy: f64,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut outputs = Vec::new();
    // Part 2: what the network learned. C1's filters are the first parameter tensor (6x1x5x5).
    let c1 = net.params()[0].value.to_vec();
    let filters = ImageGrid {
        title: "LeNet-5: the six learned C1 filters (5x5)".into(),
        images: c1.chunks(25).map(to_f64).collect(),
        captions: (1..=6).map(|i| format!("filter {i}")).collect(),
        width: 5,
        height: 5,
        cols: 6,
    };
    outputs.extend(Figure::single(filters, (900, 220)).save(out.dir(), "filters")?);
    let image = d.x_test.slice(s![0..1, ..]);
    let (after_c1, after_c3) = (
        net.forward_through(image, variant.after_c1()),
        net.forward_through(image, variant.after_c3()),
    );
    let mut c1_images = vec![to_f64(image.as_slice().expect("row"))];
    c1_images.extend(
        after_c1
            .as_slice()
            .expect("row")
            .chunks(28 * 28)
            .map(to_f64),
    );
    let mut c1_captions = vec![format!("input: {}", CLASS_NAMES[d.y_test[0]])];
    c1_captions.extend((1..=6).map(|i| format!("C1 map {i}")));
    let maps = vec![
        ImageGrid {
            title: "a test image and its 6 maps after C1 + ReLU (28x28)".into(),
            images: c1_images,
            captions: c1_captions,
            width: 28,
            height: 28,
            cols: 4,
        }
        .into(),
        ImageGrid {
            title: "its 16 maps after C3 + ReLU (10x10)".into(),
            images: after_c3
                .as_slice()
                .expect("row")
                .chunks(100)
                .map(to_f64)
                .collect(),
            captions: (1..=16).map(|i| format!("C3 map {i}")).collect(),
            width: 10,
            height: 10,
            cols: 8,
        }
        .into(),
    ];
    outputs.extend(Figure::column(maps, 330).save(out.dir(), "feature_maps")?);

    // Part 3: the confusion matrix on the test set.
    let counts = confusion_matrix(test_pred, &d.y_test, CLASS_NAMES.len());
    let confusion = (0..CLASS_NAMES.len()).flat_map(|t| {
        let row = &counts[t];
        (0..CLASS_NAMES.len()).map(move |p| ConfusionRow {
            true_label: t,
            true_class: CLASS_NAMES[t],
            predicted_label: p,
            predicted_class: CLASS_NAMES[p],
            count: row[p],
        })
    });
    quote_confusion(numbers, &counts);
    outputs.push(out.write_csv("confusion.csv", confusion)?);
    let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
    let heatmap = Heatmap {
        title: format!(
            "LeNet-5 on the {} test images: {:.1}% correct",
            d.y_test.len(),
            100.0 * test_accuracy
        ),
        row_label: "true class".into(),
        col_label: "predicted class".into(),
        rows: names.clone(),
        cols: names,
        values: counts
            .iter()
            .map(|r| r.iter().map(|&c| c as f64).collect())
            .collect(),
    };
    outputs.extend(Figure::single(heatmap, (900, 820)).save(out.dir(), "confusion")?);

    Ok(outputs)
}

/// `f32` values as `f64` (the plots' number type).
fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}
