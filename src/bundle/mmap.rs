//! Memory-mapping of plain input files: the only `unsafe` code in pvelog.
//!
//! A multi-gigabyte kern.log is parsed in place: events borrow their text from the mapping, so
//! the file is never copied into the heap.

#![expect(
    unsafe_code,
    reason = "memory-mapping a file is unsafe by nature; see the SAFETY note"
)]

use std::fs::File;
use std::io;

use memmap2::Mmap;

/// Maps `file` read-only.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the mapping is read-only and private to this process. The remaining hazard is
    // another process truncating or rewriting the file while it is mapped (undefined behaviour in
    // Rust's model; in practice a SIGBUS or changed bytes). Bundles are collected evidence that
    // nothing writes to while pvelog reads them; this is the same trade-off ripgrep makes
    // (grep-searcher `MmapChoice::auto`). Callers that cannot accept it pass the data on stdin.
    unsafe { Mmap::map(file) }
}
