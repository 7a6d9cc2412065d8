package org.otpappliance.pam.server;

/** No decision could be had: no appliance answered (or none answered usably). The message names no secret. */
public class BridgeUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public BridgeUnavailableException(String message) {
        super(message);
    }

    public BridgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
