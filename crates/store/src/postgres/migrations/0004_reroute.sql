-- smsgate store, schema version 4: rerouting, as in SQLite.

ALTER TABLE outbound ADD COLUMN rerouted_at BIGINT;

CREATE INDEX outbound_attempts_provider_message ON outbound_attempts (provider_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
