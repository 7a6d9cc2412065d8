package org.otpappliance.tokenimport.card;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.otpappliance.tokenimport.TokenImport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code token-import card list|enroll}: hardware tokens in PC/SC readers. */
@Command(name = "card",
        mixinStandardHelpOptions = true,
        subcommands = {CardListCommand.class, CardEnrollCommand.class, CommandLine.HelpCommand.class},
        header = "Provisions YubiKeys (and other YKOATH cards) in PC/SC readers.",
        description = {"Talks to the cards through the PC/SC service (pcscd on Linux)."},
        footer = {"",
            "Exit status: 0 done, 1 the token (with enroll --wait: some keys) was not",
            "enrolled, nothing left on it; 2 usage or reader/card/appliance error;",
            "3 a credential is left on a card that the appliance does not know."})
public final class CardCommand implements Callable<Integer> {
    /** Exit status when the card holds a credential that could not be removed after a failed registration. */
    public static final int EXIT_CARD_INCONSISTENT = 3;

    @Spec
    CommandSpec spec;

    public CardCommand() {
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand: list or enroll");
    }

    /** The reader named {@code wanted}: its exact name, else the one reader whose name contains it (any case). */
    static String resolveReader(List<SmartCards.Reader> readers, String wanted) throws CardException {
        List<String> names = new ArrayList<>();
        for (SmartCards.Reader r : readers) {
            if (r.name().equals(wanted)) {
                return r.name();
            }
            names.add(r.name());
        }
        List<String> matches = names.stream()
                .filter(n -> n.toLowerCase(Locale.ROOT).contains(wanted.toLowerCase(Locale.ROOT))).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (names.isEmpty()) {
            throw new CardException("no PC/SC readers are connected");
        }
        throw new CardException((matches.isEmpty() ? "no reader matches \"" : "more than one reader matches \"")
                + wanted + "\"; the readers: " + String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList()));
    }

    static int exitError() {
        return TokenImport.EXIT_ERROR;
    }
}
