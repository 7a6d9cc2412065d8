package org.otpappliance.radius.codec;

/** The RADIUS attribute types this server reads or writes (RFC 2865 §5, RFC 3579, RFC 3162). */
public final class AttributeType {
    public static final int USER_NAME = 1;
    public static final int USER_PASSWORD = 2;
    public static final int CHAP_PASSWORD = 3;
    public static final int NAS_IP_ADDRESS = 4;
    public static final int NAS_PORT = 5;
    public static final int SERVICE_TYPE = 6;
    public static final int REPLY_MESSAGE = 18;
    public static final int STATE = 24;
    public static final int CALLING_STATION_ID = 31;
    public static final int NAS_IDENTIFIER = 32;
    public static final int PROXY_STATE = 33;
    public static final int CHAP_CHALLENGE = 60;
    public static final int NAS_PORT_TYPE = 61;
    public static final int ARAP_PASSWORD = 70;
    public static final int EAP_MESSAGE = 79;
    public static final int MESSAGE_AUTHENTICATOR = 80;
    public static final int NAS_IPV6_ADDRESS = 95;

    private AttributeType() {
    }
}
