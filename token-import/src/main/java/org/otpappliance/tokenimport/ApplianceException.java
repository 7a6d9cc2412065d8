package org.otpappliance.tokenimport;

/**
 * The appliance cannot take a batch: unreachable, the API key refused, a request refused as a whole, a server
 * error. Unchecked, so it passes unchanged through the seed-file parser that calls the batching sink; it ends the
 * run with exit status 2. The message is for the operator and never holds a secret.
 */
final class ApplianceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ApplianceException(String message) {
        super(message);
    }
}
