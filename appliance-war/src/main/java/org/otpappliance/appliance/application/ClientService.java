package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.persistence.ApiClientEntity;

/**
 * API clients and their keys. A bearer key is 256 random bits, shown once; only its SHA-256 is
 * stored (a slow hash adds nothing to a random 256-bit secret, and the lookup is on every request).
 * A Yubico validation protocol client gets a number and a 160-bit HMAC-SHA1 key instead; the key
 * signs requests and answers on both sides, so it is stored encrypted under the master key.
 */
@ApplicationScoped
public class ClientService {
    public static final String KEY_PREFIX = "otpa_";
    /** How long a node trusts what it read of a key: a key deleted through another node works there at most this long. */
    private static final long CACHE_MILLIS = 5_000;

    public enum Role {
        ADMIN, VALIDATE, YUBICO;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Role parse(String s) {
            for (Role r : values()) {
                if (r.wireName().equals(s)) {
                    return r;
                }
            }
            throw AdminException.invalid("invalid-role", "role must be \"admin\", \"validate\" or \"yubico\"");
        }
    }

    /** An authenticated caller. */
    public record Principal(String name, Role role) {
    }

    /** yubicoId and requireSignature are those of Yubico clients. */
    public record ClientInfo(String name, String role, Long yubicoId, Boolean requireSignature, Instant createdAt) {
    }

    /** A new client with its key (apiKey, or yubicoId and yubicoKey), which cannot be shown again. */
    public record NewClient(String name, String role, String apiKey, Long yubicoId, String yubicoKey) {
    }

    /**
     * A client named by a Yubico validation protocol request: its HMAC-SHA1 key, and whether every
     * request must be signed. A client of another role has no key and may not use the protocol.
     */
    public record YubicoClient(long id, String name, byte[] key, boolean requireSignature) {
        public boolean allowed() {
            return key != null;
        }
    }

    private record Cached(Optional<Principal> principal, long at) {
    }

    private record CachedYubico(Optional<YubicoClient> client, long at) {
    }

    /** Yubico's own API keys are 20 bytes (HMAC-SHA1's block of output). */
    private static final int YUBICO_KEY_BYTES = 20;

    @Inject
    Database database;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Cached> byKeyHash = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CachedYubico> yubicoById = new ConcurrentHashMap<>();

    public NewClient create(String name, String role, Boolean requireSignature, String actor, String source) {
        if (name.isBlank() || name.length() > 128) {
            throw AdminException.invalid("invalid-name", "name must be 1 to 128 characters");
        }
        Role r = Role.parse(role);
        if (requireSignature != null && r != Role.YUBICO) {
            throw AdminException.invalid("invalid-request", "requireSignature applies to yubico clients only");
        }
        String key = r == Role.YUBICO ? null : newKey();
        byte[] yubicoKey = r == Role.YUBICO ? randomBytes(YUBICO_KEY_BYTES) : null;
        long id = database.write(s -> {
            boolean exists = s.createQuery("select count(c) from ApiClientEntity c where c.name = :n", Long.class)
                    .setParameter("n", name).getSingleResult() > 0;
            if (exists) {
                throw AdminException.conflict("client-exists", "a client of that name exists");
            }
            ApiClientEntity c = new ApiClientEntity();
            c.name = name;
            c.role = r.wireName();
            if (yubicoKey == null) {
                c.keyHash = hash(key);
            } else {
                c.secretEncrypted = database.seedCipher().encrypt(yubicoKey, secretLabel(name));
                c.requireSignature = Boolean.TRUE.equals(requireSignature);
            }
            c.createdAt = clock.millis();
            s.persist(c);
            audit.admin(s, actor, "CLIENT_CREATE", null, null, "OK", name, source);
            return c.id;
        });
        return yubicoKey == null ? new NewClient(name, r.wireName(), key, null, null)
                : new NewClient(name, r.wireName(), null, id, Base64.getEncoder().encodeToString(yubicoKey));
    }

    /** The client with this id, as the Yubico protocol sees it; cached briefly, as bearer keys are. */
    public Optional<YubicoClient> yubicoClient(long id) {
        long now = clock.millis();
        CachedYubico c = yubicoById.get(id);
        if (c == null || now - c.at() > CACHE_MILLIS) {
            Optional<YubicoClient> found = database.read(s -> Optional.ofNullable(s.get(ApiClientEntity.class, id))
                    .map(e -> Role.YUBICO.wireName().equals(e.role)
                            ? new YubicoClient(e.id, e.name, database.seedCipher().decrypt(e.secretEncrypted, secretLabel(e.name)),
                                    e.requireSignature)
                            : new YubicoClient(e.id, e.name, null, false)));
            c = new CachedYubico(found, now);
            if (found.isPresent() || yubicoById.size() < 10_000) {
                yubicoById.put(id, c);
            }
        }
        return c.client();
    }

    /** Binds an encrypted client key to its client, as a seed is bound to its token's serial. */
    private static String secretLabel(String clientName) {
        return "client:" + clientName;
    }

    public List<ClientInfo> list() {
        return database.read(s -> s.createQuery("from ApiClientEntity c order by c.name", ApiClientEntity.class)
                .getResultList().stream().map(c -> Role.YUBICO.wireName().equals(c.role)
                        ? new ClientInfo(c.name, c.role, c.id, c.requireSignature, Instant.ofEpochMilli(c.createdAt))
                        : new ClientInfo(c.name, c.role, null, null, Instant.ofEpochMilli(c.createdAt))).toList());
    }

    public void delete(String name, String actor, String source) {
        database.write(s -> {
            ApiClientEntity c = s.createQuery("from ApiClientEntity c where c.name = :n", ApiClientEntity.class)
                    .setParameter("n", name).uniqueResultOptional()
                    .orElseThrow(() -> AdminException.notFound("client-not-found", "no client of that name"));
            s.remove(c);
            audit.admin(s, actor, "CLIENT_DELETE", null, null, "OK", name, source);
            return null;
        });
        byKeyHash.clear();
        yubicoById.clear();
    }

    /** The caller a bearer key belongs to; cached briefly so that the hot path does not read the database. */
    public Optional<Principal> authenticate(String apiKey) {
        String h = hash(apiKey);
        long now = clock.millis();
        Cached c = byKeyHash.get(h);
        if (c == null || now - c.at() > CACHE_MILLIS) {
            Optional<Principal> p = database.read(s -> s.createQuery("from ApiClientEntity c where c.keyHash = :h",
                    ApiClientEntity.class).setParameter("h", h).uniqueResultOptional()
                    .map(e -> new Principal(e.name, Role.parse(e.role))));
            c = new Cached(p, now);
            if (p.isPresent() || byKeyHash.size() < 10_000) {
                byKeyHash.put(h, c);
            }
        }
        return c.principal();
    }

    boolean hasAdmin() {
        return database.read(s -> s.createQuery("select count(c) from ApiClientEntity c where c.role = :r", Long.class)
                .setParameter("r", Role.ADMIN.wireName()).getSingleResult() > 0);
    }

    private String newKey() {
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String hash(String key) {
        return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** One digest per thread: MessageDigest.getInstance searches the providers on every call. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });
}
