//! Host tests of the file system calls, over the fake machine of `crate::testing`.
