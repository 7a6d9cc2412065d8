package org.otpappliance.tokenimport.card;

/** A connection to one card: its ATR and APDU exchange. Closing it leaves the card powered for the next user. */
public interface CardConnection extends AutoCloseable {
    byte[] atr();

    /** Sends one command APDU and returns the card's answer as it is (61xx is not followed up here). */
    Apdu.Response transmit(byte[] command) throws CardException;

    /** SELECT by AID: the answer, 9000 or not. */
    default Apdu.Response select(byte[] aid) throws CardException {
        return transmit(Apdu.select(aid));
    }

    @Override
    void close();
}
