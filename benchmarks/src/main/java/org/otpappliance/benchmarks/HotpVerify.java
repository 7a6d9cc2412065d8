package org.otpappliance.benchmarks;

import java.util.OptionalLong;
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
import org.otpappliance.otp.verify.HotpVerifier;
import org.otpappliance.otp.verify.OathParameters;

/**
 * HOTP verification as a validation does it ({@code OathToken.verify}: {@link HotpVerifier#verify} with the default
 * look-ahead of 10): SHA1, 6 digits, 20-byte seeds.
 * <ul>
 * <li>{@link #accept}: the code of the next expected counter, the common case: one HMAC;</li>
 * <li>{@link #rejectWholeWindow}: a wrong code, tried at all 11 counters of the window: the worst case.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HotpVerify {
    static final OathParameters PARAMETERS = OathParameters.hotp(HashAlgorithm.SHA1, 6);
    static final int LOOK_AHEAD = HotpVerifier.DEFAULT_LOOK_AHEAD;

    final byte[][] seeds = new byte[Fixtures.TOKENS][];
    final long[] nextCounter = new long[Fixtures.TOKENS];
    final String[] rightCode = new String[Fixtures.TOKENS];
    final String[] wrongCode = new String[Fixtures.TOKENS];
    private int i;

    @Setup
    public void setup() {
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            seeds[t] = Fixtures.bytes("hotp", t, 20);
            nextCounter[t] = 1000 + 37L * t;
            rightCode[t] = Hotp.code(seeds[t], nextCounter[t], 6, HashAlgorithm.SHA1);
            wrongCode[t] = codeOutsideWindowOf(seeds[t], nextCounter[t], LOOK_AHEAD);
        }
    }

    /** A well-formed 6-digit code that matches none of the counters {@code first .. first + span}. */
    static String codeOutsideWindowOf(byte[] seed, long first, int span) {
        for (int candidate = 0; ; candidate++) {
            String code = Hotp.format(candidate, 6);
            boolean matches = false;
            for (long c = first; c <= first + span; c++) {
                matches |= Hotp.code(seed, c, 6, HashAlgorithm.SHA1).equals(code);
            }
            if (!matches) {
                return code;
            }
        }
    }

    @Benchmark
    public OptionalLong accept() {
        int t = i++ & Fixtures.MASK;
        return HotpVerifier.verify(seeds[t], PARAMETERS, rightCode[t], nextCounter[t], LOOK_AHEAD);
    }

    @Benchmark
    public OptionalLong rejectWholeWindow() {
        int t = i++ & Fixtures.MASK;
        return HotpVerifier.verify(seeds[t], PARAMETERS, wrongCode[t], nextCounter[t], LOOK_AHEAD);
    }
}
