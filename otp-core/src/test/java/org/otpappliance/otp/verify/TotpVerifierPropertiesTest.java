package org.otpappliance.otp.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.otpappliance.otp.verify.OathArbitraries.code;
import static org.otpappliance.otp.verify.OathArbitraries.codeElsewhere;
import static org.otpappliance.otp.verify.OathArbitraries.pairElsewhere;

import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.otp.verify.TotpVerifier.Match;

@Label("TOTP window, replay and drift (RFC 6238 sections 5.2 and 6)")
class TotpVerifierPropertiesTest {
    // From 2001 to 2286: with periods up to an hour every step in the windows used here is positive.
    private static final long MIN_TIME = 1_000_000_000L;
    private static final long MAX_TIME = 10_000_000_000L;

    @Provide
    Arbitrary<byte[]> keys() {
        return OathArbitraries.keys();
    }

    @Provide
    Arbitrary<OathParameters> params() {
        return OathArbitraries.totpParameters();
    }

    @Property(tries = 500)
    @Label("a code at now + drift + d, |d| <= window, is accepted with drift = step - current step")
    void codeInWindowAccepted(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                              @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                              @ForAll @IntRange(min = -100, max = 100) int drift,
                              @ForAll @IntRange(max = 5) int window, @ForAll @IntRange(min = -5, max = 5) int d0,
                              @ForAll @IntRange(max = 1000) int sinceLastAccepted) {
        int d = d0 % (window + 1);
        long now = Totp.timeStep(time, p.periodSeconds());
        long step = now + drift + d;
        long lastAccepted = step - 1 - sinceLastAccepted;
        String typed = code(key, p, step);
        Assume.that(!codeElsewhere(key, p, typed, now + drift - window, now + drift + window, step));
        Optional<Match> match = TotpVerifier.verify(key, p, typed, time, lastAccepted, drift, window);
        assertEquals(Optional.of(new Match(step, drift + d)), match);
        assertEquals(step - now, match.get().drift());
    }

    @Property(tries = 300)
    @Label("a code outside now + drift +- window is rejected")
    void codeOutsideWindowRejected(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                   @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                   @ForAll @IntRange(min = -100, max = 100) int drift,
                                   @ForAll @IntRange(max = 5) int window,
                                   @ForAll @IntRange(min = 1, max = 50) int beyond, @ForAll boolean early) {
        long now = Totp.timeStep(time, p.periodSeconds());
        long expected = now + drift;
        long step = early ? expected - window - beyond : expected + window + beyond;
        String typed = code(key, p, step);
        Assume.that(!codeElsewhere(key, p, typed, expected - window, expected + window, step));
        assertEquals(Optional.empty(), TotpVerifier.verify(key, p, typed, time, -1, drift, window));
    }

    @Property(tries = 300)
    @Label("a code at or below lastAcceptedStep is rejected (replay)")
    void codeAtOrBelowLastAcceptedRejected(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                           @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                           @ForAll @IntRange(min = -100, max = 100) int drift,
                                           @ForAll @IntRange(max = 5) int window,
                                           @ForAll @IntRange(min = -5, max = 5) int d0,
                                           @ForAll @IntRange(max = 3) int aboveStep) {
        long now = Totp.timeStep(time, p.periodSeconds());
        long step = now + drift + d0 % (window + 1);
        long lastAccepted = step + aboveStep;
        String typed = code(key, p, step);
        Assume.that(!codeElsewhere(key, p, typed, lastAccepted + 1, now + drift + window, step));
        assertEquals(Optional.empty(), TotpVerifier.verify(key, p, typed, time, lastAccepted, drift, window));
    }

    @Property(tries = 300)
    @Label("the step of an accepted code cannot be used again, even within the same period")
    void acceptedCodeCannotBeReplayed(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                      @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                      @ForAll @IntRange(min = -1, max = 1) int d) {
        int window = TotpVerifier.DEFAULT_WINDOW;
        long now = Totp.timeStep(time, p.periodSeconds());
        String typed = code(key, p, now + d);
        Assume.that(!codeElsewhere(key, p, typed, now - window, now + window, now + d));
        Match first = TotpVerifier.verify(key, p, typed, time, -1, 0, window).orElseThrow();
        assertEquals(now + d, first.timeStep());
        assertEquals(Optional.empty(), TotpVerifier.verify(key, p, typed, time, first.timeStep(), first.drift(), window));
    }

    @Property(tries = 300)
    @Label("the drift learned from one code lets a later code with the same clock offset pass with window 0")
    void learnedDriftAcceptsLaterCodeWithWindowZero(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                                    @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                                    @ForAll @IntRange(min = -100, max = 100) int offsetSteps,
                                                    @ForAll @IntRange(max = 2) int slack,
                                                    @ForAll @LongRange(min = 0, max = 1_000_000) long laterBy) {
        int period = p.periodSeconds();
        // A whole number of steps, so the token is the same number of steps ahead at every phase.
        long tokenOffsetSeconds = (long) offsetSteps * period;
        int window = Math.abs(offsetSteps) + slack;
        long now1 = Totp.timeStep(time, period);
        long tokenStep1 = Totp.timeStep(time + tokenOffsetSeconds, period);
        String code1 = code(key, p, tokenStep1);
        Assume.that(!codeElsewhere(key, p, code1, now1 - window, now1 + window, tokenStep1));

        Match learned = TotpVerifier.verify(key, p, code1, time, -1, 0, window).orElseThrow();
        assertEquals(new Match(tokenStep1, offsetSteps), learned);

        long later = time + period + laterBy;
        long tokenStep2 = Totp.timeStep(later + tokenOffsetSeconds, period);
        String code2 = code(key, p, tokenStep2);
        assertEquals(Optional.of(new Match(tokenStep2, offsetSteps)),
                TotpVerifier.verify(key, p, code2, later, learned.timeStep(), learned.drift(), 0));
        if (offsetSteps != 0 && !code2.equals(code(key, p, Totp.timeStep(later, period)))) {
            assertEquals(Optional.empty(), TotpVerifier.verify(key, p, code2, later, learned.timeStep(), 0, 0),
                    "without the learned drift window 0 must miss");
        }
    }

    @Property(tries = 200)
    @Label("resync over a wide window returns the step of the second of two consecutive codes")
    void resyncReturnsStepOfSecondCode(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                       @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                       @ForAll @IntRange(min = 0, max = 150) int window,
                                       @ForAll @IntRange(min = -150, max = 150) int s0) {
        long now = Totp.timeStep(time, p.periodSeconds());
        long s = now + s0 % (window + 1);
        String code1 = code(key, p, s);
        String code2 = code(key, p, s + 1);
        Assume.that(!pairElsewhere(key, p, code1, code2, now - window, s - 1, s));
        assertEquals(Optional.of(new Match(s + 1, Math.toIntExact(s + 1 - now))),
                TotpVerifier.resync(key, p, code1, code2, time, -1, window));
    }

    @Property(tries = 200)
    @Label("resync fails for non-consecutive codes, and for pairs at or below lastAcceptedStep")
    void resyncRejectsNonConsecutiveOrSpentPairs(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                                 @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time,
                                                 @ForAll @IntRange(max = 100) int window,
                                                 @ForAll @IntRange(min = -100, max = 100) int s0,
                                                 @ForAll @IntRange(min = -10, max = 30) int gap) {
        long now = Totp.timeStep(time, p.periodSeconds());
        long s = now + s0 % (window + 1);
        String code1 = code(key, p, s);
        if (gap != 1) {
            String code2 = code(key, p, s + gap);
            Assume.that(!pairElsewhere(key, p, code1, code2, now - window, now + window, Long.MIN_VALUE));
            assertEquals(Optional.empty(), TotpVerifier.resync(key, p, code1, code2, time, -1, window));
        } else {
            String code2 = code(key, p, s + 1);
            long lastAccepted = s;
            Assume.that(!pairElsewhere(key, p, code1, code2, lastAccepted + 1, now + window, s));
            assertEquals(Optional.empty(), TotpVerifier.resync(key, p, code1, code2, time, lastAccepted, window));
        }
    }

    @Property(tries = 200)
    @Label("steps before the epoch are never tried")
    void negativeStepsNeverTried(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                 @ForAll @IntRange(min = 1, max = 5) int below) {
        long step = -below;
        String typed = code(key, p, step);
        Assume.that(!codeElsewhere(key, p, typed, 0, 5, step));
        assertEquals(Optional.empty(), TotpVerifier.verify(key, p, typed, 0, Long.MIN_VALUE, 0, 5));
        assertEquals(Optional.empty(),
                TotpVerifier.resync(key, p, typed, code(key, p, step + 1), 0, Long.MIN_VALUE, 5));
    }

    @Property(tries = 100)
    @Label("malformed codes (null, wrong length, non-digits) never match, not even at the right step")
    void malformedCodesNeverMatch(@ForAll("keys") byte[] key, @ForAll("params") OathParameters p,
                                  @ForAll @LongRange(min = MIN_TIME, max = MAX_TIME) long time) {
        long now = Totp.timeStep(time, p.periodSeconds());
        String good = code(key, p, now);
        String next = code(key, p, now + 1);
        for (String bad : OathArbitraries.malformedVariants(good)) {
            assertEquals(Optional.empty(), TotpVerifier.verify(key, p, bad, time, -1, 0, 1), bad);
            assertEquals(Optional.empty(), TotpVerifier.resync(key, p, bad, next, time, -1, 10), bad);
            assertEquals(Optional.empty(), TotpVerifier.resync(key, p, good, bad, time, -1, 10), bad);
        }
    }
}
