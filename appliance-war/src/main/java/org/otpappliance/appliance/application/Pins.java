package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Token PINs. At rest only their {@link Pbkdf2Hash}, which costs about a tenth of a second to check. So that
 * a user's every login does not pay it again, a node remembers, in memory only, a keyed hash of the
 * last PIN that passed the slow check for a token (key random per process, dropped when the stored
 * hash changes); a PIN that does not match it takes the slow path.
 */
@ApplicationScoped
public class Pins {
    static final int MIN_LENGTH = 4;
    static final int MAX_LENGTH = 32;

    private record Remembered(String pinHash, byte[] mac) {
    }

    private final SecureRandom random = new SecureRandom();
    private final byte[] memoryKey = new byte[32];
    private final ConcurrentHashMap<Long, Remembered> remembered = new ConcurrentHashMap<>();

    public Pins() {
        random.nextBytes(memoryKey);
    }

    /** Checks a new PIN's form: 4 to 32 characters, none of them a control character or a space. */
    static String checkForm(String pin) {
        if (pin.length() < MIN_LENGTH || pin.length() > MAX_LENGTH || pin.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw AdminException.invalid("invalid-pin", "a PIN is " + MIN_LENGTH + " to " + MAX_LENGTH
                    + " characters, without spaces or control characters");
        }
        return pin;
    }

    /** The stored form: scheme, iterations, salt and hash. */
    String hash(String pin) {
        return Pbkdf2Hash.hash(pin);
    }

    /** Whether {@code pin} is the token's PIN, compared in constant time. */
    boolean matches(long tokenId, String pinHash, String pin) {
        byte[] mac = mac(pin);
        Remembered r = remembered.get(tokenId);
        if (r != null && r.pinHash().equals(pinHash) && MessageDigest.isEqual(r.mac(), mac)) {
            return true;
        }
        boolean ok = Pbkdf2Hash.matches(pinHash, pin);
        if (ok) {
            remembered.put(tokenId, new Remembered(pinHash, mac));
        }
        return ok;
    }

    private byte[] mac(String pin) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(memoryKey, "HmacSHA256"));
            return m.doFinal(pin.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}

