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
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * Yubico OTP verification as a validation does it ({@code YubicoToken.decode} and {@code verify}): parse the 44
 * modhex characters, compare the public id, decrypt the block with the token's {@link YubicoKey} (built once per
 * token, as the appliance's token cache keeps it), check the CRC and the private id in constant time, and that the
 * OTP comes after the last accepted one.
 * <ul>
 * <li>{@link #accept}: a genuine, fresh OTP;</li>
 * <li>{@link #rejectForged}: 44 modhex characters with the right public id that are no OTP of the key (the CRC
 * fails after decryption): as costly as a genuine one, so no cheaper path for a forger.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class YubicoVerify {
    final String[] publicIds = new String[Fixtures.TOKENS];
    final byte[][] privateIds = new byte[Fixtures.TOKENS][];
    final YubicoKey[] keys = new YubicoKey[Fixtures.TOKENS];
    final String[] otps = new String[Fixtures.TOKENS];
    final String[] forged = new String[Fixtures.TOKENS];
    /** The position after the last accepted OTP: usage counter x 256 + session counter, as YubicoToken keeps it. */
    final long[] nextPosition = new long[Fixtures.TOKENS];
    private int i;

    @Setup
    public void setup() {
        for (int t = 0; t < Fixtures.TOKENS; t++) {
            publicIds[t] = Modhex.encode(Fixtures.bytes("yubico-public", t, 6));
            privateIds[t] = Fixtures.bytes("yubico-private", t, YubicoOtpBlock.PRIVATE_ID_LENGTH);
            byte[] aesKey = Fixtures.bytes("yubico-aes", t, YubicoKey.LENGTH);
            keys[t] = new YubicoKey(aesKey);
            int usage = 10 + t % 50;
            int session = t % 200;
            otps[t] = Fixtures.yubicoOtp(publicIds[t], aesKey, privateIds[t], usage, session, 0x12345 + t, 0xbeef ^ t);
            nextPosition[t] = ((long) usage << 8) | session;
            forged[t] = publicIds[t] + Modhex.encode(Fixtures.bytes("yubico-forged", t, YubicoOtpBlock.LENGTH));
        }
    }

    Optional<YubicoOtpBlock> verify(int t, String code) {
        long next = nextPosition[t];
        return YubicoOtp.parse(code).filter(o -> o.publicId().equals(publicIds[t])).flatMap(keys[t]::decrypt)
                .filter(b -> b.privateIdMatches(privateIds[t]))
                .filter(b -> (((long) b.usageCounter() << 8) | b.sessionCounter()) >= next);
    }

    @Benchmark
    public Optional<YubicoOtpBlock> accept() {
        int t = i++ & Fixtures.MASK;
        return verify(t, otps[t]);
    }

    @Benchmark
    public Optional<YubicoOtpBlock> rejectForged() {
        int t = i++ & Fixtures.MASK;
        return verify(t, forged[t]);
    }
}
