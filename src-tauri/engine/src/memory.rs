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

/// Gives the heap's free pages back to the kernel. glibc keeps what a
/// burst of work freed (a refresh's JSON, its rows, the events built from
/// it) mapped for the next burst; in a process that then idles for seconds
/// those pages are only resident memory (BENCHMARKS.md: the window's idle
/// figure). A walk of the free lists: well under a millisecond for this
/// app's heap, so call it after a burst, not in a loop. Elsewhere than
/// glibc it does nothing.
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: malloc_trim takes the padding to keep and only returns free
    // memory to the kernel; glibc locks each arena while it does.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Lets the kernel take back the pages of this executable that the process
/// has touched so far (`MADV_PAGEOUT`). Start-up runs code that idling never
/// does again (opening and migrating the store, building the window, the
/// first fetch), and the kernel maps an executable's page cache in large
/// folios, so that code stays resident as long as the process lives
/// (BENCHMARKS.md: most of the window's lead over a bare Tauri window). What
/// later work runs is read back in as it runs. Call it once start-up is
/// over. Elsewhere than Linux it does nothing.
pub fn release_startup_code() {
    #[cfg(target_os = "linux")]
    if let Ok(exe) = std::fs::read_link("/proc/self/exe") {
        let released = page_out(&exe);
        tracing::debug!(mapped_bytes = released, "start-up code released");
    }
}

/// `MADV_PAGEOUT` over every read-only mapping of `file` in this process;
/// the bytes those mappings span. The kernel skips pages another process
/// maps too.
#[cfg(target_os = "linux")]
fn page_out(file: &std::path::Path) -> usize {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return 0;
    };
    let mut released = 0;
    for line in maps.lines() {
        // start-end perms offset dev inode path
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [range, perms, _, _, _, path] = fields[..] else {
            continue;
        };
        if std::path::Path::new(path) != file || perms.contains('w') {
            continue;
        }
        let Some((Ok(start), Ok(end))) = range
            .split_once('-')
            .map(|(a, b)| (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)))
        else {
            continue;
        };
        #[allow(unsafe_code)]
        // SAFETY: the range is a whole read-only, file-backed mapping of this
        // process's own; MADV_PAGEOUT only drops its pages from memory (they
        // are read back on use), never changes what they hold.
        let rc =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT) };
        if rc == 0 {
            released += end - start;
        }
    }
    released
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// KiB resident (Rss) in the mappings of /proc/self/smaps that `pick` accepts by path.
    fn resident_kib(pick: impl Fn(&str) -> bool) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut counting = false;
        let mut kib = 0;
        for line in smaps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields
                .first()
                .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
            {
                counting = pick(fields.get(5).copied().unwrap_or(""));
            } else if counting && fields.first() == Some(&"Rss:") {
                kib += fields[1].parse::<u64>().expect("Rss in KiB");
            }
        }
        kib
    }

    /// Runs the test `name` again, alone in a new process of this test
    /// binary, and true once it passed there; false in that process, which
    /// then measures. Other tests running beside it (their code paged in,
    /// their allocations) would move the figures.
    fn passed_alone(name: &str) -> bool {
        const ALONE: &str = "COINLYTICS_TEST_ALONE";
        if std::env::var_os(ALONE).is_some() {
            return false;
        }
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(ALONE, "1")
            .output()
            .expect("run the test alone");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        true
    }

    #[test]
    fn read_only_file_pages_leave_memory_until_they_are_read_again() {
        // A file of 8 MiB of our own, mapped read-only by this process
        // alone (the kernel keeps pages another process maps), all read.
        const LEN: usize = 8 << 20;
        // Beside the test binary: a tmpfs /tmp would keep its pages (they
        // could only go to swap).
        let dir = std::env::current_exe().expect("test binary");
        let path = dir.with_file_name(format!("coinlytics-page-out-{}", std::process::id()));
        std::fs::write(&path, vec![7u8; LEN]).expect("write the file");
        let file = std::fs::File::open(&path).expect("open the file");
        let path_str = path.to_str().expect("a UTF-8 path").to_owned();
        #[allow(unsafe_code)]
        // SAFETY: a new private read-only mapping of a file we wrote, read
        // within its length and unmapped before the file goes.
        let (sum, resident, after) = unsafe {
            use std::os::fd::AsRawFd;
            let at = libc::mmap(
                std::ptr::null_mut(),
                LEN,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            );
            assert_ne!(at, libc::MAP_FAILED, "mmap");
            let bytes = std::slice::from_raw_parts(at as *const u8, LEN);
            let sum: u64 = bytes.iter().step_by(4096).map(|b| u64::from(*b)).sum();
            let resident = resident_kib(|p| p == path_str);
            assert_eq!(page_out(&path), LEN);
            let after = resident_kib(|p| p == path_str);
            libc::munmap(at, LEN);
            (sum, resident, after)
        };
        std::fs::remove_file(&path).expect("remove the file");
        assert_eq!(sum, 7 * (LEN / 4096) as u64);
        assert!(
            resident >= 8 * 1024 - 64,
            "the mapping was not read in: {resident} KiB"
        );
        assert!(
            after < 1024,
            "{after} KiB of the mapping still resident after the page-out"
        );
    }

    #[test]
    fn freed_heap_goes_back_to_the_kernel() {
        if passed_alone("memory::tests::freed_heap_goes_back_to_the_kernel") {
            return;
        }
        // Many small blocks (below the mmap threshold), so they come from
        // the heap, then all freed but the last, which keeps the heap's top.
        let blocks: Vec<Vec<u8>> = (0..4096).map(|i| vec![i as u8; 8 * 1024]).collect();
        let keep = blocks.last().cloned();
        let full = resident_kib(|p| p == "[heap]" || p.is_empty());
        drop(blocks);
        release_free_heap();
        let trimmed = resident_kib(|p| p == "[heap]" || p.is_empty());
        assert!(
            full - trimmed > 16 * 1024,
            "32 MiB freed, but resident heap went only from {full} to {trimmed} KiB"
        );
        drop(keep);
    }
}
