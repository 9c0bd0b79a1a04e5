//! Files the scanner reads and writes besides its inputs: atomic writes, the trust check on
//! configuration, size limits, the `--state` file and `/etc/services`.

pub mod atomic;
pub mod limits;
pub mod services;
pub mod state;
pub mod trust;
