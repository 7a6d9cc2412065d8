package org.otpappliance.appliance.config;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The operator's settings, read and checked once at start (a bad value stops the start with a
 * message naming the key). Every key is also an environment variable by MicroProfile's rule (upper
 * case, non-alphanumerics to '_'): {@code otp.appliance.data-dir} is {@code OTP_APPLIANCE_DATA_DIR}.
 * docs/configuration.md lists them all.
 */
@ApplicationScoped
public class ApplianceConfig {
    private Path dataDir;
    private String dbUrl;
    private String dbUser;
    private String dbPassword;
    private int dbPoolSize;
    private Optional<String> masterKey;
    private Path masterKeyFile;
    private String issuer;
    private int maxFailures;
    private long lockCooldownSeconds;
    private int hotpLookAhead;
    private int totpWindow;
    private int resyncWindow;
    private int tokenCacheSeconds;
    private String nodeName;
    private int challengeCodeLength;
    private int challengeValiditySeconds;
    private int challengeMaxAttempts;
    private int challengeResendCooldownSeconds;
    private int challengeSendsPerUserPerHour;
    private int challengeSendsPerDestinationPerHour;
    private Optional<Path> pamSocket;
    private String pamSocketGroup;
    private Set<String> pamAllowedUsers;
    private int pamReadTimeoutSeconds;
    private int pamMaxConnections;
    private boolean pamNullok;
    private int radiusPort;
    private InetAddress radiusBindAddress;
    private int radiusDuplicateCacheSize;
    private int userFailureLimit;
    private int userFailureWindowSeconds;
    private int sourceFailureLimit;
    private int sourceFailureWindowSeconds;
    private int consoleIdleTimeoutMinutes;
    private int consoleMaxSessionHours;

    @PostConstruct
    void read() {
        Config config = ConfigProvider.getConfig(ApplianceConfig.class.getClassLoader());
        dataDir = Path.of(string(config, "otp.appliance.data-dir").orElse("./data")).toAbsolutePath().normalize();
        dbUrl = string(config, "otp.appliance.db-url").orElseGet(() ->
                "jdbc:h2:file:" + dataDir.resolve("otp-appliance") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
        dbUser = string(config, "otp.appliance.db-user").orElse("otp");
        dbPassword = string(config, "otp.appliance.db-password").orElse("");
        dbPoolSize = integer(config, "otp.appliance.db-pool-size", 16, 3, 1000);
        masterKey = string(config, "otp.appliance.master-key");
        masterKeyFile = string(config, "otp.appliance.master-key-file").map(Path::of).orElseGet(() -> dataDir.resolve("master.key"));
        issuer = string(config, "otp.appliance.issuer").orElse("OTP Appliance");
        maxFailures = integer(config, "otp.appliance.max-failures", 10, 1, 1_000_000);
        lockCooldownSeconds = integer(config, "otp.appliance.lock-cooldown-seconds", 0, 0, Integer.MAX_VALUE);
        hotpLookAhead = integer(config, "otp.appliance.hotp-look-ahead", 10, 0, 1000);
        totpWindow = integer(config, "otp.appliance.totp-window", 1, 0, 100);
        resyncWindow = integer(config, "otp.appliance.resync-window", 100, 1, 100_000);
        tokenCacheSeconds = integer(config, "otp.appliance.token-cache-seconds", 30, 0, 86_400);
        nodeName = string(config, "otp.appliance.node-name").orElseGet(ApplianceConfig::hostName);
        challengeCodeLength = integer(config, "otp.appliance.challenge.code-length", 6, 4, 10);
        challengeValiditySeconds = integer(config, "otp.appliance.challenge.validity-seconds", 120, 10, 86_400);
        challengeMaxAttempts = integer(config, "otp.appliance.challenge.max-attempts", 5, 1, 100);
        challengeResendCooldownSeconds = integer(config, "otp.appliance.challenge.resend-cooldown-seconds", 30, 0, 86_400);
        challengeSendsPerUserPerHour = integer(config, "otp.appliance.challenge.sends-per-user-per-hour", 10, 1, 1_000_000);
        challengeSendsPerDestinationPerHour = integer(config, "otp.appliance.challenge.sends-per-destination-per-hour", 10, 1, 1_000_000);
        pamSocket = string(config, "otp.appliance.pam.socket").map(Path::of);
        pamSocketGroup = string(config, "otp.appliance.pam.socket-group").orElse(null);
        pamAllowedUsers = Set.copyOf(Arrays.stream(string(config, "otp.appliance.pam.allowed-users").orElse("root").split(","))
                .map(String::strip).filter(u -> !u.isEmpty()).toList());
        if (pamAllowedUsers.isEmpty()) {
            throw new IllegalStateException("setting otp.appliance.pam.allowed-users must name at least one user");
        }
        pamReadTimeoutSeconds = integer(config, "otp.appliance.pam.read-timeout-seconds", 5, 1, 300);
        pamMaxConnections = integer(config, "otp.appliance.pam.max-connections", 32, 1, 10_000);
        pamNullok = bool(config, "otp.appliance.pam.nullok");
        radiusPort = integer(config, "otp.appliance.radius.port", 1812, 0, 65535);
        radiusDuplicateCacheSize = integer(config, "otp.appliance.radius.duplicate-cache-size", 500_000, 1_000, 10_000_000);
        String bind = string(config, "otp.appliance.radius.bind-address").orElse("0.0.0.0");
        try {
            radiusBindAddress = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("setting otp.appliance.radius.bind-address is not an address: " + bind, e);
        }
        userFailureLimit = integer(config, "otp.appliance.rate-limit.user-failures", 20, 0, 1_000_000);
        userFailureWindowSeconds = integer(config, "otp.appliance.rate-limit.user-window-seconds", 600, 1, 86_400);
        sourceFailureLimit = integer(config, "otp.appliance.rate-limit.source-failures", 100, 0, 1_000_000);
        sourceFailureWindowSeconds = integer(config, "otp.appliance.rate-limit.source-window-seconds", 60, 1, 86_400);
        consoleIdleTimeoutMinutes = integer(config, "otp.appliance.console.idle-timeout-minutes", 15, 1, 1440);
        consoleMaxSessionHours = integer(config, "otp.appliance.console.max-session-hours", 8, 1, 168);
        if (nodeName.length() > 64) {
            throw new IllegalStateException("setting otp.appliance.node-name must be at most 64 characters");
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** JDBC URL; default an H2 file in the data dir, durable at every commit (WRITE_DELAY=0). */
    public String dbUrl() {
        return dbUrl;
    }

    public String dbUser() {
        return dbUser;
    }

    public String dbPassword() {
        return dbPassword;
    }

    public int dbPoolSize() {
        return dbPoolSize;
    }

    /** Base64 of 32 bytes; when absent the key lives in {@link #masterKeyFile()}. */
    public Optional<String> masterKey() {
        return masterKey;
    }

    public Path masterKeyFile() {
        return masterKeyFile;
    }

    public String issuer() {
        return issuer;
    }

    public int maxFailures() {
        return maxFailures;
    }

    /** Seconds after the last failure at which a locked token may try again; 0: only an admin unlocks. */
    public long lockCooldownSeconds() {
        return lockCooldownSeconds;
    }

    public int hotpLookAhead() {
        return hotpLookAhead;
    }

    public int totpWindow() {
        return totpWindow;
    }

    public int resyncWindow() {
        return resyncWindow;
    }

    /** How long a node trusts its cached copy of a user's tokens before reading them again. */
    public int tokenCacheSeconds() {
        return tokenCacheSeconds;
    }

    /** This node's name in the audit log. */
    public String nodeName() {
        return nodeName;
    }

    /** Digits of an SMS or e-mail code. */
    public int challengeCodeLength() {
        return challengeCodeLength;
    }

    /** How long a sent code can be used. */
    public int challengeValiditySeconds() {
        return challengeValiditySeconds;
    }

    /** Codes that may be tried against one challenge, right or wrong. */
    public int challengeMaxAttempts() {
        return challengeMaxAttempts;
    }

    /** The least time between two codes sent for one token. */
    public int challengeResendCooldownSeconds() {
        return challengeResendCooldownSeconds;
    }

    public int challengeSendsPerUserPerHour() {
        return challengeSendsPerUserPerHour;
    }

    public int challengeSendsPerDestinationPerHour() {
        return challengeSendsPerDestinationPerHour;
    }

    /** The PAM bridge's socket on this host; none: the appliance serves no socket. */
    public Optional<Path> pamSocket() {
        return pamSocket;
    }

    /** The group the socket file is given (mode 0660), or null to keep the process's. */
    public String pamSocketGroup() {
        return pamSocketGroup;
    }

    /** The peer users (SO_PEERCRED) the socket answers. */
    public Set<String> pamAllowedUsers() {
        return pamAllowedUsers;
    }

    public int pamReadTimeoutSeconds() {
        return pamReadTimeoutSeconds;
    }

    public int pamMaxConnections() {
        return pamMaxConnections;
    }

    /**
     * Whether PAM may learn that a user has no token (the module's nullok then lets such users
     * through). Off by default: it tells PAM peers and PAM bridges' API keys who is enrolled.
     */
    public boolean pamNullok() {
        return pamNullok;
    }

    /** Whether the appliance answers RADIUS: on unless the port is set to 0. */
    public boolean radiusEnabled() {
        return radiusPort != 0;
    }

    /** The UDP port of the RADIUS server (1812 by default). */
    public int radiusPort() {
        return radiusPort;
    }

    public InetAddress radiusBindAddress() {
        return radiusBindAddress;
    }

    /**
     * How many answers the RADIUS server keeps for retransmissions (for up to 30 s each): enough
     * for 30 s at about 16,000 answers/s by default; a few hundred bytes each.
     */
    public int radiusDuplicateCacheSize() {
        return radiusDuplicateCacheSize;
    }

    /** A console session ends after this many minutes without a request. */
    public int consoleIdleTimeoutMinutes() {
        return consoleIdleTimeoutMinutes;
    }

    /** Failures of one user (any entry point, any source) that close the user's window; 0: no limit. */
    public int userFailureLimit() {
        return userFailureLimit;
    }

    public int userFailureWindowSeconds() {
        return userFailureWindowSeconds;
    }

    /** Failures from one source (client address, NAS and caller, login host) that close its window; 0: no limit. */
    public int sourceFailureLimit() {
        return sourceFailureLimit;
    }

    public int sourceFailureWindowSeconds() {
        return sourceFailureWindowSeconds;
    }

    /** A console session ends this many hours after the login, however busy. */
    public int consoleMaxSessionHours() {
        return consoleMaxSessionHours;
    }

    private static boolean bool(Config config, String key) {
        String v = string(config, key).orElse("false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalStateException("setting " + key + " must be true or false");
        }
        return v.equals("true");
    }

    private static Optional<String> string(Config config, String key) {
        return config.getOptionalValue(key, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static int integer(Config config, String key, int defaultValue, int min, int max) {
        Optional<String> v = string(config, key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int i = Integer.parseInt(v.get());
            if (i < min || i > max) {
                throw new IllegalStateException("setting " + key + " must be between " + min + " and " + max);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting " + key + " must be a whole number", e);
        }
    }

    private static String hostName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            return host.length() > 64 ? host.substring(0, 64) : host;
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
