package org.otpappliance.tokenimport.card;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code token-import card list}: the readers, the card in each, and for YubiKeys what answers. */
@Command(name = "list",
        mixinStandardHelpOptions = true,
        header = "Lists the PC/SC readers and the cards in them.",
        description = {"For each reader: whether a card is in it, its ATR, and for YubiKeys the serial number, "
                + "the firmware and which applications answer (OATH, OTP). Nothing is written to the cards."})
final class CardListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            CardTransport transport = CardTransport.open();
            List<SmartCards.Reader> readers = transport.readers();
            if (readers.isEmpty()) {
                out.println("no PC/SC readers");
                out.flush();
                return 0;
            }
            for (SmartCards.Reader reader : readers) {
                out.println("reader \"" + reader.name() + "\"");
                if (!reader.cardPresent()) {
                    out.println("  no card");
                    continue;
                }
                try (CardConnection card = transport.connect(reader.name())) {
                    YubiKeyProbe.CardInfo info = YubiKeyProbe.probe(card);
                    describe(info, out);
                    if (info.oath() != null && !info.oath().locked()) {
                        out.println("  OATH credentials: " + new Ykoath(card).list().size());
                    }
                } catch (CardException e) {
                    out.println("  card: " + e.getMessage());
                }
            }
            out.flush();
            return 0;
        } catch (CardException e) {
            err.println("token-import: " + e.getMessage());
            err.flush();
            return CardCommand.exitError();
        }
    }

    static void describe(YubiKeyProbe.CardInfo info, PrintWriter out) {
        out.println("  ATR " + info.atr());
        if (!info.yubiKey()) {
            out.println("  not a YubiKey: neither the OATH nor the OTP application answers");
            return;
        }
        out.println("  YubiKey, serial " + (info.serial() == null ? "not readable" : info.serial())
                + (info.otpFirmware() == null ? "" : ", firmware " + info.otpFirmware()));
        if (info.oath() == null) {
            out.println("  OATH application: does not answer");
        } else {
            out.println("  OATH application: version " + info.oath().version()
                    + (info.oath().locked() ? ", password protected (card enroll refuses it)" : ""));
        }
        out.println("  OTP application: " + (info.otpFirmware() == null ? "does not answer" : "answers"));
    }
}
