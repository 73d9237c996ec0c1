#[cfg(not(feature = "std"))]
pub use alloc::{
    str::Chars,
    string::{String, ToString},
    vec::Vec,
};
