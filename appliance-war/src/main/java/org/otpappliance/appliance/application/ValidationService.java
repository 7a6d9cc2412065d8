package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.GroupCommitter.Write;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.verify.Validator;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.otp.verify.VerificationResult.Reason;

/**
 * The one validation service behind every entry point.
 *
 * <p>A code is checked against the user's cached tokens; the decision becomes a conditional update
 * ("move the counter to N+1 where it is still at most N, the token is enabled and not locked"),
 * committed with other validations in one group commit. ACCEPT is answered only when that update
 * took effect and is durable, so a code counts once, across threads and across nodes sharing the
 * database, and a crash after ACCEPT cannot make the code usable again.
 */
@ApplicationScoped
public class ValidationService implements Validator {
    private static final String ACCEPT_HOTP = "UPDATE token_state SET next_counter = ?, fail_count = 0 WHERE token_id = ? "
            + "AND next_counter < ? AND enabled = TRUE AND (fail_count < ? OR last_fail_at <= ?)";
    private static final String ACCEPT_TOTP = "UPDATE token_state SET last_time_step = ?, drift = ?, fail_count = 0 WHERE token_id = ? "
            + "AND last_time_step < ? AND enabled = TRUE AND (fail_count < ? OR last_fail_at <= ?)";
    private static final String COUNT_FAILURE = "UPDATE token_state SET fail_count = fail_count + 1, last_fail_at = ? WHERE token_id = ?";
    private static final long COMMIT_TIMEOUT_SECONDS = 30;

    @Inject
    ApplianceConfig config;

    @Inject
    Database database;

    @Inject
    TokenCache cache;

    @Inject
    AuditLog audit;

    @Inject
    ValidationMetrics metrics;

    @Inject
    Clock clock;

    /** Who asked: the API client, PAM peer or RADIUS client, for the audit log. */
    public VerificationResult validate(VerificationRequest request, String actor) {
        VerificationResult result = decide(request, actor);
        metrics.count(request.entryPoint(), result);
        return result;
    }

    @Override
    public VerificationResult validate(VerificationRequest request) {
        return validate(request, request.entryPoint().name());
    }

    private VerificationResult decide(VerificationRequest request, String actor) {
        long now = clock.millis();
        TokenCache.UserTokens user = cache.get(request.user());
        if (user == null) {
            return reject(request, actor, now, List.of(), Reason.UNKNOWN_USER, null);
        }
        List<OathToken> usable = user.tokens().stream().filter(t -> t.enabled).toList();
        if (usable.isEmpty()) {
            return reject(request, actor, now, List.of(), Reason.NO_ACTIVE_TOKEN, null);
        }
        int maxFailures = config.maxFailures();
        long cooldownMillis = config.lockCooldownSeconds() * 1000L;
        List<OathToken> tried = new ArrayList<>();
        OathToken replayed = null;
        OathToken accepted = null;
        OathToken.Match match = null;
        for (OathToken token : usable) {
            synchronized (token) {
                if (token.locked(now, maxFailures, cooldownMillis)) {
                    continue;
                }
                // Count the attempt before checking it, so that parallel guesses all meet the lock.
                token.failCount++;
                Optional<OathToken.Match> m = token.verify(request.code(), now, config.hotpLookAhead(), config.totpWindow());
                if (m.isPresent()) {
                    token.accept(m.get());
                    accepted = token;
                    match = m.get();
                    break;
                }
                if (token.isLastAccepted(request.code(), now, config.totpWindow())) {
                    // A replay of the last accepted code guesses nothing: refused, but not a failure.
                    token.failCount--;
                    replayed = token;
                    continue;
                }
                token.lastFailAt = now;
                tried.add(token);
            }
        }
        if (accepted == null) {
            Reason reason = replayed != null ? Reason.REPLAYED
                    : tried.isEmpty() ? Reason.LOCKED
                    : wellFormed(request.code()) ? Reason.WRONG_CODE : Reason.MALFORMED_CODE;
            String serial = replayed != null ? replayed.serial : tried.size() == 1 ? tried.get(0).serial : null;
            return reject(request, actor, now, tried, reason, serial);
        }
        for (OathToken t : tried) {
            synchronized (t) {
                t.failCount--;
            }
        }
        return accept(request, actor, now, accepted, match, maxFailures, cooldownMillis);
    }

    private VerificationResult accept(VerificationRequest request, String actor, long now, OathToken token, OathToken.Match m,
                                      int maxFailures, long cooldownMillis) {
        long cooldownCutoff = cooldownMillis <= 0 ? -1 : now - cooldownMillis;
        Write update = token.type == TokenType.HOTP
                ? Write.of(ACCEPT_HOTP, token.id, m.counterOrStep(), token.id, m.counterOrStep(), maxFailures, cooldownCutoff)
                : Write.of(ACCEPT_TOTP, token.id, m.counterOrStep(), m.drift(), token.id, m.counterOrStep(), maxFailures,
                        cooldownCutoff);
        Write auditLine = audit.validationWrite(now, actor, request.user(), request.entryPoint().name(), request.source(),
                rows -> rows[0] == 1
                        ? new String[] {token.serial, "ACCEPT", null}
                        : new String[] {token.serial, "REJECT", Reason.REPLAYED.name()});
        int[] rows = commit(List.of(update, auditLine), request.user());
        if (rows[0] == 1) {
            return new VerificationResult.Accepted(token.serial);
        }
        // The database had moved on (another node spent the code, or an admin changed the token).
        cache.invalidate(request.user());
        return new VerificationResult.Rejected(Reason.REPLAYED);
    }

    private VerificationResult reject(VerificationRequest request, String actor, long now, List<OathToken> tried,
                                      Reason reason, String serial) {
        List<Write> writes = new ArrayList<>();
        for (OathToken t : tried) {
            writes.add(Write.of(COUNT_FAILURE, t.id, now, t.id));
        }
        String[] line = {serial, "REJECT", reason.name()};
        writes.add(audit.validationWrite(now, actor, request.user(), request.entryPoint().name(), request.source(), rows -> line));
        commit(writes, request.user());
        return new VerificationResult.Rejected(reason);
    }

    /** Digits only, as every OATH code is; anything else is recorded as malformed (and still counts as a failure). */
    private static boolean wellFormed(String code) {
        return !code.isEmpty() && code.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    /** Waits for the group commit; on failure the cached state may be ahead of the database, so it is dropped. */
    private int[] commit(List<Write> writes, String username) {
        try {
            return database.committer().submit(writes).get(COMMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cache.invalidate(username);
            throw new StoreUnavailableException(e);
        } catch (ExecutionException | TimeoutException e) {
            cache.invalidate(username);
            throw new StoreUnavailableException(e);
        }
    }
}
