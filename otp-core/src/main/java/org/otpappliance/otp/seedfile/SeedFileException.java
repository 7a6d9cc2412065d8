package org.otpappliance.otp.seedfile;

/**
 * A seed file that cannot be read as a whole: not XML, no {@code KeyContainer}, a PSKC version other than 1.0,
 * a DTD or entity, encrypted values without the key or password to open them, an I/O error. The message says
 * what is wrong for an operator to read; it never holds a secret.
 */
public class SeedFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public SeedFileException(String message) {
        super(message);
    }

    public SeedFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
