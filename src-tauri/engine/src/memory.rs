//! What a process does first to stay small.

/// Caps glibc's malloc arenas at two. glibc gives each thread that
/// allocates an arena of its own (up to eight per core), each holding on to
/// its freed memory; Coinlytics' threads mostly wait on the network and
/// SQLite, which two shared arenas serve as well (BENCHMARKS.md:
/// the terminal ticker's and the window's resident memory). Call it first
/// in `main`, before any thread starts. Elsewhere than glibc it does
/// nothing.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: mallopt takes two integers and only sets a malloc parameter;
    // it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
