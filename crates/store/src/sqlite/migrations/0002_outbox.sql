-- smsgate store, schema version 2: the outbox (messages sent through
-- smsgate, `/v1/outbound`). See outbox.rs for the states and the claims.

CREATE TABLE outbound (
    -- Acceptance order, for paging.
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    idempotency_key TEXT    UNIQUE,
    request_hash    TEXT    NOT NULL,
    "to"            TEXT    NOT NULL,
    "from"          TEXT,
    text            TEXT    NOT NULL,
    reference       TEXT,
    route           TEXT    NOT NULL,
    segments        INTEGER NOT NULL,
    -- queued | accepted | uncertain | failed | rejected
    state           TEXT    NOT NULL,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    state_at        INTEGER NOT NULL,
    -- While queued: when the next attempt may go, to which provider of the
    -- route (0-based), after how many attempts there.
    due_at          INTEGER NOT NULL,
    provider_index  INTEGER NOT NULL DEFAULT 0,
    tries           INTEGER NOT NULL DEFAULT 0,
    -- A dispatcher's claim, until lease_until.
    claimed_by      TEXT,
    lease_until     INTEGER
);

CREATE INDEX outbound_due ON outbound (due_at) WHERE state = 'queued';

-- Every submission attempt; recorded as `uncertain` before its request leaves.
CREATE TABLE outbound_attempts (
    outbound_id         TEXT    NOT NULL REFERENCES outbound (id),
    number              INTEGER NOT NULL,
    provider            TEXT    NOT NULL,
    api                 TEXT    NOT NULL,
    provider_id         TEXT    NOT NULL,
    provider_message_id TEXT,
    submitted_at        INTEGER NOT NULL,
    outcome             TEXT    NOT NULL,
    error               TEXT,
    PRIMARY KEY (outbound_id, number)
);

-- Callbacks that carry the outbound id (Clickatell's clientMessageId, the
-- parameter of ClearLine's callback URL) link a message whose submit answer
-- was lost.
CREATE INDEX messages_client_message_id ON messages (client_message_id) WHERE client_message_id IS NOT NULL;
