//! Typed limits: the caps that keep hostile or oversized input from exhausting memory or time.
//!
//! One [`Limits`] value is built from the command line and passed down to the bundle reader and
//! to every decoder ([`crate::formats::parse`] takes it), so a decoder never invents a cap of its
//! own. Every cap has a [`LimitKind`], and every report of a hit names the flag that raises it
//! ([`LimitKind::flag`]), the way ripgrep's and curl's errors say what to change.

/// A limit that protects against hostile or oversized input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// Decompressed bytes of one member.
    MemberBytes,
    /// Decompressed bytes of the whole bundle.
    BundleBytes,
    /// Archives inside archives.
    NestingDepth,
    /// Members in the bundle.
    Members,
    /// Bytes of one line of a text format.
    LineBytes,
    /// Fields (items) read from one journal entry: a native file's, an export's or a JSON line's.
    EntryFields,
    /// Decoded bytes of one compressed journal object (a DATA payload).
    ObjectBytes,
    /// Decoded bytes of all compressed journal objects of one journal file together.
    DecodedBytes,
}

impl LimitKind {
    /// Every limit, in the order `--help` lists their flags.
    pub const ALL: [LimitKind; 8] = [
        LimitKind::MemberBytes,
        LimitKind::BundleBytes,
        LimitKind::NestingDepth,
        LimitKind::Members,
        LimitKind::LineBytes,
        LimitKind::EntryFields,
        LimitKind::ObjectBytes,
        LimitKind::DecodedBytes,
    ];

    /// The flag that raises this limit.
    pub fn flag(self) -> &'static str {
        match self {
            LimitKind::MemberBytes => "--max-member-bytes",
            LimitKind::BundleBytes => "--max-bundle-bytes",
            LimitKind::NestingDepth => "--max-depth",
            LimitKind::Members => "--max-members",
            LimitKind::LineBytes => "--max-line-bytes",
            LimitKind::EntryFields => "--max-entry-fields",
            LimitKind::ObjectBytes => "--max-object-bytes",
            LimitKind::DecodedBytes => "--max-decoded-bytes",
        }
    }
}

/// Caps that keep hostile input from exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes of one member.
    pub max_member_bytes: u64,
    /// Decompressed bytes of the whole bundle (mapped plain files do not count: they cost no heap).
    pub max_bundle_bytes: u64,
    /// How deep archives may nest inside archives.
    pub max_depth: u32,
    /// How many members a bundle may have.
    pub max_members: usize,
    /// Longest line a parser accepts.
    pub max_line_bytes: usize,
    /// Most fields read from one journal entry (journald itself writes at most 1024).
    pub max_entry_fields: usize,
    /// Most bytes one compressed journal object may decode to.
    pub max_object_bytes: u64,
    /// Most bytes the compressed objects of one journal file may decode to together: each
    /// object is decoded once and shared by the entries that reference it, so this bounds the
    /// memory and the decoding time a journal file can cost, however small it is.
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member_bytes: 1 << 30,
            max_bundle_bytes: 4 << 30,
            max_depth: 4,
            max_members: 100_000,
            max_line_bytes: 1 << 20,
            max_entry_fields: 4096,
            max_object_bytes: 64 << 20,
            max_decoded_bytes: 256 << 20,
        }
    }
}

impl Limits {
    /// The value of one limit, widened to `u64` so that every kind compares the same way.
    pub fn get(&self, kind: LimitKind) -> u64 {
        match kind {
            LimitKind::MemberBytes => self.max_member_bytes,
            LimitKind::BundleBytes => self.max_bundle_bytes,
            LimitKind::NestingDepth => u64::from(self.max_depth),
            LimitKind::Members => u64::try_from(self.max_members).unwrap_or(u64::MAX),
            LimitKind::LineBytes => u64::try_from(self.max_line_bytes).unwrap_or(u64::MAX),
            LimitKind::EntryFields => u64::try_from(self.max_entry_fields).unwrap_or(u64::MAX),
            LimitKind::ObjectBytes => self.max_object_bytes,
            LimitKind::DecodedBytes => self.max_decoded_bytes,
        }
    }

    /// Whether `value` goes past limit `kind`.
    pub fn exceeded(&self, kind: LimitKind, value: u64) -> bool {
        value > self.get(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_has_its_own_flag_and_value() {
        let limits = Limits::default();
        let flags: std::collections::BTreeSet<&str> =
            LimitKind::ALL.iter().map(|k| k.flag()).collect();
        assert_eq!(flags.len(), LimitKind::ALL.len());
        assert_eq!(limits.get(LimitKind::LineBytes), 1 << 20);
        assert!(limits.exceeded(LimitKind::LineBytes, (1 << 20) + 1));
        assert!(!limits.exceeded(LimitKind::NestingDepth, 4));
        let max = Limits {
            max_members: usize::MAX,
            ..limits
        };
        assert_eq!(max.get(LimitKind::Members), u64::MAX);
    }
}
