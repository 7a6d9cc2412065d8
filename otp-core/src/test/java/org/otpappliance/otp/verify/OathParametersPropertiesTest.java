package org.otpappliance.otp.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.otpappliance.otp.algorithm.HashAlgorithm;

@Label("OathParameters validation")
class OathParametersPropertiesTest {

    @Property
    @Label("digits 6..8 are accepted, any other number is rejected")
    void digitsMustBeSixToEight(@ForAll HashAlgorithm algorithm, @ForAll int digits) {
        if (digits >= 6 && digits <= 8) {
            assertEquals(digits, OathParameters.hotp(algorithm, digits).digits());
            assertEquals(digits, OathParameters.totp(algorithm, digits, 30).digits());
        } else {
            assertThrows(IllegalArgumentException.class, () -> OathParameters.hotp(algorithm, digits));
            assertThrows(IllegalArgumentException.class, () -> OathParameters.totp(algorithm, digits, 30));
            assertThrows(IllegalArgumentException.class, () -> new OathParameters(algorithm, digits, 30));
        }
    }

    @Property
    @Label("digits next to the allowed range are rejected")
    void digitsAtTheBoundary(@ForAll HashAlgorithm algorithm, @ForAll @IntRange(min = 0, max = 12) int digits) {
        digitsMustBeSixToEight(algorithm, digits);
    }

    @Property
    @Label("a TOTP period of 1..3600 seconds is accepted, any other is rejected")
    void totpPeriodMustBeOneToThreeThousandSixHundred(@ForAll HashAlgorithm algorithm, @ForAll int period) {
        if (period >= 1 && period <= 3600) {
            OathParameters p = OathParameters.totp(algorithm, 6, period);
            assertEquals(period, p.periodSeconds());
            assertEquals(algorithm, p.algorithm());
        } else {
            assertThrows(IllegalArgumentException.class, () -> OathParameters.totp(algorithm, 6, period));
        }
    }

    @Property
    @Label("periods near the limits")
    void periodsNearTheLimits(@ForAll HashAlgorithm algorithm, @ForAll @IntRange(min = -2, max = 3602) int period) {
        totpPeriodMustBeOneToThreeThousandSixHundred(algorithm, period);
    }

    @Property
    @Label("the constructor allows period 0 (HOTP) but no negative period or one over an hour")
    void constructorPeriods(@ForAll HashAlgorithm algorithm, @ForAll int period) {
        if (period >= 0 && period <= 3600) {
            assertEquals(period, new OathParameters(algorithm, 8, period).periodSeconds());
        } else {
            assertThrows(IllegalArgumentException.class, () -> new OathParameters(algorithm, 8, period));
        }
    }

    @Example
    @Label("HOTP parameters have period 0")
    void hotpHasNoPeriod() {
        assertEquals(new OathParameters(HashAlgorithm.SHA256, 7, 0), OathParameters.hotp(HashAlgorithm.SHA256, 7));
    }

    @Example
    @Label("the algorithm is required")
    void algorithmRequired() {
        assertThrows(IllegalArgumentException.class, () -> OathParameters.hotp(null, 6));
        assertThrows(IllegalArgumentException.class, () -> OathParameters.totp(null, 6, 30));
    }
}
