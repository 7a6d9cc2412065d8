package org.otpappliance.benchmarks;

import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The baselines: the bare JDK primitive each verification is built on, measured in the same run. HOTP and TOTP
 * verification are HMAC-SHA1 over an 8-byte counter plus what otp-core does around it (a Mac re-keyed per token,
 * dynamic truncation, the constant-time comparison); Yubico OTP verification is one AES-128 block plus parsing,
 * modhex and the CRC. Here the Mac and the Cipher are keyed once, so these are the ceilings.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CryptoBaseline {
    private Mac hmacSha1;
    private Cipher aes;
    private final byte[] counter = new byte[8];
    private final byte[] block = new byte[16];
    private long n;

    @Setup
    public void setup() throws Exception {
        hmacSha1 = Mac.getInstance("HmacSHA1");
        hmacSha1.init(new SecretKeySpec(Fixtures.bytes("baseline-hmac", 0, 20), "HmacSHA1"));
        aes = Cipher.getInstance("AES/ECB/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Fixtures.bytes("baseline-aes", 0, 16), "AES"));
    }

    /** One HMAC-SHA1 over an 8-byte counter, with a Mac keyed once: what a HOTP code costs at the least. */
    @Benchmark
    public byte[] hmacSha1() {
        long c = n++;
        for (int i = 7; i >= 0; i--) {
            counter[i] = (byte) c;
            c >>>= 8;
        }
        return hmacSha1.doFinal(counter);
    }

    /** One AES-128 block decrypted with a Cipher keyed once: what a Yubico OTP costs at the least. */
    @Benchmark
    public byte[] aes128Block() throws Exception {
        block[0] = (byte) n++;
        return aes.doFinal(block);
    }
}
