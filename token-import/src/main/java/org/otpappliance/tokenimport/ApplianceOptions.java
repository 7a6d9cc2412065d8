package org.otpappliance.tokenimport;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every command that talks to the appliance has ({@code --server}, {@code --api-key-file},
 * {@code --truststore}, {@code --truststore-password-file}), as a picocli mixin, and the one way to turn them into an
 * {@link ApplianceClient}: the URL checked, the API key read from a file others may not access, HTTPS verified
 * against the JDK's CAs or the trust store.
 */
public final class ApplianceOptions {
    @Option(names = "--server", required = true, paramLabel = "URL",
            description = "The appliance's base URL: https://HOST[:PORT][/PATH].")
    String server;

    @Option(names = "--api-key-file", required = true, paramLabel = "F",
            description = "A file holding an admin API key (the appliance's data/admin.key); not accessible by others.")
    Path apiKeyFile;

    @Option(names = "--truststore", paramLabel = "F",
            description = "Trust these certificates instead of the JDK's CAs: PEM (a private CA's certificate) or a "
                    + "PKCS12/JKS trust store. Host names are verified either way.")
    Path truststore;

    @Option(names = "--truststore-password-file", paramLabel = "F",
            description = "The password of a PKCS12/JKS --truststore, on the first line.")
    Path truststorePasswordFile;

    public ApplianceOptions() {
    }

    /**
     * The import endpoint named by {@code --server}, after checking the options' usage.
     *
     * @throws ParameterException (exit status 2, with the usage) for a URL that is not the appliance's base URL, or
     *                            a trust store password without a trust store
     */
    public URI endpoint(CommandLine commandLine) {
        if (truststorePasswordFile != null && truststore == null) {
            throw new ParameterException(commandLine, "--truststore-password-file needs --truststore");
        }
        try {
            return ApplianceClient.endpoint(server);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, "--server: " + e.getMessage());
        }
    }

    /**
     * A client for {@code endpoint}: reads the API key file and the trust store (refusing key files that others may
     * access). Errors name the file and what is wrong with it, never its content.
     */
    public ApplianceClient client(URI endpoint) throws ToolException {
        String apiKey = KeyFiles.apiKey(apiKeyFile, "--api-key-file");
        SSLContext ssl = null;
        if (truststore != null) {
            char[] storePassword = truststorePasswordFile == null ? null
                    : KeyFiles.password(truststorePasswordFile, "--truststore-password-file");
            try {
                ssl = ApplianceClient.trustStore(truststore, storePassword);
            } finally {
                if (storePassword != null) {
                    Arrays.fill(storePassword, '\0');
                }
            }
        }
        return new ApplianceClient(endpoint, apiKey, apiKeyFile.toString(), ssl);
    }
}
