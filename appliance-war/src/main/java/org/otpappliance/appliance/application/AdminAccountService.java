package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.hibernate.exception.ConstraintViolationException;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.persistence.AdminAccountEntity;
import org.otpappliance.appliance.infrastructure.persistence.UserEntity;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationRequest.EntryPoint;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.otp.verify.VerificationResult.Reason;

/**
 * Console admin accounts and their login: a password, then a code of the tokens of the appliance
 * user the account is tied to, decided by the {@link ValidationService} like any other code (fail
 * counter, lock, replay protection, audit). A wrong password counts as a failure on those tokens.
 */
@ApplicationScoped
public class AdminAccountService {
    static final int MAX_NAME_LENGTH = 128;
    static final int MIN_PASSWORD_LENGTH = 12;
    static final int MAX_PASSWORD_LENGTH = 1024;
    /** Checked when the name is unknown, so that an unknown name costs as long as a wrong password. */
    private static final String NO_ACCOUNT_HASH = Pbkdf2Hash.hash(randomText());

    @Inject
    Database database;

    @Inject
    ValidationService validation;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    ConsoleSessions sessions;

    public record AdminInfo(String username, String user, Instant createdAt) {
    }

    /** Who logged in: the admin and the appliance user whose code they gave. */
    public record Admin(String username, String user) {
    }

    private record Account(String passwordHash, String user) {
    }

    /** Creates an admin account tied to an existing appliance user (whose tokens give the second factor). */
    public AdminInfo create(String username, String password, String user, String actor, String source) {
        checkName(username);
        String hash = newHash(password);
        try {
            return database.write(s -> {
                UserEntity owner = TokenService.user(s, user);
                if (find(s, username).isPresent()) {
                    throw AdminException.conflict("admin-exists", "an admin account of that name exists");
                }
                AdminAccountEntity a = new AdminAccountEntity();
                a.username = username;
                a.passwordHash = hash;
                a.userId = owner.id;
                a.createdAt = clock.millis();
                s.persist(a);
                audit.admin(s, actor, "ADMIN_ACCOUNT_CREATE", user, null, "OK", null, source);
                return new AdminInfo(username, user, Instant.ofEpochMilli(a.createdAt));
            });
        } catch (ConstraintViolationException e) {
            throw AdminException.conflict("admin-exists", "an admin account of that name exists");
        }
    }

    public List<AdminInfo> list() {
        return database.read(s -> s.createQuery("select a.username, u.username, a.createdAt from AdminAccountEntity a, UserEntity u "
                        + "where u.id = a.userId order by a.username", Object[].class).getResultList().stream()
                .map(r -> new AdminInfo((String) r[0], (String) r[1], Instant.ofEpochMilli((Long) r[2]))).toList());
    }

    public void delete(String username, String actor, String source) {
        database.write(s -> {
            AdminAccountEntity a = find(s, username)
                    .orElseThrow(() -> AdminException.notFound("admin-not-found", "no admin account named so"));
            s.remove(a);
            audit.admin(s, actor, "ADMIN_ACCOUNT_DELETE", null, null, "OK", "admin " + username, source);
            return null;
        });
    }

    /**
     * Sets an admin's password (the rules of {@link #create}) and ends the admin's console sessions on every node,
     * but the one with id {@code keepSession} (the console session that made the change; null for none). With a
     * {@code currentPassword} (an admin changing their own), the account's password must be that, else nothing
     * changes. Audited as ADMIN_PASSWORD; no password is in the audit.
     */
    public void changePassword(String username, String password, String currentPassword, String keepSession, String actor,
                               String source) {
        checkPasswordRules(password);
        Account account = account(username).orElseThrow(() -> AdminException.notFound("admin-not-found", "no admin account named so"));
        if (currentPassword != null) {
            checkCurrentPassword(username, account, currentPassword, actor, source);
        }
        String hash = Pbkdf2Hash.hash(password);
        database.write(s -> {
            AdminAccountEntity a = find(s, username)
                    .orElseThrow(() -> AdminException.notFound("admin-not-found", "no admin account named so"));
            a.passwordHash = hash;
            audit.admin(s, actor, "ADMIN_PASSWORD", account.user(), null, "OK", "admin " + username, source);
            return null;
        });
        sessions.endAllOf(username, keepSession);
    }

    /**
     * The current password of an admin changing their own is a password guess like a console login's: it meets the
     * same rate limits (under the same name, {@code console:<name>}) before its slow hash is computed, and a wrong one
     * counts as a login with a wrong password does.
     */
    private void checkCurrentPassword(String username, Account account, String currentPassword, String actor, String source) {
        String loginActor = actor(username);
        if (validation.refusedByRateLimit(account.user(), EntryPoint.CONSOLE, source, loginActor)) {
            audit.admin(actor, "ADMIN_PASSWORD", account.user(), null, "FAILED", "rate-limited, admin " + username, source);
            throw AdminException.forbidden("rate-limited", "too many failed attempts; try again later; the password was not changed");
        }
        if (!Pbkdf2Hash.matches(account.passwordHash(), currentPassword)) {
            audit.admin(actor, "ADMIN_PASSWORD", account.user(), null, "FAILED", "wrong current password, admin " + username, source);
            validation.refuse(account.user(), EntryPoint.CONSOLE, source, loginActor, Reason.WRONG_PASSWORD);
            throw AdminException.forbidden("wrong-password", "the current password is not right; the password was not changed");
        }
    }

    /**
     * A console login. Every refusal looks the same to the caller and is audited (entry point
     * CONSOLE, actor {@code console:<name>}); only an accepted code lets the admin in.
     */
    public Optional<Admin> login(String username, String password, String code, String source) {
        String actor = actor(username);
        Optional<Account> account = account(username);
        if (validation.refusedByRateLimit(account.map(Account::user).orElse(null), EntryPoint.CONSOLE, source, actor)) {
            return Optional.empty();
        }
        boolean passwordRight = Pbkdf2Hash.matches(account.map(Account::passwordHash).orElse(NO_ACCOUNT_HASH), password);
        if (account.isEmpty()) {
            validation.refuse(null, EntryPoint.CONSOLE, source, actor, Reason.UNKNOWN_USER);
            return Optional.empty();
        }
        String user = account.get().user();
        if (!passwordRight) {
            validation.refuse(user, EntryPoint.CONSOLE, source, actor, Reason.WRONG_PASSWORD);
            return Optional.empty();
        }
        if (code.isEmpty()) {
            // An empty code would ask for an SMS or e-mail code: the console does not offer that (yet).
            validation.refuse(user, EntryPoint.CONSOLE, source, actor, Reason.MALFORMED_CODE);
            return Optional.empty();
        }
        VerificationResult r = validation.validate(new VerificationRequest(user, code, null, EntryPoint.CONSOLE, source), actor);
        return r instanceof VerificationResult.Accepted ? Optional.of(new Admin(username, user)) : Optional.empty();
    }

    /** The audit actor of a console admin (a name that may not exist, clipped to the column). */
    public static String actor(String admin) {
        String a = "console:" + admin;
        return a.length() <= MAX_NAME_LENGTH ? a : a.substring(0, MAX_NAME_LENGTH);
    }

    private Optional<Account> account(String username) {
        return database.read(s -> find(s, username).map(a -> new Account(a.passwordHash, s.get(UserEntity.class, a.userId).username)));
    }

    private static Optional<AdminAccountEntity> find(org.hibernate.Session s, String username) {
        return s.createQuery("from AdminAccountEntity a where a.username = :u", AdminAccountEntity.class)
                .setParameter("u", username).uniqueResultOptional();
    }

    private static String newHash(String password) {
        checkPasswordRules(password);
        return Pbkdf2Hash.hash(password);
    }

    private static void checkPasswordRules(String password) {
        if (password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
            throw AdminException.invalid("invalid-password", "a password is " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH
                    + " characters");
        }
    }

    private static void checkName(String username) {
        if (username.isEmpty() || username.length() > MAX_NAME_LENGTH
                || username.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw AdminException.invalid("invalid-username", "an admin name is 1 to " + MAX_NAME_LENGTH
                    + " characters, without spaces or control characters");
        }
    }

    private static String randomText() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
