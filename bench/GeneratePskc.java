import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/**
 * Helper of bench/import.sh: writes a large PSKC file (RFC 6030) as a token vendor ships it, and the codes that
 * prove a sample of its tokens went in.
 *
 * <pre>
 *   file OUT PSK_FILE COUNT SEED
 *       writes COUNT HOTP keys (SHA1, 6 digits, counter 0; serial BENCH0000000 + i) to OUT, each secret
 *       encrypted with AES-128-CBC under a pre-shared key, with a ValueMAC (HMAC-SHA1 over IV || ciphertext,
 *       the MAC key itself encrypted under the pre-shared key: RFC 6030 section 6.1, figure 6), and the
 *       pre-shared key in hex to PSK_FILE (mode 0600)
 *   sample COUNT N SEED
 *       prints N lines "SERIAL CODE" for N distinct random tokens of the file: the HOTP code for counter 0
 * </pre>
 *
 * The secret of token i is the first 20 bytes of SHA-256("SEED/i"), the pre-shared key the first 16 of
 * SHA-256("SEED/psk"), the MAC key the first 20 of SHA-256("SEED/mac"); the IVs are random. Written with the JDK's
 * cipher and MAC only, from the RFC, so the appliance's parser is checked against an independent writer.
 */
public class GeneratePskc {
    static final String AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    static final String HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
    static final String HOTP = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";

    public static void main(String[] args) throws Exception {
        // RFC 4226 appendix D, counter 0: fail loudly rather than check the import with wrong codes.
        byte[] rfc = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        if (!Hotp.code(rfc, 0, 6, HashAlgorithm.SHA1).equals("755224")) {
            throw new IllegalStateException("otp-core's Hotp.code does not match the RFC 4226 test vectors");
        }
        if (args.length == 5 && args[0].equals("file")) {
            file(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), args[4]);
        } else if (args.length == 4 && args[0].equals("sample")) {
            sample(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3]);
        } else {
            System.err.println("usage: GeneratePskc file OUT PSK_FILE COUNT SEED | sample COUNT N SEED");
            System.exit(2);
        }
    }

    static String serial(int i) {
        return String.format("BENCH%07d", i);
    }

    static byte[] derived(String seed, String what, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((seed + "/" + what).getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[length];
            System.arraycopy(digest, 0, out, 0, length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static void file(Path out, Path pskFile, int count, String seed) throws IOException, GeneralSecurityException {
        byte[] psk = derived(seed, "psk", 16);
        byte[] macKey = derived(seed, "mac", 20);
        Files.deleteIfExists(pskFile);
        Files.createFile(pskFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pskFile, HexFormat.of().formatHex(psk) + "\n");

        SecureRandom random = new SecureRandom();
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        SecretKeySpec aesKey = new SecretKeySpec(psk, "AES");
        Mac hmac = Mac.getInstance("HmacSHA1");
        hmac.init(new SecretKeySpec(macKey, "RAW"));
        Base64.Encoder b64 = Base64.getEncoder();
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16)) {
            w.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    + "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"\n"
                    + "    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">\n"
                    + "  <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>\n"
                    + "  <MACMethod Algorithm=\"" + HMAC_SHA1 + "\">\n"
                    + "    <MACKey>" + encrypted(aes, aesKey, random, macKey, b64) + "</MACKey>\n"
                    + "  </MACMethod>\n");
            for (int i = 0; i < count; i++) {
                byte[] ivAndCiphertext = encrypt(aes, aesKey, random, derived(seed, Integer.toString(i), 20));
                String mac = b64.encodeToString(hmac.doFinal(ivAndCiphertext));
                w.write("  <KeyPackage>\n"
                        + "    <DeviceInfo><Manufacturer>OTP appliance bench</Manufacturer><SerialNo>" + serial(i)
                        + "</SerialNo></DeviceInfo>\n"
                        + "    <Key Id=\"" + serial(i) + "\" Algorithm=\"" + HOTP + "\">\n"
                        + "      <Issuer>OTP appliance bench</Issuer>\n"
                        + "      <AlgorithmParameters><ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/></AlgorithmParameters>\n"
                        + "      <Data>\n"
                        + "        <Secret><EncryptedValue>" + cipherData(b64.encodeToString(ivAndCiphertext))
                        + "</EncryptedValue><ValueMAC>" + mac + "</ValueMAC></Secret>\n"
                        + "        <Counter><PlainValue>0</PlainValue></Counter>\n"
                        + "      </Data>\n"
                        + "    </Key>\n"
                        + "  </KeyPackage>\n");
            }
            w.write("</KeyContainer>\n");
        }
    }

    /** IV || AES-128-CBC(plain), PKCS#7 padded, as RFC 6030 section 6.1 puts it in a CipherValue. */
    static byte[] encrypt(Cipher aes, SecretKeySpec key, SecureRandom random, byte[] plain) throws GeneralSecurityException {
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        aes.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
        byte[] ciphertext = aes.doFinal(plain);
        return ByteBuffer.allocate(16 + ciphertext.length).put(iv).put(ciphertext).array();
    }

    static String encrypted(Cipher aes, SecretKeySpec key, SecureRandom random, byte[] plain, Base64.Encoder b64)
            throws GeneralSecurityException {
        return cipherData(b64.encodeToString(encrypt(aes, key, random, plain)));
    }

    static String cipherData(String base64) {
        return "<xenc:EncryptionMethod Algorithm=\"" + AES128_CBC + "\"/><xenc:CipherData><xenc:CipherValue>" + base64
                + "</xenc:CipherValue></xenc:CipherData>";
    }

    static void sample(int count, int n, String seed) {
        SecureRandom random = new SecureRandom();
        Set<Integer> picked = new LinkedHashSet<>();
        while (picked.size() < Math.min(n, count)) {
            picked.add(random.nextInt(count));
        }
        for (int i : picked) {
            System.out.println(serial(i) + " " + Hotp.code(derived(seed, Integer.toString(i), 20), 0, 6, HashAlgorithm.SHA1));
        }
    }
}
