package org.otpappliance.otp.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otpappliance.otp.verify.OathArbitraries.code;
import static org.otpappliance.otp.verify.OathArbitraries.codeElsewhere;
import static org.otpappliance.otp.verify.OathArbitraries.pairElsewhere;

import java.util.OptionalLong;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

@Label("HOTP look-ahead window and resynchronisation (RFC 4226 section 7.4)")
class HotpVerifierPropertiesTest {
    private static final long MAX_COUNTER = Long.MAX_VALUE / 2;

    @Provide
    Arbitrary<byte[]> keys() {
        return OathArbitraries.keys();
    }

    @Provide
    Arbitrary<OathParameters> params() {
        return OathArbitraries.hotpParameters();
    }

    @Property(tries = 500)
    @Label("a code at nextCounter + k, 0 <= k <= lookAhead, is accepted at exactly that counter")
    void codeInLookAheadAccepted(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                 @ForAll @LongRange(max = MAX_COUNTER) long nextCounter,
                                 @ForAll @IntRange(max = 20) int lookAhead, @ForAll @IntRange(max = 20) int k0) {
        int k = k0 % (lookAhead + 1);
        String typed = code(key, p, nextCounter + k);
        Assume.that(!codeElsewhere(key, p, typed, nextCounter, nextCounter + k - 1, nextCounter + k));
        assertEquals(OptionalLong.of(nextCounter + k), HotpVerifier.verify(key, p, typed, nextCounter, lookAhead));
    }

    @Property(tries = 300)
    @Label("a code past the look-ahead window is rejected")
    void codeBeyondLookAheadRejected(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                     @ForAll @LongRange(max = MAX_COUNTER) long nextCounter,
                                     @ForAll @IntRange(max = 20) int lookAhead, @ForAll @IntRange(max = 50) int beyond) {
        long counter = nextCounter + lookAhead + 1 + beyond;
        String typed = code(key, p, counter);
        Assume.that(!codeElsewhere(key, p, typed, nextCounter, nextCounter + lookAhead, counter));
        assertEquals(OptionalLong.empty(), HotpVerifier.verify(key, p, typed, nextCounter, lookAhead));
    }

    @Property(tries = 500)
    @Label("a spent code, below nextCounter, is never accepted")
    void spentCodeRejected(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                           @ForAll @LongRange(min = 1, max = MAX_COUNTER) long nextCounter,
                           @ForAll @IntRange(max = 20) int lookAhead, @ForAll @LongRange(max = 1000) long back) {
        long spent = Math.max(0, nextCounter - 1 - back);
        String typed = code(key, p, spent);
        OptionalLong result = HotpVerifier.verify(key, p, typed, nextCounter, lookAhead);
        // Whatever happens, only an in-window counter with this very code may come back.
        result.ifPresent(c -> {
            assertTrue(c >= nextCounter && c <= nextCounter + lookAhead, "counter " + c);
            assertEquals(typed, code(key, p, c));
        });
        Assume.that(!codeElsewhere(key, p, typed, nextCounter, nextCounter + lookAhead, spent));
        assertEquals(OptionalLong.empty(), result);
    }

    @Property(tries = 300)
    @Label("an accepted code is spent: replaying it with the advanced counter fails")
    void acceptedCodeCannotBeReplayed(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                      @ForAll @LongRange(max = MAX_COUNTER) long nextCounter,
                                      @ForAll @IntRange(max = 10) int k0) {
        int lookAhead = HotpVerifier.DEFAULT_LOOK_AHEAD;
        long counter = nextCounter + k0 % (lookAhead + 1);
        String typed = code(key, p, counter);
        Assume.that(!codeElsewhere(key, p, typed, nextCounter, counter + 1 + lookAhead, counter));
        OptionalLong accepted = HotpVerifier.verify(key, p, typed, nextCounter, lookAhead);
        assertEquals(OptionalLong.of(counter), accepted);
        assertEquals(OptionalLong.empty(), HotpVerifier.verify(key, p, typed, accepted.getAsLong() + 1, lookAhead));
    }

    @Property(tries = 200)
    @Label("resync from two consecutive codes at c and c + 1 in the window returns c + 1")
    void resyncFindsConsecutiveCodes(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                     @ForAll @LongRange(max = MAX_COUNTER) long nextCounter,
                                     @ForAll @IntRange(max = 150) int window, @ForAll @IntRange(max = 150) int k0) {
        long c = nextCounter + k0 % (window + 1);
        String code1 = code(key, p, c);
        String code2 = code(key, p, c + 1);
        Assume.that(!pairElsewhere(key, p, code1, code2, nextCounter, c - 1, c));
        assertEquals(OptionalLong.of(c + 1), HotpVerifier.resync(key, p, code1, code2, nextCounter, window));
    }

    @Property(tries = 200)
    @Label("resync fails when the two codes are not consecutive")
    void resyncRejectsNonConsecutiveCodes(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                          @ForAll @LongRange(min = 20, max = MAX_COUNTER) long nextCounter,
                                          @ForAll @IntRange(max = 100) int window, @ForAll @IntRange(max = 100) int k0,
                                          @ForAll @IntRange(min = -10, max = 30) int gap) {
        Assume.that(gap != 1);
        long c = nextCounter + k0 % (window + 1);
        String code1 = code(key, p, c);
        String code2 = code(key, p, c + gap);
        Assume.that(!pairElsewhere(key, p, code1, code2, nextCounter, nextCounter + window, Long.MIN_VALUE));
        assertEquals(OptionalLong.empty(), HotpVerifier.resync(key, p, code1, code2, nextCounter, window));
    }

    @Property(tries = 200)
    @Label("resync fails for consecutive codes before nextCounter or past the window")
    void resyncRejectsPairsOutsideWindow(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                         @ForAll @LongRange(min = 200, max = MAX_COUNTER) long nextCounter,
                                         @ForAll @IntRange(max = 100) int window,
                                         @ForAll @IntRange(min = 1, max = 100) int distance, @ForAll boolean before) {
        long c = before ? nextCounter - distance : nextCounter + window + distance;
        String code1 = code(key, p, c);
        String code2 = code(key, p, c + 1);
        Assume.that(!pairElsewhere(key, p, code1, code2, nextCounter, nextCounter + window, c));
        assertEquals(OptionalLong.empty(), HotpVerifier.resync(key, p, code1, code2, nextCounter, window));
    }

    @Property(tries = 100)
    @Label("malformed codes (null, wrong length, non-digits) never match, not even in the right place")
    void malformedCodesNeverMatch(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                  @ForAll @LongRange(max = MAX_COUNTER) long nextCounter) {
        String good = code(key, p, nextCounter);
        String next = code(key, p, nextCounter + 1);
        assertTrue(HotpVerifier.wellFormed(good, p.digits()));
        for (String bad : OathArbitraries.malformedVariants(good)) {
            assertFalse(HotpVerifier.wellFormed(bad, p.digits()), bad);
            assertEquals(OptionalLong.empty(), HotpVerifier.verify(key, p, bad, nextCounter, 10), bad);
            assertEquals(OptionalLong.empty(), HotpVerifier.resync(key, p, bad, next, nextCounter, 10), bad);
            assertEquals(OptionalLong.empty(), HotpVerifier.resync(key, p, good, bad, nextCounter, 10), bad);
        }
    }
}
