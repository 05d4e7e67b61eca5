//! pvelog: offline log forensics for Proxmox VE incidents.
//!
//! # Brief overview
//!
//! An SRE collects logs from a Proxmox VE host and its guests into a bundle (a directory, a
//! tarball, a single file). pvelog reads it in one pipeline, one module per stage:
//!
//! 1. [`bundle`] opens every INPUT, walks directories and archives (nested, compressed members
//!    included) and yields [`bundle::Member`]s: a path and its bytes, memory-mapped or
//!    decompressed once, never extracted to disk.
//! 2. [`formats`] detects each member's format from its content and parses it line by line
//!    ([`framing`]) into borrowed [`event::Event`]s, counting every line it could not parse.
//! 3. [`source`] gives each member a role (host/guest) and a machine name.
//! 4. [`clock`] puts every event on the UTC time line: missing years, missing zones and
//!    seconds-since-boot are resolved from what the bundle itself says, never from the analyst's
//!    clock, and every fix is recorded.
//! 5. [`correlate`] links each guest to its VMID and host and aligns its clock to the host's.
//! 6. [`timeline`] merges the sources into one total order and applies the time filters.
//! 7. [`output`] renders the timeline and the source inventory as text or JSON; [`boots`]
//!    builds each machine's boot history for `pvelog boots`, and [`diagnose`] weighs the
//!    signals ([`signals`]) into a verdict for `pvelog diagnose`.
//!
//! [`run`] ties the stages together for the command line ([`cli`]).

pub mod analysis;
pub mod boots;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod correlate;
pub mod diagnose;
pub mod error;
pub mod event;
pub mod evidence;
pub mod facts;
pub mod formats;
pub mod framing;
pub mod index;
pub mod limits;
pub mod output;
pub mod signals;
pub mod source;
pub mod timeline;

pub use cli::run;
