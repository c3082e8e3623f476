-- smsgate store, schema version 3: opt-outs (see opt_outs.rs).

-- STOP and START texts among the inbound messages, by sender: checking a
-- number and listing the opted-out ones read this small index, never every
-- inbound message. Queries repeat the predicate verbatim.
CREATE INDEX inbound_opt_out_words ON inbound_messages ("from", received_at)
    WHERE UPPER(TRIM(text, ' ' || char(9, 10, 13))) IN ('STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'START', 'UNSTOP');

-- Opt-outs and opt-ins made through the API (PUT and DELETE /v1/opt-outs/{number}).
CREATE TABLE opt_out_changes (
    id        INTEGER PRIMARY KEY,
    number    TEXT    NOT NULL,
    opted_out INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    source    TEXT    NOT NULL
);

CREATE INDEX opt_out_changes_number ON opt_out_changes (number, at);
