-- smsgate store, schema version 3: opt-outs, as in SQLite (see opt_outs.rs).

CREATE INDEX inbound_opt_out_words ON inbound_messages ("from", received_at)
    WHERE UPPER(BTRIM(text, E' \t\n\r')) IN ('STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'START', 'UNSTOP');

CREATE TABLE opt_out_changes (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number    TEXT    NOT NULL,
    opted_out BOOLEAN NOT NULL,
    at        BIGINT  NOT NULL,
    source    TEXT    NOT NULL
);

CREATE INDEX opt_out_changes_number ON opt_out_changes (number, at);
