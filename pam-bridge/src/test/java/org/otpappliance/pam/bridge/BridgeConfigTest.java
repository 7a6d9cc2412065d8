package org.otpappliance.pam.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeConfigTest {
    @TempDir
    Path dir;

    Path file(String name, String text, String mode) throws IOException {
        Path path = dir.resolve(name);
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        return path;
    }

    static Properties properties(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    static BridgeConfig config(Properties p) throws ConfigException {
        return BridgeConfig.from(p, Map.of(), null);
    }

    static String error(Properties p) {
        return assertThrows(ConfigException.class, () -> config(p)).getMessage();
    }

    static Properties minimal(String... more) {
        Properties p = properties("appliance.urls", "https://otp1.example.org", "appliance.api-key-file", "/etc/otp-appliance/pam-bridge.key");
        for (int i = 0; i < more.length; i += 2) {
            p.setProperty(more[i], more[i + 1]);
        }
        return p;
    }

    @Test
    void theDefaults() throws ConfigException {
        BridgeConfig config = config(minimal());
        assertEquals(List.of(URI.create("https://otp1.example.org")), config.applianceUrls());
        assertEquals(Path.of("/etc/otp-appliance/pam-bridge.key"), config.apiKeyFile());
        assertEquals(Path.of("/run/otp-appliance/pam.sock"), config.socket());
        assertNull(config.socketGroup());
        assertEquals(Set.of("root"), config.allowedUsers());
        assertEquals(Duration.ofSeconds(5), config.timeout());
        assertEquals(Duration.ofSeconds(5), config.readTimeout());
        assertEquals(32, config.maxConnections());
        assertNull(config.truststore());
    }

    @Test
    void everyKey() throws ConfigException {
        BridgeConfig config = config(minimal("appliance.urls", " https://otp1.example.org , https://otp2.example.org:8443/otp/ ,",
                "socket", "/run/otp/pam.sock", "socket.group", "otp-pam", "allowed-users", "root, gdm", "timeout-seconds", "3",
                "read-timeout-seconds", "7", "max-connections", "8", "truststore", "/etc/otp-appliance/ca.p12",
                "truststore-password", "s3cret"));
        assertEquals(List.of(URI.create("https://otp1.example.org"), URI.create("https://otp2.example.org:8443/otp/")), config.applianceUrls());
        assertEquals(Path.of("/run/otp/pam.sock"), config.socket());
        assertEquals("otp-pam", config.socketGroup());
        assertEquals(Set.of("root", "gdm"), config.allowedUsers());
        assertEquals(Duration.ofSeconds(3), config.timeout());
        assertEquals(Duration.ofSeconds(7), config.readTimeout());
        assertEquals(8, config.maxConnections());
        assertEquals(Path.of("/etc/otp-appliance/ca.p12"), config.truststore());
        assertEquals("s3cret", config.truststorePassword());
        assertFalse(config.toString().contains("s3cret"));
        assertEquals(new org.otpappliance.pam.server.PamSocketServer.Settings(Path.of("/run/otp/pam.sock"), Set.of("root", "gdm"), "otp-pam",
                Duration.ofSeconds(7), 8), config.serverSettings());
    }

    @Test
    void theEnvironmentOverridesTheFile() throws ConfigException {
        BridgeConfig config = BridgeConfig.from(minimal("max-connections", "8"), Map.of(
                "OTP_PAM_BRIDGE_APPLIANCE_URLS", "https://env.example.org",
                "OTP_PAM_BRIDGE_APPLIANCE_API_KEY_FILE", "/run/secrets/key",
                "OTP_PAM_BRIDGE_SOCKET_GROUP", "wheel",
                "OTP_PAM_BRIDGE_READ_TIMEOUT_SECONDS", "9",
                "OTP_PAM_BRIDGE_MAX_CONNECTIONS", ""), null);
        assertEquals(List.of(URI.create("https://env.example.org")), config.applianceUrls());
        assertEquals(Path.of("/run/secrets/key"), config.apiKeyFile());
        assertEquals("wheel", config.socketGroup());
        assertEquals(Duration.ofSeconds(9), config.readTimeout());
        assertEquals(8, config.maxConnections(), "an empty variable counts as unset");
        String message = assertThrows(ConfigException.class,
                () -> BridgeConfig.from(minimal(), Map.of("OTP_PAM_BRIDGE_TIMEOUT_SECONDS", "soon"), null)).getMessage();
        assertTrue(message.contains("OTP_PAM_BRIDGE_TIMEOUT_SECONDS"), message);
    }

    @Test
    void badValuesAreClearErrors() {
        assertTrue(error(properties("appliance.api-key-file", "/k")).startsWith("appliance.urls is not set"));
        assertTrue(error(properties("appliance.api-key-file", "/k")).contains("OTP_PAM_BRIDGE_APPLIANCE_URLS"));
        assertTrue(error(properties("appliance.urls", "https://a")).startsWith("appliance.api-key-file is not set"));
        assertTrue(error(minimal("appliance.urls", " , ")).contains("names no URL"));
        assertTrue(error(minimal("appliance.urls", "ftp://otp.example.org")).contains("not an http:// or https:// URL"));
        assertTrue(error(minimal("appliance.urls", "otp.example.org")).contains("not an http:// or https:// URL"));
        assertTrue(error(minimal("appliance.urls", "https://otp example.org")).contains("is not a URL"));
        assertTrue(error(minimal("appliance.urls", "https://user:pw@otp.example.org")).contains("base URL"));
        assertFalse(error(minimal("appliance.urls", "https://user:pw@otp.example.org")).contains("pw"), "never echoes credentials");
        assertTrue(error(minimal("timeout-seconds", "five")).contains("timeout-seconds: 'five' is not a whole number"));
        assertTrue(error(minimal("timeout-seconds", "0")).contains("out of range 1..300"));
        assertTrue(error(minimal("read-timeout-seconds", "-1")).contains("read-timeout-seconds"));
        assertTrue(error(minimal("max-connections", "0")).contains("max-connections: 0 is out of range"));
        assertTrue(error(minimal("socket", "run/pam.sock")).contains("absolute"));
        assertTrue(error(minimal("socket", "/" + "d".repeat(120))).contains("107 bytes"));
        assertTrue(error(minimal("allowed-users", " , ")).contains("names no user"));
        assertTrue(error(minimal("truststore-password", "x")).contains("truststore is not"));
        String unknown = error(minimal("appliance.url", "https://typo"));
        assertTrue(unknown.contains("unknown key appliance.url"), unknown);
    }

    @Test
    void theCommandLineNamesTheFile() throws Exception {
        Path config = file("bridge.properties", "appliance.urls=https://otp1.example.org\nappliance.api-key-file=/k\n", "rw-r-----");
        assertEquals(config, BridgeConfig.fromArgs(new String[] {config.toString()}, Map.of()).configFile());
        assertEquals(config, BridgeConfig.fromArgs(new String[] {"--config", config.toString()}, Map.of()).configFile());
        assertEquals(config, BridgeConfig.fromArgs(new String[] {"--config=" + config}, Map.of()).configFile());
        String missing = assertThrows(ConfigException.class,
                () -> BridgeConfig.fromArgs(new String[] {dir.resolve("nope.properties").toString()}, Map.of())).getMessage();
        assertTrue(missing.contains("does not exist"), missing);
        String bad = assertThrows(ConfigException.class, () -> BridgeConfig.fromArgs(new String[] {"--verbose"}, Map.of())).getMessage();
        assertTrue(bad.contains("usage:"), bad);
        assertThrows(ConfigException.class, () -> BridgeConfig.fromArgs(new String[] {"a", "b"}, Map.of()));
        String where = assertThrows(ConfigException.class, () -> BridgeConfig.fromArgs(new String[] {
                file("bad.properties", "appliance.urls=https://a\nappliance.api-key-file=/k\nmax-connections=lots\n", "rw-------").toString()},
                Map.of())).getMessage();
        assertTrue(where.contains("bad.properties"), "names the file: " + where);
    }

    @Test
    void theApiKeyFileMustBePrivate() throws Exception {
        Path key = file("key", "otpa_abc\n", "rw-r-----");
        BridgeConfig config = config(minimal("appliance.api-key-file", key.toString()));
        assertEquals("otpa_abc", config.readApiKey());

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        String open = assertThrows(ConfigException.class, config::readApiKey).getMessage();
        assertTrue(open.contains("world-readable"), open);
        assertFalse(open.contains("otpa_abc"));

        String missing = assertThrows(ConfigException.class,
                () -> config(minimal("appliance.api-key-file", dir.resolve("none").toString())).readApiKey()).getMessage();
        assertTrue(missing.contains("does not exist"), missing);
        Path empty = file("empty", " \n", "rw-------");
        assertTrue(assertThrows(ConfigException.class, () -> config(minimal("appliance.api-key-file", empty.toString())).readApiKey())
                .getMessage().contains("is empty"));
        Path two = file("two", "otpa_abc\notpa_def\n", "rw-------");
        assertTrue(assertThrows(ConfigException.class, () -> config(minimal("appliance.api-key-file", two.toString())).readApiKey())
                .getMessage().contains("one line"));
    }

    @Test
    void aTrustStoreThatCannotBeLoadedIsAConfigError() throws Exception {
        Path key = file("key", "otpa_abc\n", "rw-------");
        Path store = file("ca.p12", "garbage", "rw-r--r--");
        BridgeConfig config = config(minimal("appliance.api-key-file", key.toString(), "truststore", store.toString()));
        String message = assertThrows(ConfigException.class, () -> BridgeMain.validator(config)).getMessage();
        assertTrue(message.startsWith("truststore: cannot load"), message);
    }
}
