-- smsgate store: `messages` as a WITHOUT ROWID table, and its recipient
-- index partial. A message is always found by its (provider, message_id),
-- which was a unique index beside a rowid table: every ingest read the
-- index, then the table, and a new message wrote both. Clustered on its
-- primary key, the table is that index: one B-tree fewer for each callback
-- to read and write. The other indexes end in the primary key already (the
-- first-seen index) or point at it instead of at a rowid.
--
-- The recipient index now holds only messages whose recipient is known: a
-- search by recipient (`"to" IN (...)`) never matches a NULL, and
-- providers whose status callbacks carry no recipient (ClearLine,
-- SmartHive) no longer write an index entry for every new message.

CREATE TABLE messages_clustered (
    provider          TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    client_message_id TEXT,
    "to"              TEXT,
    "from"            TEXT,
    status            TEXT NOT NULL,
    status_key        TEXT NOT NULL,
    status_at         INTEGER,
    first_seen_at     INTEGER NOT NULL DEFAULT 0,
    submitted_at      INTEGER,
    delivered_at      INTEGER,
    PRIMARY KEY (provider, message_id)
) WITHOUT ROWID;
INSERT INTO messages_clustered
    (provider, message_id, client_message_id, "to", "from", status, status_key, status_at,
     first_seen_at, submitted_at, delivered_at)
    SELECT provider, message_id, client_message_id, "to", "from", status, status_key, status_at,
           first_seen_at, submitted_at, delivered_at
    FROM messages;
DROP TABLE messages;
ALTER TABLE messages_clustered RENAME TO messages;
CREATE INDEX messages_client_message_id ON messages (client_message_id) WHERE client_message_id IS NOT NULL;
CREATE INDEX messages_first_seen ON messages (first_seen_at, provider, message_id);
CREATE INDEX messages_to ON messages ("to", first_seen_at) WHERE "to" IS NOT NULL;
