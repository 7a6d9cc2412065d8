package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The PAM module {@code pam_otp_appliance.so}, as built, loaded by libpam from a real
 * {@code /etc/pam.d} service and driven by {@code pamtester}, against both ways to run the bridge:
 * the appliance serving the socket in-process, and the standalone bridge process forwarding to the
 * appliance's REST API (see {@link PamRig}). Each case runs through both sockets: a fresh TOTP code
 * logs in once, the same code again and a wrong code do not; an SMS challenge is answered at the
 * module's second prompt; an SMS that cannot be sent fails closed; the audit log records a PAM login
 * with the PAM service, the terminal and the remote host; a peer that is not on the allow list is
 * closed without an answer and reaches nothing. Then the failures, all closed
 * (PAM_AUTHINFO_UNAVAIL): nothing listening on the socket (what an appliance that has stopped leaves),
 * a killed bridge (a stale socket file), a bridge whose appliance is down (with a second URL it
 * fails over), a bridge whose API key was revoked, a bridge that never answers (the module's
 * timeout); where a code was typed, it is shown unspent afterwards.
 *
 * <p>Needs root, {@code pamtester}, the built module and bridge jar; {@code .ci/run} provides them.
 * Elsewhere the test is skipped when one is missing, and fails when CI is set.
 */
@ExtendWith(PamRig.Context.class)
class PamIT {
    /** The two ways to run the bridge. */
    enum Via {
        APPLIANCE, BRIDGE;

        Path socket() {
            return this == APPLIANCE ? rig.applianceSocket : rig.bridge.socket;
        }

        String service() {
            return this == APPLIANCE ? applianceService : bridgeService;
        }
    }

    static PamRig rig;
    static Api api;
    static String applianceService;
    static String bridgeService;
    static final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(ExtensionContext context) throws Exception {
        Prerequisites.require("PamIT", PamRig.missingBasics(), "apt-get install gcc libpam0g-dev pamtester");
        rig = PamRig.shared(context);
        api = rig.api;
        applianceService = rig.pamService("inproc", rig.applianceSocket, "debug");
        bridgeService = rig.pamService("bridge", rig.bridge.socket, "debug");
    }

    @AfterAll
    static void removeWhatThisClassMade() throws Exception {
        for (AutoCloseable c : toClose) {
            PamRig.closeQuietly(c);
        }
        if (rig != null) {
            for (String service : new String[] {applianceService, bridgeService}) {
                if (service != null) {
                    rig.removeService(service);
                }
            }
        }
    }

    // ------------------------------------------------------------ through both sockets

    @ParameterizedTest
    @EnumSource(Via.class)
    void aFreshTotpCodeLogsInOnceAndTheSameOrAWrongCodeDoesNot(Via via) throws Exception {
        String user = api.newUser("pam-" + via.name().toLowerCase());
        JsonObject token = enrollTotp(user);
        List<String> items = List.of("rhost=192.0.2.7", "tty=pts/7");

        PamRig.Login wrong = PamRig.pamtester(via.service(), user, items, Codes.totp(token, 10));
        assertAuthErr(wrong, "a wrong code");

        String code = Codes.totp(token, 0);
        PamRig.Login fresh = PamRig.pamtester(via.service(), user, items, code);
        assertTrue(fresh.succeeded(), "a fresh code logs in: " + fresh);
        assertTrue(fresh.output().contains("One-time code: "), "the module's default prompt: " + fresh);

        PamRig.Login again = PamRig.pamtester(via.service(), user, items, code);
        assertAuthErr(again, "the same code again");

        List<JsonObject> lines = validations(user);
        assertEquals(List.of("REPLAYED", "ACCEPT", "WRONG_CODE"), lines.stream().map(PamIT::reasonOrResult).toList(),
                "newest first: " + lines);
        for (JsonObject line : lines) {
            assertEquals("PAM", line.getString("entryPoint"), line.toString());
            String actor = line.getString("actor");
            assertTrue(actor.startsWith("pam:" + via.service() + "@" + rig.hostName), "the PAM service and the login host: " + actor);
            assertTrue(actor.contains("pts/7"), "the terminal: " + actor);
            if (via == Via.BRIDGE) {
                assertTrue(actor.endsWith(" via " + rig.bridgeClient), "through the bridge's API client: " + actor);
            } else {
                assertFalse(actor.contains(" via "), actor);
            }
            assertEquals("192.0.2.7", line.getString("source"), "the remote host: " + line);
        }
        assertFalse(api.get("/api/v1/audit?limit=1000&user=" + user).body().contains(code), "the code is not in the audit log");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void anSmsCodeIsAskedForWithAnEmptyAnswerAndTypedAtTheSecondPrompt(Via via) throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = smsUser(phone);
        int before = rig.gateway.requests.size();
        String[] sent = new String[1];

        PamRig.Login login = PamRig.pamtester(via.service(), user, List.of(), stdin -> {
            stdin.write('\n'); // nothing typed at the first prompt: send me a code
            stdin.flush();
            PamRig.await(Duration.ofSeconds(20), () -> smsTo(phone, before) != null, () -> "no SMS for " + phone + " reached the gateway");
            sent[0] = ChallengeIT.code(smsTo(phone, before).text(), 6);
            stdin.write((sent[0] + "\n").getBytes(StandardCharsets.US_ASCII));
        });
        assertTrue(login.succeeded(), "the code from the SMS logs in: " + login);
        String masked = phone.substring(0, 3) + "*".repeat(phone.length() - 5) + phone.substring(phone.length() - 2);
        assertTrue(login.output().contains("a code was sent by SMS to " + masked + "; enter it to log in: "),
                "the challenge's message is the second prompt: " + login);
        assertEquals(1, rig.gateway.requests.stream().skip(before).filter(r -> phone.equals(r.to())).count(), "one SMS");

        List<JsonObject> lines = validations(user);
        assertEquals(List.of("ACCEPT", "CHALLENGE"), lines.stream().map(PamIT::reasonOrResult).toList(), lines.toString());
        lines.forEach(l -> assertEquals("PAM", l.getString("entryPoint"), l.toString()));
        assertFalse(api.get("/api/v1/audit?limit=1000&user=" + user).body().contains(sent[0]), "the code is not in the audit log");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void aWrongAnswerToTheChallengeFails(Via via) throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = smsUser(phone);
        int before = rig.gateway.requests.size();
        PamRig.Login login = PamRig.pamtester(via.service(), user, List.of(), stdin -> {
            stdin.write('\n');
            stdin.flush();
            PamRig.await(Duration.ofSeconds(20), () -> smsTo(phone, before) != null, () -> "no SMS for " + phone + " reached the gateway");
            String code = ChallengeIT.code(smsTo(phone, before).text(), 6);
            stdin.write((ChallengeIT.otherCode(code) + "\n").getBytes(StandardCharsets.US_ASCII));
        });
        assertAuthErr(login, "a wrong code for the challenge");
        assertTrue(login.output().contains("enter it to log in: "), login.toString());
        assertEquals(List.of("WRONG_CODE", "CHALLENGE"), validations(user).stream().map(PamIT::reasonOrResult).toList());
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void aPeerNotOnTheAllowListIsClosedWithoutAnAnswer(Via via) throws Exception {
        Path socket = via.socket();
        PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
        assertEquals("rw-rw----", PosixFilePermissions.toString(attributes.permissions()), "socket mode 0660");
        assertEquals(PamRig.SOCKET_GROUP, attributes.group().getName(), "the configured socket group");

        String asked = "probe-" + PamRig.hex(4);   // unknown: NOT_ENROLLED, as the rig allows nullok
        assertEquals("ANSWER NOT_ENROLLED", rig.probeAs("root", "root", socket, asked, "123456"), "root, on the list, gets an answer");
        assertEquals(1, validations(asked).size(), "and the appliance saw it");

        String nobody = rig.probeAs("nobody", PamRig.SOCKET_GROUP, socket, asked, "654321");
        assertTrue(nobody.startsWith("CLOSED"), "nobody may connect (group " + PamRig.SOCKET_GROUP + ") but gets no answer: " + nobody);
        assertEquals(1, validations(asked).size(), "nobody's request never reached the appliance");
        Path log = via == Via.APPLIANCE ? rig.appliance.log() : rig.bridge.log;
        PamRig.await(Duration.ofSeconds(5), () -> read(log).contains("Refused a PAM connection from user nobody: not on the allow list"),
                () -> "no refusal of nobody in " + log);

        String other = rig.probeAs("daemon", "daemon", socket, asked, "654321");
        assertTrue(other.startsWith("CONNECT-FAILED"), "a user outside the socket's group cannot even connect: " + other);
    }

    @Test
    void theSameProbeAsNobodyIsAnsweredByABridgeThatAllowsNobody() throws Exception {
        PamRig.Bridge open = closeLater(PamRig.Bridge.start(rig.dir, "allows-nobody", rig.appliance.base(), rig.bridgeApiKey, "root,nobody"));
        String asked = "probe-" + PamRig.hex(4);   // unknown: NOT_ENROLLED, as the rig allows nullok
        assertEquals("ANSWER NOT_ENROLLED", rig.probeAs("nobody", PamRig.SOCKET_GROUP, open.socket, asked, "654321"),
                "the probe works as nobody: only the allow list kept it out above");
        assertEquals(1, validations(asked).size());
        assertTrue(validations(asked).get(0).getString("actor").endsWith(" via " + rig.bridgeClient));
    }

    /**
     * A value the protocol allows (up to 1024 bytes) but REST does not (over 256 characters) is a
     * wrong code, not an outage: with {@code fail_open} after a password module, an outage lets the
     * user in without a code.
     */
    @ParameterizedTest
    @EnumSource(Via.class)
    void anOverlongValueIsAWrongCodeEvenWithFailOpen(Via via) throws Exception {
        String user = api.newUser("pam-long");
        enrollTotp(user);
        String service = rig.pamService("failopen", via.socket(), "fail_open");
        try {
            Path file = PamRig.PAM_D.resolve(service);
            // The code as a second factor: pam_permit stands in for pam_unix having accepted the password.
            Files.writeString(file, Files.readString(file).replace("account required", "auth required pam_permit.so\naccount required"));
            String value = "1".repeat(300);
            assertAuthErr(PamRig.pamtester(via.service(), user, List.of(), value), "300 characters, without fail_open");
            assertAuthErr(PamRig.pamtester(service, user, List.of(), value), "300 characters, with fail_open");
            assertEquals(2, validations(user).size(), "both attempts are audited: " + validations(user));
        } finally {
            rig.removeService(service);
        }
    }

    /**
     * nullok: with the appliance allowing it (the rig sets otp.appliance.pam.nullok), a user with no
     * token passes with PAM_IGNORE; without the option, or with a token, a code is still needed; and
     * REST clients without a PAM context learn nothing more than before.
     */
    @ParameterizedTest
    @EnumSource(Via.class)
    void nullokLetsOnlyAUserWithoutATokenPass(Via via) throws Exception {
        String noToken = api.newUser("pam-nullok");
        String withToken = api.newUser("pam-nullok-t");
        enrollTotp(withToken);
        String service = rig.pamService("nullok", via.socket(), "nullok");
        try {
            Path file = PamRig.PAM_D.resolve(service);
            // Only PAM_SUCCESS or PAM_IGNORE from our module reaches pam_permit; anything else fails at once.
            Files.writeString(file, Files.readString(file).replace("auth required ", "auth [success=ok ignore=ignore default=die] ")
                    .replace("account required", "auth required pam_permit.so\naccount required"));
            assertEquals(0, PamRig.pamtester(service, noToken, List.of(), "").exitCode(), "no token, nullok: PAM_IGNORE");
            assertAuthErr(PamRig.pamtester(via.service(), noToken, List.of(), "123456"), "no token, without nullok");
            assertAuthErr(PamRig.pamtester(service, withToken, List.of(), "000000"), "a token and a wrong code, with nullok");
            assertEquals(api.validateReply(noToken, "123456").body(), api.validateReply(withToken, "000000").body(),
                    "over REST without a PAM context the two users still look alike");
        } finally {
            rig.removeService(service);
        }
    }

    // ------------------------------------------------------------ failing closed

    @Test
    void nothingListeningOnTheSocketFailsClosed() throws Exception {
        String user = api.newUser("pam-nosocket");
        JsonObject token = enrollTotp(user);
        String service = rig.pamService("nosocket", rig.dir.resolve("nobody-listens.sock"));
        try {
            String code = Codes.totp(token, 0);
            PamRig.Login login = PamRig.pamtester(service, user, List.of(), code);
            assertAuthinfoUnavail(login, "no socket at all");
            assertEquals("ACCEPT", api.validate(user, code), "the code never reached the appliance");
        } finally {
            rig.removeService(service);
        }
    }

    @Test
    void aKilledBridgeFailsClosed() throws Exception {
        PamRig.Bridge doomed = closeLater(PamRig.Bridge.start(rig.dir, "doomed", rig.appliance.base(), rig.bridgeApiKey, "root"));
        String service = rig.pamService("doomed", doomed.socket);
        try {
            String alive = api.newUser("pam-doomed");
            JsonObject aliveToken = enrollTotp(alive);
            assertTrue(PamRig.pamtester(service, alive, List.of(), Codes.totp(aliveToken, 0)).succeeded(), "it works while the bridge runs");

            doomed.kill();
            assertTrue(Files.exists(doomed.socket), "SIGKILL leaves the socket file: a connection is refused, not missing");
            String user = api.newUser("pam-doomed");
            JsonObject token = enrollTotp(user);
            String code = Codes.totp(token, 0);
            assertAuthinfoUnavail(PamRig.pamtester(service, user, List.of(), code), "the bridge is gone");
            assertEquals("ACCEPT", api.validate(user, code), "the code never reached the appliance");
        } finally {
            rig.removeService(service);
        }
    }

    @Test
    void aBridgeWhoseApplianceIsDownFailsClosedAndOneWithAFallbackUrlFailsOver() throws Exception {
        String down = "http://127.0.0.1:" + freePort();
        PamRig.Bridge stranded = closeLater(PamRig.Bridge.start(rig.dir, "stranded", down, rig.bridgeApiKey, "root"));
        PamRig.Bridge failover = closeLater(PamRig.Bridge.start(rig.dir, "failover", down + "," + rig.appliance.base(), rig.bridgeApiKey, "root"));
        String strandedService = rig.pamService("stranded", stranded.socket);
        String failoverService = rig.pamService("failover", failover.socket);
        try {
            String user = api.newUser("pam-down");
            JsonObject token = enrollTotp(user);
            String code = Codes.totp(token, 0);
            assertAuthinfoUnavail(PamRig.pamtester(strandedService, user, List.of(), code), "the appliance cannot be reached");
            assertTrue(validations(user).isEmpty(), "the appliance saw nothing");
            assertTrue(stranded.logText().contains("gave no decision"), stranded.logText());

            PamRig.Login login = PamRig.pamtester(failoverService, user, List.of(), code);
            assertTrue(login.succeeded(), "the second URL answers, with the same code: " + login);
        } finally {
            rig.removeService(strandedService);
            rig.removeService(failoverService);
        }
    }

    @Test
    void aBridgeWhoseApiKeyWasRevokedFailsClosed() throws Exception {
        JsonObject client = api.newClient("pam-revoked", "validate");
        PamRig.Bridge revoked = closeLater(PamRig.Bridge.start(rig.dir, "revoked", rig.appliance.base(), client.getString("apiKey"), "root"));
        String service = rig.pamService("revoked", revoked.socket);
        try {
            String user = api.newUser("pam-revoked");
            JsonObject token = enrollTotp(user);
            assertTrue(PamRig.pamtester(service, user, List.of(), Codes.totp(token, 0)).succeeded(), "it works with the key");

            Api.Reply deleted = api.delete("/api/v1/clients/" + client.getString("name"));
            assertEquals(204, deleted.status(), deleted.body());
            String other = api.newUser("pam-revoked");
            String code = Codes.totp(enrollTotp(other), 0);
            assertAuthinfoUnavail(PamRig.pamtester(service, other, List.of(), code), "a 401 is no decision, not a refusal");
            assertEquals("ACCEPT", api.validate(other, code), "the code was not spent");
        } finally {
            rig.removeService(service);
        }
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void anSmsThatCannotBeSentFailsClosed(Via via) throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = smsUser(phone);
        PamRig.Login login;
        rig.gateway.status = 500;
        try {
            login = PamRig.pamtester(via.service(), user, List.of(), "");
        } finally {
            rig.gateway.status = 200;
        }
        assertAuthinfoUnavail(login, "the gateway answered 500");
        assertFalse(login.output().contains("enter it to log in"), "no second prompt: " + login);
        List<String> lines = validations(user).stream().map(PamIT::reasonOrResult).toList();
        assertTrue(lines.contains("DELIVERY_FAILED"), lines.toString());
    }

    @Test
    void aBridgeThatNeverAnswersFailsClosedAfterTheModulesTimeout() throws Exception {
        Path socket = rig.dir.resolve("silent.sock");
        List<SocketChannel> held = new CopyOnWriteArrayList<>();
        ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        silent.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    held.add(silent.accept()); // read nothing, answer nothing
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "silent-bridge");
        acceptor.setDaemon(true);
        acceptor.start();
        String service = rig.pamService("silent", socket, "timeout=2");
        try {
            String user = api.newUser("pam-silent");
            String code = Codes.totp(enrollTotp(user), 0);
            PamRig.Login login = PamRig.pamtester(service, user, List.of(), code);
            assertAuthinfoUnavail(login, "no answer in time");
            assertEquals("ACCEPT", api.validate(user, code), "the code never reached the appliance");
            assertTrue(login.took().compareTo(Duration.ofMillis(1900)) >= 0 && login.took().compareTo(Duration.ofSeconds(8)) < 0,
                    "gave up after timeout=2: " + login.took());
            assertEquals(1, held.size(), "one connection");
        } finally {
            rig.removeService(service);
            silent.close();
            for (SocketChannel c : held) {
                c.close();
            }
            Files.deleteIfExists(socket);
        }
    }

    // ------------------------------------------------------------ helpers

    static <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    static JsonObject enrollTotp(String user) {
        return api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp").build());
    }

    static String smsUser(String phone) {
        String user = api.newUser("pam-sms");
        api.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).build());
        return user;
    }

    /** The first SMS to {@code phone} among the gateway's requests from index {@code from} on, or null. */
    static ChallengeIT.FakeSmsGateway.Request smsTo(String phone, int from) {
        List<ChallengeIT.FakeSmsGateway.Request> all = rig.gateway.requests;
        for (int i = from; i < all.size(); i++) {
            if (phone.equals(all.get(i).to())) {
                return all.get(i);
            }
        }
        return null;
    }

    static List<JsonObject> validations(String user) {
        return rig.validations(user);
    }

    static String reasonOrResult(JsonObject line) {
        return PamRig.reasonOrResult(line);
    }

    static void assertAuthErr(PamRig.Login login, String what) {
        assertNotEquals(0, login.exitCode(), what + ": " + login);
        assertTrue(login.output().contains(PamRig.PAM_AUTH_ERR_TEXT), what + " is PAM_AUTH_ERR: " + login);
    }

    static void assertAuthinfoUnavail(PamRig.Login login, String what) {
        assertNotEquals(0, login.exitCode(), what + ": " + login);
        assertTrue(login.output().contains(PamRig.PAM_AUTHINFO_UNAVAIL_TEXT), what + " is PAM_AUTHINFO_UNAVAIL: " + login);
    }

    static String read(Path file) {
        return PamRig.read(file);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
