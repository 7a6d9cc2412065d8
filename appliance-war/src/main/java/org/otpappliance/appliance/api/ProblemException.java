package org.otpappliance.appliance.api;

/** A request the API refuses before it reaches the application; nothing was changed. */
public class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String title;

    public ProblemException(int status, String type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    static ProblemException badRequest(String type, String detail) {
        return new ProblemException(400, type, "Invalid request", detail);
    }
}
