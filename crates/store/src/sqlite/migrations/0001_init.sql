-- smsgate store, schema version 1.
--
-- Written so that PostgreSQL can mirror it: plain types (TEXT, INTEGER for
-- milliseconds since the epoch, BLOB for bytea), unique constraints for
-- dedup, ON CONFLICT upserts. `from`, `to` and `type` are reserved words and
-- always double-quoted.

-- Every authenticated callback as it arrived (secret removed), parsed or not.
CREATE TABLE raw_requests (
    id               INTEGER PRIMARY KEY,
    provider         TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    query            TEXT,
    content_type     TEXT,
    body             BLOB    NOT NULL,
    received_at      INTEGER NOT NULL,
    -- Set when the body could not be parsed at all.
    quarantine_error TEXT
);

CREATE INDEX raw_requests_quarantined ON raw_requests (id) WHERE quarantine_error IS NOT NULL;

-- Status events of outbound messages; a provider retry is the same
-- (provider, dedup_key) and is stored once.
CREATE TABLE status_events (
    id                INTEGER PRIMARY KEY,
    provider          TEXT    NOT NULL,
    message_id        TEXT    NOT NULL,
    dedup_key         TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    raw_status        TEXT,
    raw_code          TEXT,
    description       TEXT,
    occurred_at       INTEGER,
    received_at       INTEGER NOT NULL,
    channel           TEXT,
    client_message_id TEXT,
    raw_request_id    INTEGER NOT NULL REFERENCES raw_requests (id),
    UNIQUE (provider, dedup_key)
);

-- A message's events, and the earliest time among those with a given status
-- (the `status_at` subquery of the message upsert).
CREATE INDEX status_events_message ON status_events (provider, message_id, status, occurred_at);

-- Inbound messages (MO); the provider's message id is the dedup key.
CREATE TABLE inbound_messages (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT    NOT NULL,
    message_id         TEXT    NOT NULL,
    related_message_id TEXT,
    "from"             TEXT,
    "to"               TEXT,
    channel            TEXT,
    "type"             TEXT    NOT NULL,
    text               TEXT,
    occurred_at        INTEGER,
    received_at        INTEGER NOT NULL,
    -- The provider's event as JSON text.
    payload            TEXT    NOT NULL,
    raw_request_id     INTEGER NOT NULL REFERENCES raw_requests (id),
    UNIQUE (provider, message_id)
);

-- Current state of each outbound message, moved only by the compare-and-set
-- upsert on `status_key` (Status::precedence_key).
CREATE TABLE messages (
    provider          TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    client_message_id TEXT,
    "to"              TEXT,
    "from"            TEXT,
    status            TEXT NOT NULL,
    status_key        TEXT NOT NULL,
    status_at         INTEGER,
    PRIMARY KEY (provider, message_id)
);

-- One sequence over both kinds of event, in commit order (see sqlite/queries.rs on
-- why that holds in SQLite). AUTOINCREMENT: a seq is never reused, even if
-- the newest rows were ever deleted.
CREATE TABLE feed (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    status_event_id INTEGER REFERENCES status_events (id),
    inbound_id      INTEGER REFERENCES inbound_messages (id),
    CHECK ((status_event_id IS NULL) <> (inbound_id IS NULL))
);

CREATE INDEX feed_inbound ON feed (seq) WHERE inbound_id IS NOT NULL;

-- Generated values that must survive restarts (callback and API secrets).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
