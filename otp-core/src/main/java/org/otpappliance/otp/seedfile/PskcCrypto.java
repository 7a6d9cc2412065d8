package org.otpappliance.otp.seedfile;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** The cryptography of RFC 6030 section 6: AES-CBC with the IV in front, HMAC, PBKDF2 (RFC 8018 section 5.2). */
final class PskcCrypto {
    static final int AES_BLOCK = 16;

    private PskcCrypto() {
    }

    /**
     * Decrypts {@code ivAndCiphertext} (IV, then the ciphertext, PKCS#7 padded) with AES-CBC.
     *
     * @throws javax.crypto.BadPaddingException when the padding is wrong: the wrong key, almost always
     * @throws GeneralSecurityException for anything else the cipher refuses
     */
    static byte[] decryptCbc(byte[] key, byte[] ivAndCiphertext) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(ivAndCiphertext, 0, AES_BLOCK));
        return cipher.doFinal(ivAndCiphertext, AES_BLOCK, ivAndCiphertext.length - AES_BLOCK);
    }

    static byte[] hmac(String jcaName, byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(jcaName);
        mac.init(new SecretKeySpec(key, "RAW"));
        return mac.doFinal(data);
    }

    /**
     * PBKDF2 (RFC 8018 section 5.2) with the HMAC {@code prfJcaName}, written out rather than taken from
     * SecretKeyFactory so that any password bytes (an empty password too) derive as the standard says.
     */
    static byte[] pbkdf2(String prfJcaName, byte[] password, byte[] salt, int iterations, int length)
            throws GeneralSecurityException {
        Mac prf = Mac.getInstance(prfJcaName);
        // An empty HMAC key is valid in RFC 2104 but SecretKeySpec refuses it; one zero byte is the same key.
        prf.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "RAW"));
        int hLen = prf.getMacLength();
        byte[] out = new byte[length];
        byte[] u = new byte[hLen];
        byte[] t = new byte[hLen];
        for (int block = 1, offset = 0; offset < length; block++, offset += hLen) {
            prf.update(salt);
            prf.update(ByteBuffer.allocate(4).putInt(block).array());
            prf.doFinal(u, 0);
            System.arraycopy(u, 0, t, 0, hLen);
            for (int i = 1; i < iterations; i++) {
                prf.update(u);
                prf.doFinal(u, 0);
                for (int j = 0; j < hLen; j++) {
                    t[j] ^= u[j];
                }
            }
            System.arraycopy(t, 0, out, offset, Math.min(hLen, length - offset));
        }
        Arrays.fill(u, (byte) 0);
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /** The UTF-8 bytes of a password, without a String copy. */
    static byte[] utf8(char[] password) {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }
}
