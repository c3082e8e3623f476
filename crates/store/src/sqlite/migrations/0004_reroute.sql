-- smsgate store, schema version 4: sending a message once more through the
-- next provider when its delivery failed (a route's reroute_on).

-- When it was put back in the queue for that; it happens once.
ALTER TABLE outbound ADD COLUMN rerouted_at INTEGER;

-- From a provider's status event to the attempt that submitted its message.
CREATE INDEX outbound_attempts_provider_message ON outbound_attempts (provider_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
