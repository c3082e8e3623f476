-- smsgate store, schema version 5: what the dispatchers of several
-- replicas share to pace each provider together.

-- Each running dispatcher, seen at its last heartbeat: a provider's rate
-- is shared among those seen lately.
CREATE TABLE dispatchers (
    owner   TEXT    PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

-- A provider that answered 429: no replica sends to it before `until`.
CREATE TABLE provider_pauses (
    provider TEXT    PRIMARY KEY,
    until    INTEGER NOT NULL
);
