//! output stage (in progress).
