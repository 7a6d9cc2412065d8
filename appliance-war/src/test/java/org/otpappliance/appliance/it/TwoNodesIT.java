package org.otpappliance.appliance.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;
import org.otpappliance.appliance.infrastructure.SchemaMigrator;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.PacketCode;
import org.otpappliance.radius.codec.RadiusAttribute;
import org.otpappliance.radius.codec.RadiusCrypto;
import org.otpappliance.radius.codec.RadiusPacket;

/**
 * Several nodes, one truth: two appliance nodes on one PostgreSQL ({@link TwoNodes}) agree on every
 * decision that spends or guards a code. The same fresh codes fired at both nodes at once, through
 * REST and through RADIUS, are accepted exactly once; failures counted on either node lock the token
 * on both, and an unlock on one lets the other accept; a challenge started on one node is answered on
 * the other, once, and the send limits count the codes both sent; an admin change made through one
 * node (a PIN set, changed or removed, a token enrolled, disabled, enabled or deleted) holds on the
 * other at once, although each node keeps its copy of the tokens far longer than the test runs. And
 * nodes started at the same moment on an empty database all come up: they migrate one at a time.
 *
 * <p>Tests use users of their own; codes, PINs and keys never appear in assertion messages.
 */
@ExtendWith(TwoNodes.class)
class TwoNodesIT {
    static final SecureRandom RANDOM = new SecureRandom();
    static final String MAX_SENT = "too many codes were sent in the last hour; try again later";

    static TwoNodes.Rig rig;
    static TwoNodes.Node a;
    static TwoNodes.Node b;

    @BeforeAll
    static void postgres() {
        PostgresDatabase.require("TwoNodesIT");
    }

    @BeforeEach
    void connect(TwoNodes.Rig theRig) {
        rig = theRig;
        a = rig.a;
        b = rig.b;
    }

    // Starting together.

    @Test
    void bothNodesStartedAtOnceOnTheEmptyDatabaseAndExactlyOneWroteTheAdminKey() throws Exception {
        long keys = rig.nodes().stream().filter(n -> Files.exists(rig.dataDirs.get(n).resolve("admin.key"))).count();
        assertEquals(1, keys, "the node that created the admin client writes admin.key; the other finds it in the database");
        for (TwoNodes.Node n : rig.nodes()) {
            assertEquals(200, n.api.get("/health/ready").status(), n.name);
            List<String> clients = n.api.get("/api/v1/clients").jsonStructure().asJsonArray().stream()
                    .map(c -> c.asJsonObject().getString("name")).filter(name -> name.startsWith("bootstrap-admin")).toList();
            assertEquals(List.of("bootstrap-admin"), clients, "one bootstrap admin client, seen from " + n.name);
        }
    }

    @Test
    void migrationsStartedByFourNodesAtOnceOnAnEmptyDatabaseRunOnce() throws Exception {
        try (PostgresDatabase empty = PostgresDatabase.create("otp_migrate_race", "TwoNodesIT")) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(empty.url);
            ds.setUser(System.getenv().getOrDefault("OTP_TEST_PG_USER", "postgres"));
            ds.setPassword(System.getenv().getOrDefault("OTP_TEST_PG_PASSWORD", ""));
            List<Callable<Boolean>> nodes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                nodes.add(() -> {
                    new SchemaMigrator(ds).migrate();
                    return true;
                });
            }
            together(nodes);   // without taking turns, all but one fail: "duplicate key value violates unique constraint"
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version")) {
                assertTrue(r.next());
                assertEquals(r.getInt(2), r.getInt(1));
                assertTrue(r.getInt(1) >= 6, "every script recorded once");
            }
        }
    }

    // Exactly once, through REST and through RADIUS.

    record Enrolled(String user, JsonObject token) {
        String type() {
            return token.getString("type");
        }

        /** The round's fresh code: HOTP counter {@code round}, or the TOTP step {@code round} steps from now. */
        String code(int round) {
            return type().equals("hotp") ? Codes.hotp(token, round) : Codes.totp(token, round);
        }
    }

    record Answer(int index, String node, String result) {
    }

    @Test
    void theSameFreshHotpAndTotpCodesSentToBothNodesAtOnceThroughRestAreAcceptedExactlyOnce() throws Exception {
        int users = 16;
        int copiesPerNode = 3;
        List<Enrolled> tokens = enroll("rest-race", users);
        // The codes of the last round as sent: a TOTP code computed again later may belong to a newer step.
        String[] lastSent = new String[users];
        for (int round = 0; round < 2; round++) {
            List<Callable<Answer>> calls = new ArrayList<>();
            for (int i = 0; i < users; i++) {
                Enrolled e = tokens.get(i);
                String code = e.code(round);
                lastSent[i] = code;
                int index = i;
                for (TwoNodes.Node n : rig.nodes()) {
                    for (int c = 0; c < copiesPerNode; c++) {
                        calls.add(() -> new Answer(index, n.name, n.api.validate(e.user(), code)));
                    }
                }
            }
            List<Answer> answers = together(calls);
            for (int i = 0; i < users; i++) {
                int index = i;
                List<Answer> mine = answers.stream().filter(x -> x.index() == index).toList();
                assertEquals(1, mine.stream().filter(x -> x.result().equals("ACCEPT")).count(),
                        "round " + round + ", " + tokens.get(i).type() + " user " + i + ": " + mine);
                assertEquals(2 * copiesPerNode - 1, mine.stream().filter(x -> x.result().equals("REJECT")).count(), mine.toString());
            }
        }
        Set<String> nodesInAudit = new HashSet<>();
        for (int i = 0; i < users; i++) {
            Enrolled e = tokens.get(i);
            List<JsonObject> lines = validations(e.user());
            assertEquals(2, lines.stream().filter(l -> l.getString("result").equals("ACCEPT")).count(), lines.toString());
            assertEquals(2 * (2 * copiesPerNode - 1), lines.stream()
                    .filter(l -> l.getString("result").equals("REJECT") && l.getString("reason").equals("REPLAYED")).count(),
                    "every losing request is audited as a replay: " + lines);
            lines.forEach(l -> nodesInAudit.add(l.getString("node")));
            for (TwoNodes.Node n : rig.nodes()) {
                assertEquals("REJECT", n.api.validate(e.user(), lastSent[i]), "a replay on " + n.name);
            }
        }
        assertEquals(Set.of("node-a", "node-b"), nodesInAudit, "both nodes answered, and the audit log names the node");
    }

    @Test
    void theSameFreshCodesSentToBothNodesAtOnceThroughRadiusGetExactlyOneAccessAccept() throws Exception {
        String secret = "two-nodes-" + HexFormat.of().formatHex(randomBytes(12));
        // node-b reads its list of RADIUS clients before the client exists: the request is dropped.
        assertEquals("no answer", radius(b, secret, "nobody", "000000", 1));
        String nas = a.api.newRadiusClient("two-nodes", "127.0.0.1", secret, null).getString("name");
        assertTrue(b.api.get("/api/v1/radius/clients").jsonStructure().asJsonArray().stream()
                .anyMatch(c -> c.asJsonObject().getString("name").equals(nas)), "the client added on node-a is listed by node-b");

        int users = 10;
        int copiesPerNode = 2;
        List<Enrolled> tokens = enroll("radius-race", users);
        String[] sent = new String[users];   // as sent: recomputed later, a TOTP code may belong to a newer step
        List<Callable<Answer>> calls = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            Enrolled e = tokens.get(i);
            String code = e.code(0);
            sent[i] = code;
            int index = i;
            for (TwoNodes.Node n : rig.nodes()) {
                for (int c = 0; c < copiesPerNode; c++) {
                    calls.add(() -> new Answer(index, n.name, radius(n, secret, e.user(), code)));
                }
            }
        }
        List<Answer> answers = together(calls);
        for (int i = 0; i < users; i++) {
            int index = i;
            List<Answer> mine = answers.stream().filter(x -> x.index() == index).toList();
            assertEquals(1, mine.stream().filter(x -> x.result().equals("Access-Accept")).count(), tokens.get(i).type() + ": " + mine);
            assertEquals(2 * copiesPerNode - 1, mine.stream().filter(x -> x.result().equals("Access-Reject")).count(), mine.toString());
        }
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < users; i++) {
            Enrolled e = tokens.get(i);
            List<JsonObject> lines = validations(e.user());
            assertEquals(1, lines.stream().filter(l -> l.getString("result").equals("ACCEPT")).count(), lines.toString());
            for (JsonObject l : lines) {
                assertEquals("RADIUS", l.getString("entryPoint"), l.toString());
                assertEquals("radius:" + nas + " (two-nodes-it)", l.getString("actor"), l.toString());
                nodes.add(l.getString("node"));
            }
            for (TwoNodes.Node n : rig.nodes()) {
                assertEquals("Access-Reject", radius(n, secret, e.user(), sent[i]), "a replay on " + n.name);
            }
        }
        assertEquals(Set.of("node-a", "node-b"), nodes, "both nodes knew the RADIUS client and answered");
    }

    // Failures, the lock and the unlock.

    @Test
    void failuresCountedOnBothNodesLockTheTokenAtTheLimitAndAnUnlockOnOneNodeLetsTheOtherAccept() {
        String user = a.api.newUser("lock");
        JsonObject t = a.api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String serial = t.getString("serial");
        // Both nodes hold a copy of the token.
        assertEquals("ACCEPT", a.api.validate(user, Codes.hotp(t, 0)));
        assertEquals("ACCEPT", b.api.validate(user, Codes.hotp(t, 1)));

        String wrong = ChallengeIT.otherCode(Codes.hotp(t, 2));
        for (int i = 0; i < TwoNodes.MAX_FAILURES - 1; i++) {
            assertEquals("REJECT", node(i).api.validate(user, wrong));
        }
        for (TwoNodes.Node n : rig.nodes()) {
            JsonObject info = n.api.get("/api/v1/tokens/" + serial).json();
            assertEquals(TwoNodes.MAX_FAILURES - 1, info.getInt("failCount"), n.name + ": " + info);
            assertFalse(info.getBoolean("locked"), n.name + ": one failure short of the limit");
        }
        assertEquals("REJECT", b.api.validate(user, wrong), "the failure that reaches the limit");
        for (TwoNodes.Node n : rig.nodes()) {
            JsonObject info = n.api.get("/api/v1/tokens/" + serial).json();
            assertTrue(info.getBoolean("locked"), n.name + ": locked at " + TwoNodes.MAX_FAILURES + " failures: " + info);
        }

        String right = Codes.hotp(t, 2);
        for (TwoNodes.Node n : List.of(a, b, a, b)) {
            assertEquals("REJECT", n.api.validate(user, right), "the right code on a locked token, on " + n.name);
        }
        assertEquals(200, a.api.post("/api/v1/tokens/" + serial + "/unlock", "").status());
        assertEquals("ACCEPT", b.api.validate(user, right), "node-b accepts right after the unlock on node-a");
        assertEquals("ACCEPT", a.api.validate(user, Codes.hotp(t, 3)));
        assertEquals(0, b.api.get("/api/v1/tokens/" + serial).json().getInt("failCount"));
    }

    @Test
    void aUsersFailuresOnBothNodesAddUpToOneLimitThatBothNodesHoldAndAnAdminLiftsOnBoth() {
        String user = "ghost-" + HexFormat.of().formatHex(randomBytes(6));   // unknown users count as any user
        for (int i = 0; i < TwoNodes.USER_FAILURES; i++) {
            JsonObject r = node(i).api.validateReply(user, "123456").json();
            assertEquals("REJECT", r.getString("result"));
            assertFalse(r.equals(RateLimitIT.REFUSED), "a plain refusal below the limit");
        }
        // The node whose failure closed the window knows; the other learns it from its next failure.
        TwoNodes.Node closer = node(TwoNodes.USER_FAILURES - 1);
        TwoNodes.Node other = closer == a ? b : a;
        assertEquals(RateLimitIT.REFUSED, closer.api.validateReply(user, "123456").json());
        JsonObject learning = other.api.validateReply(user, "123456").json();
        assertEquals("REJECT", learning.getString("result"), "refused, as the limit or as a plain failure");
        assertEquals(RateLimitIT.REFUSED, other.api.validateReply(user, "123456").json(), "at most one failure more per other node");

        List<JsonObject> closed = b.api.get("/api/v1/rate-limits").jsonStructure().asJsonArray().stream()
                .map(JsonValue::asJsonObject).filter(c -> c.getString("name").equals(user)).toList();
        assertEquals(1, closed.size(), closed.toString());
        assertEquals("user", closed.get(0).getString("kind"));
        assertTrue(closed.get(0).getInt("failures") >= TwoNodes.USER_FAILURES && closed.get(0).getInt("failures") <= TwoNodes.USER_FAILURES + 1,
                closed.toString());

        assertEquals(204, a.api.delete("/api/v1/rate-limits/user/" + user).status());
        for (TwoNodes.Node n : rig.nodes()) {
            JsonObject r = n.api.validateReply(user, "123456").json();
            assertFalse(r.equals(RateLimitIT.REFUSED), "lifted on " + n.name);
        }
    }

    @Test
    void anApiKeyDeletedThroughOneNodeIsRefusedByTheOtherWithinFiveSeconds() throws Exception {
        JsonObject client = a.api.newClient("revoked", "validate");
        Api viaB = b.api.withKey(client.getString("apiKey"));
        String user = a.api.newUser("revoke");
        assertEquals("REJECT", viaB.validate(user, "123456"), "node-b knows the key");
        assertEquals(204, a.api.delete("/api/v1/clients/" + client.getString("name")).status());
        long deadline = System.nanoTime() + 10_000_000_000L;   // the promise is 5 s; twice that before the test gives up
        int status;
        while ((status = viaB.validateReply(user, "123456").status()) == 200 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertEquals(401, status, "node-b refuses the deleted key once its copy is older than 5 s");
    }

    // The Yubico validation protocol.

    @Test
    void aYubiKeyEnrolledDisabledOrEnabledThroughOneNodeHoldsOnTheOtherAtOnceThroughTheYubicoProtocol() {
        Wsapi.Client client = Wsapi.Client.of(a.api.newYubicoClient("two-nodes-yk", false));
        Wsapi wsapiB = new Wsapi(b.appliance);
        VirtualYubiKey key = VirtualYubiKey.random();
        // node-b hears of the key before it exists, and remembers that no token has its public id.
        assertEquals("BAD_OTP", wsapiB.verify(client, key.otp(1, 0), Wsapi.nonce()).status());

        String user = a.api.newUser("yk-two-nodes");
        JsonObject t = a.api.enroll(key.enrollment(user));
        assertEquals("OK", wsapiB.verify(client, key.otp(1, 1), Wsapi.nonce()).status(), "enrolled through node-a, known to node-b");

        String serial = t.getString("serial");
        assertEquals(200, a.api.post("/api/v1/tokens/" + serial + "/disable", "").status());
        // node-b's copy still has the key enabled: the database refuses the spend, which the protocol calls a replay.
        assertTrue(Set.of("BAD_OTP", "REPLAYED_OTP").contains(wsapiB.verify(client, key.otp(1, 2), Wsapi.nonce()).status()),
                "disabled through node-a");
        assertEquals(200, a.api.post("/api/v1/tokens/" + serial + "/enable", "").status());
        assertEquals("OK", wsapiB.verify(client, key.otp(1, 3), Wsapi.nonce()).status(), "enabled again through node-a");
        assertEquals("REPLAYED_OTP", wsapiB.verify(client, key.otp(1, 3), Wsapi.nonce()).status());
    }

    // The console.

    @Test
    void aConsoleSessionStartedOnOneNodeWorksOnTheOtherAndALogoutOnEitherEndsItOnBoth() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(a.api);
        Api anonymousA = a.api.withKey(null);
        Api anonymousB = b.api.withKey(null);
        java.net.http.HttpResponse<String> login = ConsoleAdmin.sendLogin(anonymousA, admin, Codes.totp(admin.token(), 0));
        assertEquals(200, login.statusCode(), login.body());
        String csrf = Json.createReader(new java.io.StringReader(login.body())).readObject().getString("csrfToken");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];

        // A load balancer without sticky sessions sends the next requests to node-b.
        Api.Reply session = anonymousB.send(anonymousB.request("/api/v1/console/session").header("Cookie", cookie).GET());
        assertEquals(200, session.status(), session.toString());
        assertEquals(admin.name(), session.json().getString("admin"));
        assertEquals(csrf, session.json().getString("csrfToken"), "the same CSRF token on every node");
        String body = Json.createObjectBuilder().add("username", "lb-" + HexFormat.of().formatHex(randomBytes(4))).build().toString();
        Api.Reply created = anonymousB.send(anonymousB.request("/api/v1/console/users").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(201, created.status(), created.toString());

        assertEquals(204, anonymousB.send(anonymousB.request("/api/v1/console/session").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf).DELETE()).status());
        assertEquals(401, anonymousA.send(anonymousA.request("/api/v1/console/session").header("Cookie", cookie).GET()).status(),
                "logged out through node-b, the session is gone on node-a too");
    }

    // Challenges and send limits.

    @Test
    void aChallengeStartedOnOneNodeIsAnsweredOnTheOtherExactlyOnce() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = smsUser(a.api, phone);
        JsonObject challenge = challenge(a.api, user);
        String code = ChallengeIT.code(rig.gateway.lastTo(phone).text(), 6);
        String transaction = challenge.getString("transactionId");

        List<Callable<Answer>> calls = new ArrayList<>();
        for (TwoNodes.Node n : rig.nodes()) {
            for (int c = 0; c < 3; c++) {
                calls.add(() -> new Answer(0, n.name, answer(n.api, user, code, transaction)));
            }
        }
        List<Answer> answers = together(calls);
        assertEquals(1, answers.stream().filter(x -> x.result().equals("ACCEPT")).count(), answers.toString());
        for (TwoNodes.Node n : rig.nodes()) {
            assertEquals("REJECT", answer(n.api, user, code, transaction), "the spent challenge on " + n.name);
        }

        // And the other way round, one answer at a time.
        JsonObject second = challenge(b.api, user);
        String secondCode = ChallengeIT.code(rig.gateway.lastTo(phone).text(), 6);
        assertEquals("ACCEPT", answer(a.api, user, secondCode, second.getString("transactionId")));
        assertEquals("REJECT", answer(b.api, user, secondCode, second.getString("transactionId")));
    }

    @Test
    void theHourlySendLimitCountsTheCodesBothNodesSent() throws Exception {
        String phone = ChallengeIT.newPhone();
        String user = smsUser(a.api, phone);
        int asks = 8;
        List<Callable<JsonObject>> calls = new ArrayList<>();
        for (int i = 0; i < asks; i++) {
            TwoNodes.Node n = node(i);
            calls.add(() -> n.api.validateReply(user, "").json());
        }
        List<JsonObject> answers = together(calls);
        assertEquals(TwoNodes.SENDS_PER_USER_PER_HOUR, answers.stream().filter(j -> j.getString("result").equals("CHALLENGE")).count(),
                answers.toString());
        assertEquals(asks - TwoNodes.SENDS_PER_USER_PER_HOUR, answers.stream()
                .filter(j -> j.getString("result").equals("REJECT") && j.getString("message").equals(MAX_SENT)).count(), answers.toString());
        assertEquals(TwoNodes.SENDS_PER_USER_PER_HOUR, rig.gateway.requests.stream().filter(r -> phone.equals(r.to())).count(),
                "the gateway got as many messages as the limit allows, from both nodes together");
        for (TwoNodes.Node n : rig.nodes()) {
            JsonObject refused = n.api.validateReply(user, "").json();
            assertEquals("REJECT", refused.getString("result"), n.name);
            assertEquals(MAX_SENT, refused.getString("message"), n.name);
        }
    }

    // Admin changes made through one node hold on the other at once.

    @Test
    void aTokenEnrolledThroughOneNodeWorksOnTheOtherAtOnce() {
        String user = a.api.newUser("late-token");
        // node-b reads the user, without any token, and keeps that copy.
        assertEquals("REJECT", b.api.validate(user, "123456"));
        JsonObject t = a.api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp").build());
        assertEquals("ACCEPT", b.api.validate(user, Codes.totp(t, 0)));
        assertEquals("REJECT", a.api.validate(user, Codes.totp(t, 0)));
    }

    @Test
    void aPinSetChangedOrRemovedThroughOneNodeHoldsOnTheOtherAtOnce() {
        String user = a.api.newUser("pin");
        String pin1 = newPin();
        JsonObject t = a.api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").add("pin", pin1).build());
        String serial = t.getString("serial");
        assertEquals("ACCEPT", b.api.validate(user, pin1 + Codes.hotp(t, 0)), "node-b holds the token with its first PIN");

        String pin2 = newPin();
        assertEquals(200, putPin(serial, pin2).status());
        assertEquals("REJECT", b.api.validate(user, pin1 + Codes.hotp(t, 1)), "the old PIN, right after the change on node-a");
        assertEquals("ACCEPT", b.api.validate(user, pin2 + Codes.hotp(t, 1)), "the new PIN");

        String pin3 = newPin();
        assertEquals(200, putPin(serial, pin3).status());
        JsonObject oldPinAlone = b.api.validateReply(user, pin2).json();
        assertEquals("REJECT", oldPinAlone.getString("result"), "the old PIN alone starts no challenge");
        JsonObject pinAlone = b.api.validateReply(user, pin3).json();
        assertEquals("CHALLENGE", pinAlone.getString("result"));
        assertEquals("ACCEPT", answer(b.api, user, Codes.hotp(t, 2), pinAlone.getString("transactionId")));

        assertEquals(200, putPin(serial, null).status());
        assertEquals("REJECT", b.api.validate(user, pin3 + Codes.hotp(t, 3)), "the PIN removed on node-a");
        assertEquals("ACCEPT", b.api.validate(user, Codes.hotp(t, 3)), "the code alone, right after the PIN was removed");

        String pin4 = newPin();
        assertEquals(200, putPin(serial, pin4).status());
        assertEquals("REJECT", b.api.validate(user, Codes.hotp(t, 4)), "the code alone, right after a PIN was set on node-a");
        assertEquals("ACCEPT", b.api.validate(user, pin4 + Codes.hotp(t, 4)));
    }

    @Test
    void aTokenDisabledEnabledOrDeletedThroughOneNodeIsSoOnTheOtherAtOnce() {
        String user = a.api.newUser("disable");
        JsonObject t = a.api.enroll(Json.createObjectBuilder().add("user", user).add("type", "hotp").build());
        String serial = t.getString("serial");
        assertEquals("ACCEPT", b.api.validate(user, Codes.hotp(t, 0)), "node-b holds the token, enabled");

        assertEquals(200, a.api.post("/api/v1/tokens/" + serial + "/disable", "").status());
        assertEquals("REJECT", b.api.validate(user, Codes.hotp(t, 1)), "disabled on node-a");
        assertEquals("REJECT", b.api.validate(user, Codes.hotp(t, 1)), "node-b now holds it disabled");
        assertEquals(200, a.api.post("/api/v1/tokens/" + serial + "/enable", "").status());
        assertEquals("ACCEPT", b.api.validate(user, Codes.hotp(t, 1)), "enabled again on node-a");

        assertEquals(204, a.api.delete("/api/v1/tokens/" + serial).status());
        assertEquals("REJECT", b.api.validate(user, Codes.hotp(t, 2)), "deleted on node-a");

        // An SMS token disabled on one node: the other sends no code for it.
        String phone = ChallengeIT.newPhone();
        String smsUser = smsUser(a.api, phone);
        challenge(b.api, smsUser);
        String sms = a.api.get("/api/v1/tokens?user=" + smsUser).jsonStructure().asJsonArray().getJsonObject(0).getString("serial");
        assertEquals(200, a.api.post("/api/v1/tokens/" + sms + "/disable", "").status());
        assertEquals("REJECT", b.api.validateReply(smsUser, "").json().getString("result"), "no challenge for a disabled token");
        assertEquals(1, rig.gateway.requests.stream().filter(r -> phone.equals(r.to())).count(), "no second SMS was sent");
    }

    // Helpers.

    /** node-a for even numbers, node-b for odd ones. */
    static TwoNodes.Node node(int i) {
        return i % 2 == 0 ? a : b;
    }

    /** Users with one token each, HOTP and TOTP in turn, enrolled through both nodes in turn. */
    static List<Enrolled> enroll(String prefix, int users) {
        List<Enrolled> tokens = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            Api api = node(i / 2).api;
            String user = api.newUser(prefix);
            String type = i % 2 == 0 ? "hotp" : "totp";
            tokens.add(new Enrolled(user, api.enroll(Json.createObjectBuilder().add("user", user).add("type", type).build())));
        }
        return tokens;
    }

    /** Runs every call at the same moment (each on its own thread, released together) and returns the results in order. */
    static <T> List<T> together(List<Callable<T>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> call : calls) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The user's validation lines in the audit log, newest first. */
    static List<JsonObject> validations(String user) {
        return a.api.audit(user).stream().map(JsonValue::asJsonObject).filter(l -> "VALIDATE".equals(l.getString("action"))).toList();
    }

    static String smsUser(Api on, String phone) {
        String user = on.newUser("sms");
        on.enroll(Json.createObjectBuilder().add("user", user).add("type", "sms").add("phone", phone).build());
        return user;
    }

    static JsonObject challenge(Api on, String user) {
        JsonObject j = on.validateReply(user, "").json();
        assertEquals("CHALLENGE", j.getString("result"), j.toString());
        return j;
    }

    static String answer(Api on, String user, String code, String transactionId) {
        Api.Reply r = on.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", code)
                .add("transactionId", transactionId).build());
        assertEquals(200, r.status(), "status of an answer");
        return r.json().getString("result");
    }

    static Api.Reply putPin(String serial, String pin) {
        JsonObjectBuilder body = Json.createObjectBuilder();
        if (pin == null) {
            body.addNull("pin");
        } else {
            body.add("pin", pin);
        }
        return a.api.send(a.api.request("/api/v1/tokens/" + serial + "/pin").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.build().toString())));
    }

    static String newPin() {
        return "p" + (100_000 + RANDOM.nextInt(900_000)) + "x";
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * One Access-Request (PAP, with Message-Authenticator) to the node's RADIUS port from a socket of
     * its own, as a NAS sends it; sent again unchanged (a retransmission, which the server answers
     * from its duplicate cache) if no answer comes within 5 s, up to 6 times. The verified answer's name.
     */
    static String radius(TwoNodes.Node n, String secret, String user, String password) throws Exception {
        String answer = radius(n, secret, user, password, 6);
        if (answer.equals("no answer")) {
            throw new AssertionError("no RADIUS answer from " + n.name + " after 6 tries");
        }
        return answer;
    }

    /** The answer's name, or "no answer" when {@code tries} sends of the request got none. */
    static String radius(TwoNodes.Node n, String secret, String user, String password, int tries) throws Exception {
        byte[] key = secret.getBytes(UTF_8);
        byte[] authenticator = randomBytes(16);
        int id = RANDOM.nextInt(256);
        List<RadiusAttribute> attributes = List.of(RadiusAttribute.text(AttributeType.USER_NAME, user),
                RadiusAttribute.of(AttributeType.USER_PASSWORD, RadiusCrypto.hidePassword(password.getBytes(UTF_8), key, authenticator)),
                RadiusAttribute.text(AttributeType.NAS_IDENTIFIER, "two-nodes-it"));
        byte[] request = RadiusCrypto.encodeAccessRequest(id, authenticator, attributes, key, true);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), n.radiusPort));
            socket.setSoTimeout(tries == 1 ? 2_000 : 5_000);
            for (int i = 0; i < tries; i++) {
                socket.send(new DatagramPacket(request, request.length));
                byte[] buffer = new byte[4096];
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                byte[] answer = Arrays.copyOf(p.getData(), p.getLength());
                assertTrue(RadiusCrypto.verifyResponse(answer, authenticator, key, true), "the answer verifies");
                RadiusPacket packet = RadiusPacket.decode(answer);
                assertEquals(id, packet.identifier());
                return PacketCode.name(packet.code());
            }
        } catch (IOException e) {
            throw new IllegalStateException("RADIUS to " + n.name + " failed", e);
        }
        return "no answer";
    }
}
