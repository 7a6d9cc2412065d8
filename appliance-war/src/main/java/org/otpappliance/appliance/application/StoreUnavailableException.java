package org.otpappliance.appliance.application;

/** The data store could not record a decision: the appliance cannot answer (fail closed). */
public class StoreUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(Throwable cause) {
        super("the data store is unavailable", cause);
    }
}
