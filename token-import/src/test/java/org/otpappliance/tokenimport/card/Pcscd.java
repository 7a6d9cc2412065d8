package org.otpappliance.tokenimport.card;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private pcscd for the tests: its own reader configuration (one vsmartcard vpcd reader line on free ports: two
 * readers, "Virtual PCD 00 00" and "Virtual PCD 00 01") and its own socket. pcscd always uses /run/pcscd; it runs
 * in a private mount namespace ({@code unshare -m}) where that directory is bound to {@code socketDir}, and the test
 * JVM's libpcsclite finds it through {@code PCSCLITE_CSOCK_NAME} (set by surefire in token-import/pom.xml). A system
 * pcscd is left alone.
 *
 * <p>One pcscd serves the whole test JVM ({@link #shared()}): javax.smartcardio establishes one PC/SC context per
 * JVM and keeps it, so the JVM keeps to the pcscd it was made with. The test classes take turns with its two
 * readers: each puts its virtual cards in before its tests and takes them out after. (A second reader line would
 * not add readers: vpcd keeps one table of slots for all its lines, and the cards of the second line's ports showed
 * up in the first line's readers.)
 */
final class Pcscd implements AutoCloseable {
    static final Path VPCD_DRIVER = Path.of("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");

    /** The first reader, whose card connects to {@link #port}. */
    static final String READER_0 = "Virtual PCD 00 00";
    /** The second reader, whose card connects to {@link #port} + 1. */
    static final String READER_1 = "Virtual PCD 00 01";

    private static Pcscd shared;

    final int port;
    final Path log;
    private final Process process;

    private Pcscd(int port, Path log, Process process) {
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** The test JVM's pcscd, started on first use (in target/pcscd-rig) and stopped when the JVM ends. */
    /**
     * The shared pcscd, for a test class's set-up: when the rig is incomplete the class fails under CI
     * (set) and is skipped, saying why, elsewhere.
     */
    static Pcscd sharedOrSkip() throws IOException, InterruptedException {
        String missing = missing();
        if (missing != null) {
            if (System.getenv("CI") != null) {
                fail("CI is set and the PC/SC test rig is incomplete: " + missing);
            }
            assumeTrue(false, "PC/SC test rig: " + missing);
        }
        return shared();
    }

    static synchronized Pcscd shared() throws IOException, InterruptedException {
        if (shared == null) {
            Path work = Path.of(System.getenv("PCSCLITE_CSOCK_NAME")).getParent().resolveSibling("pcscd-rig");
            Pcscd started = start(Files.createDirectories(work));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "pcscd-stop"));
            shared = started;
        }
        return shared;
    }

    /** Why this machine cannot run the test, or null when it can. */
    static String missing() {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root (for a private mount namespace)");
        }
        if (findPcscd() == null) {
            missing.add("pcscd (apt-get install pcscd)");
        }
        if (!Files.exists(VPCD_DRIVER)) {
            missing.add("the vpcd reader driver (apt-get install vsmartcard-vpcd)");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            missing.add("unshare (util-linux)");
        }
        if (System.getenv("PCSCLITE_CSOCK_NAME") == null) {
            missing.add("PCSCLITE_CSOCK_NAME in the environment (set by surefire: run through Maven)");
        }
        return missing.isEmpty() ? null : "missing: " + String.join(", ", missing);
    }

    static Path findPcscd() {
        for (String p : new String[] {"/usr/sbin/pcscd", "/sbin/pcscd", "/usr/bin/pcscd"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** Starts pcscd with a vpcd reader on two free ports (vpcd opens PORT and PORT+1, readers "... 00 00" / "00 01"). */
    private static Pcscd start(Path workDir) throws IOException, InterruptedException {
        Path socket = Path.of(System.getenv("PCSCLITE_CSOCK_NAME"));
        Path socketDir = socket.getParent();
        if (!socket.getFileName().toString().equals("pcscd.comm")) {
            throw new IllegalStateException("PCSCLITE_CSOCK_NAME must end in /pcscd.comm: " + socket);
        }
        Files.createDirectories(socketDir);
        Files.deleteIfExists(socket);
        int port = twoFreePorts();
        Path conf = Files.createDirectories(workDir.resolve("reader.conf.d"));
        Files.writeString(conf.resolve("vpcd"), String.format(
                "FRIENDLYNAME \"Virtual PCD\"%nDEVICENAME   /dev/null:0x%X%nLIBPATH      %s%nCHANNELID    0x%X%n",
                port, VPCD_DRIVER, port));
        Path log = workDir.resolve("pcscd.log");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                "mkdir -p /run/pcscd && mount --bind \"$1\" /run/pcscd && exec \"$2\" -f -c \"$3\"",
                "sh", socketDir.toString(), findPcscd().toString(), conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!Files.exists(socket) || !listening(port)) {
            if (!p.isAlive()) {
                throw new IOException("pcscd ended with status " + p.exitValue() + ": " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroy();
                throw new IOException("pcscd did not start within 15 s: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return new Pcscd(port, log, p);
    }

    private static boolean listening(int port) {
        // vpcd accepts one card per slot; probing with a connect would take the slot. Try to bind instead.
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
            return false; // still free: vpcd has not bound it yet
        } catch (IOException e) {
            return true;
        }
    }

    private static int twoFreePorts() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
                port = s.getLocalPort();
            }
            if (port < 65535) {
                try (ServerSocket s = new ServerSocket(port + 1, 1, InetAddress.getByName("0.0.0.0"))) {
                    return port;
                } catch (IOException e) {
                    // next attempt
                }
            }
        }
        throw new IOException("no two consecutive free ports");
    }

    /** Stops this pcscd (by its own process handle) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
