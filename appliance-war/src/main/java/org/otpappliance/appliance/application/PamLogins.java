package org.otpappliance.appliance.application;

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

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? "?" : s;
    }
}
