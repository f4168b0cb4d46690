//! Work done inside functions (comparing or printing large values) counted against the render's
//! step budget, per thread: such work happens below the evaluator, in code that returns plain
//! values, so it is counted here and checked by the evaluator after each call.

use std::cell::Cell;

thread_local! {
    static DONE: Cell<u64> = const { Cell::new(0) };
    static LIMIT: Cell<u64> = const { Cell::new(u64::MAX) };
    static ROOM: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Start counting for one render: at most `limit` units, strings of at most `room` bytes.
pub(super) fn start(limit: u64, room: usize) {
    DONE.with(|d| d.set(0));
    LIMIT.with(|l| l.set(limit));
    ROOM.with(|r| r.set(room));
}

/// Count `units` of work; false once the limit is passed (the caller stops early).
pub(super) fn spend(units: u64) -> bool {
    let done = DONE.with(|d| {
        let done = d.get().saturating_add(units);
        d.set(done);
        done
    });
    done <= LIMIT.with(Cell::get)
}

/// Units counted since [`start`].
pub(super) fn done() -> u64 {
    DONE.with(Cell::get)
}

/// The longest string a function may build.
pub(super) fn room() -> usize {
    ROOM.with(Cell::get)
}
