package org.otpappliance.pam.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;

/**
 * The mapping between the PAM protocol and the validation service, the same in the appliance and in
 * the standalone bridge: a request becomes a {@link VerificationRequest} (entry point PAM) and a
 * {@link PamContext}; the result becomes the answer.
 *
 * <ul>
 *   <li>{@code Accepted} → {@code ACCEPT}, empty message;</li>
 *   <li>{@code Rejected} → {@code REJECT}, its message or empty;</li>
 *   <li>{@code Challenge} → {@code CHALLENGE}, its message and transaction id;</li>
 *   <li>any exception ({@link BridgeUnavailableException}, a runtime exception), a null result, or a
 *       challenge whose transaction id cannot go over the wire → {@code ERROR}.</li>
 * </ul>
 * A message longer than the protocol's 512 bytes is cut at a character boundary.
 *
 * <p>The request's source (for rate limits and the audit log) is the remote host when PAM knows it
 * ({@code PAM_RHOST}: an SSH client's address), so that one remote client counts apart from every
 * other; otherwise {@code pam:<peer user>@<login host>}.
 */
public final class ValidatorHandler implements PamHandler {
    private static final Logger LOG = Logger.getLogger(ValidatorHandler.class.getName());

    /** The message of an {@code ERROR} answer. */
    public static final String UNAVAILABLE_MESSAGE = "the OTP service is unavailable";

    private final PamValidator validator;
    private final String loginHost;

    /** A handler for requests of this host: the login host is {@link #localHostName()}. */
    public ValidatorHandler(PamValidator validator) {
        this(validator, localHostName());
    }

    /** @param loginHost the name of the host logins happen on, for the audit log */
    public ValidatorHandler(PamValidator validator, String loginHost) {
        if (validator == null) {
            throw new IllegalArgumentException("validator is required");
        }
        this.validator = validator;
        this.loginHost = loginHost == null ? "" : loginHost;
    }

    public String loginHost() {
        return loginHost;
    }

    @Override
    public Answer handle(AuthenticateRequest request, String peerUser) {
        String transactionId = request.transactionId().isEmpty() ? null : request.transactionId();
        String source = request.rhost().isEmpty() ? "pam:" + peerUser + "@" + loginHost : request.rhost();
        VerificationRequest verification = new VerificationRequest(request.user(), request.value(), transactionId,
                VerificationRequest.EntryPoint.PAM, source);
        PamContext context = new PamContext(request.service(), loginHost, request.rhost(), request.tty(), peerUser);
        VerificationResult result;
        try {
            result = validator.validate(verification, context);
        } catch (BridgeUnavailableException e) {
            LOG.warning(() -> "No decision for PAM service " + context.service() + ", user " + request.user() + ": " + e.getMessage());
            return Answer.error(UNAVAILABLE_MESSAGE);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, e, () -> "The validator failed for PAM service " + context.service() + ", user " + request.user());
            return Answer.error(UNAVAILABLE_MESSAGE);
        }
        return toAnswer(result);
    }

    /** The answer for a validation result; null (no result) gives {@code ERROR}. */
    public static Answer toAnswer(VerificationResult result) {
        if (result instanceof VerificationResult.Accepted) {
            return Answer.accept();
        }
        if (result instanceof VerificationResult.Rejected rejected && (rejected.reason() == VerificationResult.Reason.UNKNOWN_USER
                || rejected.reason() == VerificationResult.Reason.NO_TOKEN)) {
            // The validator tells these reasons only when the appliance allows it (otp.appliance.pam.nullok).
            return Answer.notEnrolled();
        }
        if (result instanceof VerificationResult.Rejected rejected) {
            return Answer.reject(Frames.fit(rejected.message(), Frames.MAX_MESSAGE));
        }
        if (result instanceof VerificationResult.Challenge challenge) {
            String id = challenge.transactionId();
            if (id == null || id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > Frames.MAX_TRANSACTION_ID
                    || !id.equals(Frames.fit(id, Frames.MAX_TRANSACTION_ID))) {
                LOG.severe(() -> "A challenge's transaction id is empty or does not fit the PAM protocol's "
                        + Frames.MAX_TRANSACTION_ID + " bytes: answering ERROR");
                return Answer.error(UNAVAILABLE_MESSAGE);
            }
            return Answer.challenge(Frames.fit(challenge.message(), Frames.MAX_MESSAGE), id);
        }
        LOG.severe("The validator returned no result: answering ERROR");
        return Answer.error(UNAVAILABLE_MESSAGE);
    }

    /**
     * This host's name as the kernel knows it ({@code /proc/sys/kernel/hostname}, what
     * {@code hostname} prints), else what Java resolves, else "localhost". Never blocks on DNS when
     * the kernel answers.
     */
    public static String localHostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
