package org.otpappliance.tokenimport.card;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CardTerminals;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.ResponseAPDU;
import javax.smartcardio.TerminalFactory;

/**
 * PC/SC through {@code javax.smartcardio} (pcscd on Linux): the only class that uses that API. The factory is
 * {@code TerminalFactory.getInstance("PC/SC", null)}, not {@code getDefault()}, which silently lists no readers
 * when pcscd is down.
 *
 * <p>The JDK follows {@code 61xx} answers with ISO GET RESPONSE by itself; YKOATH wants its own SEND REMAINING
 * instead, so that is switched off (unless the user set the properties) and left to the application code.
 *
 * <p>{@link #awaitChange} uses {@code CardTerminals.waitForChange}, which sees cards going in and out of the readers
 * it lists, but not readers being plugged in: it is called with a short timeout, in a loop that lists the readers
 * each time.
 */
public final class CardTransport implements SmartCards {
    static {
        for (String p : new String[] {"sun.security.smartcardio.t0GetResponse", "sun.security.smartcardio.t1GetResponse"}) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, "false");
            }
        }
    }

    private final TerminalFactory factory;
    /** The terminals {@link #awaitChange} waits on: they remember the state the next wait compares with. */
    private CardTerminals watched;

    private CardTransport(TerminalFactory factory) {
        this.factory = factory;
    }

    /** The PC/SC service; a CardException names the cause when it is not there (pcscd not running). */
    public static CardTransport open() throws CardException {
        try {
            return new CardTransport(TerminalFactory.getInstance("PC/SC", null));
        } catch (NoSuchAlgorithmException e) {
            throw new CardException("cannot use PC/SC: " + cause(e));
        }
    }

    @Override
    public List<Reader> readers() throws CardException {
        List<CardTerminal> terminals;
        try {
            terminals = factory.terminals().list();
        } catch (javax.smartcardio.CardException e) {
            throw new CardException("cannot list the PC/SC readers: " + cause(e));
        }
        List<Reader> out = new ArrayList<>();
        for (CardTerminal t : terminals) {
            try {
                out.add(new Reader(t.getName(), t.isCardPresent()));
            } catch (javax.smartcardio.CardException e) {
                String why = cause(e);
                if (why.contains("SCARD_E_NO_SERVICE")) {
                    throw new CardException("cannot list the PC/SC readers: " + why);
                }
                // the reader was unplugged after it was listed (a YubiKey taken out): it is not there
            }
        }
        return out;
    }

    @Override
    public void awaitChange(Duration timeout) throws CardException, InterruptedException {
        long millis = Math.max(1, timeout.toMillis());
        try {
            if (watched == null) {
                watched = factory.terminals();
            }
            if (!watched.list().isEmpty()) {
                watched.waitForChange(millis);
                return;
            }
            // no readers: PC/SC has nothing to wait on; pause instead, then the caller lists them again
        } catch (javax.smartcardio.CardException | IllegalStateException e) {
            // IllegalStateException: the last reader went away between list() and waitForChange()
            String why = cause(e);
            if (why.contains("SCARD_E_NO_SERVICE")) {
                throw new CardException("the PC/SC service went away: " + why);
            }
        }
        Thread.sleep(millis);
    }

    @Override
    public CardConnection connect(String reader) throws CardException {
        CardTerminal terminal = factory.terminals().getTerminal(reader);
        if (terminal == null) {
            throw new CardException("no PC/SC reader named \"" + reader + "\"");
        }
        try {
            if (!terminal.isCardPresent()) {
                throw new CardException("no card in the reader \"" + reader + "\"");
            }
            Card card = terminal.connect("*");
            return new Connection(reader, card);
        } catch (javax.smartcardio.CardException e) {
            throw new CardException("cannot connect to the card in \"" + reader + "\": " + cause(e));
        }
    }

    /** The innermost message: PC/SC error names such as SCARD_E_NO_SERVICE, explained. */
    private static String cause(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        if (m.contains("SCARD_E_NO_SERVICE")) {
            return m + " (the PC/SC service is not running: start pcscd)";
        }
        if (m.contains("SCARD_W_REMOVED_CARD") || m.contains("SCARD_E_NO_SMARTCARD")) {
            return m + " (the card was removed)";
        }
        if (m.contains("SCARD_E_SHARING_VIOLATION")) {
            return m + " (another program holds the card exclusively)";
        }
        return m;
    }

    private static final class Connection implements CardConnection {
        private final String reader;
        private final Card card;
        private final CardChannel channel;

        Connection(String reader, Card card) {
            this.reader = reader;
            this.card = card;
            this.channel = card.getBasicChannel();
        }

        @Override
        public byte[] atr() {
            return card.getATR().getBytes();
        }

        @Override
        public Apdu.Response transmit(byte[] command) throws CardException {
            try {
                ResponseAPDU r = channel.transmit(new CommandAPDU(command));
                return new Apdu.Response(r.getData(), r.getSW());
            } catch (javax.smartcardio.CardException | IllegalStateException e) {
                throw new CardException("the card in \"" + reader + "\" did not answer: " + cause(e));
            }
        }

        @Override
        public void close() {
            try {
                card.disconnect(false);
            } catch (javax.smartcardio.CardException | IllegalStateException e) {
                // already gone
            }
        }
    }
}
