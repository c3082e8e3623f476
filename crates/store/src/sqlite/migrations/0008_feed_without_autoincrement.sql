-- smsgate store: the feed's seq without AUTOINCREMENT. AUTOINCREMENT
-- read and rewrote the feed's row of sqlite_sequence on every insert (one
-- more page in every commit's write-ahead log), to keep a seq from being
-- reused after the newest rows were deleted; smsgate never deletes feed
-- rows, and a seq taken by a transaction that rolled back was never seen
-- by a reader (readers see committed rows only), so `max(seq) + 1`, what
-- an INTEGER PRIMARY KEY takes, gives the same sequence.

CREATE TABLE feed_without_autoincrement (
    seq             INTEGER PRIMARY KEY,
    status_event_id INTEGER REFERENCES status_events (id),
    inbound_id      INTEGER REFERENCES inbound_messages (id),
    CHECK ((status_event_id IS NULL) <> (inbound_id IS NULL))
);
INSERT INTO feed_without_autoincrement (seq, status_event_id, inbound_id)
    SELECT seq, status_event_id, inbound_id FROM feed ORDER BY seq;
DROP TABLE feed;
ALTER TABLE feed_without_autoincrement RENAME TO feed;
CREATE INDEX feed_inbound ON feed (seq) WHERE inbound_id IS NOT NULL;
DELETE FROM sqlite_sequence WHERE name = 'feed';
