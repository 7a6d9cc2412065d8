package org.otpappliance.tokenimport.card;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.tokenimport.ApplianceClient;
import org.otpappliance.tokenimport.ApplianceOptions;
import org.otpappliance.tokenimport.ToolException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code token-import card enroll}: a fresh seed into the card's OATH application (YKOATH PUT), or a Yubico OTP
 * credential into an OTP slot, then registered with the appliance; when registration fails the credential is
 * removed from the card again, so a token never holds a seed the appliance does not know. The seed never appears in
 * output. One key ({@code --reader --user}), or with {@code --wait} a {@link DeskBatch batch} of keys put into the
 * readers one after the other.
 */
@Command(name = "enroll",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Writes a fresh OATH seed or Yubico OTP credential into a YubiKey and registers the token with the"
                + " appliance.",
        customSynopsis = {
            "token-import card enroll --reader=R --user=U --type=totp|hotp|yubico",
            "                                [OPTIONS] --server=URL --api-key-file=F",
            "   or: token-import card enroll --wait [--reader=R]... [--users=FILE]",
            "                                [--count=N] --type=totp|hotp|yubico [OPTIONS]",
            "                                --server=URL --api-key-file=F"},
        description = {
            "Generates a random seed (20 bytes for SHA1, 32 for SHA256, 64 for SHA512), stores it as an OATH "
                + "credential in the card's OATH application (YKOATH), and registers it with the appliance "
                + "(POST <server>/api/v1/tokens/import) under the serial YKOATH-<card serial> for --user. If the "
                + "appliance does not take it, the credential is deleted from the card again.",
            "With --type yubico: generates an AES-128 key and a 6-byte private id, writes them with the public id as"
                + " a Yubico OTP configuration into OTP slot --slot, registers the token as YKOTP-<card serial>, and"
                + " erases the slot again if the appliance does not take it.",
            "With --wait (a batch, to provision many keys at a desk): watches the readers (every reader, or those"
                + " whose name contains a --reader) and enrolls each key put into one of them, for the next user of"
                + " --users, printing a line per key. Take a key out once its line is printed: a reader takes the next"
                + " key only after that. Keys already in a reader at the start are left alone. A key that fails is"
                + " reported and the batch goes on with the next key, for the same user. Stops after --count keys,"
                + " when every user of --users has a key, or at Ctrl-C (once the key in hand is done), and prints a"
                + " summary.", ""},
        footer = {"",
            "Exit status:",
            "  0 enrolled (with --wait: every key of the batch)",
            "  1 not enrolled: the appliance refused it and the card was rolled back",
            "    (with --wait: some keys were not enrolled; the summary lists them)",
            "  2 usage, reader, card or key-file error, nothing written (with --wait also:",
            "    the batch stopped because the appliance refused the API key, has no",
            "    import endpoint at --server, or its TLS certificate is not trusted)",
            "  3 registration failed AND the credential could not be removed: delete it",
            "    (ykman oath accounts delete NAME; for --type yubico: ykman otp delete SLOT)"})
final class CardEnrollCommand implements Callable<Integer> {
    static final String SERIAL_PREFIX = "YKOATH-";
    static final String YUBICO_SERIAL_PREFIX = "YKOTP-";

    /**
     * One key's outcome.
     *
     * @param status      0 enrolled, 1 not enrolled (rolled back), 3 rolled back failed (the card holds a credential
     *                    the appliance does not know), {@link #SKIPPED} a key enrolled earlier in the batch (nothing
     *                    written)
     * @param tokenSerial the serial the token was (or would have been) registered under
     * @param text        one line: what was enrolled, or why not and what became of the card; never a secret
     * @param fatal       the appliance refused it in a way every further key would meet too
     */
    record KeyResult(int status, String tokenSerial, String text, boolean fatal) {
        static final int SKIPPED = -1;

        boolean enrolled() {
            return status == 0;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--reader", paramLabel = "R",
            description = {"The reader: its name as 'card list' shows it, or a part of it that only one reader's name"
                    + " has.", "With --wait: watch the readers whose name contains R (any case); repeatable; default:"
                    + " every reader."})
    List<String> readers = new ArrayList<>();

    @Option(names = "--user", paramLabel = "U",
            description = "The appliance user the token is for (one key; with --wait, give --users).")
    String user;

    @Option(names = "--wait",
            description = "Batch mode: wait for keys to be put into the readers and enroll each, until --count, the"
                    + " end of --users, or Ctrl-C.")
    boolean waitForKeys;

    @Option(names = "--users", paramLabel = "FILE",
            description = "With --wait: the users, one a line (UTF-8; # comments and blank lines skipped), each"
                    + " given the next key enrolled, in order. Required for totp and hotp; without it, yubico tokens"
                    + " are registered without a user.")
    Path usersFile;

    @Option(names = "--count", paramLabel = "N", description = "With --wait: stop once N keys are enrolled.")
    Integer count;

    @Option(names = "--type", required = true, paramLabel = "totp|hotp|yubico",
            description = "totp or hotp (an OATH credential), or yubico (a Yubico OTP credential in an OTP slot).")
    String type;

    @Option(names = "--slot", paramLabel = "1|2", description = "yubico: the OTP slot to write (default: 1).")
    Integer slot;

    @Option(names = "--public-id", paramLabel = "MODHEX",
            description = "yubico: the public id, 2 to 16 modhex characters (default: vv + the modhex of the card's"
                    + " serial number as 4 bytes, big endian: 10 characters). Not with --wait.")
    String publicId;

    @Option(names = "--overwrite-slot",
            description = "yubico: write the slot even if it holds a configuration (that credential is lost for good;"
                    + " a factory YubiKey's slot 1 holds its YubiCloud credential).")
    boolean overwriteSlot;

    @Option(names = "--name", paramLabel = "LABEL",
            description = "The credential's name on the card (default: otp-appliance:<user>). A TOTP period other "
                    + "than 30 is put in front as ykman does: <period>/<label>.")
    String name;

    @Option(names = "--digits", defaultValue = "6", paramLabel = "6|8", description = "Code length (default: ${DEFAULT-VALUE}).")
    int digits;

    @Option(names = "--period", paramLabel = "S", description = "TOTP time step in seconds (default: 30).")
    Integer period;

    @Option(names = "--algorithm", defaultValue = "SHA1", paramLabel = "SHA1|SHA256|SHA512",
            description = "HMAC hash (default: ${DEFAULT-VALUE}).")
    String algorithm;

    @Option(names = "--serial", paramLabel = "S",
            description = "The token serial to register (default: YKOATH-<the YubiKey's serial number>, or "
                    + "YKOATH-ID-<the OATH device id> when the key does not reveal its serial). Not with --wait.")
    String serial;

    @Option(names = "--replace", description = "Replace a token the appliance already has under the same serial.")
    boolean replace;

    @Mixin
    ApplianceOptions appliance;

    /** Set by {@link #call()} from the options: null for --type yubico. */
    private Ykoath.Type oathType;
    private Ykoath.Algorithm algo;
    private int step;
    private int otpSlot;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("totp", "hotp", "yubico").contains(type.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "--type must be totp, hotp or yubico");
        }
        checkMode();
        boolean yubico = type.equalsIgnoreCase("yubico");
        if (yubico) {
            checkYubicoOptions();
        } else {
            checkOathOptions();
        }
        URI endpoint = appliance.endpoint(spec.commandLine());
        if (!waitForKeys) {
            String credential = oathType == null ? null : credentialName(user);
            if (credential != null) {
                try {
                    Ykoath.name(credential);
                } catch (CardException e) {
                    throw new ParameterException(spec.commandLine(), "--name: " + e.getMessage());
                }
            }
        }
        try {
            UserList users = null;
            if (usersFile != null) {
                users = UserList.read(usersFile);
                checkCredentialNames(users);
            }
            ApplianceClient client = appliance.client(endpoint);
            client.warnIfPlainHttp(err, (yubico ? "the AES key" : "the seed") + (waitForKeys ? "s" : ""));
            Registration registration = new Registration(client);
            CardTransport transport = CardTransport.open();
            if (waitForKeys) {
                try (CtrlC ctrlC = CtrlC.install(Thread.currentThread(), err)) {
                    return new DeskBatch(transport, readers, users, count,
                            (card, readerName, owner, done) -> enrollKey(card, readerName, registration, owner, done, err),
                            ctrlC::requested, out, err).run();
                }
            }
            String readerName = CardCommand.resolveReader(transport.readers(), readers.get(0));
            try (CardConnection card = transport.connect(readerName)) {
                KeyResult result = enrollKey(card, readerName, registration, user, Set.of(), err);
                if (result.enrolled()) {
                    out.println("enrolled: " + result.text());
                    out.flush();
                }
                return result.status();
            }
        } catch (CardException | ToolException e) {
            err.println("token-import: " + e.getMessage());
            err.flush();
            return CardCommand.exitError();
        }
    }

    /** One key or a batch: which options go with which. */
    private void checkMode() {
        CommandLine cl = spec.commandLine();
        if (!waitForKeys) {
            for (String batchOnly : new String[] {"--users", "--count"}) {
                if (cl.getParseResult().hasMatchedOption(batchOnly)) {
                    throw new ParameterException(cl, batchOnly + " is for --wait only");
                }
            }
            if (readers.size() != 1) {
                throw new ParameterException(cl, readers.isEmpty()
                        ? "--reader is required (or --wait, to enroll the keys put into any reader)"
                        : "give one --reader (several are for --wait only)");
            }
            if (user == null) {
                throw new ParameterException(cl, "--user is required (or --wait with --users FILE, for many keys)");
            }
            if (user.isBlank()) {
                throw new ParameterException(cl, "--user must not be empty");
            }
            return;
        }
        if (user != null) {
            throw new ParameterException(cl, "--user names the user of one key; with --wait give --users FILE, one"
                    + " user a line: each gets the next key enrolled");
        }
        if (serial != null) {
            throw new ParameterException(cl, "--serial names one token; with --wait each key is registered under its"
                    + " own serial (" + SERIAL_PREFIX + "<serial number>, " + YUBICO_SERIAL_PREFIX + "<serial number>)");
        }
        if (publicId != null) {
            throw new ParameterException(cl, "--public-id is for one key; with --wait each key gets its own, made from"
                    + " its serial number");
        }
        if (count != null && count < 1) {
            throw new ParameterException(cl, "--count must be 1 or more");
        }
        for (String r : readers) {
            if (r.isBlank()) {
                throw new ParameterException(cl, "--reader must not be empty");
            }
        }
        if (usersFile == null && !type.equalsIgnoreCase("yubico")) {
            throw new ParameterException(cl, "--wait --type " + type + " needs --users FILE: a TOTP or HOTP token"
                    + " without a user cannot be used, and only the key itself would hold its seed");
        }
    }

    private void checkOathOptions() {
        CommandLine cl = spec.commandLine();
        for (String yubicoOnly : new String[] {"--slot", "--public-id", "--overwrite-slot"}) {
            if (cl.getParseResult().hasMatchedOption(yubicoOnly)) {
                throw new ParameterException(cl, yubicoOnly + " is for --type yubico only");
            }
        }
        oathType = switch (type.toLowerCase(Locale.ROOT)) {
            case "totp" -> Ykoath.Type.TOTP;
            case "hotp" -> Ykoath.Type.HOTP;
            default -> throw new ParameterException(cl, "--type must be totp, hotp or yubico");
        };
        try {
            algo = Ykoath.Algorithm.valueOf(algorithm.toUpperCase(Locale.ROOT).replace("-", ""));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "--algorithm must be SHA1, SHA256 or SHA512");
        }
        if (digits != 6 && digits != 8) {
            throw new ParameterException(cl, "--digits must be 6 or 8");
        }
        if (period != null && oathType == Ykoath.Type.HOTP) {
            throw new ParameterException(cl, "--period is for TOTP only");
        }
        step = period == null ? 30 : period;
        if (step < 1 || step > 3600) {
            throw new ParameterException(cl, "--period must be 1 to 3600 seconds");
        }
    }

    private void checkYubicoOptions() {
        CommandLine cl = spec.commandLine();
        for (String oathOnly : new String[] {"--name", "--digits", "--period", "--algorithm"}) {
            if (cl.getParseResult().hasMatchedOption(oathOnly)) {
                throw new ParameterException(cl, oathOnly + " is for --type totp|hotp only");
            }
        }
        otpSlot = slot == null ? 1 : slot;
        if (otpSlot != 1 && otpSlot != 2) {
            throw new ParameterException(cl, "--slot must be 1 or 2");
        }
        if (publicId != null) {
            publicId = publicId.toLowerCase(Locale.ROOT);
            if (!Modhex.isModhex(publicId) || publicId.length() < 2 || publicId.length() > 2 * YubiKeyOtp.FIXED_SIZE
                    || publicId.length() % 2 != 0) {
                throw new ParameterException(cl,
                        "--public-id must be 2 to 16 modhex characters (an even number; alphabet " + Modhex.ALPHABET + ")");
            }
        }
    }

    /** The OATH credential's name for {@code owner}'s key. */
    private String credentialName(String owner) {
        return Ykoath.credentialName(name != null ? name : "otp-appliance:" + owner, oathType, step);
    }

    /** Every user's credential name fits on a key, checked before the first key is written. */
    private void checkCredentialNames(UserList users) throws ToolException {
        if (oathType == null) {
            return;
        }
        for (String owner : users.waiting()) {
            try {
                Ykoath.name(credentialName(owner));
            } catch (CardException e) {
                throw new ToolException(users.file() + " (--users): user " + owner + ": " + e.getMessage()
                        + (name == null ? " (give a shorter --name)" : ""));
            }
        }
    }

    /**
     * Enrolls the key in {@code card}: writes, registers, rolls back on failure. Throws for what stops it before
     * anything is written (not a YubiKey, a password, the credential or slot taken).
     *
     * @param owner the user, null for none (--wait --type yubico without --users)
     * @param done  the token serials enrolled earlier in this batch: such a key is left alone ({@code SKIPPED})
     */
    KeyResult enrollKey(CardConnection card, String readerName, Registration registration, String owner,
                        Set<String> done, PrintWriter err) throws CardException {
        return oathType == null ? enrollYubico(card, readerName, registration, owner, done, err)
                : enrollOath(card, readerName, registration, owner, done, err);
    }

    private static String cardName(YubiKeyProbe.CardInfo info) {
        return info.serial() != null ? "YubiKey " + info.serial() : "the card";
    }

    private static String forUser(String owner) {
        return owner == null ? "without a user" : "for user " + owner;
    }

    /** The key was enrolled earlier in this batch: left alone. */
    private static KeyResult enrolledBefore(YubiKeyProbe.CardInfo info, String readerName, String tokenSerial) {
        return new KeyResult(KeyResult.SKIPPED, tokenSerial, cardName(info) + " in \"" + readerName + "\" was enrolled"
                + " earlier in this batch, as " + tokenSerial + "; nothing was written: take it out", false);
    }

    private KeyResult enrollOath(CardConnection card, String readerName, Registration registration, String owner,
                                 Set<String> done, PrintWriter err) throws CardException {
        String credential = credentialName(owner);
        YubiKeyProbe.CardInfo info = YubiKeyProbe.probe(card);
        Ykoath oath = new Ykoath(card);
        Ykoath.Info selected = oath.selectUnlocked();
        String tokenSerial = serial != null ? serial
                : info.serial() != null ? SERIAL_PREFIX + info.serial()
                : selected.deviceId() != null ? SERIAL_PREFIX + "ID-" + selected.deviceId().toUpperCase(Locale.ROOT)
                : null;
        if (tokenSerial == null) {
            throw new CardException("the card reveals neither a serial number nor an OATH device id: "
                    + (waitForKeys ? "enroll it on its own, with --serial" : "give --serial"));
        }
        if (done.contains(tokenSerial)) {
            return enrolledBefore(info, readerName, tokenSerial);
        }
        if (oath.find(credential) != null) {
            throw new CardException("the card already holds a credential named \"" + credential + "\"; nothing was"
                    + " written (delete it with 'ykman oath accounts delete', or choose another --name)");
        }
        int seedLength = switch (algo) {
            case SHA1 -> 20;
            case SHA256 -> 32;
            case SHA512 -> 64;
        };
        String who = cardName(info) + " in \"" + readerName + "\" " + forUser(owner) + ": ";
        byte[] seed = new byte[seedLength];
        try {
            new SecureRandom().nextBytes(seed);
            oath.put(credential, oathType, algo, digits, seed, 0);
            Ykoath.Credential stored = oath.find(credential);
            if (stored == null || stored.type() != oathType || stored.algorithm() != algo) {
                return rollback(oath, credential, tokenSerial, who, "the card does not list the credential as written",
                        false, false, err);
            }
            Registration.Outcome outcome = registration.register(new Registration.Token(tokenSerial,
                    oathType == Ykoath.Type.TOTP ? "totp" : "hotp", seed, Ykoath.wire(algo), digits,
                    oathType == Ykoath.Type.TOTP ? step : null, oathType == Ykoath.Type.HOTP ? 0L : null, owner), replace);
            if (!outcome.registered()) {
                return rollback(oath, credential, tokenSerial, who, outcome.reason(), outcome.maybeStored(),
                        outcome.fatal(), err);
            }
            return new KeyResult(0, tokenSerial, oathType.name() + " credential \"" + credential + "\" (" + algo.name()
                    + ", " + digits + " digits" + (oathType == Ykoath.Type.TOTP ? ", " + step + " s" : ", counter 0")
                    + ") on " + cardName(info) + " in \"" + readerName + "\", registered with " + registration.base()
                    + " as " + tokenSerial + " " + forUser(owner) + " (" + outcome.status() + ")", false);
        } catch (CardException e) {
            // PUT failed (nothing stored: the card answers a PUT as a whole) or the card went away after it
            return rollback(oath, credential, tokenSerial, who, e.getMessage(), false, false, err);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** The default public id: "vv" + the modhex of the serial as 4 bytes, big endian. */
    static String defaultPublicId(long cardSerial) {
        return "vv" + Modhex.encode(java.nio.ByteBuffer.allocate(4).putInt((int) cardSerial).array());
    }

    private KeyResult enrollYubico(CardConnection card, String readerName, Registration registration, String owner,
                                   Set<String> done, PrintWriter err) throws CardException {
        YubiKeyProbe.CardInfo info = YubiKeyProbe.probe(card);
        YubiKeyOtp otp = new YubiKeyOtp(card);
        YubiKeyOtp.Status status = otp.select();
        String pid = publicId != null ? publicId : info.serial() != null ? defaultPublicId(info.serial()) : null;
        if (pid == null) {
            throw new CardException("the card does not reveal its serial number: "
                    + (waitForKeys ? "enroll it on its own, with --public-id" : "give --public-id"));
        }
        String tokenSerial = serial != null ? serial
                : info.serial() != null ? YUBICO_SERIAL_PREFIX + info.serial() : YUBICO_SERIAL_PREFIX + pid;
        if (done.contains(tokenSerial)) {
            return enrolledBefore(info, readerName, tokenSerial);
        }
        if (status.slotConfigured(otpSlot) && !overwriteSlot) {
            throw new CardException("OTP slot " + otpSlot + " already holds a configuration; nothing was written"
                    + " (give --overwrite-slot to replace it for good, or choose the other --slot)");
        }
        String who = cardName(info) + " in \"" + readerName + "\" " + forUser(owner) + ": ";
        byte[] privateId = new byte[YubiKeyOtp.UID_SIZE];
        byte[] aesKey = new byte[YubiKeyOtp.KEY_SIZE];
        byte[] config = null;
        try {
            SecureRandom random = new SecureRandom();
            random.nextBytes(privateId);
            random.nextBytes(aesKey);
            config = YubiKeyOtp.yubicoOtpConfig(Modhex.decode(pid), privateId, aesKey);
            YubiKeyOtp.Status written = otp.write(otpSlot, config);
            if (!written.slotConfigured(otpSlot)) {
                return rollbackSlot(otp, tokenSerial, who, "the card does not report slot " + otpSlot + " as configured",
                        false, false, err);
            }
            Registration.Outcome outcome = registration.register(
                    new Registration.YubicoToken(tokenSerial, pid, privateId, aesKey, owner), replace);
            if (!outcome.registered()) {
                return rollbackSlot(otp, tokenSerial, who, outcome.reason(), outcome.maybeStored(), outcome.fatal(), err);
            }
            return new KeyResult(0, tokenSerial, "Yubico OTP credential (public id " + pid + ") in OTP slot " + otpSlot
                    + " of " + cardName(info) + " in \"" + readerName + "\", registered with " + registration.base()
                    + " as " + tokenSerial + " " + forUser(owner) + " (" + outcome.status() + ")", false);
        } catch (CardException e) {
            return rollbackSlot(otp, tokenSerial, who, e.getMessage(), false, false, err);
        } finally {
            Arrays.fill(privateId, (byte) 0);
            Arrays.fill(aesKey, (byte) 0);
            if (config != null) {
                Arrays.fill(config, (byte) 0);
            }
        }
    }

    /** Erases the slot again after a failure: status 1 when it is empty, 3 when it is not known to be. */
    private KeyResult rollbackSlot(YubiKeyOtp otp, String tokenSerial, String who, String reason,
                                   boolean applianceMayHaveIt, boolean fatal, PrintWriter err) {
        err.println("token-import: not enrolled: " + reason);
        String check = " the appliance may have registered the token before the failure; check it and delete the token"
                + " there if so";
        try {
            otp.erase(otpSlot);
            err.println("token-import: OTP slot " + otpSlot + " was erased again");
            if (applianceMayHaveIt) {
                err.println("token-import:" + check);
            }
            err.flush();
            return new KeyResult(1, tokenSerial, who + reason + "; OTP slot " + otpSlot + " was erased again"
                    + (applianceMayHaveIt ? ";" + check : ""), fatal);
        } catch (CardException e) {
            String attention = "ATTENTION: could not erase OTP slot " + otpSlot + " (" + e.getMessage()
                    + "): it may hold a key the appliance does not know; erase it with 'ykman otp delete " + otpSlot + "'";
            err.println("token-import: " + attention);
            err.flush();
            return new KeyResult(CardCommand.EXIT_CARD_INCONSISTENT, tokenSerial, who + reason + "; " + attention, fatal);
        }
    }

    /** Deletes the credential again after a failure: status 1 when the card is clean, 3 when it is not known to be. */
    private KeyResult rollback(Ykoath oath, String credential, String tokenSerial, String who, String reason,
                               boolean applianceMayHaveIt, boolean fatal, PrintWriter err) {
        err.println("token-import: not enrolled: " + reason);
        String check = " the appliance may have registered the token before the failure; check it and delete the token"
                + " there if so";
        try {
            boolean deleted = oath.delete(credential);
            if (oath.find(credential) != null) {
                throw new CardException("the credential is still listed after DELETE");
            }
            String what = deleted ? "the credential \"" + credential + "\" was deleted from the card again"
                    : "the card holds no credential \"" + credential + "\"";
            err.println("token-import: " + what);
            if (applianceMayHaveIt) {
                err.println("token-import:" + check);
            }
            err.flush();
            return new KeyResult(1, tokenSerial, who + reason + "; " + what + (applianceMayHaveIt ? ";" + check : ""),
                    fatal);
        } catch (CardException e) {
            String attention = "ATTENTION: could not delete the credential \"" + credential + "\" from the card ("
                    + e.getMessage() + "): it holds a seed the appliance does not know; delete it with"
                    + " 'ykman oath accounts delete \"" + credential + "\"'";
            err.println("token-import: " + attention);
            err.flush();
            return new KeyResult(CardCommand.EXIT_CARD_INCONSISTENT, tokenSerial, who + reason + "; " + attention, fatal);
        }
    }
}
