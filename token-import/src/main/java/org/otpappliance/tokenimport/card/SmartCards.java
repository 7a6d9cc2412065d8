package org.otpappliance.tokenimport.card;

import java.time.Duration;
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

    /**
     * Waits until a card is put into or taken out of a reader, or {@code timeout} has passed, whichever is first; it
     * may return sooner. A reader that is plugged in or out (a YubiKey is a reader of its own) may only show after
     * the timeout: callers compare {@link #readers()} from before and after, and call this again.
     *
     * @throws CardException        when the PC/SC service is gone
     * @throws InterruptedException when the thread is interrupted while it waits
     */
    void awaitChange(Duration timeout) throws CardException, InterruptedException;
}
