package org.otpappliance.pam.protocol;

/**
 * The {@code AUTHENTICATE} request (type 1): what the PAM module asks. A null field is taken as
 * empty, as the wire has no null.
 *
 * @param service       the PAM service name ({@code sshd}, {@code sudo}...), at most 64 bytes of UTF-8
 * @param user          {@code PAM_USER}, at most 256 bytes
 * @param rhost         {@code PAM_RHOST}, empty when unknown, at most 256 bytes
 * @param tty           {@code PAM_TTY}, empty when unknown, at most 64 bytes
 * @param value         what the user typed (a code, or PIN and code; empty asks for a challenge), at most 1024 bytes
 * @param transactionId empty on the first round; the {@code CHALLENGE}'s transaction id on the second, at most 64 bytes
 */
public record AuthenticateRequest(String service, String user, String rhost, String tty, String value, String transactionId) {

    public AuthenticateRequest {
        service = service == null ? "" : service;
        user = user == null ? "" : user;
        rhost = rhost == null ? "" : rhost;
        tty = tty == null ? "" : tty;
        value = value == null ? "" : value;
        transactionId = transactionId == null ? "" : transactionId;
    }

    /** Never shows the value nor the transaction id: only whether they are there. */
    @Override
    public String toString() {
        return "AuthenticateRequest[service=" + service + ", user=" + user + ", rhost=" + rhost + ", tty=" + tty
                + ", value=" + (value.isEmpty() ? "(empty)" : "(hidden)")
                + ", transactionId=" + (transactionId.isEmpty() ? "(empty)" : "(hidden)") + "]";
    }
}
