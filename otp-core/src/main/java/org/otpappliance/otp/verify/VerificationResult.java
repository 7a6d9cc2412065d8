package org.otpappliance.otp.verify;

/**
 * The outcome of a validation. The reason of a rejection is for the audit log only: clients see
 * the same generic answer whatever it is, so that unknown users and wrong codes look alike.
 */
public sealed interface VerificationResult {

    record Accepted(String serial) implements VerificationResult {
    }

    /**
     * A refusal. {@code message} is for the user when there is something they can act on (wait
     * before asking for another code, the code has expired); null for the generic refusal.
     */
    record Rejected(Reason reason, String message) implements VerificationResult {
        public Rejected(Reason reason) {
            this(reason, null);
        }
    }

    record Challenge(String transactionId, String message) implements VerificationResult {
    }

    enum Reason {
        WRONG_CODE,
        /** The entry did not start with the PIN of any token that has one (and no token without a PIN matched). */
        WRONG_PIN,
        REPLAYED,
        LOCKED,
        UNKNOWN_USER,
        /** The user has tokens, none of them enabled. */
        NO_ACTIVE_TOKEN,
        /** The user has no token at all. */
        NO_TOKEN,
        MALFORMED_CODE,
        /** A YubiKey OTP whose public id no token has (the Yubico protocol names no user). */
        UNKNOWN_TOKEN,
        /** The transaction id names no challenge of this user's. */
        UNKNOWN_TRANSACTION,
        /** The challenge's code has expired. */
        CHALLENGE_EXPIRED,
        /** The challenge has had its allowed number of wrong codes. */
        TOO_MANY_ATTEMPTS,
        /** A new code was asked for too soon after the last one. */
        RESEND_TOO_EARLY,
        /** The hourly limit of codes sent to the user or the destination is reached. */
        SEND_LIMIT,
        /** A login that also asks for a password (the admin console): the password was wrong, so the code was not tried. */
        WRONG_PASSWORD,
        /** The user or the source has had too many failures lately: refused without looking at the code. */
        RATE_LIMITED
    }
}
