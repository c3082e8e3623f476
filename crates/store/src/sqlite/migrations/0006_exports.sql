-- smsgate store, schema version 6: exports, which push every stored event
-- to another service, each with its own cursor.

-- One row per export that ever ran: how far it delivered, and which
-- replica runs it until when (a lease, renewed while it runs).
CREATE TABLE exports (
    name        TEXT    PRIMARY KEY,
    cursor      TEXT,
    owner       TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);

-- Events an export gave up on after its last retry, until delivered again.
CREATE TABLE export_dead_letters (
    export    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    event     TEXT    NOT NULL,
    error     TEXT    NOT NULL,
    attempts  INTEGER NOT NULL,
    failed_at INTEGER NOT NULL,
    PRIMARY KEY (export, seq)
);

-- Time ranges of the feed to send again, each read from its own position.
CREATE TABLE export_replays (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    export       TEXT    NOT NULL,
    since        INTEGER,
    until        INTEGER NOT NULL,
    position     TEXT,
    requested_at INTEGER NOT NULL
);

CREATE INDEX export_replays_by_export ON export_replays (export, id);
