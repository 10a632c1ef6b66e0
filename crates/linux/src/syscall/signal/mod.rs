//! Signals. Dispositions and the mask are recorded exactly; delivery to handlers arrives with
//! threads (issue 4). A signal whose disposition is the default action ends the app as Linux
//! would (128 + signal), and an ignored one is dropped.

pub mod action;
pub mod altstack;
pub mod kill;
pub mod mask;
