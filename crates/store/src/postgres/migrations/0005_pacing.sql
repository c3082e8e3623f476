-- smsgate store, schema version 5: pacing shared by replicas, as in SQLite.

CREATE TABLE dispatchers (
    owner   TEXT   PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE TABLE provider_pauses (
    provider TEXT   PRIMARY KEY,
    until    BIGINT NOT NULL
);
