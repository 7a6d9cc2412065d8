package org.otpappliance.otp.verify;

/**
 * One validation as an entry point received it.
 *
 * @param user          the user name as typed; never null
 * @param code          what the user entered; never null (may be empty to trigger a challenge)
 * @param transactionId the challenge being answered, or null
 * @param entryPoint    REST, PAM, RADIUS, YUBICO, CONSOLE (an admin console login): audited and counted
 * @param source        the client's address or peer identity, for the audit log and rate limits
 */
public record VerificationRequest(String user, String code, String transactionId, EntryPoint entryPoint, String source) {
    public enum EntryPoint { REST, PAM, RADIUS, YUBICO, CONSOLE }

    public VerificationRequest {
        if (user == null || code == null || entryPoint == null) {
            throw new IllegalArgumentException("user, code and entry point are required");
        }
    }

    /** Never prints the code. */
    @Override
    public String toString() {
        return "VerificationRequest[user=" + user + ", entryPoint=" + entryPoint + ", source=" + source + "]";
    }
}
