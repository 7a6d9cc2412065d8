package org.otpappliance.otp.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class TotpPropertiesTest {

    @Provide
    static Arbitrary<byte[]> keys() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64);
    }

    @Property
    @Label("T = floor((now - T0) / X): the step holds for the whole period and changes at its end")
    void timeStepIsFloorOfTimeOverPeriod(@ForAll @LongRange(min = -1L << 40, max = 1L << 40) long epochSeconds,
                                         @ForAll @IntRange(min = 1, max = 3600) int period) {
        long t = Totp.timeStep(epochSeconds, period);
        long start = t * period;
        assertTrue(start <= epochSeconds && epochSeconds < start + period,
                () -> epochSeconds + " not in step " + t + " of " + period + " s");
        assertEquals(t, Totp.timeStep(start, period));
        assertEquals(t, Totp.timeStep(start + period - 1, period));
        assertEquals(t + 1, Totp.timeStep(start + period, period));
    }

    @Property(tries = 300)
    @Label("TOTP is HOTP of the time step, the same for every second of the step")
    void totpIsHotpOfTimeStep(@ForAll("keys") byte[] key,
                              @ForAll @LongRange(min = 0, max = 1L << 40) long epochSeconds,
                              @ForAll @IntRange(min = 1, max = 3600) int period,
                              @ForAll @IntRange(min = 6, max = 8) int digits, @ForAll HashAlgorithm algorithm) {
        long t = epochSeconds / period;
        String code = Totp.code(key, epochSeconds, period, digits, algorithm);
        assertEquals(Hotp.code(key, t, digits, algorithm), code);
        assertEquals(code, Totp.code(key, t * period, period, digits, algorithm));
        assertEquals(code, Totp.code(key, t * period + period - 1, period, digits, algorithm));
    }

    @Example
    @Label("times before the epoch round towards minus infinity")
    void negativeTimesFloor() {
        assertEquals(-1, Totp.timeStep(-1, 30));
        assertEquals(-1, Totp.timeStep(-30, 30));
        assertEquals(-2, Totp.timeStep(-31, 30));
        assertEquals(0, Totp.timeStep(29, 30));
        assertEquals(1, Totp.timeStep(30, 30));
    }

    @Property
    @Label("a period that is not positive is rejected")
    void nonPositivePeriodRejected(@ForAll @IntRange(min = Integer.MIN_VALUE, max = 0) int period, @ForAll long now) {
        assertThrows(IllegalArgumentException.class, () -> Totp.timeStep(now, period));
        assertThrows(IllegalArgumentException.class,
                () -> Totp.code(new byte[20], now, period, 6, HashAlgorithm.SHA1));
    }
}
