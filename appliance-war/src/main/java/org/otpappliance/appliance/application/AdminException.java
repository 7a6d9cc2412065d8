package org.otpappliance.appliance.application;

/**
 * An admin request that cannot be carried out as asked; nothing was changed. The {@code type} is
 * the stable name clients match on (it becomes the problem type over REST).
 */
public class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind { INVALID, NOT_FOUND, CONFLICT, FORBIDDEN }

    private final Kind kind;
    private final String type;

    public AdminException(Kind kind, String type, String detail) {
        super(detail);
        this.kind = kind;
        this.type = type;
    }

    public Kind kind() {
        return kind;
    }

    public String type() {
        return type;
    }

    static AdminException invalid(String type, String detail) {
        return new AdminException(Kind.INVALID, type, detail);
    }

    static AdminException notFound(String type, String detail) {
        return new AdminException(Kind.NOT_FOUND, type, detail);
    }

    static AdminException forbidden(String type, String detail) {
        return new AdminException(Kind.FORBIDDEN, type, detail);
    }

    static AdminException conflict(String type, String detail) {
        return new AdminException(Kind.CONFLICT, type, detail);
    }
}
