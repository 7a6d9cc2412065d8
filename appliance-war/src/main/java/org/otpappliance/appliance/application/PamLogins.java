package org.otpappliance.appliance.application;

import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.otp.verify.VerificationResult.Reason;

/** How a PAM login appears in the audit log, whether it came over the socket or through a bridge's REST call. */
public final class PamLogins {
    private PamLogins() {
    }

    /** The actor: "pam:SERVICE@HOST" and the terminal, e.g. "pam:sshd@web1 ssh". */
    public static String actor(String service, String loginHost, String tty) {
        String a = "pam:" + orUnknown(service) + "@" + orUnknown(loginHost);
        return tty == null || tty.isEmpty() ? a : a + " " + tty;
    }

    /** The source: the remote host the user logs in from, else the given fallback (a local login). */
    public static String source(String rhost, String fallback) {
        return rhost == null || rhost.isEmpty() ? fallback : rhost;
    }

    /** Whether the refusal says the user has no token at all (unknown, or without any token). */
    public static boolean notEnrolled(VerificationResult result) {
        return result instanceof VerificationResult.Rejected r && (r.reason() == Reason.UNKNOWN_USER || r.reason() == Reason.NO_TOKEN);
    }

    /**
     * The result as PAM may see it: "no token" only when the appliance allows it (nullok), else
     * the same refusal as a wrong code, so that PAM learns no more than any other client.
     */
    public static VerificationResult disclosed(VerificationResult result, boolean nullok) {
        return !nullok && notEnrolled(result) ? new VerificationResult.Rejected(Reason.WRONG_CODE) : result;
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? "?" : s;
    }
}
