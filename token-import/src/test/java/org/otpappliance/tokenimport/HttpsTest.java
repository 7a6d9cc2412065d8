package org.otpappliance.tokenimport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS: the appliance's certificate is verified against the JDK's CAs by default (a self-signed one is refused),
 * and against {@code --truststore} (PEM or PKCS12) when given. The certificate is {@link TestTls}'s.
 */
class HttpsTest {
    @TempDir
    static Path dir;
    static FakeAppliance appliance;
    static Path apiKey;
    static Path csv;
    static TestTls tls;

    @BeforeAll
    static void start() throws Exception {
        tls = TestTls.create(dir);
        appliance = FakeAppliance.startHttps(tls.serverContext());
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
        Cli.Result r = Cli.run(args("--truststore", tls.pem.toString()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(appliance.tokens.containsKey("S1"));
    }

    @Test
    void aPkcs12TrustStoreWithItsPassword() throws IOException {
        Path password = Cli.keyFile(dir, "trust.pw", TestTls.STORE_PASSWORD + "\n");
        Cli.Result r = Cli.run(args("--truststore", tls.trustStore.toString(),
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
}
