package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.hibernate.exception.ConstraintViolationException;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.persistence.UserEntity;

/** Users of the appliance: the names that own tokens. */
@ApplicationScoped
public class UserService {
    static final int MAX_USERNAME_LENGTH = 255;

    @Inject
    Database database;

    @Inject
    TokenCache cache;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    TokenService tokens;

    public record UserInfo(String username, Instant createdAt, List<TokenService.TokenInfo> tokens) {
    }

    public UserInfo create(String username, String actor, String source) {
        checkUsername(username);
        try {
            UserInfo created = database.write(s -> {
                boolean exists = s.createQuery("select count(u) from UserEntity u where u.username = :u", Long.class)
                        .setParameter("u", username).getSingleResult() > 0;
                if (exists) {
                    throw AdminException.conflict("user-exists", "a user of that name exists");
                }
                UserEntity u = new UserEntity();
                u.username = username;
                u.createdAt = clock.millis();
                s.persist(u);
                audit.admin(s, actor, "USER_CREATE", username, null, "OK", null, source);
                return new UserInfo(username, Instant.ofEpochMilli(u.createdAt), List.of());
            });
            cache.invalidate(username);
            return created;
        } catch (ConstraintViolationException e) {
            throw AdminException.conflict("user-exists", "a user of that name exists");
        }
    }

    public UserInfo get(String username) {
        long createdAt = database.read(s -> TokenService.user(s, username).createdAt);
        return new UserInfo(username, Instant.ofEpochMilli(createdAt), tokens.list(username));
    }

    public List<String> list(int offset, int limit) {
        return database.read(s -> s.createQuery("select u.username from UserEntity u order by u.username", String.class)
                .setFirstResult(offset).setMaxResults(limit).getResultList());
    }

    /** User names that contain {@code text} (ignoring case), sorted. */
    public List<String> search(String text, int offset, int limit) {
        String pattern = "%" + text.toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        return database.read(s -> s.createQuery("select u.username from UserEntity u where lower(u.username) like :p escape '!' "
                        + "order by u.username", String.class)
                .setParameter("p", pattern).setFirstResult(offset).setMaxResults(limit).getResultList());
    }

    /** Deletes the user and, with them (ON DELETE CASCADE), their tokens. */
    public void delete(String username, String actor, String source) {
        database.write(s -> {
            s.remove(TokenService.user(s, username));
            audit.admin(s, actor, "USER_DELETE", username, null, "OK", null, source);
            return null;
        });
        cache.invalidate(username);
    }

    static void checkUsername(String username) {
        if (username.isEmpty() || username.length() > MAX_USERNAME_LENGTH) {
            throw AdminException.invalid("invalid-username", "username must be 1 to " + MAX_USERNAME_LENGTH + " characters");
        }
        for (int i = 0; i < username.length(); i++) {
            if (Character.isISOControl(username.charAt(i)) || Character.isWhitespace(username.charAt(i))) {
                throw AdminException.invalid("invalid-username", "username must not contain spaces or control characters");
            }
        }
    }
}
