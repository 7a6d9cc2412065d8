package org.otpappliance.appliance.infrastructure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.logging.Logger;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts token seeds at rest with AES-256-GCM under the master key, which never enters the
 * database. The token's serial is the associated data, so a ciphertext copied onto another token
 * row fails to decrypt. Stored form: {@code v1:} + Base64(12-byte nonce || ciphertext || tag).
 */
public final class SeedCipher {
    private static final Logger LOG = Logger.getLogger(SeedCipher.class.getName());
    private static final String PREFIX = "v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();
    private final Path createdFile;

    private SeedCipher(byte[] keyBytes, Path createdFile) {
        this.createdFile = createdFile;
        if (keyBytes.length != 32) {
            throw new IllegalStateException("the master key must be 32 bytes (Base64 of 32 random bytes)");
        }
        this.key = new SecretKeySpec(keyBytes, "AES");
        Arrays.fill(keyBytes, (byte) 0);
    }

    /** The operator's key if given, else the key file, created (mode 0600) on first start. */
    public static SeedCipher load(Optional<String> givenKey, Path keyFile) throws IOException {
        if (givenKey.isPresent()) {
            return new SeedCipher(decodeKey(givenKey.get(), "otp.appliance.master-key"), null);
        }
        boolean created = false;
        if (!Files.exists(keyFile)) {
            created = true;
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            SecretFiles.write(keyFile, Base64.getEncoder().encodeToString(fresh) + "\n");
            Arrays.fill(fresh, (byte) 0);
            LOG.info(() -> "Created a new master key in " + keyFile + ": back it up, seeds cannot be decrypted without it");
        }
        return new SeedCipher(decodeKey(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile.toString()),
                created ? keyFile : null);
    }

    /** The key file this start created, if it did (so a refused start can take it back); else null. */
    Path createdFile() {
        return createdFile;
    }

    private static byte[] decodeKey(String text, String where) {
        try {
            return Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the master key in " + where + " is not Base64", e);
        }
    }

    /**
     * A key for another purpose, derived from the master key (HMAC-SHA256 of the purpose, keyed
     * with the master key), so that it lives wherever the master key lives and never in the
     * database, and every node that shares the master key derives the same one.
     */
    public byte[] derive(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public String encrypt(byte[] seed, String serial) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(serial.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(seed);
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("seed encryption failed", e);
        }
    }

    /** @throws IllegalStateException when the ciphertext was not made by this key for this serial */
    public byte[] decrypt(String stored, String serial) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalStateException("unknown seed encryption format for token " + serial);
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            c.updateAAD(serial.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot decrypt the seed of token " + serial + " (wrong master key?)", e);
        }
    }
}
