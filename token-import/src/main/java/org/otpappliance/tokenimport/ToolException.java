package org.otpappliance.tokenimport;

/**
 * A file-level failure that ends the run with exit status 2: a file that cannot be read, an appliance that cannot
 * be reached or refuses the API key. The message is for the operator and never holds a secret.
 */
public final class ToolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ToolException(String message) {
        super(message);
    }
}
