package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.hibernate.Session;
import org.hibernate.exception.ConstraintViolationException;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.persistence.TokenEntity;
import org.otpappliance.appliance.infrastructure.persistence.UserEntity;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.seedfile.SeedRecord;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.OathParameters;
import org.otpappliance.otp.yubico.YubicoKey;
import org.otpappliance.otp.yubico.YubicoOtpBlock;

/**
 * Bulk import of tokens whose secrets the admin already has: from a JSON batch, or from a seed file read by the
 * otp-core parsers. Every item is checked first, by the rules of {@link TokenService} (and the items a parser refused
 * are carried as failed); then the good ones are written in one transaction, each whole or not at all, and every item
 * gets one result, in request order: imported, replaced (an existing serial, with {@code replace}), skipped (an existing
 * serial) or failed (with a reason that never quotes a secret). A dry run takes the same decisions and writes nothing.
 *
 * <p>Items are taken in order, as if one at a time: a serial that appears twice is imported by the first and skipped
 * (or replaced) by the second; a public id claimed by an earlier item is in use for the later ones.
 */
@ApplicationScoped
public class ImportService {
    /** The most tokens one JSON request may carry. */
    public static final int MAX_TOKENS_PER_REQUEST = 1000;
    /** Candidates written between two flushes of the session, which bounds its memory for large files. */
    private static final int CHUNK = 500;
    private static final String FREE = "";

    @Inject
    Database database;

    @Inject
    TokenCache cache;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /** One token of a JSON request, as sent; everything is checked here. */
    public record Item(String serial, String type, String user, String description, String secret, String algorithm,
                       Integer digits, Integer period, Long counter, String publicId, String privateId, String aesKey) {
        @Override
        public String toString() {
            return "Item[serial=" + serial + ", type=" + type + "]";
        }
    }

    /** What became of one item. {@code position} says where a failed item was when it has no serial to name it. */
    public record ItemResult(String serial, String position, String status, String reason) {
    }

    /** The answer: counts and one result per item, in request order. */
    public record Report(int imported, int replaced, int skipped, int failed, boolean dryRun, List<ItemResult> results) {
    }

    /** The items of one request, in order; made by {@link #newBatch()}, filled by the caller, run by {@link #run}. */
    public static final class Batch {
        private final List<Entry> entries = new ArrayList<>();

        private Batch() {
        }

        /** A JSON item, checked now; {@code position} names it in its result if it fails without a serial. */
        public void add(Item item, String position) {
            try {
                entries.add(candidate(item));
            } catch (Invalid e) {
                entries.add(new Failure(item.serial(), item.serial() == null ? position : null, e.getMessage()));
            }
        }

        /**
         * A token a seed-file parser read, checked now against the appliance's own rules. Its owner is {@code user}
         * when given (a user list's), else the file's user id when that is a plain user name.
         */
        public void add(SeedRecord record, String user) {
            try {
                entries.add(candidate(record, user));
            } catch (Invalid e) {
                entries.add(new Failure(record.serial(), null, e.getMessage()));
            }
        }

        /** An item refused before it got here (a seed-file parser's item problem, a JSON item of the wrong shape). */
        public void fail(String serial, String position, String reason) {
            entries.add(new Failure(serial, position, reason));
        }

        public int size() {
            return entries.size();
        }
    }

    public Batch newBatch() {
        return new Batch();
    }

    private sealed interface Entry permits Candidate, Failure {
    }

    private record Failure(String serial, String position, String reason) implements Entry {
    }

    /**
     * A checked token, ready to write. {@code secret} is the OATH seed, or for a YubiKey the AES key followed by the
     * private id (as {@link YubicoToken#secret} lays it out); zeroed once the batch has run.
     */
    private record Candidate(String serial, TokenType type, String algorithm, int digits, int period, long counter,
                             byte[] secret, String publicId, String user, String description) implements Entry {
        @Override
        public String toString() {
            return "Candidate[serial=" + serial + ", type=" + type + "]";
        }
    }

    /** An item that breaks a rule; the message is the reason, and never holds a secret. */
    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    // Checks: the rules of TokenService's enrollment, as per-item reasons.

    static Candidate candidate(Item i) throws Invalid {
        String serial = serial(i.serial());
        if (i.type() == null) {
            throw new Invalid("missing field: type");
        }
        TokenType type;
        try {
            type = TokenType.parse(i.type());
        } catch (IllegalArgumentException e) {
            type = null;
        }
        if (type != TokenType.HOTP && type != TokenType.TOTP && type != TokenType.YUBICO) {
            throw new Invalid("type must be \"hotp\", \"totp\" or \"yubico\"");
        }
        String user = user(i.user());
        if (i.description() != null && i.description().length() > TokenService.MAX_DESCRIPTION_LENGTH) {
            throw new Invalid("description must be at most " + TokenService.MAX_DESCRIPTION_LENGTH + " characters");
        }
        if (type == TokenType.YUBICO) {
            if (i.secret() != null || i.algorithm() != null || i.digits() != null || i.period() != null || i.counter() != null) {
                throw new Invalid("secret, algorithm, digits, period and counter apply to TOTP and HOTP tokens only");
            }
            String publicId = required(i.publicId(), "publicId").toLowerCase(Locale.ROOT);
            if (!SeedRecord.isValidPublicId(publicId)) {
                throw new Invalid("publicId must be 2 to 16 modhex characters (an even number)");
            }
            byte[] privateId = hex(required(i.privateId(), "privateId"), YubicoOtpBlock.PRIVATE_ID_LENGTH, "privateId must be 12 hex digits");
            byte[] aesKey = hex(required(i.aesKey(), "aesKey"), YubicoKey.LENGTH, "aesKey must be 32 hex digits (AES-128)");
            try {
                return new Candidate(serial, type, "AES128", 0, 0, 0, YubicoToken.secret(aesKey, privateId), publicId, user,
                        i.description());
            } finally {
                Arrays.fill(aesKey, (byte) 0);
                Arrays.fill(privateId, (byte) 0);
            }
        }
        if (i.publicId() != null || i.privateId() != null || i.aesKey() != null) {
            throw new Invalid("publicId, privateId and aesKey apply to yubico tokens only");
        }
        if (type == TokenType.HOTP && i.period() != null) {
            throw new Invalid("period applies to TOTP tokens only");
        }
        if (type == TokenType.TOTP && i.counter() != null) {
            throw new Invalid("counter applies to HOTP tokens only");
        }
        String secret = required(i.secret(), "secret");
        HashAlgorithm algorithm;
        try {
            algorithm = i.algorithm() == null ? HashAlgorithm.SHA1 : HashAlgorithm.parse(i.algorithm());
        } catch (IllegalArgumentException e) {
            throw new Invalid("algorithm must be SHA1, SHA256 or SHA512");
        }
        int digits = i.digits() == null ? 6 : i.digits();
        int period = type == TokenType.TOTP ? (i.period() == null ? 30 : i.period()) : 0;
        long counter = i.counter() == null ? 0 : i.counter();
        checkOath(type, algorithm, digits, period, counter);
        byte[] seed;
        try {
            seed = Base32.decode(secret);
        } catch (IllegalArgumentException e) {
            throw new Invalid("secret is not Base32 (" + e.getMessage() + ")"); // names a position, never the text
        }
        checkSeed(seed);
        return new Candidate(serial, type, algorithm.name(), digits, period, counter, seed, null, user, i.description());
    }

    static Candidate candidate(SeedRecord r, String assigned) throws Invalid {
        String serial = serial(r.serial());
        String user = assigned != null ? user(assigned) : fileUser(r.userId());
        if (r.type() == TokenType.YUBICO) {
            byte[] aesKey = r.secret();
            byte[] privateId = r.yubicoPrivateId();
            try {
                return new Candidate(serial, r.type(), "AES128", 0, 0, 0, YubicoToken.secret(aesKey, privateId), r.yubicoPublicId(),
                        user, null);
            } finally {
                Arrays.fill(aesKey, (byte) 0);
                Arrays.fill(privateId, (byte) 0);
            }
        }
        int period = r.type() == TokenType.TOTP ? r.periodSeconds() : 0;
        long counter = r.type() == TokenType.HOTP ? r.counter() : 0;
        checkOath(r.type(), r.algorithm(), r.digits(), period, counter);
        byte[] seed = r.secret();
        try {
            checkSeed(seed);
        } catch (Invalid e) {
            Arrays.fill(seed, (byte) 0);
            throw e;
        }
        return new Candidate(serial, r.type(), r.algorithm().name(), r.digits(), period, counter, seed, null, user, null);
    }

    private static String serial(String serial) throws Invalid {
        if (serial == null) {
            throw new Invalid("missing field: serial");
        }
        if (!SeedRecord.isValidSerial(serial)) {
            throw new Invalid("serial must be 1 to " + SeedRecord.MAX_SERIAL_LENGTH
                    + " characters, without control characters or blanks around it");
        }
        return serial;
    }

    private static String user(String user) throws Invalid {
        if (user == null) {
            return null;
        }
        try {
            UserService.checkUsername(user);
        } catch (AdminException e) {
            throw new Invalid("user: " + e.getMessage());
        }
        return user;
    }

    /** A seed file's user id names the owner when it is a plain user name (not a DN such as "CN=..., UID=..."). */
    private static String fileUser(String userId) {
        if (userId == null || userId.indexOf('=') >= 0 || userId.indexOf(',') >= 0) {
            return null;
        }
        try {
            return user(userId);
        } catch (Invalid e) {
            return null;
        }
    }

    private static void checkOath(TokenType type, HashAlgorithm algorithm, int digits, int period, long counter) throws Invalid {
        try {
            if (type == TokenType.TOTP) {
                OathParameters.totp(algorithm, digits, period);
            } else {
                OathParameters.hotp(algorithm, digits);
            }
        } catch (IllegalArgumentException e) {
            throw new Invalid("digits must be 6 to 8" + (type == TokenType.TOTP ? " and period 1 to 3600 seconds" : ""));
        }
        if (counter < 0) {
            throw new Invalid("counter must not be negative");
        }
    }

    private static void checkSeed(byte[] seed) throws Invalid {
        if (seed.length < TokenService.MIN_SEED_BYTES || seed.length > TokenService.MAX_SEED_BYTES) {
            throw new Invalid("secret must be " + TokenService.MIN_SEED_BYTES + " to " + TokenService.MAX_SEED_BYTES
                    + " bytes (RFC 4226 asks for at least 128 bits)");
        }
    }

    private static String required(String value, String field) throws Invalid {
        if (value == null) {
            throw new Invalid("missing field: " + field);
        }
        return value;
    }

    private static byte[] hex(String text, int bytes, String reason) throws Invalid {
        if (text.length() != 2 * bytes) {
            throw new Invalid(reason);
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new Invalid(reason);
        }
    }

    // Writing.

    /** What this request knows of a serial: what the database holds, or what this request made of it. */
    private static final class Slot {
        final Long id;
        String publicId;
        String owner;

        Slot(Long id, String publicId, String owner) {
            this.id = id;
            this.publicId = publicId;
            this.owner = owner;
        }
    }

    /** The state of one run: what it has seen and done so far, across the chunks of its transaction. */
    private final class Run {
        final Session s;
        final boolean replace;
        final boolean dryRun;
        final String actor;
        final String source;
        final Map<String, Slot> bySerial = new HashMap<>();
        /** Public id to the serial that holds it, or {@link #FREE}; read from the database, then kept up to date. */
        final Map<String, String> publicIds = new HashMap<>();
        /** User name to id; a null id for a user a dry run would create. */
        final Map<String, Long> users = new HashMap<>();
        /** The tokens of this chunk that the session manages, by serial; emptied with the session. */
        final Map<String, TokenEntity> managed = new HashMap<>();
        final Set<String> affectedUsers = new LinkedHashSet<>();

        Run(Session s, boolean replace, boolean dryRun, String actor, String source) {
            this.s = s;
            this.replace = replace;
            this.dryRun = dryRun;
            this.actor = actor;
            this.source = source;
        }

        void chunk(List<Entry> entries, String[] status, String[] reasons, int from, int to) {
            prefetch(entries.subList(from, to));
            for (int i = from; i < to; i++) {
                if (entries.get(i) instanceof Candidate c) {
                    write(c, status, reasons, i);
                }
            }
            if (!dryRun) {
                s.flush();
            }
            s.clear();
            managed.clear();
        }

        /** Reads, in a few queries, what the database holds of the chunk's serials, public ids and users. */
        void prefetch(List<Entry> chunk) {
            Set<String> serials = new LinkedHashSet<>();
            Set<String> ids = new LinkedHashSet<>();
            Set<String> names = new LinkedHashSet<>();
            for (Entry e : chunk) {
                if (e instanceof Candidate c) {
                    if (!bySerial.containsKey(c.serial())) {
                        serials.add(c.serial());
                    }
                    if (c.publicId() != null && !publicIds.containsKey(c.publicId())) {
                        ids.add(c.publicId());
                    }
                    if (c.user() != null && !users.containsKey(c.user())) {
                        names.add(c.user());
                    }
                }
            }
            if (!serials.isEmpty()) {
                for (Object[] row : s.createQuery("select t, u.username from TokenEntity t left join UserEntity u on u.id = t.userId "
                        + "where t.serial in :serials", Object[].class).setParameter("serials", serials).getResultList()) {
                    TokenEntity t = (TokenEntity) row[0];
                    String owner = (String) row[1];
                    bySerial.put(t.serial, new Slot(t.id, t.publicId, owner));
                    managed.put(t.serial, t);
                    if (owner != null) {
                        users.put(owner, t.userId); // a replacement without a user keeps this owner
                    }
                }
            }
            if (!ids.isEmpty()) {
                for (String id : ids) {
                    publicIds.put(id, FREE);
                }
                for (Object[] row : s.createQuery("select t.publicId, t.serial from TokenEntity t where t.publicId in :ids", Object[].class)
                        .setParameter("ids", ids).getResultList()) {
                    publicIds.put((String) row[0], (String) row[1]);
                }
            }
            if (!names.isEmpty()) {
                for (Object[] row : s.createQuery("select u.username, u.id from UserEntity u where u.username in :names", Object[].class)
                        .setParameter("names", names).getResultList()) {
                    users.put((String) row[0], (Long) row[1]);
                }
            }
        }

        void write(Candidate c, String[] status, String[] reasons, int i) {
            Slot slot = bySerial.get(c.serial());
            if (slot != null && !replace) {
                status[i] = "skipped";
                reasons[i] = "a token with this serial exists";
                return;
            }
            if (c.publicId() != null) {
                String holder = publicIds.get(c.publicId());
                if (holder != null && !holder.equals(FREE) && !holder.equals(c.serial())) {
                    status[i] = "failed";
                    reasons[i] = "public id in use";
                    return;
                }
            }
            if (slot == null) {
                Long userId = userId(c.user());
                Long id = null;
                if (!dryRun) {
                    TokenEntity t = new TokenEntity();
                    t.serial = c.serial();
                    t.createdAt = clock.millis();
                    set(t, c, userId);
                    s.persist(t);
                    audit.admin(s, actor, "TOKEN_IMPORT", c.user(), c.serial(), "OK", null, source);
                    managed.put(t.serial, t);
                    id = t.id;
                }
                bySerial.put(c.serial(), new Slot(id, c.publicId(), c.user()));
                status[i] = "imported";
            } else {
                String owner = c.user() != null ? c.user() : slot.owner;
                Long userId = userId(owner);
                if (!dryRun) {
                    TokenEntity t = managed.get(c.serial());
                    if (t == null) {
                        t = s.get(TokenEntity.class, slot.id);
                        managed.put(t.serial, t);
                    }
                    if (owner == null ? slot.owner != null : !owner.equals(slot.owner)) {
                        t.pinHash = null; // the old owner's PIN is not the new owner's
                    }
                    set(t, c, userId);
                    audit.admin(s, actor, "TOKEN_REPLACE", owner, c.serial(), "OK", null, source);
                    if (slot.publicId != null && !slot.publicId.equals(c.publicId())) {
                        // Now, not at the end of the chunk: a later item may take the public id this frees, and
                        // its insert is made at once.
                        s.flush();
                    }
                }
                if (slot.publicId != null) {
                    publicIds.put(slot.publicId, FREE);
                }
                affectedUsers.add(slot.owner);
                slot.publicId = c.publicId();
                slot.owner = owner;
                status[i] = "replaced";
            }
            if (c.publicId() != null) {
                publicIds.put(c.publicId(), c.serial());
            }
            affectedUsers.add(c.user());
        }

        /** The user's id, the user created first if there is none (in a dry run, only noted); null for no user. */
        Long userId(String username) {
            if (username == null) {
                return null;
            }
            if (users.containsKey(username)) {
                return users.get(username);
            }
            Long id = null;
            if (!dryRun) {
                UserEntity u = new UserEntity();
                u.username = username;
                u.createdAt = clock.millis();
                s.persist(u);
                audit.admin(s, actor, "USER_CREATE", username, null, "OK", null, source);
                id = u.id;
            }
            users.put(username, id);
            return id;
        }

        /** The token's secret, parameters and owner from the candidate, and its state as new. */
        void set(TokenEntity t, Candidate c, Long userId) {
            t.userId = userId;
            t.tokenType = c.type().wireName();
            t.algorithm = c.algorithm();
            t.digits = c.digits();
            t.periodSeconds = c.period();
            t.seedEncrypted = database.seedCipher().encrypt(c.secret(), c.serial());
            t.publicId = c.publicId();
            t.destination = null;
            if (c.description() != null) {
                t.description = c.description();
            }
            t.enabled = true;
            t.nextCounter = c.type() == TokenType.HOTP ? c.counter() : 0;
            t.lastTimeStep = -1;
            t.drift = 0;
            t.failCount = 0;
            t.lastFailAt = 0;
        }
    }

    /**
     * Runs the batch: checks against what the database holds, then writes the good items in one transaction (none in
     * a dry run). Users named by written items are created when missing. Answers one result per item, in order.
     *
     * @throws AdminException (conflict) when a concurrent change took one of the serials, public ids or user names
     *     first; nothing was written
     */
    public Report run(Batch batch, boolean replace, boolean dryRun, String actor, String source) {
        return run(batch, replace, dryRun, actor, source, done -> { });
    }

    /**
     * Likewise, telling {@code progress} after each chunk how many of the batch's items are checked (and, unless a
     * dry run, written in the transaction, which commits at the end).
     */
    public Report run(Batch batch, boolean replace, boolean dryRun, String actor, String source, IntConsumer progress) {
        List<Entry> entries = batch.entries;
        String[] status = new String[entries.size()];
        String[] reasons = new String[entries.size()];
        Set<String> affected;
        try {
            java.util.function.Function<Session, Set<String>> work = s -> {
                Run run = new Run(s, replace, dryRun, actor, source);
                int candidates = 0;
                int from = 0;
                for (int i = 0; i < entries.size(); i++) {
                    if (entries.get(i) instanceof Candidate && ++candidates == CHUNK) {
                        run.chunk(entries, status, reasons, from, i + 1);
                        progress.accept(i + 1);
                        from = i + 1;
                        candidates = 0;
                    }
                }
                run.chunk(entries, status, reasons, from, entries.size());
                progress.accept(entries.size());
                return run.affectedUsers;
            };
            affected = dryRun ? database.read(work) : database.write(work);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConstraintViolationException) {
                    throw AdminException.conflict("import-conflict", "another change took one of these serials, public ids or "
                            + "user names at the same time; nothing was imported, try again");
                }
            }
            throw e;
        } finally {
            for (Entry e : entries) {
                if (e instanceof Candidate c) {
                    Arrays.fill(c.secret(), (byte) 0);
                }
            }
        }
        if (!dryRun) {
            for (String user : affected) {
                cache.invalidate(user);
            }
            cache.invalidate(null); // YubiKeys without an owner are cached by public id
        }
        return report(entries, status, reasons, dryRun);
    }

    private static Report report(List<Entry> entries, String[] status, String[] reasons, boolean dryRun) {
        int imported = 0;
        int replaced = 0;
        int skipped = 0;
        int failed = 0;
        List<ItemResult> results = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            ItemResult r = e instanceof Failure f ? new ItemResult(f.serial(), f.position(), "failed", f.reason())
                    : new ItemResult(((Candidate) e).serial(), null, status[i], reasons[i]);
            switch (r.status()) {
                case "imported" -> imported++;
                case "replaced" -> replaced++;
                case "skipped" -> skipped++;
                default -> failed++;
            }
            results.add(r);
        }
        return new Report(imported, replaced, skipped, failed, dryRun, results);
    }
}
