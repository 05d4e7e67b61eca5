//! error stage (in progress).
