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
 * API clients and their keys. A key is 256 random bits, shown once; only its SHA-256 is stored
 * (a slow hash adds nothing to a random 256-bit secret, and the lookup is on every request).
 */
@ApplicationScoped
public class ClientService {
    public static final String KEY_PREFIX = "otpa_";
    private static final long CACHE_MILLIS = 30_000;

    public enum Role {
        ADMIN, VALIDATE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Role parse(String s) {
            for (Role r : values()) {
                if (r.wireName().equals(s)) {
                    return r;
                }
            }
            throw AdminException.invalid("invalid-role", "role must be \"admin\" or \"validate\"");
        }
    }

    /** An authenticated caller. */
    public record Principal(String name, Role role) {
    }

    public record ClientInfo(String name, String role, Instant createdAt) {
    }

    /** A new client with its key, which is not kept and cannot be shown again. */
    public record NewClient(String name, String role, String apiKey) {
    }

    private record Cached(Optional<Principal> principal, long at) {
    }

    @Inject
    Database database;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Cached> byKeyHash = new ConcurrentHashMap<>();

    public NewClient create(String name, String role, String actor, String source) {
        if (name.isBlank() || name.length() > 128) {
            throw AdminException.invalid("invalid-name", "name must be 1 to 128 characters");
        }
        Role r = Role.parse(role);
        String key = newKey();
        database.write(s -> {
            boolean exists = s.createQuery("select count(c) from ApiClientEntity c where c.name = :n", Long.class)
                    .setParameter("n", name).getSingleResult() > 0;
            if (exists) {
                throw AdminException.conflict("client-exists", "a client of that name exists");
            }
            ApiClientEntity c = new ApiClientEntity();
            c.name = name;
            c.role = r.wireName();
            c.keyHash = hash(key);
            c.createdAt = clock.millis();
            s.persist(c);
            audit.admin(s, actor, "CLIENT_CREATE", null, null, "OK", name, source);
            return null;
        });
        return new NewClient(name, r.wireName(), key);
    }

    public List<ClientInfo> list() {
        return database.read(s -> s.createQuery("from ApiClientEntity c order by c.name", ApiClientEntity.class)
                .getResultList().stream().map(c -> new ClientInfo(c.name, c.role, Instant.ofEpochMilli(c.createdAt))).toList());
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
        byte[] b = new byte[32];
        random.nextBytes(b);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
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
