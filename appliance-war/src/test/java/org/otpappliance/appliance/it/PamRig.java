package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.security.auth.module.UnixSystem;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * What the PAM proofs ({@link PamIT}, {@link SshLoginIT}) share, started once per test run (an
 * appliance start costs ~20 s) and stopped, with everything it created, when the run ends:
 *
 * <ul>
 *   <li>a fake SMS gateway ({@link ChallengeIT.FakeSmsGateway}) for challenges;</li>
 *   <li>an appliance on H2 serving the PAM socket in-process ({@code OTP_APPLIANCE_PAM_SOCKET}), allow
 *       list {@code root}, socket group {@code nogroup};</li>
 *   <li>a standalone bridge ({@code java -jar pam-bridge.jar --config FILE}) forwarding to that
 *       appliance's REST API with a {@code validate} API key from a mode-0600 file, its own socket,
 *       the same allow list and group;</li>
 *   <li>the {@code /etc/pam.d} service files the tests write, all named {@value #SERVICE_PREFIX}..., which
 *       load the freshly built module by absolute path.</li>
 * </ul>
 *
 * <p>The sockets live in a directory under {@code /tmp} made mode 0755 (short paths; any user can
 * reach the socket files, so that the socket's own mode and the allow list are what is tested). The
 * socket group {@code nogroup} is {@code nobody}'s primary group: {@code nobody} can connect, and
 * only the bridge's {@code SO_PEERCRED} allow list keeps it out.
 */
final class PamRig implements AutoCloseable {
    static final Path PAM_D = Path.of("/etc/pam.d");
    static final String SERVICE_PREFIX = "otpa-it-";
    static final String SOCKET_GROUP = "nogroup";
    static final SecureRandom RANDOM = new SecureRandom();

    /** What pamtester prints for each PAM return code the module gives. */
    static final String PAM_SUCCESS_TEXT = "successfully authenticated";
    static final String PAM_AUTH_ERR_TEXT = "Authentication failure";
    static final String PAM_AUTHINFO_UNAVAIL_TEXT = "Authentication service cannot retrieve authentication info";

    final Path dir;
    final ChallengeIT.FakeSmsGateway gateway;
    final Appliance appliance;
    final Api api;
    final Path applianceSocket;
    final String bridgeClient;
    final String bridgeApiKey;
    final Bridge bridge;
    final String hostName;
    private final List<Path> services = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> extras = new CopyOnWriteArrayList<>();

    // ------------------------------------------------------------ prerequisites

    static Path projectRoot() {
        return Path.of(System.getProperty("appliance.jar", "target/otp-appliance.jar")).toAbsolutePath().normalize()
                .getParent().getParent().getParent();
    }

    static Path module() {
        return projectRoot().resolve("pam-bridge/target/pam_otp_appliance.so");
    }

    static Path bridgeJar() {
        return projectRoot().resolve("pam-bridge/target/pam-bridge.jar");
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static boolean isRoot() {
        try {
            return new UnixSystem().getUid() == 0;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** What every PAM proof needs, in words, or nothing. */
    static List<String> missingBasics() {
        List<String> missing = new ArrayList<>();
        if (!isRoot() || !Files.isWritable(PAM_D)) {
            missing.add("root (to write " + PAM_D + " and run processes as nobody)");
        }
        if (Prerequisites.onPath("pamtester").isEmpty()) {
            missing.add("pamtester on the PATH (Debian package pamtester)");
        }
        if (!Files.isRegularFile(module())) {
            missing.add("the PAM module " + module() + " (built by mvn install when gcc and libpam0g-dev are installed)");
        }
        if (!Files.isRegularFile(bridgeJar())) {
            missing.add("the standalone bridge " + bridgeJar() + " (mvn install)");
        }
        if (Prerequisites.onPath("setpriv").isEmpty()) {
            missing.add("setpriv (Debian package util-linux)");
        }
        return missing;
    }


    // ------------------------------------------------------------ the shared rig

    /**
     * Hands {@code @BeforeAll} methods their {@link ExtensionContext}, so that they can check the
     * prerequisites before they ask for the rig ({@link #shared}).
     */
    static final class Context implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == ExtensionContext.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context;
        }
    }

    /** The run's rig, started by the first test class that asks. */
    static PamRig shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(PamRig.class, k -> {
            try {
                return new PamRig();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the PAM test rig: " + e, e);
            }
        }, PamRig.class);
    }

    private PamRig() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "otpa-pam-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        hostName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        ChallengeIT.FakeSmsGateway g = null;
        Appliance a = null;
        Bridge b = null;
        try {
            g = new ChallengeIT.FakeSmsGateway();
            applianceSocket = dir.resolve("appliance.sock");
            Map<String, String> env = new LinkedHashMap<>();
            env.put("OTP_APPLIANCE_PAM_SOCKET", applianceSocket.toString());
            env.put("OTP_APPLIANCE_PAM_ALLOWED_USERS", "root");
            env.put("OTP_APPLIANCE_PAM_SOCKET_GROUP", SOCKET_GROUP);
            env.put("OTP_APPLIANCE_PAM_NULLOK", "true");
            env.put("OTP_APPLIANCE_SMS_URL", "http://127.0.0.1:" + g.port + "/send");
            env.put("OTP_APPLIANCE_SMS_TIMEOUT_SECONDS", "3");
            a = Appliance.start(Files.createTempDirectory("otp-data-pam"), env);
            Appliance started = a;
            await(Duration.ofSeconds(20), () -> connectable(applianceSocket),
                    () -> "the appliance serves no PAM socket at " + applianceSocket + "; see " + started.log());
            Api admin = a.api();
            JsonObject client = admin.newClient("pam-bridge", "validate");
            bridgeClient = client.getString("name");
            bridgeApiKey = client.getString("apiKey");
            b = Bridge.start(dir, "main", a.base(), bridgeApiKey, "root");
            gateway = g;
            appliance = a;
            api = admin;
            bridge = b;
        } catch (Exception | Error e) {
            for (AutoCloseable c : new AutoCloseable[] {b, a, g}) {
                closeQuietly(c);
            }
            deleteTree(dir);
            throw e;
        }
    }

    /** Closed with the rig, in reverse order of registration (bridges, fake servers a test could not close). */
    <T extends AutoCloseable> T closeLater(T resource) {
        extras.add(0, resource);
        return resource;
    }

    @Override
    public void close() {
        extras.forEach(PamRig::closeQuietly);
        for (Path service : services) {
            try {
                Files.deleteIfExists(service);
            } catch (IOException e) {
                // nothing more to do
            }
        }
        closeQuietly(bridge);
        closeQuietly(appliance);
        closeQuietly(gateway);
        deleteTree(dir);
    }

    // ------------------------------------------------------------ PAM services and logins

    /**
     * Writes {@code /etc/pam.d/otpa-it-LABEL-RANDOM}: our module, by absolute path, on {@code socket}
     * with {@code options}, as the only {@code auth} module. Deleted with the rig, or earlier by
     * {@link #removeService}.
     */
    String pamService(String label, Path socket, String... options) throws IOException {
        String name = SERVICE_PREFIX + label + "-" + hex(3);
        Path file = PAM_D.resolve(name);
        services.add(file);
        Files.writeString(file, String.join("\n",
                "# written by the OTP Appliance's " + label + " integration test; removed when it ends",
                "auth required " + module() + " socket=" + socket + (options.length == 0 ? "" : " " + String.join(" ", options)),
                "account required pam_permit.so", ""));
        return name;
    }

    /** Writes a PAM service file of this exact name (sshd picks its own) and deletes it with the rig. */
    Path pamServiceFile(String name, String content) throws IOException {
        Path file = PAM_D.resolve(name);
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists already: not overwriting it");
        }
        services.add(file);
        Files.writeString(file, content);
        return file;
    }

    void removeService(String name) throws IOException {
        Path file = PAM_D.resolve(name);
        Files.deleteIfExists(file);
        services.remove(file);
    }

    record Login(int exitCode, String output, Duration took) {
        boolean succeeded() {
            return exitCode == 0 && output.contains(PAM_SUCCESS_TEXT);
        }

        @Override
        public String toString() {
            return "pamtester exit " + exitCode + " after " + took.toMillis() + " ms:\n" + output;
        }
    }

    /** Types into pamtester's standard input as the login goes on. */
    interface Typist {
        void type(OutputStream stdin) throws Exception;
    }

    /** {@code pamtester -v [-I item=value...] SERVICE USER authenticate}, typing {@code lines} (each + newline). */
    static Login pamtester(String service, String user, List<String> items, String... lines) throws Exception {
        return pamtester(service, user, items, stdin -> {
            for (String line : lines) {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    static Login pamtester(String service, String user, List<String> items, Typist typist) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Prerequisites.onPath("pamtester").orElseThrow().toString(), "-v"));
        for (String item : items) {
            cmd.add("-I");
            cmd.add(item);
        }
        cmd.addAll(List.of(service, user, "authenticate"));
        Path output = Files.createTempFile("pamtester", ".out");
        long start = System.nanoTime();
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try (OutputStream in = p.getOutputStream()) {
                typist.type(in);
                in.flush();
            } catch (IOException | RuntimeException | Error e) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("typing into pamtester failed (" + e + "); it printed:\n" + Files.readString(output), e);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("pamtester did not finish within 60 s: " + Files.readString(output));
            }
            return new Login(p.exitValue(), Files.readString(output), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The user's VALIDATE audit lines, newest first. */
    List<JsonObject> validations(String user) {
        List<JsonObject> lines = new ArrayList<>();
        for (JsonValue v : api.audit(user)) {
            JsonObject line = v.asJsonObject();
            if ("VALIDATE".equals(line.getString("action"))) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** A validation line's reason, or its result when it has none (ACCEPT, CHALLENGE). */
    static String reasonOrResult(JsonObject line) {
        return line.containsKey("reason") && line.get("reason").getValueType() == JsonValue.ValueType.STRING
                ? line.getString("reason") : line.getString("result");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    // ------------------------------------------------------------ a peer that is not root

    private static final String PROBE = """
            import java.io.ByteArrayOutputStream;
            import java.io.DataInputStream;
            import java.io.IOException;
            import java.net.UnixDomainSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.channels.Channels;
            import java.nio.channels.SocketChannel;
            import java.nio.charset.StandardCharsets;

            /** Sends one well-formed AUTHENTICATE frame; prints ANSWER <result>, CLOSED, or CONNECT-FAILED <why>. */
            public class PeerProbe {
                public static void main(String[] a) throws Exception {
                    SocketChannel ch;
                    try {
                        ch = SocketChannel.open(UnixDomainSocketAddress.of(a[0]));
                    } catch (IOException e) {
                        System.out.println("CONNECT-FAILED " + e.getMessage());
                        return;
                    }
                    try (ch) {
                        ByteArrayOutputStream body = new ByteArrayOutputStream();
                        body.write(1);
                        body.write(1);
                        for (String f : new String[] {"peer-probe", a[1], "", "", a[2], ""}) {
                            byte[] b = f.getBytes(StandardCharsets.UTF_8);
                            body.write(b.length >> 8);
                            body.write(b.length & 0xff);
                            body.write(b, 0, b.length);
                        }
                        ByteBuffer out = ByteBuffer.allocate(4 + body.size());
                        out.putInt(body.size()).put(body.toByteArray()).flip();
                        DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
                        byte[] frame;
                        try {
                            while (out.hasRemaining()) {
                                ch.write(out);
                            }
                            frame = new byte[in.readInt()];
                            in.readFully(frame);
                        } catch (IOException e) {
                            System.out.println("CLOSED " + e);
                            return;
                        }
                        int len = ((frame[2] & 0xff) << 8) | (frame[3] & 0xff);
                        System.out.println("ANSWER " + new String(frame, 4, len, StandardCharsets.UTF_8));
                    }
                }
            }
            """;

    /**
     * Runs a tiny protocol client as {@code user} (primary group {@code group}, no other groups) against
     * {@code socket}, asking about {@code pamUser} with {@code code}. Returns its one line:
     * {@code ANSWER <result>}, {@code CLOSED ...} or {@code CONNECT-FAILED ...}.
     */
    String probeAs(String user, String group, Path socket, String pamUser, String code) throws Exception {
        Path source = dir.resolve("PeerProbe.java");
        synchronized (this) {
            if (!Files.exists(source)) {
                Files.writeString(source, PROBE);
                Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        Path output = Files.createTempFile(dir, "probe", ".out");
        try {
            Process p = new ProcessBuilder(Prerequisites.onPath("setpriv").orElseThrow().toString(), "--reuid=" + user, "--regid=" + group,
                    "--clear-groups", "--", java().toString(), "-XX:-UsePerfData", "-Xshare:auto", source.toString(),
                    socket.toString(), pamUser, code)
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                fail("the peer probe did not finish within 60 s: " + Files.readString(output));
            }
            String out = Files.readString(output).strip();
            if (p.exitValue() != 0) {
                fail("the peer probe as " + user + " failed (exit " + p.exitValue() + "): " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    // ------------------------------------------------------------ the standalone bridge

    /** A standalone bridge process: {@code java -jar pam-bridge.jar --config DIR/NAME.properties}. */
    static final class Bridge implements AutoCloseable {
        final String name;
        final Path socket;
        final Path config;
        final Path log;
        private final Process process;

        private Bridge(String name, Path socket, Path config, Path log, Process process) {
            this.name = name;
            this.socket = socket;
            this.config = config;
            this.log = log;
            this.process = process;
        }

        /**
         * Writes the API key file (mode 0600) and the properties file into {@code dir}, starts the
         * bridge and waits until its socket answers connections.
         */
        static Bridge start(Path dir, String name, String applianceUrls, String apiKey, String allowedUsers) throws Exception {
            Path keyFile = dir.resolve(name + ".key");
            Files.deleteIfExists(keyFile);
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, apiKey + "\n");
            Path socket = dir.resolve(name + ".sock");
            Path config = dir.resolve(name + ".properties");
            Files.writeString(config, String.join("\n",
                    "appliance.urls=" + applianceUrls,
                    "appliance.api-key-file=" + keyFile,
                    "socket=" + socket,
                    "socket.group=" + SOCKET_GROUP,
                    "allowed-users=" + allowedUsers,
                    "timeout-seconds=3",
                    ""));
            Path log = dir.resolve(name + ".log");
            Process process = new ProcessBuilder(java().toString(), "-Xmx64m", "-jar", bridgeJar().toString(), "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            process.getOutputStream().close();
            Bridge bridge = new Bridge(name, socket, config, log, process);
            try {
                await(Duration.ofSeconds(30), () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the bridge " + name + " exited (" + process.exitValue() + "): " + bridge.logText());
                    }
                    return connectable(socket);
                }, () -> "the bridge " + name + " did not serve " + socket + " within 30 s: " + bridge.logText());
            } catch (Exception | Error e) {
                bridge.kill();
                throw e;
            }
            return bridge;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        /** SIGKILL: no shutdown hook, so the socket file stays behind with nobody listening. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        /** SIGTERM, as systemd stops it. */
        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }

    // ------------------------------------------------------------ helpers

    static boolean connectable(Path socket) {
        try (SocketChannel ignored = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    interface Message {
        String get();
    }

    static void await(Duration limit, BooleanSupplier condition, Message onTimeout) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(onTimeout.get());
            }
            Thread.sleep(50);
        }
    }

    static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Runs a command to its end (60 s at most); returns its exit code, its output in {@code output}. */
    static int run(List<String> command, StringBuilder output) throws Exception {
        Path out = Files.createTempFile("cmd", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not finish within 60 s: " + Files.readString(out));
            }
            if (output != null) {
                output.append(Files.readString(out));
            }
            return p.exitValue();
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs a command that must succeed. */
    static String runOk(String... command) throws Exception {
        StringBuilder out = new StringBuilder();
        int rc = run(List.of(command), out);
        if (rc != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + rc + "): " + out);
        }
        return out.toString();
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // the run is ending; nothing better to do
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort
        }
    }
}
