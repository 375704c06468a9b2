//! The screen's memory stays bounded whatever the input size: a counting allocator
//! records the peak of live heap bytes while tens of MiB stream through. One test in
//! this binary, so no other test's allocations are counted.
// A global allocator cannot be written without `unsafe`; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

use kho_screen::{Kind, Screener};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Rows produced on demand, `n` of them after a header.
struct Gen<F: FnMut(u64) -> String> {
    i: u64,
    n: u64,
    make: F,
    buf: Vec<u8>,
    pos: usize,
}

impl<F: FnMut(u64) -> String> Read for Gen<F> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            if self.i > self.n {
                return Ok(0);
            }
            self.buf = (self.make)(self.i).into_bytes();
            self.pos = 0;
            self.i += 1;
        }
        let k = out.len().min(self.buf.len() - self.pos);
        out[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn peak_heap_stays_small_while_tens_of_mib_stream_through() {
    const MIB: usize = 1024 * 1024;
    let s = Screener::new(kho_screen::ScreenConfig {
        max_cells: u64::MAX,
        ..Default::default()
    });

    // About 15 MiB of CSV rows (300,000 rows).
    let peak = peak_during(|| {
        let rows = Gen {
            i: 0,
            n: 300_000,
            make: |i| {
                if i == 0 {
                    "id,ten,sdt,ghi_chu\n".to_string()
                } else {
                    format!("{i},Nguyễn Văn {i},0912{:06},ghi chú số {i}\n", i % 300_000)
                }
            },
            buf: Vec::new(),
            pos: 0,
        };
        let r = s.scan_stream(rows, "a.csv", None).expect("csv");
        assert_eq!(r.rows_scanned, 300_000);
        assert!(r.count("sdt", Kind::Mobile) > 290_000);
    });
    println!("CSV: peak heap {peak} bytes");
    assert!(peak < 4 * MIB, "CSV peak {peak}");

    // About 12 MiB of JSON (200,000 records).
    let peak = peak_during(|| {
        let json = Gen {
            i: 0,
            n: 200_000,
            make: |i| match i {
                0 => "[".to_string(),
                200_000 => r#"{"email": "z@example.vn"}]"#.to_string(),
                _ => format!(r#"{{"email": "u{i}@example.vn", "so": {i}, "x": [1, 2, 3]}},"#),
            },
            buf: Vec::new(),
            pos: 0,
        };
        let r = s.scan_stream(json, "a.json", None).expect("json");
        assert_eq!(r.count("[].email", Kind::Email), 200_000);
    });
    println!("JSON: peak heap {peak} bytes");
    assert!(peak < 4 * MIB, "JSON peak {peak}");

    // 32 MiB on one line, as text and as CSV.
    let peak = peak_during(|| {
        let line =
            Cursor::new(b"x\n0912345678 ".to_vec()).chain(std::io::repeat(b'a').take(32 << 20));
        let r = s.scan_stream(line, "a.txt", None).expect("text");
        assert!(r.truncated);
        let line =
            Cursor::new(b"x\n0912345678 ".to_vec()).chain(std::io::repeat(b'a').take(32 << 20));
        let r = s.scan_stream(line, "a.csv", None).expect("csv");
        assert!(r.truncated);
    });
    println!("one long line: peak heap {peak} bytes");
    assert!(peak < 4 * MIB, "long line peak {peak}");
}
