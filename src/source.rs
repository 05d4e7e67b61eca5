//! source stage (in progress).
