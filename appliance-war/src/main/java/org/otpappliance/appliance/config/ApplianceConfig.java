package org.otpappliance.appliance.config;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The operator's settings, read once through MicroProfile Config. Every key is also an environment
 * variable by MicroProfile's rule (upper case, non-alphanumerics to '_'): {@code otp.appliance.data-dir}
 * is {@code OTP_APPLIANCE_DATA_DIR}. docs/configuration.md lists them all.
 */
@ApplicationScoped
public class ApplianceConfig {
    private final Config config = ConfigProvider.getConfig(ApplianceConfig.class.getClassLoader());

    public Path dataDir() {
        return Path.of(string("otp.appliance.data-dir").orElse("./data")).toAbsolutePath().normalize();
    }

    /** JDBC URL; default an H2 file in the data dir, durable at every commit (WRITE_DELAY=0). */
    public String dbUrl() {
        return string("otp.appliance.db-url").orElseGet(() ->
                "jdbc:h2:file:" + dataDir().resolve("otp-appliance") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
    }

    public String dbUser() {
        return string("otp.appliance.db-user").orElse("otp");
    }

    public String dbPassword() {
        return string("otp.appliance.db-password").orElse("");
    }

    public int dbPoolSize() {
        return integer("otp.appliance.db-pool-size", 16);
    }

    /** Base64 of 32 bytes; when absent the key lives in {@link #masterKeyFile()}. */
    public Optional<String> masterKey() {
        return string("otp.appliance.master-key");
    }

    public Path masterKeyFile() {
        return string("otp.appliance.master-key-file").map(Path::of).orElseGet(() -> dataDir().resolve("master.key"));
    }

    public String issuer() {
        return string("otp.appliance.issuer").orElse("OTP Appliance");
    }

    public int maxFailures() {
        return integer("otp.appliance.max-failures", 10);
    }

    /** Seconds after the last failure at which a locked token may try again; 0: only an admin unlocks. */
    public long lockCooldownSeconds() {
        return integer("otp.appliance.lock-cooldown-seconds", 0);
    }

    public int hotpLookAhead() {
        return integer("otp.appliance.hotp-look-ahead", 10);
    }

    public int totpWindow() {
        return integer("otp.appliance.totp-window", 1);
    }

    public int resyncWindow() {
        return integer("otp.appliance.resync-window", 100);
    }

    /** How long a node trusts its cached copy of a user's tokens before reading them again. */
    public int tokenCacheSeconds() {
        return integer("otp.appliance.token-cache-seconds", 30);
    }

    public String nodeName() {
        return string("otp.appliance.node-name").orElseGet(() -> {
            String host = System.getenv("HOSTNAME");
            return host == null || host.isBlank() ? "node" : host;
        });
    }

    private Optional<String> string(String key) {
        return config.getOptionalValue(key, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private int integer(String key, int defaultValue) {
        Optional<String> v = string(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.get());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("setting " + key + " must be a whole number", e);
        }
    }
}
