-- smsgate store, schema version 6: exports, as in SQLite.

CREATE TABLE exports (
    name        TEXT   PRIMARY KEY,
    cursor      TEXT,
    owner       TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE TABLE export_dead_letters (
    export    TEXT    NOT NULL,
    seq       BIGINT  NOT NULL,
    event     TEXT    NOT NULL,
    error     TEXT    NOT NULL,
    attempts  INTEGER NOT NULL,
    failed_at BIGINT  NOT NULL,
    PRIMARY KEY (export, seq)
);

CREATE TABLE export_replays (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    export       TEXT   NOT NULL,
    since        BIGINT,
    until        BIGINT NOT NULL,
    position     TEXT,
    requested_at BIGINT NOT NULL
);

CREATE INDEX export_replays_by_export ON export_replays (export, id);
