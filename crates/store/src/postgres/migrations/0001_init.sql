-- smsgate store on PostgreSQL, schema version 1: the SQLite schema
-- (sqlite/migrations/0001_init.sql) in PostgreSQL's types. BIGINT for
-- milliseconds since the epoch, BYTEA for bodies, JSON (kept as sent, key
-- order included) for inbound payloads, `status_key` compared bytewise
-- (COLLATE "C") as SQLite's BINARY collation does.

CREATE TABLE raw_requests (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider         TEXT   NOT NULL,
    method           TEXT   NOT NULL,
    path             TEXT   NOT NULL,
    query            TEXT,
    content_type     TEXT,
    body             BYTEA  NOT NULL,
    received_at      BIGINT NOT NULL,
    quarantine_error TEXT
);

CREATE INDEX raw_requests_quarantined ON raw_requests (id) WHERE quarantine_error IS NOT NULL;

CREATE TABLE status_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider          TEXT   NOT NULL,
    message_id        TEXT   NOT NULL,
    dedup_key         TEXT   NOT NULL,
    status            TEXT   NOT NULL,
    raw_status        TEXT,
    raw_code          TEXT,
    description       TEXT,
    occurred_at       BIGINT,
    received_at       BIGINT NOT NULL,
    channel           TEXT,
    client_message_id TEXT,
    raw_request_id    BIGINT NOT NULL REFERENCES raw_requests (id),
    UNIQUE (provider, dedup_key)
);

CREATE INDEX status_events_message ON status_events (provider, message_id, status, occurred_at);

CREATE TABLE inbound_messages (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider           TEXT   NOT NULL,
    message_id         TEXT   NOT NULL,
    related_message_id TEXT,
    "from"             TEXT,
    "to"               TEXT,
    channel            TEXT,
    "type"             TEXT   NOT NULL,
    text               TEXT,
    occurred_at        BIGINT,
    received_at        BIGINT NOT NULL,
    payload            JSON   NOT NULL,
    raw_request_id     BIGINT NOT NULL REFERENCES raw_requests (id),
    UNIQUE (provider, message_id)
);

CREATE TABLE messages (
    provider          TEXT NOT NULL,
    message_id        TEXT NOT NULL,
    client_message_id TEXT,
    "to"              TEXT,
    "from"            TEXT,
    status            TEXT NOT NULL,
    status_key        TEXT COLLATE "C" NOT NULL,
    status_at         BIGINT,
    PRIMARY KEY (provider, message_id)
);

-- Feed positions. Values are taken only under the feed lock (see
-- postgres/locks.rs), so they become visible in commit order; CACHE 1 so that no
-- session holds values back. A value is never reused.
CREATE SEQUENCE feed_seq AS BIGINT CACHE 1;

CREATE TABLE feed (
    seq             BIGINT PRIMARY KEY DEFAULT nextval('feed_seq'),
    status_event_id BIGINT REFERENCES status_events (id),
    inbound_id      BIGINT REFERENCES inbound_messages (id),
    CHECK ((status_event_id IS NULL) <> (inbound_id IS NULL))
);

ALTER SEQUENCE feed_seq OWNED BY feed.seq;

CREATE INDEX feed_inbound ON feed (seq) WHERE inbound_id IS NOT NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
