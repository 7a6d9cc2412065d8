package org.otpappliance.appliance.infrastructure.delivery;

/**
 * A code could not be handed to the SMS gateway or the mail server. Checked, so that every caller
 * decides what the user is told and drops the challenge it was about to answer. The message says
 * what failed and is safe to log: it never holds the code, the message text, a password or a token.
 * It carries no cause either, since a library's message can quote a URL that carries the code.
 */
public class DeliveryException extends Exception {
    private static final long serialVersionUID = 1L;

    public DeliveryException(String message) {
        super(message);
    }
}
