//! Counts the name look-ups of planning a header (in tests only), so that a test can show the
//! work grows with the columns and not with their product.

#[cfg(test)]
thread_local! {
    static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One look-up of a name while a header is planned.
#[inline(always)]
pub(crate) fn note() {
    #[cfg(test)]
    COUNT.with(|c| c.set(c.get() + 1));
}

/// The look-ups since the last `take` on this thread.
#[cfg(test)]
pub(crate) fn take() -> usize {
    COUNT.with(|c| c.replace(0))
}
