package org.otpappliance.pam.protocol;

import java.io.IOException;

/**
 * A frame that breaks the protocol. The message names what is wrong (a field by its name, a length,
 * a byte position) and never quotes what a field holds.
 */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    private final boolean frameReadable;

    public ProtocolException(String message, boolean frameReadable) {
        super(message);
        this.frameReadable = frameReadable;
    }

    /**
     * True when the frame itself was read (its length prefix was in range, all its bytes arrived and
     * its version is 1) and only its content is malformed: the spec then wants an {@code ERROR}
     * answer. False when the connection is to be just closed (length prefix out of range, unknown
     * version).
     */
    public boolean frameReadable() {
        return frameReadable;
    }
}
