package org.otpappliance.tokenimport;

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

/**
 * A self-signed certificate for 127.0.0.1, made with the JDK's keytool, for fake appliances that speak HTTPS: the
 * server's key store, the certificate as PEM ({@link #pem}) and a PKCS12 trust store holding it ({@link #trustStore},
 * password {@link #STORE_PASSWORD}), the files a test gives the tool as {@code --truststore}.
 */
public final class TestTls {
    public static final String STORE_PASSWORD = "changeit-7Qx";

    public final Path pem;
    public final Path trustStore;
    private final Path serverStore;

    private TestTls(Path dir) {
        this.serverStore = dir.resolve("server.p12");
        this.pem = dir.resolve("appliance.pem");
        this.trustStore = dir.resolve("trust.p12");
    }

    /** Writes the key store, the PEM certificate and the trust store into {@code dir}. */
    public static TestTls create(Path dir) throws IOException, InterruptedException {
        TestTls tls = new TestTls(dir);
        keytool("-genkeypair", "-alias", "appliance", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", tls.serverStore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "appliance", "-keystore", tls.serverStore.toString(),
                "-storepass", STORE_PASSWORD, "-file", tls.pem.toString());
        keytool("-importcert", "-noprompt", "-alias", "appliance", "-file", tls.pem.toString(),
                "-storetype", "PKCS12", "-keystore", tls.trustStore.toString(), "-storepass", STORE_PASSWORD);
        return tls;
    }

    /** The server side: an SSL context presenting the certificate. */
    public SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
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
