package org.otpappliance.appliance.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.Database;
import org.otpappliance.appliance.infrastructure.GroupCommitter.Write;
import org.otpappliance.otp.token.TokenType;
import org.otpappliance.otp.yubico.YubicoOtp;
import org.otpappliance.otp.yubico.YubicoOtpBlock;
import org.otpappliance.otp.verify.Validator;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationRequest.EntryPoint;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.otp.verify.VerificationResult.Reason;

/**
 * The one validation service behind every entry point.
 *
 * <p>A code is checked against the user's cached tokens; the decision becomes a conditional update
 * ("move the counter to N+1 where it is still at most N, the token is enabled and not locked, and
 * its PIN is the one checked"), committed with other validations in one group commit. ACCEPT is
 * answered only when that update took effect and is durable, so a code counts once, across threads
 * and across nodes sharing the database, and a crash after ACCEPT cannot make the code usable again.
 *
 * <p>The cached copy may be behind changes made through another node. It can only lead to an ACCEPT
 * that the database confirms; a refusal it would give on its own (wrong code or PIN, locked,
 * disabled, no token) is given only after the user's tokens were read again for this request, so
 * that a token enrolled, enabled, unlocked or resynchronised through another node works at once.
 */
@ApplicationScoped
public class ValidationService implements Validator {
    /** HOTP's next counter, or a YubiKey's next position: spent when the stored one is still at most the code's. */
    private static final String ACCEPT_POSITION = "UPDATE token_state SET next_counter = ?, fail_count = 0 WHERE token_id = ? "
            + "AND next_counter < ? AND enabled = TRUE AND (fail_count < ? OR last_fail_at <= ?) AND pin_version = ?";
    private static final String ACCEPT_TOTP = "UPDATE token_state SET last_time_step = ?, drift = ?, fail_count = 0 WHERE token_id = ? "
            + "AND last_time_step < ? AND enabled = TRUE AND (fail_count < ? OR last_fail_at <= ?) AND pin_version = ?";
    private static final String RESET_FAILURES = "UPDATE token_state SET fail_count = 0 WHERE token_id = ? AND enabled = TRUE "
            + "AND (fail_count < ? OR last_fail_at <= ?)";
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
    ChallengeService challenges;

    @Inject
    Pins pins;

    @Inject
    ValidationMetrics metrics;

    @Inject
    RateLimits limits;

    @Inject
    Clock clock;

    /**
     * Decides one request: a code for the user's tokens; an empty code, which asks for an SMS or
     * e-mail code when the user has such a token; or the answer to such a challenge (the request
     * quotes its transaction id). {@code actor} is who asked (the API client, PAM peer or RADIUS
     * client), for the audit log.
     *
     * @throws DeliveryFailedException when a code was to be sent and could not be
     */
    public VerificationResult validate(VerificationRequest request, String actor) {
        long now = clock.millis();
        List<RateLimits.Key> keys = limits.keys(limitedName(request.user(), request.entryPoint(), actor), request.source());
        if (limits.closed(keys, now)) {
            return rateLimited(new Attempt(request.user(), request.code(), request.entryPoint(), request.source(), actor, now));
        }
        TokenCache.UserTokens user = cache.get(request.user());
        boolean readNow = user == null || user.loadedAt() >= now;
        Attempt a = new Attempt(request.user(), request.code(), request.entryPoint(), request.source(), actor, now, readNow,
                new HashMap<>());
        Decision d = decideRequest(a, user, request.transactionId());
        if (d == null) {
            // The copy read earlier would refuse: decide again on the tokens as the database has them now.
            a = new Attempt(a.username(), a.code(), a.entryPoint(), a.source(), a.actor(), now, true, a.pinsChecked());
            d = decideRequest(a, cache.reload(request.user()), request.transactionId());
        }
        return counted(d, a, keys);
    }

    /**
     * The name a user's failures are counted under: the user's, or for a console login the admin
     * account's, so that unknown and known admin names meet the limit alike.
     */
    private static String limitedName(String username, EntryPoint entryPoint, String actor) {
        return entryPoint == EntryPoint.CONSOLE ? actor : username;
    }

    /** Refused because the user or the source has failed too often lately; the code is not looked at. */
    private VerificationResult rateLimited(Attempt a) {
        Decision d = reject(a, List.of(), Reason.RATE_LIMITED, null, "too many failed attempts; try again later");
        metrics.count(a.entryPoint(), d.result());
        return d.result();
    }

    /** Counts the decision in the metrics and, if it is a failure, for the rate limits. */
    private VerificationResult counted(Decision d, Attempt a, List<RateLimits.Key> keys) {
        metrics.count(a.entryPoint(), d.result());
        if (d.result() instanceof VerificationResult.Rejected r && isFailure(r.reason(), a.entryPoint())) {
            limits.countFailure(keys, a.now());
        }
        return d.result();
    }

    /**
     * Whether a refusal counts towards the rate limits: a guess at something secret, or at whether a
     * user exists. A replay, an expired code or a send limit guesses nothing; a user without a token
     * logging in through PAM with nullok is let in, so is not failing either.
     */
    private boolean isFailure(Reason reason, EntryPoint entryPoint) {
        return switch (reason) {
            case REPLAYED, CHALLENGE_EXPIRED, RESEND_TOO_EARLY, SEND_LIMIT, RATE_LIMITED -> false;
            case UNKNOWN_USER, NO_TOKEN -> !(entryPoint == EntryPoint.PAM && config.pamNullok());
            default -> true;
        };
    }

    /** The decision, or null for a refusal that a copy read before this request would give (see {@link #recheck}). */
    private Decision decideRequest(Attempt a, TokenCache.UserTokens user, String transactionId) {
        if (user == null) {
            return reject(a, List.of(), Reason.UNKNOWN_USER, null);
        } else if (user.tokens().isEmpty()) {
            return recheck(a) ? null : reject(a, List.of(), Reason.NO_TOKEN, null);
        } else if (transactionId != null) {
            return answerChallenge(a, user, transactionId);
        }
        return validateEntry(a, user);
    }

    /**
     * Whether a refusal must wait for a fresh reading of the user's tokens: it would come from a copy
     * read before this request, which may not know of a change made through another node (a token
     * enrolled, enabled, unlocked or resynchronised, a PIN changed). A refusal then costs one read more.
     */
    private static boolean recheck(Attempt a) {
        return !a.readNow();
    }

    @Override
    public VerificationResult validate(VerificationRequest request) {
        return validate(request, request.entryPoint().name());
    }

    /**
     * Whether a login is refused by the rate limits before anything of it is checked (the console's
     * slow password hash is not worth computing for it); if so, the refusal is audited as any is.
     */
    public boolean refusedByRateLimit(String username, EntryPoint entryPoint, String source, String actor) {
        long now = clock.millis();
        if (!limits.closed(limits.keys(limitedName(username, entryPoint, actor), source), now)) {
            return false;
        }
        rateLimited(new Attempt(username, "", entryPoint, source, actor, now));
        return true;
    }

    /**
     * Refuses a login whose other factor failed before its code was looked at (the console's
     * password): a failure on each of the user's enabled, unlocked tokens, as a wrong PIN counts, and
     * one audit line, so that guessing passwords meets the same lock as guessing codes. The code is
     * neither tried nor spent. A null {@code username} (no such login) is audited as an unknown user.
     * The caller has asked {@link #refusedByRateLimit} first (before its slow password check).
     */
    public VerificationResult refuse(String username, EntryPoint entryPoint, String source, String actor, Reason reason) {
        Attempt a = new Attempt(username, "", entryPoint, source, actor, clock.millis());
        List<RateLimits.Key> keys = limits.keys(limitedName(username, entryPoint, actor), source);
        TokenCache.UserTokens user = username == null ? null : cache.get(username);
        List<CachedToken> counted = new ArrayList<>();
        if (user != null) {
            for (CachedToken t : user.tokens()) {
                synchronized (t) {
                    if (t.enabled && !t.locked(a.now(), config.maxFailures(), config.lockCooldownSeconds() * 1000L)) {
                        t.failCount++;
                        t.lastFailAt = a.now();
                        counted.add(t);
                    }
                }
            }
        }
        Decision d = reject(a, counted, user == null ? Reason.UNKNOWN_USER : reason, counted.size() == 1 ? counted.get(0).serial : null);
        return counted(d, a, keys);
    }

    /**
     * The answer to a Yubico validation protocol request: the decision and, when the OTP was
     * genuine, its fields (the protocol reports them on request).
     */
    public record YubicoVerdict(Status status, YubicoOtpBlock block) {
        public enum Status { OK, BAD_OTP, REPLAYED_OTP, REPLAYED_REQUEST }
    }

    /**
     * Validates a YubiKey OTP for the Yubico validation protocol: the key is found by the OTP's
     * public id, whoever it belongs to. {@code nonce} is the client's request nonce; a retry of the
     * request that spent the OTP (same nonce, on this node) is told REPLAYED_REQUEST.
     */
    public YubicoVerdict verifyYubico(String otp, String nonce, String actor, String source) {
        Optional<YubicoOtp> parsed = YubicoOtp.parse(otp);
        String publicId = parsed.map(YubicoOtp::publicId).filter(id -> !id.isEmpty()).orElse(null);
        long now = clock.millis();
        TokenCache.YubicoLookup found = publicId == null ? null : cache.yubicoToken(publicId);
        Attempt a = yubicoAttempt(found, otp, source, actor, now);
        if (limits.closed(limits.keys(a.username(), source), now)) {
            rateLimited(a);
            return new YubicoVerdict(YubicoVerdict.Status.BAD_OTP, null);
        }
        Decision d = decideYubico(a, found, parsed.isEmpty());
        if (d == null) {
            // The copy read earlier would refuse: decide again on the key as the database has it now.
            found = cache.yubicoTokenNow(publicId);
            a = yubicoAttempt(found, otp, source, actor, now);
            d = decideYubico(a, found, false);
        }
        counted(d, a, limits.keys(a.username(), source));
        if (d.result() instanceof VerificationResult.Accepted) {
            synchronized (found.token()) {
                found.token().lastNonce = nonce;
            }
            return new YubicoVerdict(YubicoVerdict.Status.OK, d.match().yubico());
        }
        if (d.result() instanceof VerificationResult.Rejected r && r.reason() == Reason.REPLAYED) {
            YubicoToken token = found.token();
            YubicoOtpBlock block = token.decode(otp).orElse(null);
            boolean sameRequest;
            synchronized (token) {
                sameRequest = block != null && nonce.equals(token.lastNonce) && YubicoToken.position(block) + 1 == token.nextPosition;
            }
            return new YubicoVerdict(sameRequest ? YubicoVerdict.Status.REPLAYED_REQUEST : YubicoVerdict.Status.REPLAYED_OTP, block);
        }
        return new YubicoVerdict(YubicoVerdict.Status.BAD_OTP, null);
    }

    /** A Yubico protocol request for the key found (the user is its owner); decided again on a fresh read unless found fresh. */
    private static Attempt yubicoAttempt(TokenCache.YubicoLookup found, String otp, String source, String actor, long now) {
        return new Attempt(found == null ? null : found.owner(), otp, EntryPoint.YUBICO, source, actor, now,
                found == null || found.fresh(), new HashMap<>());
    }

    /** The decision on a YubiKey OTP, or null for a refusal that a copy read before this request would give. */
    private Decision decideYubico(Attempt a, TokenCache.YubicoLookup found, boolean malformed) {
        if (found == null) {
            return reject(a, List.of(), malformed ? Reason.MALFORMED_CODE : Reason.UNKNOWN_TOKEN, null);
        }
        YubicoToken token = found.token();
        if (token == null) {
            return recheck(a) ? null : reject(a, List.of(), Reason.UNKNOWN_TOKEN, null);
        }
        if (!token.enabled) {
            return recheck(a) ? null : reject(a, List.of(), Reason.NO_ACTIVE_TOKEN, token.serial);
        }
        boolean replay;
        synchronized (token) {
            replay = token.isReplay(a.code(), a.now(), new CachedToken.Windows(config.hotpLookAhead(), config.totpWindow()));
        }
        if (replay) {
            // A copy can only be behind the database, so a replay here is one there too; and this node's
            // copy holds the nonce of the request that spent it (REPLAYED_REQUEST).
            return reject(a, List.of(), Reason.REPLAYED, token.serial);
        }
        return decide(a, Map.of(token, a.code()), List.of());
    }

    /**
     * One validation: the user (null when unknown to the Yubico protocol), what was typed, who asked,
     * when, whether the tokens it is decided on were read from the database for it, and the PIN checks
     * made for it (so that deciding again on a fresh copy does not pay the slow hash twice).
     */
    private record Attempt(String username, String code, EntryPoint entryPoint, String source, String actor, long now,
                           boolean readNow, Map<String, Boolean> pinsChecked) {
        /** One decided on the tokens as they are given: its refusals are not decided again on a fresh copy. */
        Attempt(String username, String code, EntryPoint entryPoint, String source, String actor, long now) {
            this(username, code, entryPoint, source, actor, now, true, new HashMap<>());
        }
    }

    /** The outcome, and the match that an ACCEPT spent. */
    private record Decision(VerificationResult result, CachedToken.Match match) {
    }

    /**
     * What the user typed, for their enabled tokens: for a token with a PIN, the PIN and then the
     * code (or the PIN alone, which starts a challenge); for one without, the code alone. An empty
     * entry asks for a code by SMS or e-mail when the user has such a token without a PIN.
     */
    private Decision validateEntry(Attempt a, TokenCache.UserTokens user) {
        List<CachedToken> enabled = user.tokens().stream().filter(t -> t.enabled).toList();
        if (enabled.isEmpty()) {
            return recheck(a) ? null : reject(a, List.of(), Reason.NO_ACTIVE_TOKEN, null);
        }
        if (a.code().isEmpty() && enabled.stream().anyMatch(t -> t instanceof ChallengeToken && t.pinHash == null)) {
            Optional<CachedToken> sends = enabled.stream().filter(t -> t instanceof ChallengeToken && t.pinHash == null
                    && !locked(t, a.now())).findFirst();
            if (sends.isEmpty()) {
                return recheck(a) ? null : reject(a, List.of(), Reason.LOCKED, null);
            }
            return startChallenge(a, user, (ChallengeToken) sends.get());
        }
        Map<CachedToken, String> codes = new LinkedHashMap<>();
        List<CachedToken> wrongPins = new ArrayList<>();
        for (CachedToken t : enabled) {
            if (t.pinHash == null) {
                codes.put(t, a.code());
            } else if (!locked(t, a.now())) {
                String rest = afterPin(a, t);
                if (rest == null) {
                    wrongPins.add(t);
                } else if (rest.isEmpty()) {
                    return t instanceof ChallengeToken c ? startChallenge(a, user, c) : startPinChallenge(a, user, t);
                } else {
                    codes.put(t, rest);
                }
            }
        }
        return decide(a, codes, wrongPins);
    }

    /** What follows the token's PIN in the entry: "" for the PIN alone, null when the PIN is wrong. */
    private String afterPin(Attempt a, CachedToken t) {
        String entry = a.code();
        int n = t.codeLength();
        if (n > 0 && entry.length() > n && pinMatches(a, t, entry.substring(0, entry.length() - n))) {
            return entry.substring(entry.length() - n);
        }
        return pinMatches(a, t, entry) ? "" : null;
    }

    private boolean pinMatches(Attempt a, CachedToken t, String pin) {
        return a.pinsChecked().computeIfAbsent(t.pinHash + "\n" + pin, k -> pins.matches(t.id, t.pinHash, pin));
    }

    private boolean locked(CachedToken t, long now) {
        synchronized (t) {
            return t.locked(now, config.maxFailures(), config.lockCooldownSeconds() * 1000L);
        }
    }

    /**
     * Tries each token's code; a wrong PIN counts as a failure of its token, as a wrong code does.
     * Null instead of a refusal that is to be decided again on a fresh copy (see {@link #recheck}).
     */
    private Decision decide(Attempt a, Map<CachedToken, String> codes, List<CachedToken> wrongPins) {
        if (codes.isEmpty() && wrongPins.isEmpty()) {
            return recheck(a) ? null : reject(a, List.of(), Reason.LOCKED, null);
        }
        int maxFailures = config.maxFailures();
        long cooldownMillis = config.lockCooldownSeconds() * 1000L;
        CachedToken.Windows windows = new CachedToken.Windows(config.hotpLookAhead(), config.totpWindow());
        List<CachedToken> counted = new ArrayList<>();
        CachedToken uncounted = null;
        CachedToken replayed = null;
        CachedToken accepted = null;
        CachedToken.Match match = null;
        for (CachedToken token : wrongPins) {
            synchronized (token) {
                if (!token.locked(a.now(), maxFailures, cooldownMillis)) {
                    token.failCount++;
                    token.lastFailAt = a.now();
                    counted.add(token);
                }
            }
        }
        for (Map.Entry<CachedToken, String> entry : codes.entrySet()) {
            CachedToken token = entry.getKey();
            String code = entry.getValue();
            synchronized (token) {
                if (token.locked(a.now(), maxFailures, cooldownMillis)) {
                    continue;
                }
                // Count the attempt before checking it, so that parallel guesses all meet the lock.
                boolean counts = token.countsFailures();
                if (counts) {
                    token.failCount++;
                }
                Optional<CachedToken.Match> m = token.verify(code, a.now(), windows);
                if (m.isPresent()) {
                    token.accept(m.get());
                    accepted = token;
                    match = m.get();
                    break;
                }
                if (token.isReplay(code, a.now(), windows)) {
                    // A replay guesses nothing: refused, but not a failure.
                    if (counts) {
                        token.failCount--;
                    }
                    replayed = token;
                } else if (counts) {
                    token.lastFailAt = a.now();
                    counted.add(token);
                } else {
                    uncounted = token;
                }
            }
        }
        if (accepted != null) {
            uncount(counted);
            return accept(a, accepted, match, maxFailures, cooldownMillis);
        }
        if (recheck(a)) {
            uncount(counted);   // decided again on a fresh copy, which counts them
            return null;
        }
        boolean codeTried = uncounted != null || counted.stream().anyMatch(codes::containsKey);
        Reason reason = replayed != null ? Reason.REPLAYED
                : counted.isEmpty() && uncounted == null ? Reason.LOCKED
                : !codeTried ? Reason.WRONG_PIN
                : wellFormed(a.code()) ? Reason.WRONG_CODE : Reason.MALFORMED_CODE;
        int tried = counted.size() + (uncounted == null ? 0 : 1);
        String serial = replayed != null ? replayed.serial
                : tried != 1 ? null : uncounted != null ? uncounted.serial : counted.get(0).serial;
        return reject(a, counted, reason, serial);
    }

    /** Sends a code by the SMS or e-mail token, unless a limit refuses. */
    private Decision startChallenge(Attempt a, TokenCache.UserTokens user, ChallengeToken token) {
        ChallengeService.Started started;
        try {
            started = challenges.start(user.userId(), token, a.now());
        } catch (DeliveryFailedException e) {
            String[] line = {token.serial, "ERROR", "DELIVERY_FAILED"};
            commit(List.of(audit.validationWrite(a.now(), a.actor(), a.username(), a.entryPoint().name(), a.source(), rows -> line)),
                    a.username());
            throw e;
        }
        if (started instanceof ChallengeService.Refused r) {
            return reject(a, List.of(), r.reason(), token.serial, r.message());
        }
        if (started instanceof ChallengeService.Stale) {
            return stale(a, token);
        }
        return challenged(a, token, (ChallengeService.Sent) started);
    }

    /** The PIN of a token whose code the user holds, typed alone: asks for the code. */
    private Decision startPinChallenge(Attempt a, TokenCache.UserTokens user, CachedToken token) {
        ChallengeService.Started started = challenges.startPin(user.userId(), token, a.now());
        if (started instanceof ChallengeService.Stale) {
            return stale(a, token);
        }
        return challenged(a, token, (ChallengeService.Sent) started);
    }

    /**
     * The copy that started a challenge is behind the database (the token was disabled or deleted, or
     * its PIN changed, through another node): decided again on a fresh copy, or, if this one was
     * fresh and the token changed meanwhile, refused.
     */
    private Decision stale(Attempt a, CachedToken token) {
        cache.invalidate(a.username());
        return recheck(a) ? null : reject(a, List.of(), Reason.NO_ACTIVE_TOKEN, token.serial);
    }

    private Decision challenged(Attempt a, CachedToken token, ChallengeService.Sent sent) {
        String[] line = {token.serial, "CHALLENGE", null};
        commit(List.of(audit.validationWrite(a.now(), a.actor(), a.username(), a.entryPoint().name(), a.source(), rows -> line)),
                a.username());
        return new Decision(new VerificationResult.Challenge(sent.transactionId(), sent.message()), null);
    }

    /**
     * The second step: the code sent for a challenge, or (after a PIN typed alone) a code of the
     * token itself. Every try spends one of the challenge's attempts (a conditional update, so
     * parallel tries cannot exceed them); a right code then spends the challenge itself, once, and
     * the token's state as any accepted code does; a wrong one also counts a failure on the token.
     */
    private Decision answerChallenge(Attempt a, TokenCache.UserTokens user, String transactionId) {
        Optional<ChallengeService.Pending> found = challenges.find(transactionId);
        CachedToken token = found.filter(p -> p.userId() == user.userId() && p.delivered()).flatMap(p -> user.tokens().stream()
                .filter(t -> t.id == p.tokenId() && (t instanceof ChallengeToken) != p.pin()).findFirst())
                .orElse(null);
        if (token == null) {
            // A challenge for a token enrolled through another node is unknown to a copy read before.
            return found.isPresent() && recheck(a) ? null : reject(a, List.of(), Reason.UNKNOWN_TRANSACTION, null);
        }
        ChallengeService.Pending p = found.get();
        int maxFailures = config.maxFailures();
        long cooldownMillis = config.lockCooldownSeconds() * 1000L;
        boolean locked;
        synchronized (token) {
            locked = token.locked(a.now(), maxFailures, cooldownMillis);
        }
        if (!token.enabled || locked) {
            return recheck(a) ? null : reject(a, List.of(), token.enabled ? Reason.LOCKED : Reason.NO_ACTIVE_TOKEN, token.serial);
        }
        if (p.used()) {
            return reject(a, List.of(), Reason.REPLAYED, token.serial);
        }
        if (a.now() >= p.expiresAt()) {
            return reject(a, List.of(), Reason.CHALLENGE_EXPIRED, token.serial, "the code has expired; ask for a new one");
        }
        if (p.attempts() >= config.challengeMaxAttempts()) {
            return reject(a, List.of(), Reason.TOO_MANY_ATTEMPTS, token.serial, "too many wrong codes; ask for a new one");
        }
        Optional<CachedToken.Match> match = Optional.empty();
        if (p.pin()) {
            synchronized (token) {
                match = token.verify(a.code(), a.now(), new CachedToken.Windows(config.hotpLookAhead(), config.totpWindow()));
                match.ifPresent(token::accept);
            }
        }
        boolean right = p.pin() ? match.isPresent() : challenges.matches(p, a.code());
        long cooldownCutoff = cooldownMillis <= 0 ? -1 : a.now() - cooldownMillis;
        List<Write> writes = new ArrayList<>();
        writes.add(Write.of(ChallengeService.ADMIT_ATTEMPT, token.id, transactionId, config.challengeMaxAttempts(), a.now()));
        if (right) {
            // Each write after the first takes effect only if the one before it did.
            writes.add(new Write(ChallengeService.SPEND, rows -> new Object[] {rows[0] == 1 ? transactionId : ""}, token.id));
            CachedToken.Match m = match.orElse(null);
            long id = token.id;
            writes.add(m == null
                    ? new Write(RESET_FAILURES, rows -> new Object[] {rows[1] == 1 ? id : -1L, maxFailures, cooldownCutoff}, id)
                    : token.type == TokenType.TOTP
                    ? new Write(ACCEPT_TOTP, rows -> new Object[] {m.position(), m.drift(), rows[1] == 1 ? id : -1L, m.position(),
                            maxFailures, cooldownCutoff, token.pinVersion}, id)
                    : new Write(ACCEPT_POSITION, rows -> new Object[] {m.position(), rows[1] == 1 ? id : -1L, m.position(),
                            maxFailures, cooldownCutoff, token.pinVersion}, id));
        } else {
            writes.add(new Write(COUNT_FAILURE, rows -> new Object[] {a.now(), rows[0] == 1 ? token.id : -1L}, token.id));
        }
        writes.add(audit.validationWrite(a.now(), a.actor(), a.username(), a.entryPoint().name(), a.source(), rows ->
                rows[0] == 0 ? new String[] {token.serial, "REJECT", Reason.TOO_MANY_ATTEMPTS.name()}
                        : !right ? new String[] {token.serial, "REJECT", Reason.WRONG_CODE.name()}
                        : rows[2] == 1 ? new String[] {token.serial, "ACCEPT", null}
                        : new String[] {token.serial, "REJECT", Reason.REPLAYED.name()}));
        int[] rows = commit(writes, a.username());
        if (right && rows[2] == 1) {
            if (!p.pin()) {
                synchronized (token) {
                    token.failCount = 0;
                }
            }
            return new Decision(new VerificationResult.Accepted(token.serial), match.orElse(null));
        }
        if (p.pin() && right) {
            cache.invalidate(a.username());   // the copy accepted a code the database did not
        }
        if (!right && rows[0] == 1) {
            synchronized (token) {
                token.failCount++;
                token.lastFailAt = a.now();
            }
            return new Decision(new VerificationResult.Rejected(Reason.WRONG_CODE), null);
        }
        // Another request got there first: it spent the challenge or its last attempt.
        return new Decision(new VerificationResult.Rejected(rows[0] == 0 ? Reason.TOO_MANY_ATTEMPTS : Reason.REPLAYED), null);
    }

    /** The code was right for another of the user's tokens: the ones it was wrong for were not guessed at. */
    private static void uncount(List<CachedToken> counted) {
        for (CachedToken t : counted) {
            synchronized (t) {
                t.failCount--;
            }
        }
    }

    private Decision accept(Attempt a, CachedToken token, CachedToken.Match m, int maxFailures, long cooldownMillis) {
        long cooldownCutoff = cooldownMillis <= 0 ? -1 : a.now() - cooldownMillis;
        Write update = token.type == TokenType.TOTP
                ? Write.of(ACCEPT_TOTP, token.id, m.position(), m.drift(), token.id, m.position(), maxFailures, cooldownCutoff,
                        token.pinVersion)
                : Write.of(ACCEPT_POSITION, token.id, m.position(), token.id, m.position(), maxFailures, cooldownCutoff,
                        token.pinVersion);
        Write auditLine = audit.validationWrite(a.now(), a.actor(), a.username(), a.entryPoint().name(), a.source(),
                rows -> rows[0] == 1
                        ? new String[] {token.serial, "ACCEPT", null}
                        : new String[] {token.serial, "REJECT", Reason.REPLAYED.name()});
        int[] rows = commit(List.of(update, auditLine), a.username());
        if (rows[0] == 1) {
            return new Decision(new VerificationResult.Accepted(token.serial), m);
        }
        // The database had moved on (another node spent the code, or an admin changed the token or its PIN).
        cache.invalidate(a.username());
        return new Decision(new VerificationResult.Rejected(Reason.REPLAYED), null);
    }

    private Decision reject(Attempt a, List<CachedToken> counted, Reason reason, String serial) {
        return reject(a, counted, reason, serial, null);
    }

    /** Records the refusal (and a failure on each counted token); {@code message}, if any, is for the user. */
    private Decision reject(Attempt a, List<CachedToken> counted, Reason reason, String serial, String message) {
        List<Write> writes = new ArrayList<>();
        for (CachedToken t : counted) {
            writes.add(Write.of(COUNT_FAILURE, t.id, a.now(), t.id));
        }
        String[] line = {serial, "REJECT", reason.name()};
        writes.add(audit.validationWrite(a.now(), a.actor(), a.username(), a.entryPoint().name(), a.source(), rows -> line));
        commit(writes, a.username());
        return new Decision(new VerificationResult.Rejected(reason, message), null);
    }

    /**
     * Digits only, as every OATH code is, or the shape of a YubiKey OTP; anything else is recorded
     * as malformed (and still counts as a failure).
     */
    private static boolean wellFormed(String code) {
        return !code.isEmpty() && code.chars().allMatch(ch -> ch >= '0' && ch <= '9') || YubicoOtp.parse(code).isPresent();
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
