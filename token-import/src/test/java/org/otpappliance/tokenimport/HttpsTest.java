package org.otpappliance.tokenimport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS: the appliance's certificate is verified against the JDK's CAs by default (a self-signed one is refused),
 * and against {@code --truststore} (PEM or PKCS12) when given. The certificate is made with the JDK's keytool.
 */
class HttpsTest {
    private static final String STORE_PASSWORD = "changeit-7Qx";

    @TempDir
    static Path dir;
    static FakeAppliance appliance;
    static Path apiKey;
    static Path csv;

    @BeforeAll
    static void start() throws Exception {
        Path serverStore = dir.resolve("server.p12");
        keytool("-genkeypair", "-alias", "appliance", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", serverStore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "appliance", "-keystore", serverStore.toString(),
                "-storepass", STORE_PASSWORD, "-file", dir.resolve("appliance.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "appliance", "-file", dir.resolve("appliance.pem").toString(),
                "-storetype", "PKCS12", "-keystore", dir.resolve("trust.p12").toString(), "-storepass", STORE_PASSWORD);
        appliance = FakeAppliance.startHttps(serverContext(serverStore));
        apiKey = Cli.keyFile(dir, "admin.key", FakeAppliance.ADMIN_KEY);
        csv = dir.resolve("tokens.csv");
        Files.writeString(csv, "S1,3132333435363738393031323334353637383930,totp,6,30\n");
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    private static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("file", csv.toString(), "--server", appliance.base().toString(),
                "--api-key-file", apiKey.toString(), "--replace"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void aCertificateNoCaVouchesForIsRefused() {
        Cli.Result r = Cli.run(args().toArray(String[]::new));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("TLS with " + appliance.base() + " failed"), r.err());
        assertTrue(r.err().contains("--truststore"), r.err());
        r.assertNoSecrets(FakeAppliance.ADMIN_KEY, FileCommandTest.RFC_SECRET_BASE32);
    }

    @Test
    void aPemTrustStore() {
        Cli.Result r = Cli.run(args("--truststore", dir.resolve("appliance.pem").toString()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(appliance.tokens.containsKey("S1"));
    }

    @Test
    void aPkcs12TrustStoreWithItsPassword() throws IOException {
        Path password = Cli.keyFile(dir, "trust.pw", STORE_PASSWORD + "\n");
        Cli.Result r = Cli.run(args("--truststore", dir.resolve("trust.p12").toString(),
                "--truststore-password-file", password.toString()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
    }

    @Test
    void anEmptyTrustStoreIsAnError() throws IOException {
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        Cli.Result r = Cli.run(args("--truststore", empty.toString()).toArray(String[]::new));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--truststore"), r.err());
    }

    private static SSLContext serverContext(Path store) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, STORE_PASSWORD.toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        return ssl;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }
}
