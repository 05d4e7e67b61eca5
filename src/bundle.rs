//! bundle stage (in progress).
