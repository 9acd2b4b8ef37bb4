//! Counts the name look-ups of planning a header and of drafting a mapping (in tests only), so
//! that a test can show the work grows with the columns and not with their product.

#[cfg(test)]
thread_local! {
    static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One look-up of a name while a header is planned.
#[inline(always)]
pub(crate) fn note() {
    add(1);
}

/// `n` look-ups (nothing outside tests).
#[inline(always)]
pub(crate) fn add(n: usize) {
    #[cfg(test)]
    COUNT.with(|c| c.set(c.get() + n));
    #[cfg(not(test))]
    let _ = n;
}

/// The look-ups since the last `take` on this thread.
#[cfg(test)]
pub(crate) fn take() -> usize {
    COUNT.with(|c| c.replace(0))
}
