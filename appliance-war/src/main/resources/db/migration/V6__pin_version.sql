-- Counts the changes of a token's PIN. A node checks a PIN against its in-memory copy of the token,
-- so the update that spends a code also requires the PIN version that copy had (see ValidationService):
-- a PIN set, changed or removed through one node stops working on every node at once.
ALTER TABLE token_state ADD COLUMN pin_version INT DEFAULT 0 NOT NULL;
