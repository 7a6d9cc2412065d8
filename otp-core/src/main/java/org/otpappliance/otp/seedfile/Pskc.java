package org.otpappliance.otp.seedfile;

import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.BadPaddingException;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * PSKC, the Portable Symmetric Key Container (RFC 6030), read with StAX one {@code KeyPackage} at a time, so a
 * file of any number of keys is parsed in bounded memory.
 *
 * <p><b>Container.</b> The root must be {@code KeyContainer} with {@code Version} 1.0 (an absent Version is taken
 * as 1.0); elements are matched by local name, whatever their namespace prefix. Anything else is a
 * {@link SeedFileException}.
 *
 * <p><b>Safety.</b> DTDs are refused (a DOCTYPE fails the file), external entities are never resolved, and no
 * entity is expanded: an XXE or entity-expansion attempt is a {@link SeedFileException} and nothing is read from
 * disk or network. Each part of the file ({@code KeyPackage} and the like) is limited to a megabyte of text.
 *
 * <p><b>Values.</b> {@code PlainValue} (base64 for the secret, decimal for integers), or {@code EncryptedValue}
 * with {@code http://www.w3.org/2001/04/xmlenc#aes128-cbc} (also {@code aes192-cbc}, {@code aes256-cbc}):
 * the IV is the first 16 bytes of the {@code CipherValue}, PKCS#7 padding (RFC 6030 section 6.1). The key is
 * <ul>
 *   <li>a pre-shared key, given as bytes ({@link #withPreSharedKey}), when the file's {@code EncryptionKey}
 *       names one ({@code ds:KeyName}) or is absent;</li>
 *   <li>derived from a password ({@link #withPassword}) when the file's {@code EncryptionKey} holds a
 *       {@code DerivedKey} with {@code KeyDerivationMethod} PBKDF2 and its {@code PBKDF2-params} (salt,
 *       iteration count up to {@value #MAX_PBKDF2_ITERATIONS}, key length, 16 when absent, and PRF, HMAC-SHA1
 *       when absent as in RFC 8018; RFC 6030 section 6.2). The password is encoded as UTF-8.</li>
 * </ul>
 * Encrypted values must be authenticated, as RFC 6030 section 6.1.1 requires: the container's {@code MACMethod}
 * ({@code http://www.w3.org/2000/09/xmldsig#hmac-sha1}, or the {@code xmldsig-more} HMAC-SHA224/256/384/512)
 * carries a {@code MACKey} encrypted under the same key, and each value's {@code ValueMAC} is the HMAC of
 * IV || ciphertext, checked in constant time before decryption. A file with encrypted values and no
 * {@code MACMethod} is refused as a whole. {@code ds:Signature} is not checked.
 *
 * <p><b>Keys.</b> Per {@code Key} (also the draft-era {@code Device}, {@code KeyId}, {@code KeyAlgorithm},
 * {@code Usage/ResponseFormat@Format} spellings):
 * <ul>
 *   <li>{@code urn:ietf:params:xml:ns:keyprov:pskc:hotp} and {@code :totp} (also the {@code pskc#hotp},
 *       {@code pskc#totp} forms): secret from {@code Data/Secret}; digits from
 *       {@code AlgorithmParameters/ResponseFormat@Length} (6 when there is no ResponseFormat), whose
 *       {@code Encoding} must be DECIMAL; hash from {@code AlgorithmParameters/Suite} (text such as
 *       {@code HMAC-SHA256}, or a {@code hashalgo} attribute; SHA-1 when absent); HOTP counter from
 *       {@code Data/Counter} (0 when absent); TOTP period from {@code Data/TimeInterval} (30 when absent);
 *       {@code Data/Time} (T0) must be 0 when present; {@code TimeDrift} is ignored. {@code userId} is
 *       {@code Key/UserId}, else {@code DeviceInfo/UserId}, as written in the file (often a DN).</li>
 *   <li>{@code http://www.yubico.com/#yubikey-aes}: the secret is the 16-byte AES key, and the ids come from
 *       {@code Key/UserId} (else {@code DeviceInfo/UserId}) in the form the YubiKey Personalization Tool exports,
 *       {@code CN=<public id in modhex>, UID=<private id in 12 hex digits>}.</li>
 * </ul>
 * The serial is {@code DeviceInfo/SerialNo}, else the {@code Key} Id. Anything else in a key is rejected with
 * its position ({@code "KeyPackage 3 (serial 12345)"}) and reason ({@code "wrong MAC"},
 * {@code "wrong password or key"}, {@code "unknown algorithm ..."}, {@code "missing field: Secret"}); the other
 * keys go on.
 *
 * <p>A parser is immutable; the key or password it was made with is kept for its lifetime.
 */
public final class Pskc implements SeedFileParser {
    public static final String HOTP = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
    public static final String TOTP = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
    public static final String YUBIKEY_AES = "http://www.yubico.com/#yubikey-aes";
    public static final String AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    public static final String HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
    public static final String PBKDF2 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2";
    public static final int MAX_PBKDF2_ITERATIONS = 10_000_000;

    private static final String XMLENC = "http://www.w3.org/2001/04/xmlenc#";
    private static final List<String> HOTP_URIS = List.of(HOTP, "urn:ietf:params:xml:ns:keyprov:pskc#hotp",
            "http://www.ietf.org/keyprov/pskc#hotp");
    private static final List<String> TOTP_URIS = List.of(TOTP, "urn:ietf:params:xml:ns:keyprov:pskc#totp",
            "http://www.ietf.org/keyprov/pskc#totp");

    private final byte[] preSharedKey;
    private final char[] password;

    private Pskc(byte[] preSharedKey, char[] password) {
        this.preSharedKey = preSharedKey;
        this.password = password;
    }

    /** A parser for files with plain values only; a file with encrypted values is refused. */
    public static Pskc plain() {
        return new Pskc(null, null);
    }

    /** @param key the pre-shared AES key, 16 bytes for aes128-cbc (24 or 32 for aes192-cbc, aes256-cbc); copied */
    public static Pskc withPreSharedKey(byte[] key) {
        if (key == null || (key.length != 16 && key.length != 24 && key.length != 32)) {
            throw new IllegalArgumentException("a pre-shared AES key is 16, 24 or 32 bytes");
        }
        return new Pskc(key.clone(), null);
    }

    /** @param password the password the file's key is derived from with PBKDF2; copied */
    public static Pskc withPassword(char[] password) {
        if (password == null) {
            throw new IllegalArgumentException("password is required");
        }
        return new Pskc(null, password.clone());
    }

    @Override
    public String toString() {
        return preSharedKey != null ? "Pskc[pre-shared key]" : password != null ? "Pskc[password]" : "Pskc[plain]";
    }

    static XMLInputFactory factory() {
        // The JDK's own StAX implementation, whatever else is on the class path, so the settings below hold.
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, false);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("external entities are not allowed");
        });
        return f;
    }

    @Override
    public void parse(InputStream in, SeedSink sink) throws SeedFileException {
        XMLStreamReader r = null;
        Container c = new Container();
        try {
            r = factory().createXMLStreamReader(in);
            root(r);
            int packages = 0;
            while (true) {
                int event = r.next();
                if (event == XMLStreamConstants.END_ELEMENT || event == XMLStreamConstants.END_DOCUMENT) {
                    break; // the end of the KeyContainer; anything after it is not read
                }
                if (event == XMLStreamConstants.DTD || event == XMLStreamConstants.ENTITY_REFERENCE) {
                    throw new SeedFileException("refused: a DTD or entity reference in a PSKC file");
                }
                if (event != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                switch (r.getLocalName()) {
                    case "EncryptionKey" -> c.encryptionKeyNode = XmlNode.read(r);
                    case "MACMethod" -> c.macMethodNode = XmlNode.read(r);
                    case "KeyPackage", "Device" -> {
                        XmlNode p = XmlNode.read(r);
                        try {
                            keyPackage(p, ++packages, c, sink);
                        } finally {
                            p.wipe();
                        }
                    }
                    default -> XmlNode.skip(r);
                }
            }
        } catch (XMLStreamException e) {
            throw new SeedFileException("not a readable PSKC file: " + describe(e), e);
        } catch (XmlNode.Refused e) {
            throw new SeedFileException("refused: " + e.getMessage());
        } finally {
            c.wipe();
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // closing a reader never closes the caller's stream; nothing to release
                }
            }
        }
    }

    private static void root(XMLStreamReader r) throws XMLStreamException, SeedFileException {
        while (true) {
            int event = r.next();
            if (event == XMLStreamConstants.DTD || event == XMLStreamConstants.ENTITY_REFERENCE) {
                throw new SeedFileException("refused: a PSKC file must not have a DTD (DOCTYPE)");
            }
            if (event == XMLStreamConstants.START_ELEMENT) {
                break;
            }
            if (event == XMLStreamConstants.END_DOCUMENT) {
                throw new SeedFileException("not a PSKC file: no KeyContainer element");
            }
        }
        if (!"KeyContainer".equals(r.getLocalName())) {
            throw new SeedFileException("not a PSKC file: the root element is " + Texts.printable(r.getLocalName(), 40)
                    + ", not KeyContainer");
        }
        String version = null;
        for (int i = 0; i < r.getAttributeCount(); i++) {
            if (r.getAttributeLocalName(i).equals("Version")) {
                version = r.getAttributeValue(i).strip();
            }
        }
        if (version != null && !version.equals("1.0") && !version.equals("1")) {
            throw new SeedFileException("unsupported PSKC version \"" + Texts.printable(version, 20) + "\" (only 1.0, RFC 6030)");
        }
    }

    private static String describe(XMLStreamException e) {
        String message = String.valueOf(e.getMessage());
        int at = message.indexOf("Message: ");
        if (at >= 0) {
            message = message.substring(at + "Message: ".length());
        }
        message = Texts.printable(message.strip(), 200);
        if (e.getLocation() != null && e.getLocation().getLineNumber() > 0) {
            return "XML error at line " + e.getLocation().getLineNumber() + ", column " + e.getLocation().getColumnNumber()
                    + ": " + message;
        }
        return "XML error: " + message;
    }

    private void keyPackage(XmlNode p, int index, Container c, SeedSink sink) throws SeedFileException {
        XmlNode device = p.child("DeviceInfo", "DeviceId");
        String serialNo = device == null ? null : device.textAt("SerialNo");
        String deviceUserId = device == null ? null : device.textAt("UserId");
        List<XmlNode> keys = p.children("Key");
        if (keys.isEmpty()) {
            sink.reject(new ItemProblem(position(index, 0, serialNo), "missing field: Key"));
            return;
        }
        for (int k = 0; k < keys.size(); k++) {
            XmlNode key = keys.get(k);
            String serial = serialNo != null ? serialNo : Texts.strippedOrNull(key.attribute("Id", "KeyId"));
            String position = position(index, keys.size() > 1 ? k + 1 : 0, serial);
            SeedRecord record;
            try {
                record = key(key, serial, deviceUserId, c);
            } catch (Rejected e) {
                sink.reject(new ItemProblem(position, e.reason()));
                continue;
            }
            sink.accept(record);
        }
    }

    private static String position(int index, int key, String serial) {
        StringBuilder s = new StringBuilder("KeyPackage ").append(index);
        if (key > 0) {
            s.append(", Key ").append(key);
        }
        if (serial != null) {
            s.append(" (serial ").append(Texts.printable(serial, SeedRecord.MAX_SERIAL_LENGTH)).append(')');
        }
        return s.toString();
    }

    private SeedRecord key(XmlNode key, String serial, String deviceUserId, Container c) throws Rejected, SeedFileException {
        String algorithm = Texts.strippedOrNull(key.attribute("Algorithm", "KeyAlgorithm"));
        if (algorithm == null) {
            throw Rejected.missing("Algorithm");
        }
        TokenType type = algorithmType(algorithm);
        if (type == null) {
            throw new Rejected("unknown algorithm " + Texts.printable(algorithm, 100));
        }
        if (serial == null) {
            throw new Rejected("missing field: serial (DeviceInfo/SerialNo or the Key Id)");
        }
        if (!SeedRecord.isValidSerial(serial)) {
            throw new Rejected("bad serial (1 to " + SeedRecord.MAX_SERIAL_LENGTH + " characters)");
        }
        XmlNode data = key.child("Data");
        XmlNode secretNode = data == null ? null : data.child("Secret");
        if (secretNode == null) {
            throw Rejected.missing("Secret");
        }
        String keyUserId = key.textAt("UserId");
        byte[] secret = secret(secretNode, c);
        try {
            if (secret.length == 0) {
                throw new Rejected("empty secret");
            }
            if (type == TokenType.YUBICO) {
                return yubico(serial, secret, keyUserId != null ? keyUserId : deviceUserId);
            }
            return oath(type, key, data, serial, secret, keyUserId != null ? keyUserId : deviceUserId, c);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    static TokenType algorithmType(String uri) {
        for (String u : HOTP_URIS) {
            if (u.equalsIgnoreCase(uri)) {
                return TokenType.HOTP;
            }
        }
        for (String u : TOTP_URIS) {
            if (u.equalsIgnoreCase(uri)) {
                return TokenType.TOTP;
            }
        }
        return YUBIKEY_AES.equalsIgnoreCase(uri) ? TokenType.YUBICO : null;
    }

    private SeedRecord oath(TokenType type, XmlNode key, XmlNode data, String serial, byte[] secret, String userId,
                            Container c) throws Rejected, SeedFileException {
        XmlNode params = key.child("AlgorithmParameters");
        XmlNode format = params == null ? null : params.child("ResponseFormat");
        if (format == null) {
            format = key.path("Usage", "ResponseFormat");
        }
        int digits = Hotp.MIN_DIGITS;
        if (format != null) {
            String length = Texts.strippedOrNull(format.attribute("Length"));
            if (length == null) {
                throw Rejected.missing("ResponseFormat Length");
            }
            digits = OathCsv.parseInt(length, Hotp.MIN_DIGITS, Hotp.MAX_DIGITS, "unsupported digits (6 to 8)");
            String encoding = Texts.strippedOrNull(format.attribute("Encoding", "Format"));
            if (encoding != null && !encoding.equalsIgnoreCase("DECIMAL")) {
                throw new Rejected("unsupported response encoding " + Texts.printable(encoding, 20) + " (DECIMAL only)");
            }
        }
        HashAlgorithm hash = HashAlgorithm.SHA1;
        XmlNode suite = params == null ? null : params.child("Suite");
        if (suite != null) {
            String name = Texts.strippedOrNull(suite.text());
            if (name == null) {
                name = Texts.strippedOrNull(suite.attribute("hashalgo", "HashAlgo", "Algorithm"));
            }
            if (name != null) {
                try {
                    hash = HashAlgorithm.parse(name);
                } catch (IllegalArgumentException e) {
                    throw new Rejected("unknown hash in Suite " + Texts.printable(name, 40));
                }
            }
        }
        if (type == TokenType.HOTP) {
            Long counter = integer(data, "Counter", c);
            if (counter != null && counter < 0) {
                throw new Rejected("bad Counter value (0 or more)");
            }
            return SeedRecord.hotp(serial, secret, hash, digits, counter == null ? 0 : counter, userId);
        }
        Long interval = integer(data, "TimeInterval", c);
        if (interval != null && (interval <= 0 || interval > OathCsv.MAX_PERIOD_SECONDS)) {
            throw new Rejected("bad TimeInterval value (1 to " + OathCsv.MAX_PERIOD_SECONDS + " seconds)");
        }
        Long t0 = integer(data, "Time", c);
        if (t0 != null && t0 != 0) {
            throw new Rejected("unsupported Time (T0) other than 0");
        }
        return SeedRecord.totp(serial, secret, hash, digits,
                interval == null ? Totp.DEFAULT_PERIOD_SECONDS : interval.intValue(), userId);
    }

    private static SeedRecord yubico(String serial, byte[] aesKey, String userId) throws Rejected {
        if (aesKey.length != YubicoKey.LENGTH) {
            throw new Rejected("the Yubico OTP AES key is not 16 bytes");
        }
        String publicId = null;
        String privateId = null;
        if (userId != null) {
            for (String part : userId.split(",")) {
                int eq = part.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String name = part.substring(0, eq).strip().toUpperCase(Locale.ROOT);
                String value = part.substring(eq + 1).strip();
                if (name.equals("CN")) {
                    publicId = value.toLowerCase(Locale.ROOT);
                } else if (name.equals("UID")) {
                    privateId = value;
                }
            }
        }
        if (publicId == null) {
            throw new Rejected("missing field: public id (CN= in UserId)");
        }
        if (!SeedRecord.isValidPublicId(publicId)) {
            throw new Rejected("bad public id (2 to 16 modhex characters, an even number)");
        }
        if (privateId == null) {
            throw new Rejected("missing field: private id (UID= in UserId)");
        }
        byte[] pid = Hex.decodeOrNull(privateId);
        if (pid == null || pid.length != YubicoOtpBlock.PRIVATE_ID_LENGTH) {
            throw new Rejected("bad private id (12 hex digits)");
        }
        try {
            return SeedRecord.yubico(serial, aesKey, publicId, pid, null);
        } finally {
            Arrays.fill(pid, (byte) 0);
        }
    }

    /** The secret's bytes from its PlainValue (base64) or EncryptedValue. */
    private byte[] secret(XmlNode secret, Container c) throws Rejected, SeedFileException {
        XmlNode plain = secret.child("PlainValue");
        if (plain != null) {
            return base64(plain.text(), "bad base64 in the secret");
        }
        return decrypted(secret, "Secret", c);
    }

    /** An integer data element's value, or null when the element is absent. */
    private Long integer(XmlNode data, String field, Container c) throws Rejected, SeedFileException {
        XmlNode element = data.child(field);
        if (element == null) {
            return null;
        }
        XmlNode plain = element.child("PlainValue");
        if (plain != null) {
            try {
                return Long.parseLong(plain.text());
            } catch (NumberFormatException e) {
                throw new Rejected("bad " + field + " value");
            }
        }
        byte[] value = decrypted(element, field, c);
        try {
            if (value.length > 0 && value.length <= 18 && allDigits(value)) {
                return Long.parseLong(new String(value, java.nio.charset.StandardCharsets.US_ASCII));
            }
            if (value.length == 0 || value.length > 8 || (value.length == 8 && value[0] < 0)) {
                throw new Rejected("bad " + field + " value");
            }
            long v = 0;
            for (byte b : value) {
                v = v << 8 | (b & 0xff);
            }
            return v;
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private static boolean allDigits(byte[] value) {
        for (byte b : value) {
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }

    /** An element's EncryptedValue, its ValueMAC checked, decrypted. */
    private byte[] decrypted(XmlNode element, String field, Container c) throws Rejected, SeedFileException {
        XmlNode enc = element.child("EncryptedValue");
        if (enc == null) {
            throw Rejected.missing(field + " value (PlainValue or EncryptedValue)");
        }
        Encrypted e = encrypted(enc, field);
        byte[] key = c.encryptionKey();
        if (c.macMethodNode == null) {
            throw new SeedFileException("refused: the file's values are encrypted without a MACMethod; RFC 6030 section 6.1.1"
                    + " requires a MAC with AES-CBC, and unauthenticated ciphertext could be tampered with");
        }
        byte[] macKey = c.macKey();
        String macText = element.textAt("ValueMAC");
        if (macText == null) {
            macText = element.textAt("ValueDigest");
        }
        if (macText == null) {
            throw Rejected.missing("ValueMAC");
        }
        byte[] expected = base64(macText, "bad base64 in ValueMAC");
        byte[] actual;
        try {
            actual = PskcCrypto.hmac(c.macJcaName, macKey, e.ivAndCiphertext);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC unavailable", ex);
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new Rejected("wrong MAC");
        }
        return decrypt(e, key);
    }

    private record Encrypted(String algorithm, int keyLength, byte[] ivAndCiphertext) {
    }

    private static Encrypted encrypted(XmlNode enc, String field) throws Rejected {
        XmlNode method = enc.child("EncryptionMethod");
        String algorithm = method == null ? null : Texts.strippedOrNull(method.attribute("Algorithm"));
        if (algorithm == null) {
            throw Rejected.missing(field + " EncryptionMethod");
        }
        int keyLength = switch (algorithm) {
            case XMLENC + "aes128-cbc" -> 16;
            case XMLENC + "aes192-cbc" -> 24;
            case XMLENC + "aes256-cbc" -> 32;
            default -> throw new Rejected("unsupported encryption algorithm " + Texts.printable(algorithm, 100));
        };
        String cipherText = enc.textAt("CipherData", "CipherValue");
        if (cipherText == null) {
            throw Rejected.missing(field + " CipherValue");
        }
        byte[] bytes = base64(cipherText, "bad base64 in the " + field + " CipherValue");
        if (bytes.length < 2 * PskcCrypto.AES_BLOCK || bytes.length % PskcCrypto.AES_BLOCK != 0) {
            throw new Rejected("bad " + field + " CipherValue (an IV and whole AES blocks)");
        }
        return new Encrypted(algorithm, keyLength, bytes);
    }

    private static byte[] decrypt(Encrypted e, byte[] key) throws Rejected {
        if (key.length != e.keyLength) {
            throw new Rejected("wrong password or key (" + e.algorithm.substring(XMLENC.length()) + " needs a "
                    + e.keyLength + "-byte key)");
        }
        try {
            return PskcCrypto.decryptCbc(key, e.ivAndCiphertext);
        } catch (BadPaddingException ex) {
            throw new Rejected("wrong password or key");
        } catch (GeneralSecurityException ex) {
            throw new Rejected("cannot decrypt (" + ex.getClass().getSimpleName() + ")");
        }
    }

    private static byte[] base64(String text, String reason) throws Rejected {
        StringBuilder s = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (!Character.isWhitespace(ch)) {
                s.append(ch);
            }
        }
        try {
            return Base64.getDecoder().decode(s.toString());
        } catch (IllegalArgumentException e) {
            throw new Rejected(reason);
        }
    }

    /** What one parse learns of the container, keys derived and decrypted at first need. */
    private final class Container {
        XmlNode encryptionKeyNode;
        XmlNode macMethodNode;
        private byte[] encryptionKey;
        private byte[] macKey;
        private boolean macKeyUnreadable;
        String macJcaName;

        byte[] encryptionKey() throws SeedFileException {
            if (encryptionKey != null) {
                return encryptionKey;
            }
            XmlNode derived = encryptionKeyNode == null ? null : encryptionKeyNode.child("DerivedKey");
            if (derived != null) {
                if (password == null) {
                    throw new SeedFileException(preSharedKey != null
                            ? "the file's encryption key is derived from a password (PBKDF2), but a pre-shared key was given"
                            : "the file's secrets are encrypted under a key derived from a password: give the password");
                }
                encryptionKey = derive(derived);
                return encryptionKey;
            }
            if (encryptionKeyNode != null && encryptionKeyNode.child("X509Data") != null) {
                throw new SeedFileException("the file's secrets are encrypted to a certificate (RFC 6030 section 6.3),"
                        + " which is not supported");
            }
            String name = encryptionKeyNode == null ? null : encryptionKeyNode.textAt("KeyName");
            String named = name == null ? "" : " (\"" + Texts.printable(name, 60) + "\")";
            if (preSharedKey == null) {
                throw new SeedFileException(password != null
                        ? "the file's secrets are encrypted under a pre-shared key" + named + ", not a password-derived key"
                        : "the file's secrets are encrypted under a pre-shared key" + named + ": give the key");
            }
            encryptionKey = preSharedKey;
            return encryptionKey;
        }

        private byte[] derive(XmlNode derived) throws SeedFileException {
            XmlNode method = derived.child("KeyDerivationMethod");
            String algorithm = method == null ? null : Texts.strippedOrNull(method.attribute("Algorithm"));
            if (algorithm == null || !algorithm.toLowerCase(Locale.ROOT).endsWith("#pbkdf2")) {
                throw new SeedFileException("unsupported key derivation "
                        + (algorithm == null ? "(none named)" : Texts.printable(algorithm, 100)) + " (PBKDF2 only)");
            }
            XmlNode params = method.child("PBKDF2-params");
            if (params == null) {
                throw new SeedFileException("the key derivation has no PBKDF2-params");
            }
            String saltText = params.textAt("Salt", "Specified");
            if (saltText == null) {
                throw new SeedFileException("the PBKDF2-params have no Salt/Specified");
            }
            byte[] salt;
            try {
                salt = base64(saltText, "");
            } catch (Rejected e) {
                throw new SeedFileException("bad base64 in the PBKDF2 salt");
            }
            int iterations = number(params.textAt("IterationCount"), "IterationCount", 1, MAX_PBKDF2_ITERATIONS, -1);
            int length = number(params.textAt("KeyLength"), "KeyLength", 16, 32, 16);
            if (length != 16 && length != 24 && length != 32) {
                throw new SeedFileException("unsupported PBKDF2 KeyLength " + length + " (16, 24 or 32)");
            }
            XmlNode prf = params.child("PRF");
            String prfUri = prf == null ? null : Texts.strippedOrNull(prf.attribute("Algorithm"));
            String prfJca = prfUri == null ? "HmacSHA1" : hmacJcaName(prfUri);
            if (prfJca == null) {
                throw new SeedFileException("unsupported PBKDF2 PRF " + Texts.printable(prfUri, 100));
            }
            byte[] pw = PskcCrypto.utf8(password);
            try {
                return PskcCrypto.pbkdf2(prfJca, pw, salt, iterations, length);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(prfJca + " unavailable", e);
            } finally {
                Arrays.fill(pw, (byte) 0);
            }
        }

        private static int number(String text, String name, int min, int max, int absent) throws SeedFileException {
            if (text == null) {
                if (absent >= 0) {
                    return absent;
                }
                throw new SeedFileException("the PBKDF2-params have no " + name);
            }
            try {
                long v = Long.parseLong(text);
                if (v >= min && v <= max) {
                    return (int) v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new SeedFileException("bad PBKDF2 " + name + " (" + min + " to " + max + ")");
        }

        /** The MAC key, decrypted under the encryption key; a wrong key makes every encrypted item "wrong password or key". */
        byte[] macKey() throws SeedFileException, Rejected {
            if (macKey != null) {
                return macKey;
            }
            if (macKeyUnreadable) {
                throw new Rejected("wrong password or key");
            }
            String algorithm = Texts.strippedOrNull(macMethodNode.attribute("Algorithm"));
            macJcaName = algorithm == null ? null : hmacJcaName(algorithm);
            if (macJcaName == null) {
                throw new SeedFileException("unsupported MACMethod " + (algorithm == null ? "(none named)"
                        : Texts.printable(algorithm, 100)) + " (HMAC-SHA1 and the xmldsig-more HMACs)");
            }
            XmlNode node = macMethodNode.child("MACKey");
            if (node == null) {
                throw new SeedFileException("the MACMethod has no MACKey (a MAC key given by reference is not supported)");
            }
            Encrypted e;
            try {
                e = encrypted(node, "MACKey");
            } catch (Rejected r) {
                throw new SeedFileException("unreadable MACKey: " + r.reason());
            }
            try {
                macKey = decrypt(e, encryptionKey());
            } catch (Rejected r) {
                macKeyUnreadable = true;
                throw r;
            }
            if (macKey.length == 0) {
                macKey = null;
                throw new SeedFileException("the MACKey is empty");
            }
            return macKey;
        }

        void wipe() {
            if (macKey != null) {
                Arrays.fill(macKey, (byte) 0);
            }
            if (encryptionKey != null && encryptionKey != preSharedKey) {
                Arrays.fill(encryptionKey, (byte) 0);
            }
            if (macMethodNode != null) {
                macMethodNode.wipe();
            }
        }
    }

    static String hmacJcaName(String uri) {
        int hash = uri.lastIndexOf('#');
        String base = hash < 0 ? "" : uri.substring(0, hash + 1);
        String name = uri.substring(hash + 1).toLowerCase(Locale.ROOT);
        if (!base.equals("http://www.w3.org/2000/09/xmldsig#") && !base.equals("http://www.w3.org/2001/04/xmldsig-more#")) {
            return null;
        }
        return switch (name) {
            case "hmac-sha1" -> "HmacSHA1";
            case "hmac-sha224" -> "HmacSHA224";
            case "hmac-sha256" -> "HmacSHA256";
            case "hmac-sha384" -> "HmacSHA384";
            case "hmac-sha512" -> "HmacSHA512";
            default -> null;
        };
    }
}
