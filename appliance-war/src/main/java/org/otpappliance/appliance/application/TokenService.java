package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hibernate.Session;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.QrCodes;
import org.otpappliance.appliance.infrastructure.persistence.TokenEntity;
import org.otpappliance.appliance.infrastructure.persistence.UserEntity;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.token.Destination;
import org.otpappliance.otp.token.OtpAuthUri;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.OathParameters;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/** Enrollment and administration of tokens. Every change is audited and drops the owner's cached tokens. */
@ApplicationScoped
public class TokenService {
    /** RFC 4226 section 4, requirement R6: the shared secret is at least 128 bits. */
    static final int MIN_SEED_BYTES = 16;
    static final int MAX_SEED_BYTES = 128;
    static final int MAX_DESCRIPTION_LENGTH = 255;

    @Inject
    Database database;

    @Inject
    ApplianceConfig config;

    @Inject
    TokenCache cache;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    Pins pins;

    @Inject
    RateLimits limits;

    private final SecureRandom random = new SecureRandom();

    /** What an admin asks to enroll; null fields take their defaults. */
    public record Enrollment(String user, String type, String secret, String algorithm, Integer digits, Integer period,
                             Long counter, String description, YubiKey yubiKey, String phone, String email, String pin) {
    }

    /** A YubiKey's programmed values, as text from the request: modhex public id, hex private id and AES key. */
    public record YubiKey(String publicId, String privateId, String aesKey) {
    }

    /** The enrolled token; for OATH tokens the URI and QR code carry the seed and are returned this once. */
    public record Enrolled(TokenInfo token, String otpauthUri, String qrPng) {
    }

    /**
     * A token as admins see it; algorithm, digits and period are those of OATH tokens, publicId a
     * YubiKey's, destination the phone number or address of an SMS or e-mail token.
     */
    public record TokenInfo(String serial, String type, String user, String algorithm, Integer digits, Integer period,
                            String publicId, String destination, boolean pinSet, boolean enabled, boolean locked, int failCount,
                            String description, Instant createdAt) {
    }

    public Enrolled enroll(Enrollment e, String actor, String source) {
        TokenType type = parse(() -> TokenType.parse(e.type()), "unsupported-token-type",
                "type must be \"totp\", \"hotp\", \"yubico\", \"sms\" or \"email\"");
        checkDescription(e.description());
        if (e.pin() != null) {
            Pins.checkForm(e.pin());
        }
        if (e.yubiKey() != null && type != TokenType.YUBICO) {
            throw AdminException.invalid("invalid-request", "publicId, privateId and aesKey apply to yubico tokens only");
        }
        if (e.phone() != null && type != TokenType.SMS || e.email() != null && type != TokenType.EMAIL) {
            throw AdminException.invalid("invalid-request", "phone applies to sms tokens only, email to email tokens only");
        }
        if (!type.isOath() && (e.secret() != null || e.algorithm() != null || e.digits() != null || e.period() != null
                || e.counter() != null)) {
            throw AdminException.invalid("invalid-request", "secret, algorithm, digits, period and counter apply to TOTP and HOTP tokens only");
        }
        if (type == TokenType.YUBICO) {
            return enrollYubiKey(e, actor, source);
        }
        if (type.sendsCodes()) {
            return enrollChallengeToken(type, e, actor, source);
        }
        HashAlgorithm algorithm = e.algorithm() == null ? HashAlgorithm.SHA1
                : parse(() -> HashAlgorithm.parse(e.algorithm()), "invalid-algorithm", "algorithm must be SHA1, SHA256 or SHA512");
        int digits = e.digits() == null ? 6 : e.digits();
        int period = type == TokenType.TOTP ? (e.period() == null ? 30 : e.period()) : 0;
        if (type == TokenType.HOTP && e.period() != null) {
            throw AdminException.invalid("invalid-request", "period applies to TOTP tokens only");
        }
        if (type == TokenType.TOTP && e.counter() != null) {
            throw AdminException.invalid("invalid-request", "counter applies to HOTP tokens only");
        }
        OathParameters parameters = parse(() -> type == TokenType.TOTP ? OathParameters.totp(algorithm, digits, period)
                : OathParameters.hotp(algorithm, digits), "invalid-parameters", "digits must be 6 to 8 and period 1 to 3600 seconds");
        long counter = e.counter() == null ? 0 : e.counter();
        if (counter < 0) {
            throw AdminException.invalid("invalid-parameters", "counter must not be negative");
        }
        byte[] seed = e.secret() == null ? randomSeed(algorithm) : decodeSecret(e.secret());
        String serial = type.name() + HexFormat.of().withUpperCase().formatHex(randomBytes(4));
        try {
            TokenEntity t = newToken(serial, type, algorithm.name(), digits, period, seed, e.description());
            t.nextCounter = counter;
            TokenInfo info = store(t, e.user(), e.pin(), actor, source);
            String uri = OtpAuthUri.of(type, config.issuer(), e.user(), seed, parameters, counter);
            return new Enrolled(info, uri, Base64.getEncoder().encodeToString(QrCodes.png(uri)));
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** An SMS or e-mail token holds no secret, only where its codes go. */
    private Enrolled enrollChallengeToken(TokenType type, Enrollment e, String actor, String source) {
        String destination;
        if (type == TokenType.SMS) {
            destination = parse(() -> Destination.phone(required(e.phone(), "phone")), "invalid-phone",
                    "phone must be an E.164 number: + and the country code, 8 to 15 digits in all");
        } else {
            destination = parse(() -> Destination.email(required(e.email(), "email")), "invalid-email",
                    "email must be an e-mail address such as alice@example.com");
        }
        String serial = type.name() + HexFormat.of().withUpperCase().formatHex(randomBytes(4));
        TokenEntity t = newToken(serial, type, "NONE", 0, 0, new byte[0], e.description());
        t.destination = destination;
        return new Enrolled(store(t, e.user(), e.pin(), actor, source), null, null);
    }

    private static String required(String value, String field) {
        if (value == null) {
            throw AdminException.invalid("missing-field", "field \"" + field + "\" is required");
        }
        return value;
    }

    private Enrolled enrollYubiKey(Enrollment e, String actor, String source) {
        YubiKey k = e.yubiKey() == null ? new YubiKey(null, null, null) : e.yubiKey();
        String publicId = k.publicId() == null ? "" : k.publicId().toLowerCase(Locale.ROOT);
        if (publicId.length() < 2 || publicId.length() > YubicoOtp.MAX_PUBLIC_ID_LENGTH || !Modhex.isModhex(publicId)) {
            throw AdminException.invalid("invalid-public-id", "publicId must be 2 to 16 modhex characters (an even number)");
        }
        byte[] privateId = hex(k.privateId(), YubicoOtpBlock.PRIVATE_ID_LENGTH, "invalid-private-id", "privateId must be 12 hex digits");
        byte[] aesKey = hex(k.aesKey(), YubicoKey.LENGTH, "invalid-aes-key", "aesKey must be 32 hex digits (AES-128)");
        byte[] secret = YubicoToken.secret(aesKey, privateId);
        try {
            TokenEntity t = newToken("YK" + publicId, TokenType.YUBICO, "AES128", 0, 0, secret, e.description());
            t.publicId = publicId;
            return new Enrolled(store(t, e.user(), e.pin(), actor, source), null, null);
        } finally {
            Arrays.fill(secret, (byte) 0);
            Arrays.fill(aesKey, (byte) 0);
        }
    }

    private TokenEntity newToken(String serial, TokenType type, String algorithm, int digits, int period, byte[] secret,
                                 String description) {
        TokenEntity t = new TokenEntity();
        t.serial = serial;
        t.tokenType = type.wireName();
        t.algorithm = algorithm;
        t.digits = digits;
        t.periodSeconds = period;
        t.seedEncrypted = database.seedCipher().encrypt(secret, serial);
        t.description = description;
        t.enabled = true;
        t.lastTimeStep = -1;
        t.createdAt = clock.millis();
        return t;
    }

    /** Gives the new token to its user, audited, in one transaction. */
    private TokenInfo store(TokenEntity t, String username, String pin, String actor, String source) {
        t.pinHash = pin == null ? null : pins.hash(pin);
        TokenInfo info = database.write(s -> {
            UserEntity owner = user(s, username);
            if (t.publicId != null && !s.createQuery("from TokenEntity t where t.publicId = :p", TokenEntity.class)
                    .setParameter("p", t.publicId).getResultList().isEmpty()) {
                throw AdminException.conflict("public-id-exists", "a token with that public id is enrolled");
            }
            t.userId = owner.id;
            s.persist(t);
            audit.admin(s, actor, "TOKEN_ENROLL", owner.username, t.serial, "OK", null, source);
            return info(t, owner.username);
        });
        cache.invalidate(username);
        return info;
    }

    private static void checkDescription(String description) {
        if (description != null && description.length() > MAX_DESCRIPTION_LENGTH) {
            throw AdminException.invalid("invalid-request", "description must be at most " + MAX_DESCRIPTION_LENGTH + " characters");
        }
    }

    private static byte[] hex(String text, int bytes, String type, String detail) {
        if (text == null || text.length() != 2 * bytes) {
            throw AdminException.invalid(type, detail);
        }
        return parse(() -> HexFormat.of().parseHex(text), type, detail);
    }

    public List<TokenInfo> list(String username) {
        return database.read(s -> {
            UserEntity owner = user(s, username);
            return s.createQuery("from TokenEntity t where t.userId = :u order by t.id", TokenEntity.class)
                    .setParameter("u", owner.id).getResultList().stream().map(t -> info(t, owner.username)).toList();
        });
    }

    /** Tokens locked by their fail counter (at most {@code limit}), most failures first. */
    public List<TokenInfo> locked(int limit) {
        return database.read(s -> s.createQuery("from TokenEntity t where t.failCount >= :max order by t.failCount desc, t.id",
                        TokenEntity.class).setParameter("max", config.maxFailures()).setMaxResults(limit).getResultList().stream()
                .map(t -> info(t, username(s, t))).filter(TokenInfo::locked).toList());
    }

    public TokenInfo get(String serial) {
        return database.read(s -> {
            TokenEntity t = token(s, serial);
            return info(t, username(s, t));
        });
    }

    public void delete(String serial, String actor, String source) {
        change(serial, actor, source, "TOKEN_DELETE", (s, t) -> s.remove(t));
    }

    public TokenInfo setEnabled(String serial, boolean enabled, String actor, String source) {
        return change(serial, actor, source, enabled ? "TOKEN_ENABLE" : "TOKEN_DISABLE", (s, t) -> t.enabled = enabled);
    }

    /** Sets the token's PIN, or removes it (null). */
    public TokenInfo setPin(String serial, String pin, String actor, String source) {
        String hash = pin == null ? null : pins.hash(Pins.checkForm(pin));
        return change(serial, actor, source, pin == null ? "TOKEN_PIN_REMOVE" : "TOKEN_PIN_SET", (s, t) -> {
            t.pinHash = hash;
            t.pinVersion++;
        });
    }

    /** Clears the token's failures, and its owner's failures counted for the rate limit: the admin lets the user in again. */
    public TokenInfo unlock(String serial, String actor, String source) {
        TokenInfo info = change(serial, actor, source, "TOKEN_UNLOCK", (s, t) -> t.failCount = 0);
        if (info.user() != null) {
            limits.forget(new RateLimits.Key(RateLimits.Kind.USER, info.user()));
        }
        return info;
    }

    /** Resynchronises from two consecutive codes; refuses (and changes nothing) when they are not found. */
    public TokenInfo resync(String serial, String code1, String code2, String actor, String source) {
        String owner = database.read(s -> username(s, token(s, serial)));
        Optional<TokenInfo> done = database.write(s -> {
            TokenEntity t = token(s, serial);
            if (!TokenType.parse(t.tokenType).isOath()) {
                throw AdminException.invalid("unsupported-token-type", "resynchronisation applies to TOTP and HOTP tokens only");
            }
            OathToken state = oathToken(t);
            Optional<OathToken.Match> m = state.resync(code1, code2, clock.millis(), config.resyncWindow());
            if (m.isEmpty()) {
                return Optional.empty();
            }
            state.accept(m.get());
            t.nextCounter = state.nextCounter;
            t.lastTimeStep = state.lastTimeStep;
            t.drift = state.drift;
            t.failCount = 0;
            audit.admin(s, actor, "TOKEN_RESYNC", owner, serial, "OK", null, source);
            return Optional.of(info(t, owner));
        });
        if (owner != null) {
            cache.invalidate(owner);
        }
        return done.orElseGet(() -> {
            audit.admin(actor, "TOKEN_RESYNC", owner, serial, "FAILED", "CODES_NOT_FOUND", source);
            throw AdminException.conflict("resync-failed",
                    "the two codes were not found as consecutive codes within the resynchronisation window");
        });
    }

    private interface Change {
        void apply(Session s, TokenEntity t);
    }

    private TokenInfo change(String serial, String actor, String source, String action, Change change) {
        String[] owner = new String[1];
        TokenInfo info = database.write(s -> {
            TokenEntity t = token(s, serial);
            owner[0] = username(s, t);
            change.apply(s, t);
            audit.admin(s, actor, action, owner[0], serial, "OK", null, source);
            return info(t, owner[0]);
        });
        cache.invalidate(owner[0]); // also for a token without an owner: a YubiKey may be cached by its public id
        return info;
    }

    private OathToken oathToken(TokenEntity t) {
        TokenType type = TokenType.parse(t.tokenType);
        OathParameters p = new OathParameters(HashAlgorithm.parse(t.algorithm), t.digits, t.periodSeconds);
        return new OathToken(t.id, t.serial, type, p, t.enabled, t.pinHash, t.pinVersion, database.seedCipher().decrypt(t.seedEncrypted, t.serial),
                t.nextCounter, t.lastTimeStep, t.drift, t.failCount, t.lastFailAt);
    }

    private TokenInfo info(TokenEntity t, String username) {
        boolean locked = CachedToken.locked(t.failCount, t.lastFailAt, clock.millis(), config.maxFailures(),
                config.lockCooldownSeconds() * 1000L);
        TokenType type = TokenType.parse(t.tokenType);
        return new TokenInfo(t.serial, t.tokenType, username, type.isOath() ? t.algorithm : null, type.isOath() ? t.digits : null,
                type == TokenType.TOTP ? t.periodSeconds : null, t.publicId, t.destination, t.pinHash != null, t.enabled, locked,
                t.failCount, t.description,
                Instant.ofEpochMilli(t.createdAt));
    }

    static UserEntity user(Session s, String username) {
        return s.createQuery("from UserEntity u where u.username = :u", UserEntity.class).setParameter("u", username)
                .uniqueResultOptional().orElseThrow(() -> AdminException.notFound("user-not-found", "no user named so"));
    }

    private static TokenEntity token(Session s, String serial) {
        return s.createQuery("from TokenEntity t where t.serial = :s", TokenEntity.class).setParameter("s", serial)
                .uniqueResultOptional().orElseThrow(() -> AdminException.notFound("token-not-found", "no token with serial " + serial));
    }

    private static String username(Session s, TokenEntity t) {
        return t.userId == null ? null : s.get(UserEntity.class, t.userId).username;
    }

    private byte[] randomSeed(HashAlgorithm algorithm) {
        return randomBytes(algorithm.recommendedKeyLength());
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] decodeSecret(String secret) {
        byte[] seed;
        try {
            seed = Base32.decode(secret);
        } catch (IllegalArgumentException ex) {
            throw AdminException.invalid("invalid-secret", "secret is not Base32: " + ex.getMessage());
        }
        if (seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
            throw AdminException.invalid("invalid-secret",
                    "secret must decode to " + MIN_SEED_BYTES + " to " + MAX_SEED_BYTES + " bytes (RFC 4226 asks for at least 128 bits)");
        }
        return seed;
    }

    private static <T> T parse(java.util.function.Supplier<T> parser, String type, String detail) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid(type, detail);
        }
    }

}
