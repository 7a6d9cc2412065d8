package org.otpappliance.benchmarks;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.otp.verify.OathParameters;
import org.otpappliance.otp.verify.TotpVerifier;

/**
 * TOTP verification as a validation does it ({@code OathToken.verify}: {@link TotpVerifier#verify} with the
 * default window of ±1 step around the learned drift, here 0): SHA1, 6 digits, 30-second steps, 20-byte seeds, a
 * fixed clock. The verifier tries the expected step first, then the one before, then the one after:
 * <ul>
 * <li>{@link #acceptCurrentStep}: one HMAC;</li>
 * <li>{@link #acceptPreviousStep}: a code from the step before (a slow typist, a clock behind): two;</li>
 * <li>{@link #rejectWholeWindow}: a wrong code, tried at all three steps: three, the worst case.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TotpVerify {
    static final OathParameters PARAMETERS = OathParameters.totp(HashAlgorithm.SHA1, 6, Totp.DEFAULT_PERIOD_SECONDS);
    static final int WINDOW = TotpVerifier.DEFAULT_WINDOW;
    /** The benchmark's "now": 2027-01-15, 10 s into a step. */
    static final long NOW = 1_800_000_010L;

    final byte[][] seeds = new byte[Fixtures.TOKENS][];
    final String[] currentCode = new String[Fixtures.TOKENS];
    final String[] previousCode = new String[Fixtures.TOKENS];
    final String[] wrongCode = new String[Fixtures.TOKENS];
    final long lastAcceptedStep = Totp.timeStep(NOW, Totp.DEFAULT_PERIOD_SECONDS) - 10;
    private int i;

    @Setup
    public void setup() {
        long step = Totp.timeStep(NOW, Totp.DEFAULT_PERIOD_SECONDS);
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            seeds[t] = Fixtures.bytes("totp", t, 20);
            currentCode[t] = Hotp.code(seeds[t], step, 6, HashAlgorithm.SHA1);
            previousCode[t] = Hotp.code(seeds[t], step - 1, 6, HashAlgorithm.SHA1);
            // A code matching none of the steps step-1 .. step+1 (the window's first counter is step - 1).
            wrongCode[t] = HotpVerify.codeOutsideWindowOf(seeds[t], step - 1, 2 * WINDOW);
        }
    }

    @Benchmark
    public Optional<TotpVerifier.Match> acceptCurrentStep() {
        int t = i++ & Fixtures.MASK;
        return TotpVerifier.verify(seeds[t], PARAMETERS, currentCode[t], NOW, lastAcceptedStep, 0, WINDOW);
    }

    @Benchmark
    public Optional<TotpVerifier.Match> acceptPreviousStep() {
        int t = i++ & Fixtures.MASK;
        return TotpVerifier.verify(seeds[t], PARAMETERS, previousCode[t], NOW, lastAcceptedStep, 0, WINDOW);
    }

    @Benchmark
    public Optional<TotpVerifier.Match> rejectWholeWindow() {
        int t = i++ & Fixtures.MASK;
        return TotpVerifier.verify(seeds[t], PARAMETERS, wrongCode[t], NOW, lastAcceptedStep, 0, WINDOW);
    }
}
