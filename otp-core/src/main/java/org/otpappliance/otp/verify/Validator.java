package org.otpappliance.otp.verify;

/**
 * The port every entry point calls: "is this code right for this user, now?". An expected "no" is
 * a {@link VerificationResult.Rejected}; an exception means broken infrastructure (database down),
 * which adapters report as "cannot decide" (REST 5xx, PAM_AUTHINFO_UNAVAIL, RADIUS drop).
 */
public interface Validator {
    VerificationResult validate(VerificationRequest request);
}
