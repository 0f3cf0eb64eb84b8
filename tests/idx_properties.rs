//! The IDX loader on arbitrary input: every header, truncation and size gives an error naming the
//! file or a valid data set, never a panic, and a compressed file is never inflated past what its
//! header announces.

use flate2::{Compression, write::GzEncoder};
use nnlab::data::idx::{IdxArray, read_decompressed, to_idx_bytes};
use nnlab::data::{DataSource, FashionMnist, read_idx};
use proptest::prelude::*;
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A file's bytes: a well-formed array (dims up to 3 of up to 6), then cut, extended or with a
/// byte of its header changed; gzip-compressed or raw.
fn file() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(0usize..6, 1..4),
        any::<u8>(),
        prop_oneof![
            Just(None),
            (0usize..64).prop_map(|n| Some(Err(n))),
            (0usize..64).prop_map(|n| Some(Ok(n)))
        ],
        prop::option::of((0usize..16, any::<u8>())),
        any::<bool>(),
    )
        .prop_map(|(dims, fill, resize, poke, compress)| {
            let n: usize = dims.iter().product();
            let mut bytes = to_idx_bytes(&IdxArray {
                dims,
                data: vec![fill % 10; n],
            });
            match resize {
                Some(Err(cut)) => bytes.truncate(bytes.len().saturating_sub(cut)),
                Some(Ok(extra)) => bytes.extend(std::iter::repeat_n(0, extra)),
                None => {}
            }
            if let Some((at, value)) = poke
                && at < bytes.len()
            {
                bytes[at] = value;
            }
            if compress { gzip(&bytes) } else { bytes }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_file_reads_or_is_refused_naming_it(bytes in file()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-idx3-ubyte");
        std::fs::write(&path, &bytes).unwrap();
        match read_idx(&path) {
            Ok(a) => prop_assert_eq!(a.data.len(), a.dims.iter().product::<usize>()),
            Err(e) => prop_assert!(e.to_string().contains("x-idx3-ubyte"), "{}", e),
        }
    }

    #[test]
    fn any_folder_loads_a_consistent_set_or_is_refused(
        files in prop::collection::vec(file(), 4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ];
        for (name, bytes) in names.iter().zip(&files) {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let source = DataSource {
            dir: dir.path().to_path_buf(),
            found_via: "--data-dir",
            must_be_original: false,
        };
        if let Ok(d) = FashionMnist::<f32>::load(source) {
            let (rows, cols) = d.image;
            prop_assert_eq!(d.x_train.dim(), (d.y_train.len(), rows * cols));
            prop_assert_eq!(d.x_test.dim(), (d.y_test.len(), rows * cols));
            prop_assert!(d.y_train.iter().chain(&d.y_test).all(|&l| l < 10));
        }
    }
}

/// A 5 kB gzip stream that inflates to 1 MB of zeros after a 10-byte array stops being read
/// one byte past what its header announces, and is refused as trailing data.
#[test]
fn a_compressed_file_is_not_inflated_past_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb");
    let mut bytes = to_idx_bytes(&IdxArray {
        dims: vec![10],
        data: vec![1; 10],
    });
    bytes.extend(std::iter::repeat_n(0, 1 << 20));
    let packed = gzip(&bytes);
    assert!(packed.len() < 8_192, "{}", packed.len());
    std::fs::write(&path, packed).unwrap();
    let read = read_decompressed(&path).unwrap();
    assert_eq!(
        read.len(),
        8 + 10 + 1,
        "the header, the data and one byte more"
    );
    let e = read_idx(&path).unwrap_err().to_string();
    assert!(e.contains("trailing") && e.contains("bomb"), "{e}");
}
