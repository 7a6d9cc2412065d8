package org.otpappliance.pam.protocol;

/**
 * The answer (type 2) to an {@link AuthenticateRequest}. A null message or transaction id is taken
 * as empty, as the wire has no null.
 *
 * @param result        the decision; never null
 * @param message       text for the user (a challenge's prompt, a refusal they can act on) or empty; at most 512 bytes of UTF-8
 * @param transactionId {@code CHALLENGE} only: to send back with the code on the second round; empty otherwise; at most 64 bytes
 */
public record Answer(Result result, String message, String transactionId) {

    /** The four results of version 1; {@link #name()} is what goes over the wire. */
    public enum Result { ACCEPT, REJECT, CHALLENGE, ERROR, NOT_ENROLLED }

    public Answer {
        if (result == null) {
            throw new IllegalArgumentException("result is required");
        }
        message = message == null ? "" : message;
        transactionId = transactionId == null ? "" : transactionId;
    }

    public static Answer accept() {
        return new Answer(Result.ACCEPT, "", "");
    }

    public static Answer reject(String message) {
        return new Answer(Result.REJECT, message, "");
    }

    public static Answer challenge(String message, String transactionId) {
        return new Answer(Result.CHALLENGE, message, transactionId);
    }

    public static Answer error(String message) {
        return new Answer(Result.ERROR, message, "");
    }

    /** The user has no token: only sent when the appliance lets PAM know it (for the module's nullok). */
    public static Answer notEnrolled() {
        return new Answer(Result.NOT_ENROLLED, "", "");
    }

    /** Never shows the transaction id: only whether there is one. */
    @Override
    public String toString() {
        return "Answer[result=" + result + ", message=" + message
                + ", transactionId=" + (transactionId.isEmpty() ? "(empty)" : "(hidden)") + "]";
    }
}
