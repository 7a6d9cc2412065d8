package org.otpappliance.tokenimport.card;

import java.util.List;

/**
 * The readers of the machine and the cards in them. {@link CardTransport} is the PC/SC implementation (the only
 * place javax.smartcardio is used); the rest of the card code depends on this interface and
 * {@link CardConnection} only.
 */
public interface SmartCards {
    /** A reader and whether a card is in it. */
    record Reader(String name, boolean cardPresent) {
    }

    List<Reader> readers() throws CardException;

    /** Connects to the card in {@code reader} (an exact name from {@link #readers()}), any protocol. */
    CardConnection connect(String reader) throws CardException;
}
