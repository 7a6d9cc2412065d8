package org.otpappliance.pam.bridge;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.otpappliance.pam.server.PamSocketServer;
import org.otpappliance.pam.server.ValidatorHandler;

/**
 * The standalone PAM bridge: {@code java -jar pam-bridge.jar [[--config] FILE]}. Serves the PAM socket
 * of this login host and forwards each request to the appliance's REST API ({@link RestValidator}).
 * See {@link BridgeConfig} for the keys. A bad configuration is reported on stderr with exit code 1;
 * SIGTERM closes the socket (and removes its file) before the JVM exits.
 */
public final class BridgeMain {
    static {
        // One line per record (systemd's journal adds its own time stamp, but a terminal wants one),
        // unless the operator configured java.util.logging.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null
                && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %5$s%6$s%n");
        }
    }

    private static final Logger LOG = Logger.getLogger(BridgeMain.class.getName());

    private BridgeMain() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.out.println(BridgeConfig.USAGE);
            return;
        }
        PamSocketServer server;
        try {
            server = start(BridgeConfig.fromArgs(args, System.getenv()));
        } catch (ConfigException e) {
            fail(System.err, e.getMessage());
            return;
        } catch (IOException e) {
            fail(System.err, "cannot start: " + e.getMessage());
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "pam-bridge-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds the validator and the server from {@code config}, starts it and logs the start-up line. */
    public static PamSocketServer start(BridgeConfig config) throws ConfigException, IOException {
        RestValidator validator = validator(config);
        PamSocketServer server = new PamSocketServer(config.serverSettings(), new ValidatorHandler(validator));
        server.start();
        LOG.info(() -> "PAM bridge serving " + server.socketPath() + " (peers " + String.join(",", config.allowedUsers())
                + (config.socketGroup() == null ? "" : ", group " + config.socketGroup()) + ") for the appliance"
                + (config.applianceUrls().size() > 1 ? "s " : " ")
                + config.applianceUrls().stream().map(URI::toString).collect(Collectors.joining(", "))
                + (config.truststore() == null ? "" : " (trusting " + config.truststore() + ")"));
        return server;
    }

    /** The REST validator of {@code config}: reads the API key file and the trust store. */
    public static RestValidator validator(BridgeConfig config) throws ConfigException {
        String apiKey = config.readApiKey();
        SSLContext ssl = null;
        if (config.truststore() != null) {
            try {
                char[] password = config.truststorePassword() == null ? null : config.truststorePassword().toCharArray();
                ssl = RestValidator.trustStore(config.truststore(), password);
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(BridgeConfig.TRUSTSTORE + ": cannot load " + config.truststore() + " as a PKCS12 trust store: "
                        + e.getMessage(), e);
            }
        }
        for (URI url : config.applianceUrls()) {
            if (url.getScheme().equalsIgnoreCase("http") && !isLoopback(url.getHost())) {
                LOG.warning(() -> "The appliance URL " + url + " is plain HTTP: codes and the API key travel unencrypted");
            }
        }
        return new RestValidator(List.copyOf(config.applianceUrls()), apiKey, config.timeout(), config.timeout(), ssl);
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    private static void fail(PrintStream err, String message) {
        err.println("pam-bridge: " + message);
        err.flush();
        System.exit(1);
    }
}
