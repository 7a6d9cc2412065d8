package org.otpappliance.tokenimport.card;

import java.io.PrintWriter;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.otpappliance.otp.yubico.Modhex;
import org.otpappliance.tokenimport.ApplianceClient;
import org.otpappliance.tokenimport.ApplianceOptions;
import org.otpappliance.tokenimport.ToolException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code token-import card enroll}: a fresh seed into the card's OATH application (YKOATH PUT), then registered
 * with the appliance; when registration fails the credential is deleted from the card again, so a token never
 * holds a seed the appliance does not know. The seed never appears in output.
 */
@Command(name = "enroll",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Writes a fresh OATH seed into a YubiKey and registers the token with the appliance.",
        description = {
            "Generates a random seed (20 bytes for SHA1, 32 for SHA256, 64 for SHA512), stores it as an OATH "
                + "credential in the card's OATH application (YKOATH), and registers it with the appliance "
                + "(POST <server>/api/v1/tokens/import) under the serial YKOATH-<card serial> for --user. If the "
                + "appliance does not take it, the credential is deleted from the card again.",
            "With --type yubico: generates an AES-128 key and a 6-byte private id, writes them with the public id as"
                + " a Yubico OTP configuration into OTP slot --slot, registers the token as YKOTP-<card serial>, and"
                + " erases the slot again if the appliance does not take it.", ""},
        footer = {"",
            "Exit status: 0 enrolled, 1 not enrolled (the appliance refused it; the card was rolled back),",
            "2 usage, reader, card or key-file error (nothing written),",
            "3 registration failed AND the credential could not be removed: delete it (ykman oath accounts delete NAME,",
            "  or for --type yubico ykman otp delete SLOT)."})
final class CardEnrollCommand implements Callable<Integer> {
    static final String SERIAL_PREFIX = "YKOATH-";
    static final String YUBICO_SERIAL_PREFIX = "YKOTP-";

    @Spec
    CommandSpec spec;

    @Option(names = "--reader", required = true, paramLabel = "R",
            description = "The reader: its name as 'card list' shows it, or a part of it that only one reader's name has.")
    String reader;

    @Option(names = "--user", required = true, paramLabel = "U", description = "The appliance user the token is for.")
    String user;

    @Option(names = "--type", required = true, paramLabel = "totp|hotp|yubico",
            description = "totp or hotp (an OATH credential), or yubico (a Yubico OTP credential in an OTP slot).")
    String type;

    @Option(names = "--slot", paramLabel = "1|2", description = "yubico: the OTP slot to write (default: 1).")
    Integer slot;

    @Option(names = "--public-id", paramLabel = "MODHEX",
            description = "yubico: the public id, 2 to 16 modhex characters (default: vv + the modhex of the card's"
                    + " serial number as 4 bytes, big endian: 10 characters).")
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
                    + "YKOATH-ID-<the OATH device id> when the key does not reveal its serial).")
    String serial;

    @Option(names = "--replace", description = "Replace a token the appliance already has under the same serial.")
    boolean replace;

    @Mixin
    ApplianceOptions appliance;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (user.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--user must not be empty");
        }
        if (type.equalsIgnoreCase("yubico")) {
            return callYubico(out, err);
        }
        for (String yubicoOnly : new String[] {"--slot", "--public-id", "--overwrite-slot"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(yubicoOnly)) {
                throw new ParameterException(spec.commandLine(), yubicoOnly + " is for --type yubico only");
            }
        }
        Ykoath.Type oathType = switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "totp" -> Ykoath.Type.TOTP;
            case "hotp" -> Ykoath.Type.HOTP;
            default -> throw new ParameterException(spec.commandLine(), "--type must be totp, hotp or yubico");
        };
        Ykoath.Algorithm algo;
        try {
            algo = Ykoath.Algorithm.valueOf(algorithm.toUpperCase(java.util.Locale.ROOT).replace("-", ""));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--algorithm must be SHA1, SHA256 or SHA512");
        }
        if (digits != 6 && digits != 8) {
            throw new ParameterException(spec.commandLine(), "--digits must be 6 or 8");
        }
        if (period != null && oathType == Ykoath.Type.HOTP) {
            throw new ParameterException(spec.commandLine(), "--period is for TOTP only");
        }
        int step = period == null ? 30 : period;
        if (step < 1 || step > 3600) {
            throw new ParameterException(spec.commandLine(), "--period must be 1 to 3600 seconds");
        }
        URI endpoint = appliance.endpoint(spec.commandLine());
        String credential = Ykoath.credentialName(name != null ? name : "otp-appliance:" + user, oathType, step);
        try {
            Ykoath.name(credential);
        } catch (CardException e) {
            throw new ParameterException(spec.commandLine(), "--name: " + e.getMessage());
        }
        try {
            ApplianceClient client = appliance.client(endpoint);
            client.warnIfPlainHttp(err, "the seed");
            Registration registration = new Registration(client);
            CardTransport transport = CardTransport.open();
            String readerName = CardCommand.resolveReader(transport.readers(), reader);
            try (CardConnection card = transport.connect(readerName)) {
                return enroll(card, readerName, registration, credential, oathType, algo, step, out, err);
            }
        } catch (CardException | ToolException e) {
            err.println("token-import: " + e.getMessage());
            err.flush();
            return CardCommand.exitError();
        }
    }

    private int enroll(CardConnection card, String readerName, Registration registration, String credential,
                       Ykoath.Type oathType, Ykoath.Algorithm algo, int step, PrintWriter out, PrintWriter err)
            throws CardException {
        YubiKeyProbe.CardInfo info = YubiKeyProbe.probe(card);
        Ykoath oath = new Ykoath(card);
        Ykoath.Info selected = oath.selectUnlocked();
        String tokenSerial = serial != null ? serial
                : info.serial() != null ? SERIAL_PREFIX + info.serial()
                : selected.deviceId() != null ? SERIAL_PREFIX + "ID-" + selected.deviceId().toUpperCase(java.util.Locale.ROOT)
                : null;
        if (tokenSerial == null) {
            throw new CardException("the card reveals neither a serial number nor an OATH device id: give --serial");
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
        byte[] seed = new byte[seedLength];
        try {
            new SecureRandom().nextBytes(seed);
            oath.put(credential, oathType, algo, digits, seed, 0);
            Ykoath.Credential stored = oath.find(credential);
            if (stored == null || stored.type() != oathType || stored.algorithm() != algo) {
                return rollback(oath, credential, "the card does not list the credential as written", false, err);
            }
            Registration.Outcome outcome = registration.register(new Registration.Token(tokenSerial,
                    oathType == Ykoath.Type.TOTP ? "totp" : "hotp", seed, Ykoath.wire(algo), digits,
                    oathType == Ykoath.Type.TOTP ? step : null, oathType == Ykoath.Type.HOTP ? 0L : null, user), replace);
            if (!outcome.registered()) {
                return rollback(oath, credential, outcome.reason(), outcome.maybeStored(), err);
            }
            out.println("enrolled: " + oathType.name() + " credential \"" + credential + "\" (" + algo.name() + ", "
                    + digits + " digits" + (oathType == Ykoath.Type.TOTP ? ", " + step + " s" : ", counter 0") + ") on "
                    + (info.serial() != null ? "YubiKey " + info.serial() : "the card") + " in \"" + readerName
                    + "\", registered with " + registration.base() + " as " + tokenSerial + " for user " + user
                    + " (" + outcome.status() + ")");
            out.flush();
            return 0;
        } catch (CardException e) {
            // PUT failed (nothing stored: the card answers a PUT as a whole) or the card went away after it
            return rollback(oath, credential, e.getMessage(), false, err);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private int callYubico(PrintWriter out, PrintWriter err) {
        for (String oathOnly : new String[] {"--name", "--digits", "--period", "--algorithm"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(oathOnly)) {
                throw new ParameterException(spec.commandLine(), oathOnly + " is for --type totp|hotp only");
            }
        }
        int otpSlot = slot == null ? 1 : slot;
        if (otpSlot != 1 && otpSlot != 2) {
            throw new ParameterException(spec.commandLine(), "--slot must be 1 or 2");
        }
        if (publicId != null) {
            publicId = publicId.toLowerCase(java.util.Locale.ROOT);
            if (!Modhex.isModhex(publicId) || publicId.length() < 2 || publicId.length() > 2 * YubiKeyOtp.FIXED_SIZE
                    || publicId.length() % 2 != 0) {
                throw new ParameterException(spec.commandLine(),
                        "--public-id must be 2 to 16 modhex characters (an even number; alphabet " + Modhex.ALPHABET + ")");
            }
        }
        URI endpoint = appliance.endpoint(spec.commandLine());
        try {
            ApplianceClient client = appliance.client(endpoint);
            client.warnIfPlainHttp(err, "the AES key");
            Registration registration = new Registration(client);
            CardTransport transport = CardTransport.open();
            String readerName = CardCommand.resolveReader(transport.readers(), reader);
            try (CardConnection card = transport.connect(readerName)) {
                return enrollYubico(card, readerName, registration, otpSlot, out, err);
            }
        } catch (CardException | ToolException e) {
            err.println("token-import: " + e.getMessage());
            err.flush();
            return CardCommand.exitError();
        }
    }

    /** The default public id: "vv" + the modhex of the serial as 4 bytes, big endian. */
    static String defaultPublicId(long cardSerial) {
        return "vv" + Modhex.encode(java.nio.ByteBuffer.allocate(4).putInt((int) cardSerial).array());
    }

    private int enrollYubico(CardConnection card, String readerName, Registration registration, int otpSlot,
                             PrintWriter out, PrintWriter err) throws CardException {
        YubiKeyProbe.CardInfo info = YubiKeyProbe.probe(card);
        YubiKeyOtp otp = new YubiKeyOtp(card);
        YubiKeyOtp.Status status = otp.select();
        String pid = publicId != null ? publicId : info.serial() != null ? defaultPublicId(info.serial()) : null;
        if (pid == null) {
            throw new CardException("the card does not reveal its serial number: give --public-id");
        }
        String tokenSerial = serial != null ? serial
                : info.serial() != null ? YUBICO_SERIAL_PREFIX + info.serial() : YUBICO_SERIAL_PREFIX + pid;
        if (status.slotConfigured(otpSlot) && !overwriteSlot) {
            throw new CardException("OTP slot " + otpSlot + " already holds a configuration; nothing was written"
                    + " (give --overwrite-slot to replace it for good, or choose the other --slot)");
        }
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
                return rollbackSlot(otp, otpSlot, "the card does not report slot " + otpSlot + " as configured", false, err);
            }
            Registration.Outcome outcome = registration.register(
                    new Registration.YubicoToken(tokenSerial, pid, privateId, aesKey, user), replace);
            if (!outcome.registered()) {
                return rollbackSlot(otp, otpSlot, outcome.reason(), outcome.maybeStored(), err);
            }
            out.println("enrolled: Yubico OTP credential (public id " + pid + ") in OTP slot " + otpSlot + " of "
                    + (info.serial() != null ? "YubiKey " + info.serial() : "the card") + " in \"" + readerName
                    + "\", registered with " + registration.base() + " as " + tokenSerial + " for user " + user
                    + " (" + outcome.status() + ")");
            out.flush();
            return 0;
        } catch (CardException e) {
            return rollbackSlot(otp, otpSlot, e.getMessage(), false, err);
        } finally {
            Arrays.fill(privateId, (byte) 0);
            Arrays.fill(aesKey, (byte) 0);
            if (config != null) {
                Arrays.fill(config, (byte) 0);
            }
        }
    }

    /** Erases the slot again after a failure; exit 1 when it is empty, 3 when it is not known to be. */
    private int rollbackSlot(YubiKeyOtp otp, int otpSlot, String reason, boolean applianceMayHaveIt, PrintWriter err) {
        err.println("token-import: not enrolled: " + reason);
        try {
            otp.erase(otpSlot);
            err.println("token-import: OTP slot " + otpSlot + " was erased again");
            if (applianceMayHaveIt) {
                err.println("token-import: the appliance may have registered the token before the failure; check it"
                        + " and delete the token there if so");
            }
            err.flush();
            return 1;
        } catch (CardException e) {
            err.println("token-import: ATTENTION: could not erase OTP slot " + otpSlot + " (" + e.getMessage()
                    + "): it may hold a key the appliance does not know; erase it with 'ykman otp delete " + otpSlot + "'");
            err.flush();
            return CardCommand.EXIT_CARD_INCONSISTENT;
        }
    }

    /** Deletes the credential again after a failure; exit 1 when the card is clean, 3 when it is not known to be. */
    private int rollback(Ykoath oath, String credential, String reason, boolean applianceMayHaveIt, PrintWriter err) {
        err.println("token-import: not enrolled: " + reason);
        try {
            boolean deleted = oath.delete(credential);
            if (oath.find(credential) != null) {
                throw new CardException("the credential is still listed after DELETE");
            }
            err.println("token-import: " + (deleted ? "the credential \"" + credential + "\" was deleted from the card again"
                    : "the card holds no credential \"" + credential + "\""));
            if (applianceMayHaveIt) {
                err.println("token-import: the appliance may have registered the token before the failure; check it"
                        + " and delete the token there if so");
            }
            err.flush();
            return 1;
        } catch (CardException e) {
            err.println("token-import: ATTENTION: could not delete the credential \"" + credential + "\" from the card ("
                    + e.getMessage() + "): it holds a seed the appliance does not know; delete it with"
                    + " 'ykman oath accounts delete \"" + credential + "\"'");
            err.flush();
            return CardCommand.EXIT_CARD_INCONSISTENT;
        }
    }
}
