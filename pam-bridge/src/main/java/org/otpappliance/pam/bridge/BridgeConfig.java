package org.otpappliance.pam.bridge;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.otpappliance.pam.server.PamSocketServer;

/**
 * The standalone bridge's configuration: a properties file (default
 * {@value #DEFAULT_CONFIG_FILE}), each key overridable by an environment variable
 * {@code OTP_PAM_BRIDGE_<KEY>} (upper case, {@code .} and {@code -} as {@code _}: {@code appliance.urls}
 * is {@code OTP_PAM_BRIDGE_APPLIANCE_URLS}). An empty value counts as unset.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><td>{@code appliance.urls}</td><td>required: the appliances' base URLs, comma-separated, tried in order</td></tr>
 *   <tr><td>{@code appliance.api-key-file}</td><td>required: a file holding a {@code validate} API key; must not be world-readable</td></tr>
 *   <tr><td>{@code socket}</td><td>the socket path, default {@code /run/otp-appliance/pam.sock}</td></tr>
 *   <tr><td>{@code socket.group}</td><td>the socket file's group; default: left as created</td></tr>
 *   <tr><td>{@code allowed-users}</td><td>peer users allowed to ask, comma-separated; default {@code root}</td></tr>
 *   <tr><td>{@code timeout-seconds}</td><td>connect and request timeout towards one appliance; default 5</td></tr>
 *   <tr><td>{@code read-timeout-seconds}</td><td>how long a PAM peer has to send its request; default 5</td></tr>
 *   <tr><td>{@code max-connections}</td><td>PAM connections served at once; default 32</td></tr>
 *   <tr><td>{@code truststore}, {@code truststore-password}</td><td>a PKCS12 trust store for a private CA (instead of the JDK's CAs)</td></tr>
 * </table>
 *
 * @param configFile         the file read, or null when none was (the default file is optional)
 * @param truststorePassword never shown by {@link #toString()}
 */
public record BridgeConfig(Path configFile, List<URI> applianceUrls, Path apiKeyFile, Path socket, String socketGroup,
                           Set<String> allowedUsers, Duration timeout, Duration readTimeout, int maxConnections,
                           Path truststore, String truststorePassword) {

    public static final String DEFAULT_CONFIG_FILE = "/etc/otp-appliance/pam-bridge.properties";
    public static final String ENV_PREFIX = "OTP_PAM_BRIDGE_";

    static final String URLS = "appliance.urls";
    static final String API_KEY_FILE = "appliance.api-key-file";
    static final String SOCKET = "socket";
    static final String SOCKET_GROUP = "socket.group";
    static final String ALLOWED_USERS = "allowed-users";
    static final String TIMEOUT = "timeout-seconds";
    static final String READ_TIMEOUT = "read-timeout-seconds";
    static final String MAX_CONNECTIONS = "max-connections";
    static final String TRUSTSTORE = "truststore";
    static final String TRUSTSTORE_PASSWORD = "truststore-password";
    static final Set<String> KEYS = Set.of(URLS, API_KEY_FILE, SOCKET, SOCKET_GROUP, ALLOWED_USERS, TIMEOUT, READ_TIMEOUT,
            MAX_CONNECTIONS, TRUSTSTORE, TRUSTSTORE_PASSWORD);
    /** sun_path of struct sockaddr_un is 108 bytes, NUL included. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    public static final String USAGE = "usage: java -jar pam-bridge.jar [[--config] FILE]   (default " + DEFAULT_CONFIG_FILE + ")";

    public BridgeConfig {
        applianceUrls = List.copyOf(applianceUrls);
        allowedUsers = Set.copyOf(allowedUsers);
    }

    /** The PAM socket server's settings. */
    public PamSocketServer.Settings serverSettings() {
        return new PamSocketServer.Settings(socket, allowedUsers, socketGroup, readTimeout, maxConnections);
    }

    /** Never shows the trust store password. */
    @Override
    public String toString() {
        return "BridgeConfig[configFile=" + configFile + ", applianceUrls=" + applianceUrls + ", apiKeyFile=" + apiKeyFile
                + ", socket=" + socket + ", socketGroup=" + socketGroup + ", allowedUsers=" + allowedUsers + ", timeout=" + timeout
                + ", readTimeout=" + readTimeout + ", maxConnections=" + maxConnections + ", truststore=" + truststore
                + ", truststorePassword=" + (truststorePassword == null ? "(none)" : "(hidden)") + "]";
    }

    /** The configuration named by the command line ({@code [[--config] FILE]}) and the environment. */
    public static BridgeConfig fromArgs(String[] args, Map<String, String> env) throws ConfigException {
        Path file;
        boolean explicit = true;
        if (args.length == 0) {
            file = Path.of(DEFAULT_CONFIG_FILE);
            explicit = false;
        } else if (args.length == 1 && args[0].startsWith("--config=")) {
            file = path(args[0].substring("--config=".length()), "--config");
        } else if (args.length == 1 && !args[0].startsWith("-")) {
            file = path(args[0], "the config file");
        } else if (args.length == 2 && args[0].equals("--config")) {
            file = path(args[1], "--config");
        } else {
            throw new ConfigException("unexpected arguments " + List.of(args) + "; " + USAGE);
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            if (explicit) {
                throw new ConfigException("the config file " + file + " does not exist");
            }
            try {
                return from(properties, env, null); // the environment alone may be enough
            } catch (ConfigException missing) {
                throw new ConfigException(missing.getMessage() + "; the default config file " + file + " does not exist; " + USAGE);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage(), e);
        }
        return from(properties, env, file);
    }

    /** The configuration from properties (from {@code origin}, or null) with the environment's overrides. */
    public static BridgeConfig from(Properties properties, Map<String, String> env, Path origin) throws ConfigException {
        Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + (origin == null ? "" : " in " + origin) + " (known keys: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        }
        Values values = new Values(properties, env, origin);

        String urlsText = values.required(URLS);
        List<URI> urls = new ArrayList<>();
        for (String part : urlsText.split(",")) {
            String text = part.strip();
            if (!text.isEmpty()) {
                urls.add(url(text));
            }
        }
        if (urls.isEmpty()) {
            throw new ConfigException(URLS + " names no URL" + values.where(URLS));
        }
        Path apiKeyFile = path(values.required(API_KEY_FILE), API_KEY_FILE);
        Path socket = path(values.get(SOCKET, PamSocketServer.Settings.DEFAULT_SOCKET_PATH.toString()), SOCKET);
        if (!socket.isAbsolute()) {
            throw new ConfigException(SOCKET + " must be an absolute path" + values.where(SOCKET));
        }
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new ConfigException(SOCKET + " is longer than the " + MAX_SOCKET_PATH_BYTES + " bytes a Unix socket path may have"
                    + values.where(SOCKET));
        }
        String group = values.get(SOCKET_GROUP, null);
        Set<String> users = new LinkedHashSet<>();
        for (String part : values.get(ALLOWED_USERS, "root").split(",")) {
            if (!part.isBlank()) {
                users.add(part.strip());
            }
        }
        if (users.isEmpty()) {
            throw new ConfigException(ALLOWED_USERS + " names no user" + values.where(ALLOWED_USERS));
        }
        int timeout = values.integer(TIMEOUT, 5, 1, 300);
        int readTimeout = values.integer(READ_TIMEOUT, 5, 1, 300);
        int maxConnections = values.integer(MAX_CONNECTIONS, PamSocketServer.Settings.DEFAULT_MAX_CONNECTIONS, 1, 10_000);
        String truststoreText = values.get(TRUSTSTORE, null);
        Path truststore = truststoreText == null ? null : path(truststoreText, TRUSTSTORE);
        String truststorePassword = values.get(TRUSTSTORE_PASSWORD, null);
        if (truststorePassword != null && truststore == null) {
            throw new ConfigException(TRUSTSTORE_PASSWORD + " is set but " + TRUSTSTORE + " is not");
        }
        return new BridgeConfig(origin, urls, apiKeyFile, socket, group, users, Duration.ofSeconds(timeout),
                Duration.ofSeconds(readTimeout), maxConnections, truststore, truststorePassword);
    }

    /**
     * The API key from {@link #apiKeyFile()}: a regular file, not readable by others (mode o-r), one
     * non-empty line.
     */
    public String readApiKey() throws ConfigException {
        Path file = apiKeyFile;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(API_KEY_FILE + ": " + file + " does not exist or is not a regular file");
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            throw new ConfigException(API_KEY_FILE + ": cannot read the mode of " + file + ": " + e.getMessage(), e);
        }
        if (mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new ConfigException(API_KEY_FILE + ": " + file + " is world-readable; make it private (chmod o-r, e.g. 0600 or 0640)");
        }
        String key;
        try {
            key = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigException(API_KEY_FILE + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        if (key.isEmpty()) {
            throw new ConfigException(API_KEY_FILE + ": " + file + " is empty");
        }
        if (key.chars().anyMatch(c -> c <= ' ' || c == 0x7F)) {
            throw new ConfigException(API_KEY_FILE + ": " + file + " must hold the key alone, on one line");
        }
        return key;
    }

    private static URI url(String text) throws ConfigException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(URLS + ": '" + text + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            throw new ConfigException(URLS + ": '" + text + "' is not an http:// or https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigException(URLS + ": '" + uri.getScheme() + "://" + uri.getHost() + "...' must be a base URL "
                    + "(no user info, query or fragment)");
        }
        return uri;
    }

    private static Path path(String text, String what) throws ConfigException {
        try {
            return Path.of(text);
        } catch (RuntimeException e) {
            throw new ConfigException(what + ": '" + text + "' is not a path");
        }
    }

    /** Each key's value: the environment's if set and not empty, else the file's if not empty. */
    private static final class Values {
        private final Properties properties;
        private final Map<String, String> env;
        private final Path origin;

        Values(Properties properties, Map<String, String> env, Path origin) {
            this.properties = properties;
            this.env = env;
            this.origin = origin;
        }

        static String envName(String key) {
            return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }

        String get(String key, String fallback) {
            String fromEnv = env.get(envName(key));
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv.strip();
            }
            String fromFile = properties.getProperty(key);
            if (fromFile != null && !fromFile.isBlank()) {
                return fromFile.strip();
            }
            return fallback;
        }

        String required(String key) throws ConfigException {
            String value = get(key, null);
            if (value == null) {
                throw new ConfigException(key + " is not set (" + (origin == null ? "no config file was read" : "in " + origin)
                        + "; or set " + envName(key) + ")");
            }
            return value;
        }

        int integer(String key, int fallback, int min, int max) throws ConfigException {
            String text = get(key, null);
            if (text == null) {
                return fallback;
            }
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(key + ": '" + text + "' is not a whole number" + where(key));
            }
            if (value < min || value > max) {
                throw new ConfigException(key + ": " + value + " is out of range " + min + ".." + max + where(key));
            }
            return value;
        }

        String where(String key) {
            String fromEnv = env.get(envName(key));
            if (fromEnv != null && !fromEnv.isBlank()) {
                return " (from " + envName(key) + ")";
            }
            return origin == null ? "" : " (in " + origin + ")";
        }
    }
}
