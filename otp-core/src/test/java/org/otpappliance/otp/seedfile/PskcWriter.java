package org.otpappliance.otp.seedfile;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.otp.token.TokenType;

/**
 * Writes PSKC files the way RFC 6030 section 6 describes them, independently of the parser: the JDK's own
 * PBKDF2WithHmacSHA1 for derived keys, AES/CBC/PKCS5Padding with a random IV in front, HMAC-SHA1 over
 * IV || ciphertext. For the tests only.
 */
final class PskcWriter {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private final byte[] macKey;
    private final byte[] salt;
    private final int iterations;
    private final boolean encryptIntegers;

    private PskcWriter(byte[] key, byte[] salt, int iterations, boolean encryptIntegers) {
        this.key = key;
        this.salt = salt;
        this.iterations = iterations;
        this.encryptIntegers = encryptIntegers;
        this.macKey = key == null ? null : random(20);
    }

    static PskcWriter plain() {
        return new PskcWriter(null, null, 0, false);
    }

    static PskcWriter preSharedKey(byte[] key, boolean encryptIntegers) {
        return new PskcWriter(key.clone(), null, 0, encryptIntegers);
    }

    static PskcWriter password(char[] password, byte[] salt, int iterations, boolean encryptIntegers) {
        try {
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")
                    .generateSecret(new PBEKeySpec(password, salt, iterations, 128)).getEncoded();
            return new PskcWriter(key, salt.clone(), iterations, encryptIntegers);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    String write(List<SeedRecord> records) {
        StringBuilder s = new StringBuilder(header());
        for (SeedRecord r : records) {
            s.append(keyPackage(r));
        }
        return s.append(footer()).toString();
    }

    String header() {
        StringBuilder s = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <pskc:KeyContainer Version="1.0" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"
                    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"
                    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"
                    xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">
                """);
        if (key == null) {
            return s.toString();
        }
        if (salt == null) {
            s.append("  <pskc:EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></pskc:EncryptionKey>\n");
        } else {
            s.append("  <pskc:EncryptionKey><xenc11:DerivedKey><xenc11:KeyDerivationMethod Algorithm=\"")
                    .append(Pskc.PBKDF2).append("\"><pkcs5:PBKDF2-params><Salt><Specified>")
                    .append(Base64.getEncoder().encodeToString(salt)).append("</Specified></Salt><IterationCount>")
                    .append(iterations).append("</IterationCount><KeyLength>16</KeyLength><PRF/></pkcs5:PBKDF2-params>")
                    .append("</xenc11:KeyDerivationMethod></xenc11:DerivedKey></pskc:EncryptionKey>\n");
        }
        s.append("  <pskc:MACMethod Algorithm=\"").append(Pskc.HMAC_SHA1).append("\"><pskc:MACKey>")
                .append(encryptedBody(macKey)).append("</pskc:MACKey></pskc:MACMethod>\n");
        return s.toString();
    }

    String footer() {
        return "</pskc:KeyContainer>\n";
    }

    String keyPackage(SeedRecord r) {
        StringBuilder s = new StringBuilder("  <pskc:KeyPackage>\n    <pskc:DeviceInfo><pskc:Manufacturer>Acme &amp; Sons</pskc:Manufacturer>")
                .append("<pskc:SerialNo>").append(escape(r.serial())).append("</pskc:SerialNo></pskc:DeviceInfo>\n");
        String algorithm = switch (r.type()) {
            case HOTP -> Pskc.HOTP;
            case TOTP -> Pskc.TOTP;
            case YUBICO -> Pskc.YUBIKEY_AES;
            default -> throw new IllegalArgumentException();
        };
        s.append("    <pskc:Key Id=\"key-").append(escape(r.serial())).append("\" Algorithm=\"").append(algorithm).append("\">\n");
        s.append("      <pskc:Issuer>Issuer</pskc:Issuer>\n");
        if (r.type().isOath()) {
            s.append("      <pskc:AlgorithmParameters><pskc:Suite>HMAC-").append(r.algorithm().name())
                    .append("</pskc:Suite><pskc:ResponseFormat Length=\"").append(r.digits())
                    .append("\" Encoding=\"DECIMAL\"/></pskc:AlgorithmParameters>\n");
        }
        s.append("      <pskc:Data>\n        <pskc:Secret>").append(value(r.secret())).append("</pskc:Secret>\n");
        if (r.type() == TokenType.HOTP) {
            s.append("        <pskc:Counter>").append(integer(r.counter())).append("</pskc:Counter>\n");
        } else if (r.type() == TokenType.TOTP) {
            s.append("        <pskc:Time>").append(integer(0)).append("</pskc:Time>\n");
            s.append("        <pskc:TimeInterval>").append(integer(r.periodSeconds())).append("</pskc:TimeInterval>\n");
            s.append("        <pskc:TimeDrift><pskc:PlainValue>-2</pskc:PlainValue></pskc:TimeDrift>\n");
        }
        s.append("      </pskc:Data>\n");
        if (r.type() == TokenType.YUBICO) {
            s.append("      <pskc:UserId>CN=").append(r.yubicoPublicId()).append(", UID=")
                    .append(Hex.encode(r.yubicoPrivateId())).append("</pskc:UserId>\n");
        } else if (r.userId() != null) {
            s.append("      <pskc:UserId>").append(escape(r.userId())).append("</pskc:UserId>\n");
        }
        return s.append("    </pskc:Key>\n  </pskc:KeyPackage>\n").toString();
    }

    private String value(byte[] plaintext) {
        if (key == null) {
            return "<pskc:PlainValue>" + Base64.getEncoder().encodeToString(plaintext) + "</pskc:PlainValue>";
        }
        byte[] ivAndCiphertext = encrypt(plaintext);
        return "<pskc:EncryptedValue>" + cipherBody(ivAndCiphertext) + "</pskc:EncryptedValue><pskc:ValueMAC>"
                + Base64.getEncoder().encodeToString(mac(ivAndCiphertext)) + "</pskc:ValueMAC>";
    }

    private String integer(long v) {
        if (key == null || !encryptIntegers) {
            return "<pskc:PlainValue>" + v + "</pskc:PlainValue>";
        }
        return value(ByteBuffer.allocate(8).putLong(v).array());
    }

    private String encryptedBody(byte[] plaintext) {
        return cipherBody(encrypt(plaintext));
    }

    private static String cipherBody(byte[] ivAndCiphertext) {
        return "<xenc:EncryptionMethod Algorithm=\"" + Pskc.AES128_CBC + "\"/><xenc:CipherData><xenc:CipherValue>"
                + Base64.getEncoder().encodeToString(ivAndCiphertext) + "</xenc:CipherValue></xenc:CipherData>";
    }

    byte[] encrypt(byte[] plaintext) {
        try {
            byte[] iv = random(16);
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            byte[] ct = c.doFinal(plaintext);
            return ByteBuffer.allocate(16 + ct.length).put(iv).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] mac(byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA1");
            m.init(new SecretKeySpec(macKey, "HmacSHA1"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
