//! The library applies no process-wide setting of its own: large optimizer state uses the ordinary
//! allocator and training leaves rayon's idle workers alone until a program asks otherwise, as the
//! experiment binaries and benches do with `cli::hot_loop_settings`. One test in its own process,
//! so no other test has switched anything yet.

use nnlab::runtime::buffer::StateVec;

#[test]
fn nothing_is_switched_on_by_importing_the_library() {
    let big = 2 << 20; // 8 MB of f32, above the huge-page threshold
    assert!(!StateVec::<f32>::zeros(big).is_huge());
    assert!(!nnlab::runtime::parallel::warm_training());
    nnlab::report::cli::hot_loop_settings();
    assert!(StateVec::<f32>::zeros(big).is_huge());
    assert!(nnlab::runtime::parallel::warm_training());
    // Small buffers stay on the ordinary allocator either way.
    assert!(!StateVec::<f32>::zeros(1000).is_huge());
}
