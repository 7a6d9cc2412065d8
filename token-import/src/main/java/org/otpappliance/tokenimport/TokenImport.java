package org.otpappliance.tokenimport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code token-import}, the admin tool that loads hardware tokens into the appliance. Its commands are
 * subcommands: {@link FileCommand file} today.
 *
 * <p>Exit status: 0 when nothing failed, 1 when some tokens failed (the summary names them), 2 for a usage or
 * file-level error (a file that cannot be read, the appliance unreachable, the API key refused).
 */
@Command(name = "token-import",
        mixinStandardHelpOptions = true,
        versionProvider = TokenImport.Version.class,
        subcommands = {FileCommand.class, org.otpappliance.tokenimport.card.CardCommand.class, CommandLine.HelpCommand.class},
        description = {
            "Loads hardware tokens into the OTP appliance through its admin REST API.",
            "Seed files from token vendors: PSKC (RFC 6030), OATH CSV and the YubiKey Personalization Tool's logs."},
        footer = {"",
            "Exit status: 0 nothing failed, 1 some tokens failed (listed in the summary),",
            "2 usage or file-level error (unreadable file, appliance unreachable, API key refused).",
            "Run 'token-import help file' for the options of a command."})
public final class TokenImport implements Callable<Integer> {
    /** Exit status when some items failed. */
    public static final int EXIT_ITEMS_FAILED = 1;
    /** Exit status for usage and file-level errors (picocli's usage status too). */
    public static final int EXIT_ERROR = 2;

    /** Set by the launcher script ({@code [ -t 2 ]}): whether standard error is a terminal. */
    static final String TTY_PROPERTY = "tokenimport.stderr.tty";

    /**
     * How progress is shown: in place ({@code \r}) on a terminal, else a line every {@code progressInterval}.
     *
     * @param stderrIsTerminal whether standard error is a terminal
     * @param progressInterval the least time between two progress updates
     */
    public record Terminal(boolean stderrIsTerminal, Duration progressInterval) {
        /** Standard error as this process has it: a terminal is updated 5 times a second, else a line every 5 s. */
        public static Terminal detect() {
            boolean tty = detectStderrTerminal();
            return new Terminal(tty, tty ? Duration.ofMillis(200) : Duration.ofSeconds(5));
        }

        private static boolean detectStderrTerminal() {
            String property = System.getProperty(TTY_PROPERTY);
            if (property != null) {
                return Boolean.parseBoolean(property);
            }
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (Exception e) {
                return false;
            }
        }
    }

    @Spec
    CommandSpec spec;

    private final Terminal terminal;

    public TokenImport(Terminal terminal) {
        this.terminal = terminal;
    }

    Terminal terminal() {
        return terminal;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /**
     * The command line, ready to {@link CommandLine#execute execute}; set its out and err writers to capture the
     * output. An unexpected exception is reported by its class and place only (its message could, in principle,
     * carry data from a file) and exits with status 2.
     */
    public static CommandLine commandLine(Terminal terminal) {
        CommandLine cl = new CommandLine(new TokenImport(terminal));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            StackTraceElement[] trace = e.getStackTrace();
            commandLine.getErr().println("token-import: internal error: " + e.getClass().getName()
                    + (trace.length > 0 ? " at " + trace[0] : ""));
            commandLine.getErr().flush();
            return EXIT_ERROR;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine(Terminal.detect()).execute(args));
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TokenImport.class.getPackage().getImplementationVersion();
            return new String[] {"token-import " + (v == null ? "(development build)" : v)};
        }
    }
}
