package org.otpappliance.appliance.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real appliance, as an operator runs it: the uber jar in its own JVM, on a free port, with its
 * own data directory. Tests talk to it over HTTP and may kill it with SIGKILL.
 */
public final class Appliance implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(240);

    private final Path dataDir;
    private final Map<String, String> env;
    /** False for a node joining a database that may already have an admin client: such a node writes no admin.key. */
    private final boolean writesAdminKey;
    private final int port;
    private Process process;
    private final Path log;
    /** Payara Micro's working copy of its runtime (about 150 MB): removed when the process has ended. */
    private Path rootDir;

    private Appliance(Path dataDir, Map<String, String> env, boolean writesAdminKey) throws IOException {
        this.dataDir = dataDir;
        this.env = env;
        this.writesAdminKey = writesAdminKey;
        this.port = freePort();
        this.log = Path.of(System.getProperty("java.io.tmpdir")).resolve("appliance-" + port + ".log");
    }

    /** Starts an appliance on {@code dataDir} with extra environment variables, and waits until it is ready. */
    public static Appliance start(Path dataDir, Map<String, String> env) throws IOException, InterruptedException {
        Appliance a = new Appliance(dataDir, env, true);
        a.launch();
        return a;
    }

    /**
     * Starts one of several nodes on a shared database and waits until it is ready. Only the node that
     * creates the first admin client writes {@code admin.key}, so none is waited for.
     */
    public static Appliance startNode(Path dataDir, Map<String, String> env) throws IOException, InterruptedException {
        Appliance a = new Appliance(dataDir, env, false);
        a.launch();
        return a;
    }

    /**
     * Starts an appliance that is expected to refuse to start, waits for its process to end, and
     * returns its exit code and console output.
     */
    public static Refusal startExpectingRefusal(Path dataDir, Map<String, String> env) throws IOException, InterruptedException {
        Appliance a = new Appliance(dataDir, env, true);
        a.process = a.processBuilder().start();
        if (!a.process.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)) {
            a.process.destroyForcibly().waitFor();
            a.removeRuntime();
            throw new IllegalStateException("the appliance did not stop by itself; see " + a.log);
        }
        a.removeRuntime();
        return new Refusal(a.process.exitValue(), Files.readString(a.log));
    }

    public record Refusal(int exitCode, String log) {
    }

    private ProcessBuilder processBuilder() throws IOException {
        String jar = System.getProperty("appliance.jar", "target/otp-appliance.jar");
        rootDir = Files.createTempDirectory("payara-root");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Djava.io.tmpdir=" + rootDir, "-jar", jar,
                "--port", String.valueOf(port), "--nohazelcast", "--rootDir", rootDir.resolve("root").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OTP_APPLIANCE_DATA_DIR", dataDir.toString());
        // RADIUS off unless a test asks for it: several appliances run at once, and 1812 is shared.
        pb.environment().put("OTP_APPLIANCE_RADIUS_PORT", "0");
        // Every test's requests come from 127.0.0.1: a limit per source would let one test's failures
        // refuse the next test. RateLimitIT turns it on (and the limit per user stays at its default).
        pb.environment().put("OTP_APPLIANCE_RATE_LIMIT_SOURCE_FAILURES", "0");
        pb.environment().putAll(env);
        return pb;
    }

    private void launch() throws IOException, InterruptedException {
        process = processBuilder().start();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        // HTTP/1.1: no h2c upgrade. A probe sent while Payara was still starting once hung past its timeout, so it is bounded here too.
        HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                removeRuntime();
                throw new IllegalStateException("the appliance exited during start-up; see " + log);
            }
            CompletableFuture<HttpResponse<String>> sent = probe.sendAsync(HttpRequest.newBuilder(URI.create(base() + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            try {
                HttpResponse<String> r = sent.get(5, TimeUnit.SECONDS);
                if (r.statusCode() == 200 && (!writesAdminKey || Files.exists(dataDir.resolve("admin.key")))) {
                    return;
                }
            } catch (ExecutionException | TimeoutException notYet) {
                sent.cancel(true);   // not listening yet, or not answering yet
            }
            Thread.sleep(500);
        }
        process.destroyForcibly().waitFor();
        removeRuntime();
        throw new IllegalStateException("the appliance was not ready within " + STARTUP + "; see " + log);
    }

    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** The appliance's console output (Payara's log). */
    public Path log() {
        return log;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String adminKey() throws IOException {
        return Files.readString(dataDir.resolve("admin.key")).strip();
    }

    public Api api() throws IOException {
        return new Api(base(), adminKey());
    }

    /** SIGKILL: no shutdown hook, no flush, as in a power cut of the JVM. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        removeRuntime();
    }

    /** Starts it again on the same data directory and port-free. */
    public Appliance restart() throws IOException, InterruptedException {
        kill();
        Appliance a = new Appliance(dataDir, env, writesAdminKey);
        a.launch();
        return a;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        removeRuntime();
    }

    /** Deletes Payara's runtime copy of an ended process: a test run starts dozens of appliances. */
    private void removeRuntime() {
        if (rootDir == null || (process != null && process.isAlive())) {
            return;
        }
        try (var paths = Files.walk(rootDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Only disk space is at stake; the next run is not affected.
        }
        rootDir = null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
