//! timeline stage (in progress).
