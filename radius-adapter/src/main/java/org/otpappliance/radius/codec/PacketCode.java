package org.otpappliance.radius.codec;

/** RADIUS packet codes (RFC 2865 §3, RFC 2866). */
public final class PacketCode {
    public static final int ACCESS_REQUEST = 1;
    public static final int ACCESS_ACCEPT = 2;
    public static final int ACCESS_REJECT = 3;
    public static final int ACCOUNTING_REQUEST = 4;
    public static final int ACCOUNTING_RESPONSE = 5;
    public static final int ACCESS_CHALLENGE = 11;
    public static final int STATUS_SERVER = 12;

    private PacketCode() {
    }

    /** A name for logs: {@code Access-Request}, or {@code code 42}. */
    public static String name(int code) {
        return switch (code) {
            case ACCESS_REQUEST -> "Access-Request";
            case ACCESS_ACCEPT -> "Access-Accept";
            case ACCESS_REJECT -> "Access-Reject";
            case ACCOUNTING_REQUEST -> "Accounting-Request";
            case ACCOUNTING_RESPONSE -> "Accounting-Response";
            case ACCESS_CHALLENGE -> "Access-Challenge";
            case STATUS_SERVER -> "Status-Server";
            default -> "code " + code;
        };
    }
}
