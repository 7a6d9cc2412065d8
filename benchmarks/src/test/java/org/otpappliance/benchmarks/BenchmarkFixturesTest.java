package org.otpappliance.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.otpappliance.otp.algorithm.Totp;

/**
 * Each benchmark measures the path its name says: every accept benchmark's code is accepted (at the step it
 * claims), every reject benchmark's code is refused. Runs each method once per fixture token, in milliseconds; the
 * build never runs the benchmarks themselves.
 */
class BenchmarkFixturesTest {
    @Test
    void hotpAcceptsTheNextCounterAndRejectsTheWrongCode() {
        HotpVerify b = new HotpVerify();
        b.setup();
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertEquals(b.nextCounter[t], b.accept().orElseThrow(), "token " + t);
        }
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertTrue(b.rejectWholeWindow().isEmpty(), "token " + t);
        }
    }

    @Test
    void totpAcceptsTheCurrentAndThePreviousStepAndRejectsTheWrongCode() {
        TotpVerify b = new TotpVerify();
        b.setup();
        long step = Totp.timeStep(TotpVerify.NOW, Totp.DEFAULT_PERIOD_SECONDS);
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertEquals(step, b.acceptCurrentStep().orElseThrow().timeStep(), "token " + t);
        }
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertEquals(step - 1, b.acceptPreviousStep().orElseThrow().timeStep(), "token " + t);
        }
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertTrue(b.rejectWholeWindow().isEmpty(), "token " + t);
        }
    }

    @Test
    void yubicoAcceptsTheGenuineOtpAndRejectsTheForgedOne() {
        YubicoVerify b = new YubicoVerify();
        b.setup();
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertEquals(b.nextPosition[t] >> 8, b.accept().orElseThrow().usageCounter(), "token " + t);
        }
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            assertTrue(b.rejectForged().isEmpty(), "token " + t);
        }
    }

    @Test
    void baselinesCompute() throws Exception {
        CryptoBaseline b = new CryptoBaseline();
        b.setup();
        assertEquals(20, b.hmacSha1().length);
        assertEquals(16, b.aes128Block().length);
    }
}
