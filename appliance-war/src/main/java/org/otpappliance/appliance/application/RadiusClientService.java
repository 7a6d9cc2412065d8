package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.persistence.RadiusClientEntity;
import org.otpappliance.radius.CidrBlock;
import org.otpappliance.radius.RadiusClient;
import org.otpappliance.radius.RadiusClients;

/**
 * RADIUS clients (NAS): created, listed and deleted by admins; looked up by source address for
 * every packet. Lookups read an in-memory list, reloaded when this node changes it, at least every
 * 5 seconds (for changes made on other nodes), and when a packet comes from an address no client
 * in it has (a client just added through another node), at most once a second.
 */
@ApplicationScoped
public class RadiusClientService implements RadiusClients {
    /** RFC 2865 section 3 asks for at least 16 octets of secret; longer than 128 is no use to anyone. */
    static final int MIN_SECRET = 16;
    static final int MAX_SECRET = 128;
    private static final long RELOAD_MILLIS = 5_000;
    /** Packets from unknown addresses re-read the list at most this often, so that they cannot flood the database. */
    private static final long UNKNOWN_RELOAD_MILLIS = 1_000;

    public record ClientInfo(String name, String address, boolean requireMessageAuthenticator, Instant createdAt) {
    }

    private record Known(CidrBlock block, RadiusClient client) {
    }

    private record Snapshot(List<Known> clients, long loadedAt) {
    }

    @Inject
    Database database;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    private volatile Snapshot snapshot;

    public ClientInfo create(String name, String address, String secret, Boolean requireMessageAuthenticator, String actor,
                             String source) {
        if (name.isBlank() || name.length() > 128) {
            throw AdminException.invalid("invalid-name", "name must be 1 to 128 characters");
        }
        CidrBlock block;
        try {
            block = CidrBlock.parse(address);
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid("invalid-address", "address must be an IP address or a CIDR block such as 192.0.2.0/24");
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET || bytes.length > MAX_SECRET || secret.chars().anyMatch(c -> c < ' ' || c == 0x7f)) {
            throw AdminException.invalid("invalid-secret", "secret must be " + MIN_SECRET + " to " + MAX_SECRET
                    + " bytes of printable text (RFC 2865 asks for at least 16)");
        }
        boolean requireMa = requireMessageAuthenticator == null || requireMessageAuthenticator;
        ClientInfo info = database.write(s -> {
            if (!s.createQuery("from RadiusClientEntity c where c.name = :n", RadiusClientEntity.class).setParameter("n", name)
                    .getResultList().isEmpty()) {
                throw AdminException.conflict("client-exists", "a RADIUS client of that name exists");
            }
            // Two clients for one block could not both be told apart by their packets: one would win silently.
            if (!s.createQuery("from RadiusClientEntity c where c.address = :a", RadiusClientEntity.class)
                    .setParameter("a", block.toString()).getResultList().isEmpty()) {
                throw AdminException.conflict("address-in-use", "another RADIUS client has the address " + block);
            }
            RadiusClientEntity c = new RadiusClientEntity();
            c.name = name;
            c.address = block.toString();
            c.secretEncrypted = database.seedCipher().encrypt(bytes, secretLabel(name));
            c.requireMessageAuthenticator = requireMa;
            c.createdAt = clock.millis();
            s.persist(c);
            audit.admin(s, actor, "RADIUS_CLIENT_CREATE", null, null, "OK", name, source);
            return info(c);
        });
        snapshot = null;
        return info;
    }

    public List<ClientInfo> list() {
        return database.read(s -> s.createQuery("from RadiusClientEntity c order by c.name", RadiusClientEntity.class)
                .getResultList().stream().map(RadiusClientService::info).toList());
    }

    public void delete(String name, String actor, String source) {
        database.write(s -> {
            RadiusClientEntity c = s.createQuery("from RadiusClientEntity c where c.name = :n", RadiusClientEntity.class)
                    .setParameter("n", name).uniqueResultOptional()
                    .orElseThrow(() -> AdminException.notFound("client-not-found", "no RADIUS client of that name"));
            s.remove(c);
            audit.admin(s, actor, "RADIUS_CLIENT_DELETE", null, null, "OK", name, source);
            return null;
        });
        snapshot = null;
    }

    /** The client whose address block holds the source, the most specific one when blocks overlap. */
    @Override
    public Optional<RadiusClient> forAddress(InetAddress source) {
        Snapshot s = snapshot;
        long now = clock.millis();
        if (s == null || now - s.loadedAt() > RELOAD_MILLIS) {
            s = load(now);
            snapshot = s;
        }
        Optional<RadiusClient> found = match(s, source);
        if (found.isEmpty() && now - s.loadedAt() >= UNKNOWN_RELOAD_MILLIS) {
            s = load(now);
            snapshot = s;
            found = match(s, source);
        }
        return found;
    }

    private static Optional<RadiusClient> match(Snapshot s, InetAddress source) {
        return s.clients().stream().filter(k -> k.block().contains(source))
                .max(Comparator.comparingInt((Known k) -> k.block().prefixLength())).map(Known::client);
    }

    private Snapshot load(long now) {
        List<Known> known = database.read(s -> s.createQuery("from RadiusClientEntity c", RadiusClientEntity.class).getResultList()
                .stream().map(c -> new Known(CidrBlock.parse(c.address), new RadiusClient(c.name,
                        database.seedCipher().decrypt(c.secretEncrypted, secretLabel(c.name)), c.requireMessageAuthenticator)))
                .toList());
        return new Snapshot(known, now);
    }

    private static ClientInfo info(RadiusClientEntity c) {
        return new ClientInfo(c.name, c.address, c.requireMessageAuthenticator, Instant.ofEpochMilli(c.createdAt));
    }

    /** Binds an encrypted secret to its client, as a seed is bound to its token's serial. */
    private static String secretLabel(String name) {
        return "radius:" + name;
    }
}
