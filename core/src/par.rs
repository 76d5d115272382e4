//! `par`: `f` over a slice on every core, results in input order. The
//! slice is cut into one contiguous run per thread (neighbouring items, such
//! as files of one directory, stay together), and a short slice stays on
//! one thread. A panic in `f` is the caller's panic.

/// `f(item)` for each of `items`, in order, using up to one thread per
/// core, and at most one thread per `min_per_thread` items.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    min_per_thread: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(items.len().div_ceil(min_per_thread.max(1)).max(1));
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..10_000).collect();
        assert_eq!(
            super::map(&items, 1, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&items[..3], 64, |i| *i), [0, 1, 2]);
        assert!(super::map(&[] as &[u8], 1, |b| *b).is_empty());
    }
}
