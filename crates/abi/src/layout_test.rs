//! Test helper: pin a struct's size and field offsets to Linux's numbers in one line each.

/// `assert_layout!(Type, size, field = offset, ...)`: fails with the field's name when Rust's
/// layout drifts from the Linux x86_64 one.
macro_rules! assert_layout {
    ($ty:ty, $size:expr $(, $field:ident = $off:expr)* $(,)?) => {{
        assert_eq!(core::mem::size_of::<$ty>(), $size, "size_of::<{}>()", stringify!($ty));
        $(
            assert_eq!(
                core::mem::offset_of!($ty, $field),
                $off,
                "offset of {}::{}",
                stringify!($ty),
                stringify!($field)
            );
        )*
    }};
}
pub(crate) use assert_layout;
