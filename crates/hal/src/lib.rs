//! osprey-hal (skeleton).
#![no_std]
