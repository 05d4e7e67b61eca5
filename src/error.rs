//! Errors: the fatal ones ([`Error`]) and the per-input problems that do not stop the run
//! ([`InputProblem`]).
//!
//! pvelog has three tiers of trouble (STYLE-ANCHORS §3.2): a line that fits no format is data
//! (counted as unparsed, see [`crate::formats::Parsed`]); a member that cannot be read is an
//! [`InputProblem`], reported with its path and byte offset while the rest of the bundle is
//! analysed (exit code 3); and only a run that cannot produce output at all is an [`Error`].

use std::fmt;

pub use crate::limits::LimitKind;

/// Something wrong with one input member; the run goes on without it (or with its readable part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The member's path as it appears in every output (DESIGN.md §2 `source`).
    pub path: String,
    /// Byte offset where the problem was found, in the member's stored (possibly compressed)
    /// bytes, when known.
    pub offset: Option<u64>,
    /// What went wrong.
    pub reason: String,
}

impl InputProblem {
    /// A problem at `offset` of `path`.
    pub fn new(path: impl Into<String>, offset: Option<u64>, reason: impl Into<String>) -> Self {
        InputProblem {
            path: path.into(),
            offset,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}: at byte {offset}: {}", self.path, self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

/// A fatal error: no output can be produced.
#[derive(Debug)]
pub enum Error {
    /// The command line is wrong in a way clap could not tell (a bad `--tz`, a bad time).
    Usage(String),
    /// None of the inputs could be read.
    NothingReadable(Vec<InputProblem>),
    /// Writing the output failed.
    Output(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => f.write_str(msg),
            Error::NothingReadable(problems) => {
                write!(f, "nothing could be read: no files found in the INPUTs")?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
            Error::Output(e) => write!(f, "failed to write output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Output(e)
    }
}
