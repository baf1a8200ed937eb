//! A global allocator that counts allocation calls while switched on (off: one relaxed load
//! per call, nothing else).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

pub struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
        }
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON.load(Relaxed) {
            REALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

/// Counts so far: (allocations, reallocations, bytes requested).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub allocs: u64,
    pub reallocs: u64,
    pub bytes: u64,
}

/// Zeroes the counters and starts counting.
pub fn start() {
    ALLOCS.store(0, Relaxed);
    REALLOCS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    ON.store(true, Relaxed);
}

/// Stops counting and returns the counts.
pub fn stop() -> Counts {
    ON.store(false, Relaxed);
    Counts {
        allocs: ALLOCS.load(Relaxed),
        reallocs: REALLOCS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
    }
}

// libcurl allocates with C malloc, which a Rust global allocator never sees; libcurl lets a
// program hand it its own allocation functions (`curl_global_init_mem`), so these count into
// the same counters and then call the C library's.
mod c {
    use std::ffi::{c_char, c_void};

    extern "C" {
        pub fn malloc(size: usize) -> *mut c_void;
        pub fn free(ptr: *mut c_void);
        pub fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
        pub fn calloc(n: usize, size: usize) -> *mut c_void;
        pub fn strdup(s: *const c_char) -> *mut c_char;
        pub fn strlen(s: *const c_char) -> usize;
    }
}

extern "C" fn curl_malloc(size: usize) -> *mut std::ffi::c_void {
    if ON.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
    }
    unsafe { c::malloc(size) }
}

extern "C" fn curl_free(ptr: *mut std::ffi::c_void) {
    unsafe { c::free(ptr) }
}

extern "C" fn curl_realloc(ptr: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void {
    if ON.load(Relaxed) {
        if ptr.is_null() {
            ALLOCS.fetch_add(1, Relaxed);
        } else {
            REALLOCS.fetch_add(1, Relaxed);
        }
        BYTES.fetch_add(size as u64, Relaxed);
    }
    unsafe { c::realloc(ptr, size) }
}

extern "C" fn curl_strdup(s: *const std::ffi::c_char) -> *mut std::ffi::c_char {
    if ON.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(unsafe { c::strlen(s) } as u64 + 1, Relaxed);
    }
    unsafe { c::strdup(s) }
}

extern "C" fn curl_calloc(n: usize, size: usize) -> *mut std::ffi::c_void {
    if ON.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add((n * size) as u64, Relaxed);
    }
    unsafe { c::calloc(n, size) }
}

/// Makes libcurl allocate through the counting functions above. The curl crate initializes
/// libcurl before `main` (a constructor), so this undoes that first: call it while the process
/// has one thread and no curl handle exists.
pub fn hook_libcurl() -> bool {
    let code = unsafe {
        curl_sys::curl_global_cleanup();
        curl_sys::curl_global_init_mem(
            curl_sys::CURL_GLOBAL_ALL,
            curl_malloc,
            curl_free,
            curl_realloc,
            curl_strdup,
            curl_calloc,
        )
    };
    code == 0
}
