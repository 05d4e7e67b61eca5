//! pvelog: offline log forensics for Proxmox VE incidents.
//!
//! # Brief overview
//!
//! An SRE collects logs from a Proxmox VE host and its guests into a bundle (a directory, a
//! tarball, a single file). pvelog reads it once, into one [`analysis::Analysis`], and every
//! command renders a view of it. Modules depend strictly downward (ARCHITECTURE.md; enforced by
//! `tests/architecture.rs`):
//!
//! 1. The model: [`limits`], [`error`], [`event`] (records borrowed from the bundle's bytes),
//!    [`facts`] (typed snapshot facts).
//! 2. [`bundle`] opens every INPUT, walks directories and archives (nested, compressed members
//!    included) and yields [`bundle::Member`]s, never extracted to disk; [`framing`] splits bytes
//!    into lines.
//! 3. [`formats`] detects each member's format from its content (the registry,
//!    [`formats::REGISTRY`]) and parses it into [`event::Event`]s and facts, counting every line
//!    it could not parse; [`source`] gives each member a role, a machine and its bytes.
//! 4. [`signals`] matches every record once against the signal table.
//! 5. [`clock`] puts every event on the UTC time line, recording every fix; [`correlate`] links
//!    guests to VMIDs and hosts and aligns guest clocks; [`timeline`] merges the sources into one
//!    order; [`index`] orders the signals in time for the rules; [`boots`] builds each machine's
//!    boot history; [`vmpids`] ties VM processes' pids to their VMIDs per host boot; [`analysis`]
//!    runs these stages once.
//! 6. [`evidence`] quotes cited records (each by its primary copy, with where else it was
//!    seen), [`diagnose`] weighs the signals into a verdict and reconstructs the incident, and
//!    [`output`] renders every view — the timeline and its CSV and Timesketch exports, the
//!    diagnosis, and the postmortem report as Markdown, HTML or JSON; [`cli`] ties them to the
//!    command line.
//! 7. [`collect`] is the other end: on a Proxmox VE host it runs the runbook's commands and
//!    writes the bundle the rest reads, streamed into a `.tgz` with its manifest.
//!
//! [`run`] is the command line's entry point.

pub mod analysis;
pub mod boots;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod collect;
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
pub mod vmpids;

pub use cli::run;
