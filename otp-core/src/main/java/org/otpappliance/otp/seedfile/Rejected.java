package org.otpappliance.otp.seedfile;

/** Thrown inside a parser when one item is bad; becomes an {@link ItemProblem}. The reason never holds a secret. */
final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String reason) {
        super(reason, null, false, false);
    }

    String reason() {
        return getMessage();
    }

    static Rejected missing(String field) {
        return new Rejected("missing field: " + field);
    }
}
