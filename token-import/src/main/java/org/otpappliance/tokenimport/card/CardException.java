package org.otpappliance.tokenimport.card;

/**
 * A smartcard-level failure: the PC/SC service down, no such reader, no card, a card that refuses a command. The
 * message is for the operator and never holds a secret (no APDU data is put in it).
 */
public final class CardException extends Exception {
    private static final long serialVersionUID = 1L;

    public CardException(String message) {
        super(message);
    }
}
