package org.otpappliance.tokenimport;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.otpappliance.otp.seedfile.OathCsv;
import org.otpappliance.otp.seedfile.Pskc;
import org.otpappliance.otp.seedfile.SeedFileException;
import org.otpappliance.otp.seedfile.SeedFileParser;
import org.otpappliance.otp.seedfile.UserAssignments;
import org.otpappliance.otp.seedfile.YubikeyCsv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code token-import file FILE ...}: streams the tokens of a seed file to the appliance in batches, shows
 * progress, and ends with a summary. Exit status 0 when nothing failed, 1 when some tokens failed, 2 for usage
 * and file-level errors.
 */
@Command(name = "file",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        headerHeading = "",
        header = "Imports the tokens of a seed file into the appliance.",
        description = {
            "Reads FILE as a stream and posts its tokens in batches to POST <server>/api/v1/tokens/import. "
                + "Tokens whose serial the appliance already has are skipped (unless --replace), so running the "
                + "same command again is safe. Progress goes to standard error, the summary to standard output. "
                + "Key files must not be accessible by others (chmod 600).", ""},
        footer = {"",
            "Exit status: 0 nothing failed, 1 some tokens failed (listed in the summary),",
            "2 usage or file-level error (unreadable file, appliance unreachable, API key refused)."})
final class FileCommand implements Callable<Integer> {
    static final int DEFAULT_BATCH_SIZE = 200;

    @ParentCommand
    TokenImport parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The seed file: PSKC (RFC 6030), OATH CSV or a YubiKey Personalization Tool log.")
    Path file;

    @Option(names = "--format", paramLabel = "FORMAT", converter = SeedFormat.Converter.class,
            completionCandidates = SeedFormat.Names.class,
            description = "${COMPLETION-CANDIDATES}. Default: pskc for .xml and .pskc files, otherwise recognised "
                    + "from the first lines (XML, an OATH CSV header or type column, the YubiKey tool's log lines).")
    SeedFormat format;

    @Option(names = "--psk-file", paramLabel = "F",
            description = "PSKC: the pre-shared AES key, in hex (whitespace ignored).")
    Path pskFile;

    @Option(names = "--password-file", paramLabel = "F",
            description = "PSKC: the password the key is derived from (PBKDF2), on the first line.")
    Path passwordFile;

    @Mixin
    ApplianceOptions appliance;

    @Option(names = "--dry-run",
            description = "Let the appliance check every token and report, writing nothing.")
    boolean dryRun;

    @Option(names = "--replace",
            description = "Overwrite tokens whose serial the appliance already has instead of skipping them.")
    boolean replace;

    @Option(names = "--assign-users", paramLabel = "CSV",
            description = "Lines serial,username ('#' comments and blank lines allowed): assign each token to that "
                    + "user (created if needed), over any user id in the seed file.")
    Path assignUsers;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + DEFAULT_BATCH_SIZE,
            description = "Tokens per request, 1 to " + ImportRequest.MAX_TOKENS + " (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--yubikey-hotp-digits", paramLabel = "6|8", defaultValue = "6",
            description = "Digits of the OATH-HOTP rows of a YubiKey log in the Yubico format, which does not "
                    + "record them (default: ${DEFAULT-VALUE}).")
    int yubikeyHotpDigits;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        checkOptions();
        URI endpoint = appliance.endpoint(spec.commandLine());
        byte[] psk = null;
        char[] password = null;
        try {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new ToolException("cannot read " + file + ": " + (Files.exists(file)
                        ? Files.isDirectory(file) ? "a directory" : "permission denied" : "no such file"));
            }
            SeedFormat resolved = format != null ? format : SeedFormat.guess(file);
            if (resolved != SeedFormat.PSKC && (pskFile != null || passwordFile != null)) {
                throw new ParameterException(spec.commandLine(), (pskFile != null ? "--psk-file" : "--password-file")
                        + " is for PSKC files only, and " + file + " is read as " + resolved.cliName());
            }
            ApplianceClient client = appliance.client(endpoint);
            if (pskFile != null) {
                psk = KeyFiles.preSharedKey(pskFile, "--psk-file");
            }
            if (passwordFile != null) {
                password = KeyFiles.password(passwordFile, "--password-file");
            }
            SeedFileParser parser = switch (resolved) {
                case PSKC -> psk != null ? Pskc.withPreSharedKey(psk) : password != null ? Pskc.withPassword(password) : Pskc.plain();
                case OATH_CSV -> new OathCsv();
                case YUBIKEY_CSV -> new YubikeyCsv(yubikeyHotpDigits);
            };
            UserAssignments users = assignUsers == null ? UserAssignments.none() : readAssignments(assignUsers);
            client.warnIfPlainHttp(err, "the seeds");
            return run(parser, resolved, client, users, out, err);
        } catch (ToolException e) {
            err.println("token-import: " + e.getMessage());
            err.flush();
            return TokenImport.EXIT_ERROR;
        } finally {
            if (psk != null) {
                Arrays.fill(psk, (byte) 0);
            }
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    private int run(SeedFileParser parser, SeedFormat resolved, ApplianceClient client, UserAssignments users,
                    PrintWriter out, PrintWriter err) {
        TokenImport.Terminal terminal = parent.terminal();
        Progress progress = new Progress(err, terminal.stderrIsTerminal(), terminal.progressInterval(), System::nanoTime);
        Importer importer = new Importer(client, batchSize, replace, dryRun, users,
                assignUsers == null ? null : assignUsers.getFileName().toString(), progress);
        String fatal = null;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            try {
                parser.parse(in, importer);
            } catch (SeedFileException e) {
                fatal = "cannot read " + file + " as " + resolved.cliName() + ": " + e.getMessage();
            }
            importer.finish(); // the good tokens read before a file-level error go in too
        } catch (ApplianceException e) {
            fatal = fatal == null ? e.getMessage() : fatal + "; and " + e.getMessage();
        } catch (IOException e) {
            fatal = "cannot read " + file + ": " + KeyFiles.describe(e);
        }
        progress.finish(importer.tally());
        importer.printSummary(out, file.getFileName() + " (" + resolved.cliName() + ")", client.base(), fatal != null);
        if (fatal != null) {
            err.println("token-import: " + fatal);
            if (importer.sentAny()) {
                err.println("token-import: the tokens answered above are in; after fixing the cause, run the same"
                        + " command again: tokens already imported are skipped");
            }
            err.flush();
            return TokenImport.EXIT_ERROR;
        }
        return importer.tally().failed > 0 ? TokenImport.EXIT_ITEMS_FAILED : 0;
    }

    private static UserAssignments readAssignments(Path file) throws ToolException {
        String where = file + " (--assign-users)";
        try (InputStream in = Files.newInputStream(file)) {
            return UserAssignments.read(in);
        } catch (SeedFileException e) {
            throw new ToolException(where + " " + e.getMessage());
        } catch (IOException e) {
            throw new ToolException("cannot read " + where + ": " + KeyFiles.describe(e));
        }
    }

    private void checkOptions() {
        if (pskFile != null && passwordFile != null) {
            throw new ParameterException(spec.commandLine(), "--psk-file and --password-file are mutually exclusive");
        }
        if (batchSize < 1 || batchSize > ImportRequest.MAX_TOKENS) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be 1 to " + ImportRequest.MAX_TOKENS);
        }
        if (yubikeyHotpDigits != 6 && yubikeyHotpDigits != 8) {
            throw new ParameterException(spec.commandLine(), "--yubikey-hotp-digits must be 6 or 8");
        }
    }
}
