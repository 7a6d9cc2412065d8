package org.otpappliance.appliance.application;

/** A code could not be sent (gateway or mail server down, refusing, or not configured). */
public class DeliveryFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeliveryFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
