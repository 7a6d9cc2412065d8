package org.otpappliance.pam.bridge;

/** A configuration the bridge cannot start with; the message says what to fix. */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
