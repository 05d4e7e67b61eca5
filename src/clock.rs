//! clock stage (in progress).
