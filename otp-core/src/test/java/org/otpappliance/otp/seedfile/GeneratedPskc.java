package org.otpappliance.otp.seedfile;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.otpappliance.otp.algorithm.HashAlgorithm;

/**
 * A PSKC file of {@code count} AES-128-CBC encrypted keys (pre-shared key, MAC), produced as it is read, never held
 * whole: it counts the KeyPackages handed out so a test can see how far ahead of the parser the input has run.
 */
final class GeneratedPskc extends InputStream {
    private final PskcWriter writer;
    private final int count;
    private int produced;
    private byte[] chunk;
    private int position;
    private boolean footerDone;

    GeneratedPskc(byte[] psk, int count) {
        this.writer = PskcWriter.preSharedKey(psk, false);
        this.count = count;
        this.chunk = writer.header().getBytes(StandardCharsets.UTF_8);
    }

    /** Record {@code i} of the generated file: its secret is SHA-1 of its index, so any record can be checked. */
    static SeedRecord record(int i) {
        try {
            byte[] seed = MessageDigest.getInstance("SHA-1").digest(ByteBuffer.allocate(4).putInt(i).array());
            String serial = String.format("GEN%07d", i);
            return i % 2 == 0 ? SeedRecord.totp(serial, seed, HashAlgorithm.SHA1, 6, 30, "user" + i)
                    : SeedRecord.hotp(serial, seed, HashAlgorithm.SHA1, 8, i, null);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many KeyPackages have been handed to the reader so far. */
    int produced() {
        return produced;
    }

    private boolean fill() {
        while (position >= chunk.length) {
            if (produced < count) {
                chunk = writer.keyPackage(record(produced++)).getBytes(StandardCharsets.UTF_8);
            } else if (!footerDone) {
                chunk = writer.footer().getBytes(StandardCharsets.UTF_8);
                footerDone = true;
            } else {
                return false;
            }
            position = 0;
        }
        return true;
    }

    @Override
    public int read() {
        return fill() ? chunk[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, chunk.length - position);
        System.arraycopy(chunk, position, b, off, n);
        position += n;
        return n;
    }
}
