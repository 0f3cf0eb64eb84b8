//! Machinery that decides where and how fast code runs, never what it computes: keeping the thread
//! pool awake and running jobs side by side ([`parallel`]), huge-page buffers for optimizer state
//! ([`buffer`]), the process's memory settings ([`memory`]), wall-clock timing ([`timing`]), the
//! machine a timing was taken on ([`machine`]) the instruction-set tier the hot kernels run at
//! ([`tier`]) and the run-time dispatch that compiles them for each tier ([`simd`]).

pub mod buffer;
pub mod machine;
pub mod memory;
pub mod parallel;
pub mod simd;
pub mod tier;
pub mod timing;
