package org.otpappliance.radius.codec;

/**
 * A datagram that is not a well-formed RADIUS packet. The message says what is wrong with its
 * structure, never what a value was (so it can be logged).
 */
public final class MalformedPacketException extends Exception {
    public MalformedPacketException(String message) {
        super(message);
    }
}
