//! Running dependency code that may panic on degenerate input (geo's polygon repair asserts on some
//! rings) so that its panic becomes an error message instead of a crash, without printing a backtrace.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`quietly`]: its panics are caught and reported as errors.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic inside it is returned as `Err` with its message. The panic hook stays silent for
/// such panics only (every other panic, on any thread, is reported as before).
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_owned());
        format!("the repair failed ({message})")
    })
}

#[cfg(test)]
mod tests {
    use super::quietly;

    #[test]
    fn a_panic_becomes_its_message_and_other_results_pass_through() {
        assert_eq!(quietly(|| 7), Ok(7));
        let failed: Result<(), String> = quietly(|| panic!("assertion failed: x"));
        assert_eq!(failed, Err("the repair failed (assertion failed: x)".to_owned()));
    }
}
