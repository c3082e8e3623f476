-- smsgate store, schema version 2: the outbox (messages sent through
-- smsgate, `/v1/outbound`), as in SQLite; every integer is BIGINT. Replicas
-- claim messages with FOR UPDATE SKIP LOCKED and a lease.

CREATE TABLE outbound (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT   NOT NULL UNIQUE,
    idempotency_key TEXT   UNIQUE,
    request_hash    TEXT   NOT NULL,
    "to"            TEXT   NOT NULL,
    "from"          TEXT,
    text            TEXT   NOT NULL,
    reference       TEXT,
    route           TEXT   NOT NULL,
    segments        BIGINT NOT NULL,
    state           TEXT   NOT NULL,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    state_at        BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    provider_index  BIGINT NOT NULL DEFAULT 0,
    tries           BIGINT NOT NULL DEFAULT 0,
    claimed_by      TEXT,
    lease_until     BIGINT
);

CREATE INDEX outbound_due ON outbound (due_at) WHERE state = 'queued';

CREATE TABLE outbound_attempts (
    outbound_id         TEXT   NOT NULL REFERENCES outbound (id),
    number              BIGINT NOT NULL,
    provider            TEXT   NOT NULL,
    api                 TEXT   NOT NULL,
    provider_id         TEXT   NOT NULL,
    provider_message_id TEXT,
    submitted_at        BIGINT NOT NULL,
    outcome             TEXT   NOT NULL,
    error               TEXT,
    PRIMARY KEY (outbound_id, number)
);

CREATE INDEX messages_client_message_id ON messages (client_message_id) WHERE client_message_id IS NOT NULL;
