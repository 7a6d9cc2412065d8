-- Failures counted per user and per source, shared by every node on this database (see RateLimits).
-- A row counts the failures of one window, which starts at the first failure and lasts the kind's
-- window; while failures reach the kind's limit, the user or source is refused until window_end.
CREATE TABLE rate_limit (
    kind        VARCHAR(8) NOT NULL,
    name        VARCHAR(255) NOT NULL,
    window_end  BIGINT NOT NULL,
    failures    INTEGER NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE INDEX rate_limit_window_end ON rate_limit (window_end);
