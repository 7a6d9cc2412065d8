-- YubiKey OTP tokens (Yubico OTP mode). The Yubico validation protocol names no user: a key is
-- found by the public id that starts each of its OTPs, so that id is unique among tokens.
ALTER TABLE token ADD COLUMN public_id VARCHAR(16);
CREATE UNIQUE INDEX token_public_id ON token (public_id);

-- Yubico API clients sign requests and responses with a key both sides hold, so the appliance
-- keeps that key (encrypted like a seed) instead of a hash, and such clients have no bearer key.
ALTER TABLE api_client ALTER COLUMN key_hash DROP NOT NULL;
ALTER TABLE api_client ADD COLUMN secret_encrypted VARCHAR(512);
ALTER TABLE api_client ADD COLUMN require_signature BOOLEAN DEFAULT FALSE NOT NULL;
