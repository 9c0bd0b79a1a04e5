//! Files the scanner reads and writes besides its inputs: atomic writes, the trust check on
//! configuration, size limits, the `--state` file, where each of them lives on this system
//! (`places`), and the services file.

pub mod atomic;
pub mod limits;
pub mod places;
pub mod privilege;
pub mod services;
pub mod state;
pub mod trust;
