package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An SSH login end to end: Debian's {@code sshd} on a loopback port, keyboard-interactive through
 * PAM, our module asking the standalone bridge (see {@link PamRig}), which asks the appliance. The
 * {@code ssh} client, driven by {@code sshpass}, logs a local test user in with a fresh TOTP code;
 * the same code again is refused.
 *
 * <p>sshd names its PAM service after its program name, so a copy of the binary under a name of
 * its own ({@code sshd-otpa-...}) uses {@code /etc/pam.d/sshd-otpa-...}, and the system's sshd
 * configuration is not touched. It runs in the foreground with its own configuration and host
 * key. The module's prompt is set to a distinctive text for {@code sshpass -P}, as OpenSSH 9.2 shows
 * it as "(user@host) PROMPT".
 *
 * <p>Needs root, {@code sshd} (openssh-server), {@code ssh} (openssh-client), {@code sshpass},
 * {@code useradd}/{@code userdel}, {@code pamtester}'s prerequisites (the built module and bridge).
 * Skipped when one is missing; fails when CI is set. Removes the user, the service file and sshd.
 */
@ExtendWith(PamRig.Context.class)
class SshLoginIT {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final String PROMPT_WORD = "Appliance-code";

    static PamRig rig;
    static Api api;
    static Path dir;
    static String sshService;
    static Path sshdCopy;
    static int port;
    static Process sshd;
    static Path sshdLog;
    static String linuxUser;

    @BeforeAll
    static void start(ExtensionContext context) throws Exception {
        List<String> missing = new ArrayList<>(PamRig.missingBasics());
        if (!Files.isExecutable(SSHD)) {
            missing.add(SSHD + " (Debian package openssh-server)");
        }
        for (String command : List.of("ssh", "ssh-keygen", "sshpass", "useradd", "userdel")) {
            if (Prerequisites.onPath(command).isEmpty()) {
                missing.add(command + " on the PATH");
            }
        }
        Prerequisites.require("SshLoginIT", missing, "apt-get install gcc libpam0g-dev pamtester openssh-server openssh-client sshpass");
        rig = PamRig.shared(context);
        api = rig.api;

        dir = Files.createTempDirectory("sshd-otpa");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        sshService = "sshd-otpa-" + PamRig.hex(3);
        sshdCopy = dir.resolve(sshService);
        Files.copy(SSHD, sshdCopy, StandardCopyOption.COPY_ATTRIBUTES);
        rig.pamServiceFile(sshService, String.join("\n",
                "# written by the OTP Appliance's SshLoginIT for its own copy of sshd; removed when it ends",
                "auth required " + PamRig.module() + " socket=" + rig.bridge.socket + " prompt=[" + PROMPT_WORD + " for SSH: ] debug",
                "account required pam_permit.so",
                "session required pam_permit.so",
                ""));

        Path hostKey = dir.resolve("host_ed25519");
        PamRig.runOk("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "otpa-it", "-f", hostKey.toString());
        Files.createDirectories(Path.of("/run/sshd"));
        port = freePort();
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress 127.0.0.1:" + port,
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "UsePAM yes",
                "KbdInteractiveAuthentication yes",
                "PasswordAuthentication no",
                "PubkeyAuthentication no",
                "AuthenticationMethods keyboard-interactive",
                "PermitRootLogin no",
                "StrictModes no",
                "UseDNS no",
                "AuthorizedKeysFile none",
                "PrintMotd no",
                "MaxAuthTries 3",
                "LogLevel VERBOSE",
                ""));
        sshdLog = dir.resolve("sshd.log");
        sshd = new ProcessBuilder(sshdCopy.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(sshdLog.toFile()).start();
        sshd.getOutputStream().close();
        PamRig.await(Duration.ofSeconds(20), () -> {
            if (!sshd.isAlive()) {
                throw new IllegalStateException("sshd exited (" + sshd.exitValue() + "): " + PamRig.read(sshdLog));
            }
            return banner(port);
        }, () -> "sshd did not answer on port " + port + ": " + PamRig.read(sshdLog));

        linuxUser = "otpa" + PamRig.hex(4);
        PamRig.runOk("useradd", "--create-home", "--shell", "/bin/sh", "--comment", "OTP Appliance SshLoginIT", linuxUser);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.destroy();
            if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
                sshd.destroyForcibly().waitFor();
            }
        }
        if (linuxUser != null) {
            PamRig.run(List.of("userdel", "--remove", linuxUser), null);
        }
        if (rig != null && sshService != null) {
            rig.removeService(sshService);
        }
        PamRig.deleteTree(dir);
    }

    @Test
    void aFreshCodeLogsInOverSshOnceAndTheSameCodeIsRefused() throws Exception {
        Api.Reply created = api.post("/api/v1/users", Json.createObjectBuilder().add("username", linuxUser).build());
        assertEquals(201, created.status(), created.body());
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", linuxUser).add("type", "totp").build());

        Ssh wrong = ssh(Codes.totp(token, 10));
        assertNotEquals(0, wrong.exitCode(), "a wrong code: " + wrong);

        String code = Codes.totp(token, 0);
        Ssh fresh = ssh(code);
        assertEquals(0, fresh.exitCode(), "a fresh code logs in: " + fresh + "\nsshd: " + PamRig.read(sshdLog));
        assertTrue(fresh.output().contains("logged-in-as=" + linuxUser), fresh.toString());

        Ssh again = ssh(code);
        assertNotEquals(0, again.exitCode(), "the same code again: " + again);

        List<JsonObject> lines = rig.validations(linuxUser);
        assertEquals(List.of("REPLAYED", "ACCEPT", "WRONG_CODE"), lines.stream().map(PamRig::reasonOrResult).toList(), lines.toString());
        for (JsonObject line : lines) {
            assertEquals("PAM", line.getString("entryPoint"), line.toString());
            assertEquals("pam:" + sshService + "@" + rig.hostName + " ssh via " + rig.bridgeClient, line.getString("actor"), line.toString());
            assertEquals("127.0.0.1", line.getString("source"), "the SSH client's address: " + line);
        }
        String sshdText = PamRig.read(sshdLog);
        assertTrue(sshdText.contains("Accepted keyboard-interactive/pam for " + linuxUser), sshdText);
        assertFalse(sshdText.contains(code), "sshd's log does not show the code");
    }

    record Ssh(int exitCode, String output) {
    }

    /**
     * {@code sshpass -P PROMPT_WORD -p CODE ssh ... USER@127.0.0.1 'echo logged-in-as=$(id -un)'}: one
     * keyboard-interactive attempt, answered with {@code code}.
     */
    static Ssh ssh(String code) throws Exception {
        StringBuilder out = new StringBuilder();
        int rc = PamRig.run(List.of("sshpass", "-P", PROMPT_WORD, "-p", code,
                "ssh", "-F", "/dev/null", "-p", String.valueOf(port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=keyboard-interactive", "-o", "PubkeyAuthentication=no",
                "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                linuxUser + "@127.0.0.1", "echo logged-in-as=$(id -un)"), out);
        return new Ssh(rc, out.toString());
    }

    static boolean banner(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            byte[] b = in.readNBytes(4);
            return new String(b, StandardCharsets.US_ASCII).equals("SSH-");
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
