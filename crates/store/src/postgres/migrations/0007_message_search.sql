-- smsgate store on PostgreSQL: message search and delivery statistics, as in
-- SQLite (sqlite/migrations/0007_message_search.sql; see search_sql.rs).
-- Each message keeps three times, minima over its events kept by the
-- ingest's upsert: when smsgate first stored one (the search's order and
-- window), when it was accepted (submitted) and when it was delivered.

ALTER TABLE messages ADD COLUMN first_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN submitted_at BIGINT;
ALTER TABLE messages ADD COLUMN delivered_at BIGINT;

-- The messages stored before: their times from their events (through the
-- index status_events_message).
UPDATE messages SET
    first_seen_at = COALESCE((SELECT MIN(e.received_at) FROM status_events e
                              WHERE e.provider = messages.provider AND e.message_id = messages.message_id), 0),
    submitted_at = (SELECT MIN(COALESCE(e.occurred_at, e.received_at)) FROM status_events e
                    WHERE e.provider = messages.provider AND e.message_id = messages.message_id
                      AND e.status = 'accepted'),
    delivered_at = (SELECT MIN(COALESCE(e.occurred_at, e.received_at)) FROM status_events e
                    WHERE e.provider = messages.provider AND e.message_id = messages.message_id
                      AND e.status IN ('delivered', 'read'));

-- Newest first, and the window of a search or of the statistics; the
-- provider and message id make the order total, for paging.
CREATE INDEX messages_first_seen ON messages (first_seen_at, provider, message_id);

-- A search by recipient.
CREATE INDEX messages_to ON messages ("to", first_seen_at);
