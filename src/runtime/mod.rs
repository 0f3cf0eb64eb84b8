//! Machinery that decides where and how fast code runs, never what it computes: keeping the thread
//! pool awake and running jobs side by side ([`parallel`]), huge-page buffers for optimizer state
//! ([`buffer`]), the process's memory settings ([`memory`]) and wall-clock timing ([`timing`]).

pub mod buffer;
pub mod memory;
pub mod parallel;
pub mod timing;
