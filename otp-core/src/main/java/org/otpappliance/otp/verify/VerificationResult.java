package org.otpappliance.otp.verify;

/**
 * The outcome of a validation. The reason of a rejection is for the audit log only: clients see
 * the same generic answer whatever it is, so that unknown users and wrong codes look alike.
 */
public sealed interface VerificationResult {

    record Accepted(String serial) implements VerificationResult {
    }

    record Rejected(Reason reason) implements VerificationResult {
    }

    record Challenge(String transactionId, String message) implements VerificationResult {
    }

    enum Reason {
        WRONG_CODE,
        REPLAYED,
        LOCKED,
        UNKNOWN_USER,
        NO_ACTIVE_TOKEN,
        MALFORMED_CODE,
        /** A YubiKey OTP whose public id no token has (the Yubico protocol names no user). */
        UNKNOWN_TOKEN
    }
}
