package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class ChallengeStateTest {
    private final byte[] key = new byte[32];
    private final ChallengeState states;

    ChallengeStateTest() {
        Arrays.fill(key, (byte) 7);
        states = new ChallengeState(key);
    }

    @Test
    void bindsTheTransactionToTheClient() {
        byte[] state = states.encode("vpn-a", "tx.with.dots-1");
        String text = new String(state, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("v1.tx.with.dots-1."), text);
        assertEquals(Optional.of("tx.with.dots-1"), states.verify("vpn-a", state));
        assertEquals(Optional.empty(), states.verify("vpn-b", state));
        byte[] otherKey = key.clone();
        otherKey[0] = 8;
        assertEquals(Optional.empty(), new ChallengeState(otherKey).verify("vpn-a", state));
    }

    @Test
    void knownAnswer() throws Exception {
        // HMAC-SHA256(32 x 0x07, "vpn-a\0tx-1"), first 16 bytes, base64url without padding.
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        byte[] tag = Arrays.copyOf(mac.doFinal("vpn-a\0tx-1".getBytes(StandardCharsets.UTF_8)), 16);
        String expected = "v1.tx-1." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        assertEquals(expected, new String(states.encode("vpn-a", "tx-1"), StandardCharsets.UTF_8));
    }

    @Test
    void refusesMalformedStates() {
        for (String s : new String[] {"", "v1.", "v1..", "v2.tx.AAAAAAAAAAAAAAAAAAAAAA", "v1.tx.short", "tx", "v1.tx.AAAAAAAAAAAAAAAAAAAAAA"}) {
            assertEquals(Optional.empty(), states.verify("vpn-a", s.getBytes(StandardCharsets.UTF_8)), s);
        }
        assertEquals(Optional.empty(), states.verify("vpn-a", new byte[] {(byte) 0xff, (byte) 0xfe}));
    }

    @Test
    void refusesTransactionIdsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> states.encode("vpn", ""));
        assertThrows(IllegalArgumentException.class, () -> states.encode("vpn", null));
        assertThrows(IllegalArgumentException.class, () -> states.encode("vpn", "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> states.encode("vpn", "x".repeat(ChallengeState.MAX_TRANSACTION_ID_BYTES + 1)));
        assertTrue(states.encode("vpn", "x".repeat(ChallengeState.MAX_TRANSACTION_ID_BYTES)).length <= 253);
    }

    @Property(tries = 300)
    void roundTripsAndFlipsFail(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 100) String transactionId,
                                @ForAll @StringLength(min = 1, max = 40) String client, @ForAll @Size(min = 1, max = 1) java.util.List<Integer> where) {
        byte[] state = states.encode(client, transactionId);
        assertEquals(Optional.of(transactionId), states.verify(client, state));
        byte[] flipped = state.clone();
        int i = Math.floorMod(where.get(0), flipped.length);
        flipped[i] ^= 0x01;
        Optional<String> result = states.verify(client, flipped);
        assertTrue(result.isEmpty(), "a flipped byte at " + i + " must not verify");
    }
}
