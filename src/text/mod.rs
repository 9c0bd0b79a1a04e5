//! Text for people: escaping of names an attacker may choose, byte sizes, and endpoints and
//! protocols written the way netstat writes them.

pub mod endpoint;
pub mod escape;
pub mod path;
pub mod size;
