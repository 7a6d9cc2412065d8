-- Console sessions, shared by every node so that a load balancer may send a browser to any of them.
-- Only a SHA-256 of the session id (the cookie) is kept; the CSRF token is derived from the id, so
-- it is not kept at all. Deleting the admin account ends its sessions.
CREATE TABLE console_session (
    id_hash     VARCHAR(64) PRIMARY KEY,
    admin_id    BIGINT NOT NULL REFERENCES admin_account (id) ON DELETE CASCADE,
    started_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);
CREATE INDEX console_session_last_seen ON console_session (last_seen);
