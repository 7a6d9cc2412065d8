package org.otpappliance.radius;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.radius.codec.RadiusAttribute;

/**
 * The State attribute of an Access-Challenge: {@code "v1." + transactionId + "." + tag}, where tag is
 * base64url (no padding) of the first 16 bytes of HMAC-SHA256(stateKey, clientName + "\0" +
 * transactionId). It binds the transaction to the RADIUS client it was issued to: a State copied to
 * another client, or altered, does not verify. The transaction id itself is the validation service's
 * (an unguessable id that the service checks belongs to the user and has not expired).
 */
final class ChallengeState {
    private static final String PREFIX = "v1.";
    private static final int TAG_BYTES = 16;
    private static final int TAG_CHARS = 22; // base64url of 16 bytes, no padding
    /** The longest transaction id (UTF-8 bytes) that fits a State attribute. */
    static final int MAX_TRANSACTION_ID_BYTES = RadiusAttribute.MAX_VALUE_LENGTH - PREFIX.length() - 1 - TAG_CHARS;

    private final SecretKeySpec key;

    ChallengeState(byte[] stateKey) {
        this.key = new SecretKeySpec(stateKey, "HmacSHA256");
    }

    /**
     * The State value for a challenge issued to {@code clientName}.
     *
     * @throws IllegalArgumentException when the transaction id is empty, longer than
     *                                  {@value #MAX_TRANSACTION_ID_BYTES} bytes, or has control characters
     */
    byte[] encode(String clientName, String transactionId) {
        if (transactionId == null || transactionId.isEmpty()
                || transactionId.getBytes(StandardCharsets.UTF_8).length > MAX_TRANSACTION_ID_BYTES
                || transactionId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("the transaction id does not fit a RADIUS State (empty, over "
                    + MAX_TRANSACTION_ID_BYTES + " bytes, or with control characters)");
        }
        return (PREFIX + transactionId + "." + tag(clientName, transactionId)).getBytes(StandardCharsets.UTF_8);
    }

    /** The transaction id of a State issued to {@code clientName}; empty when it was not (or is malformed). */
    Optional<String> verify(String clientName, byte[] state) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(state)).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        int dot = text.lastIndexOf('.');
        if (!text.startsWith(PREFIX) || dot <= PREFIX.length() || text.length() - dot - 1 != TAG_CHARS) {
            return Optional.empty();
        }
        String transactionId = text.substring(PREFIX.length(), dot);
        byte[] expected = tag(clientName, transactionId).getBytes(StandardCharsets.US_ASCII);
        byte[] actual = text.substring(dot + 1).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, actual) ? Optional.of(transactionId) : Optional.empty();
    }

    private String tag(String clientName, String transactionId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] full = mac.doFinal((clientName + "\0" + transactionId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, TAG_BYTES));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
