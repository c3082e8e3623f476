//! The advisory locks the PostgreSQL backend takes, and why. PostgreSQL has
//! two key spaces that do not overlap: one 64-bit key, and two 32-bit keys.
//!
//! - Migrating (64-bit key [`MIGRATION_LOCK`]): replicas starting together
//!   apply the migrations once.
//! - The feed (64-bit key, one per feed table, [`TAKE_FEED_LOCK`]): feed
//!   positions become visible in commit order.
//! - A message (two keys: the `messages` table's OID, read once at open by
//!   [`SELECT_MESSAGE_LOCK_CLASS`], and [`message_lock_key`]): the status
//!   compare-and-set of a message sees every event committed before it.
//!
//! Keys that come from a table's OID keep stores in different schemas of one
//! database from waiting for each other.

/// Held while migrating ("smsgmigr").
pub(super) const MIGRATION_LOCK: i64 = 0x736d_7367_6d69_6772;

/// Takes the transaction-level lock under which feed positions are taken.
/// Its key is the feed table's OID over the base "smsg" << 32.
///
/// A plain sequence is not enough with concurrent writers: transaction A
/// takes seq 5, B takes seq 6 and commits first; a consumer polling then
/// sees 6, moves its cursor to 6 and never sees 5 when A commits. So a
/// writing transaction (a batch of ingests, or a quarantine replay) takes
/// this lock just before inserting its feed rows (after everything else it
/// writes) and holds it until it commits or rolls back. A transaction
/// therefore takes its seqs only after every transaction that took smaller
/// ones has finished, and PostgreSQL makes a commit visible before it
/// releases the committing transaction's locks: seqs become visible in
/// commit order, and a snapshot that sees seq N sees every committed seq
/// below N. A rolled-back transaction leaves a gap, never a row that
/// appears later. This is commit-ordered sequencing; its price is that the
/// last step of every batch (feed rows and the commit's flush) is serial
/// across all replicas; group commit shares that step among the ingests of
/// a batch.
pub(super) const TAKE_FEED_LOCK: &str =
    "SELECT pg_advisory_xact_lock(8317430973041999872 + 'feed'::regclass::oid::bigint)";

/// The first key of every message lock: the `messages` table's OID (32
/// bits unsigned; the key is the same bits signed).
pub(super) const SELECT_MESSAGE_LOCK_CLASS: &str = "SELECT 'messages'::regclass::oid::bigint";

/// The second key of a message's lock: a stable hash (FNV-1a) of provider
/// and id.
pub(super) fn message_lock_key(provider: &str, message_id: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in provider.bytes().chain([0]).chain(message_id.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash as i32
}
