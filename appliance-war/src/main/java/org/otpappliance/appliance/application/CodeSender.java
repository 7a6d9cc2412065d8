package org.otpappliance.appliance.application;

import org.otpappliance.otp.token.TokenType;

/** Sends a challenge's code to the user, by SMS or e-mail (the delivery layer implements it). */
public interface CodeSender {
    /**
     * Returns when the gateway or mail server has taken the message.
     *
     * @throws DeliveryFailedException when it did not; the message says why, without the code
     */
    void send(TokenType channel, String destination, String code, int validitySeconds);

    /** Which channels are on and through what, without credentials: for the start-up log. */
    String channels();
}
