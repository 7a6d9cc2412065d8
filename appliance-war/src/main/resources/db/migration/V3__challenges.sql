-- SMS and e-mail tokens: where their codes go (an E.164 number or an e-mail address).
ALTER TABLE token ADD COLUMN destination VARCHAR(320);

-- One row per code sent. The code itself is not stored: only an HMAC of it, keyed with a secret
-- derived from the master key (which never enters the database). Rows also count the codes sent
-- for the hourly send limits, so they are kept for a while after they are spent or expire.
CREATE TABLE challenge (
    transaction_id  VARCHAR(64) PRIMARY KEY,
    token_id        BIGINT NOT NULL REFERENCES token (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL,
    destination     VARCHAR(320) NOT NULL,
    code_hash       VARCHAR(64) NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    attempts        INT NOT NULL,
    delivered       BOOLEAN NOT NULL,  -- false until the gateway or mail server took the message
    used            BOOLEAN NOT NULL
);
CREATE INDEX challenge_user ON challenge (user_id, created_at);
CREATE INDEX challenge_destination ON challenge (destination, created_at);
CREATE INDEX challenge_created ON challenge (created_at);
