package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.otp.algorithm.Totp;

/**
 * A node killed with SIGKILL under load, while both nodes of {@link TwoNodes} receive a stream of
 * fresh codes: each user's codes, one after the other, each sent to both nodes at the same moment.
 * What can honestly be asserted when a node dies mid-commit: a client may get no answer for a code
 * whose update did land; such a code is spent all the same (refused when retried, never accepted
 * twice). So, from every answer the clients got and from the database:
 * <ul>
 *   <li>no code got two ACCEPTs;</li>
 *   <li>the surviving node answered every request, before and after the kill, and kept accepting;</li>
 *   <li>every code sent was spent exactly once: the audit log holds as many ACCEPT lines for the
 *       user as codes were sent, and the token's state is at the last one — a code no client heard
 *       ACCEPT for is one the killed node spent without answering, and those are no more than the
 *       requests it never answered;</li>
 *   <li>each ACCEPT the surviving node answered has its audit line, and it wrote no other;</li>
 *   <li>after the restart, every spent code is refused on both nodes, and fresh codes work on both.</li>
 * </ul>
 * Leaves both nodes running (the killed one restarted) for other tests of the rig.
 */
@ExtendWith(TwoNodes.class)
class NodeKillIT {
    static final int HOTP_USERS = 8;
    static final int TOTP_USERS = 2;
    static final Duration DEADLINE = Duration.ofSeconds(90);

    /** One request's outcome: whose code (its number in the user's stream), which node, and the answer ("NO_ANSWER" when none came). */
    record Outcome(int user, long code, String node, String answer, boolean afterKill) {
    }

    record Enrolled(String user, JsonObject token) {
        boolean hotp() {
            return token.getString("type").equals("hotp");
        }

        /** HOTP: the code with this counter; TOTP: the code of this time step. */
        String code(long n) {
            return hotp() ? Codes.hotp(token, n)
                    : Hotp.code(Codes.secret(token), n, token.getInt("digits"), HashAlgorithm.parse(token.getString("algorithm")));
        }
    }

    @BeforeAll
    static void postgres() {
        PostgresDatabase.require("NodeKillIT");
    }

    @Test
    void aNodeKilledUnderLoadAcceptedNoCodeTwiceAndLostNoSpentCode(TwoNodes.Rig rig) throws Exception {
        TwoNodes.Node a = rig.a;
        TwoNodes.Node b = rig.b;
        List<Enrolled> users = new ArrayList<>();
        for (int i = 0; i < HOTP_USERS + TOTP_USERS; i++) {
            String user = a.api.newUser("kill");
            String type = i < HOTP_USERS ? "hotp" : "totp";
            users.add(new Enrolled(user, a.api.enroll(Json.createObjectBuilder().add("user", user).add("type", type).build())));
        }

        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean killed = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService streams = Executors.newFixedThreadPool(users.size());
        ExecutorService toB = Executors.newFixedThreadPool(users.size());
        List<Future<List<Long>>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < users.size(); i++) {
                int index = i;
                sent.add(streams.submit(() -> stream(index, users.get(index), a, b, toB, outcomes, killed, stop)));
            }
            awaitCount(outcomes, o -> o.node().equals(b.name) && o.answer().equals("ACCEPT"), 40, "node-b to accept 40 codes");
            b.appliance.kill();
            killed.set(true);
            awaitCount(outcomes, o -> o.afterKill() && o.node().equals(a.name) && o.answer().equals("ACCEPT"), 40,
                    "node-a to accept 40 codes after the kill");
            stop.set(true);
            List<List<Long>> codesSent = new ArrayList<>();
            for (Future<List<Long>> f : sent) {
                codesSent.add(f.get(60, TimeUnit.SECONDS));
            }
            rig.restart(b);

            List<Outcome> all = List.copyOf(outcomes);
            // Counts only, for the record of what the kill hit (no codes).
            System.out.println("NodeKillIT: " + codesSent.stream().mapToInt(List::size).sum() + " codes sent; node-a "
                    + summary(all, a.name) + "; node-b " + summary(all, b.name));
            assertTrue(all.stream().filter(o -> o.node().equals(a.name)).allMatch(o -> o.answer().equals("ACCEPT") || o.answer().equals("REJECT")),
                    "the surviving node answered every request: " + summary(all, a.name));
            assertTrue(all.stream().filter(o -> o.node().equals(b.name) && !o.afterKill())
                    .allMatch(o -> o.answer().equals("ACCEPT") || o.answer().equals("REJECT") || o.answer().equals("NO_ANSWER")),
                    "node-b answered, or died first: " + summary(all, b.name));
            assertTrue(all.stream().filter(o -> o.afterKill() && o.node().equals(b.name)).allMatch(o -> o.answer().equals("NO_ANSWER")),
                    "nothing answers on a killed node's port");

            long linesOfB = 0;
            for (Enrolled e : users) {
                linesOfB += auditLines(rig, e.user(), b.name);
            }
            long committedUnanswered = linesOfB - all.stream().filter(o -> o.node().equals(b.name) && !o.answer().equals("NO_ANSWER")).count();
            assertTrue(committedUnanswered >= 0 && committedUnanswered <= all.stream()
                    .filter(o -> o.node().equals(b.name) && o.answer().equals("NO_ANSWER") && !o.afterKill()).count(),
                    "every answer node-b gave has its audit line, and it wrote lines only for requests it had when it died");
            long spentUnanswered = 0;
            for (int i = 0; i < users.size(); i++) {
                int index = i;
                Enrolled e = users.get(i);
                List<Long> codes = codesSent.get(i);
                List<Outcome> mine = all.stream().filter(o -> o.user() == index).toList();
                Map<Long, Long> accepts = new HashMap<>();
                mine.stream().filter(o -> o.answer().equals("ACCEPT")).forEach(o -> accepts.merge(o.code(), 1L, Long::sum));
                assertTrue(accepts.values().stream().allMatch(n -> n == 1), "a code accepted twice: user " + i + " " + accepts);
                List<Long> unanswered = codes.stream().filter(c -> !accepts.containsKey(c)).toList();
                long unansweredOnB = mine.stream().filter(o -> o.node().equals(b.name) && o.answer().equals("NO_ANSWER")).count();
                for (long c : unanswered) {
                    assertTrue(mine.stream().anyMatch(o -> o.code() == c && o.node().equals(b.name) && o.answer().equals("NO_ANSWER")),
                            "a code no client heard ACCEPT for had a request on the killed node that got no answer");
                }

                Map<String, Long> auditAccepts = auditAccepts(rig, e.user());
                long acceptedByA = mine.stream().filter(o -> o.node().equals(a.name) && o.answer().equals("ACCEPT")).count();
                long acceptedByB = mine.stream().filter(o -> o.node().equals(b.name) && o.answer().equals("ACCEPT")).count();
                assertEquals(acceptedByA, auditAccepts.getOrDefault(a.name, 0L), "node-a's ACCEPT lines are its ACCEPT answers, user " + i);
                long landedUnanswered = auditAccepts.getOrDefault(b.name, 0L) - acceptedByB;
                assertTrue(landedUnanswered >= 0 && landedUnanswered <= unansweredOnB,
                        "node-b's ACCEPT lines beyond its ACCEPT answers are requests it never answered, user " + i);
                assertEquals(codes.size(), acceptedByA + auditAccepts.getOrDefault(b.name, 0L),
                        "every code sent was spent exactly once (audit ACCEPT lines), user " + i);
                assertEquals(unanswered.size(), landedUnanswered, "each code without an ACCEPT answer was spent by the killed node");
                spentUnanswered += landedUnanswered;
                long last = codes.get(codes.size() - 1);
                assertEquals(e.hotp() ? last + 1 : last, tokenPosition(rig, e), "the token's state is at the last code, user " + i);

                // Retried after the restart: the last code and every code that got no ACCEPT answer are refused on both nodes.
                List<Long> retried = new ArrayList<>(unanswered);
                retried.add(last);
                for (long c : retried) {
                    for (TwoNodes.Node n : rig.nodes()) {
                        assertEquals("REJECT", n.api.validate(e.user(), e.code(c)), "a spent code retried on " + n.name + ", user " + i);
                    }
                }
                if (e.hotp()) {
                    assertEquals("ACCEPT", b.api.validate(e.user(), e.code(last + 1)), "node-b after its restart, user " + i);
                    assertEquals("ACCEPT", a.api.validate(e.user(), e.code(last + 2)), "node-a, user " + i);
                }
            }
            System.out.println("NodeKillIT: codes the killed node spent without answering: " + spentUnanswered
                    + "; its validations (any result) that committed without an answer: " + committedUnanswered);
        } finally {
            stop.set(true);
            streams.shutdownNow();
            toB.shutdownNow();
        }
    }

    /**
     * One user's stream: each code sent to both nodes at once, the next when both answered (or failed).
     * HOTP codes count up; a TOTP code is sent once per time step. Returns the codes sent, in order.
     */
    static List<Long> stream(int index, Enrolled e, TwoNodes.Node a, TwoNodes.Node b, ExecutorService toB, Queue<Outcome> outcomes,
                             AtomicBoolean killed, AtomicBoolean stop) throws Exception {
        List<Long> sent = new ArrayList<>();
        long next = 0;
        int period = e.hotp() ? 0 : e.token().getInt("period");
        while (!stop.get()) {
            long n = e.hotp() ? next : Totp.timeStep(System.currentTimeMillis() / 1000, period);
            if (!e.hotp() && !sent.isEmpty() && n <= sent.get(sent.size() - 1)) {
                Thread.sleep(200);
                continue;
            }
            String code = e.code(n);
            boolean afterKill = killed.get();
            Future<String> fromB = toB.submit(() -> ask(b, e.user(), code));
            String fromA = ask(a, e.user(), code);
            outcomes.add(new Outcome(index, n, a.name, fromA, afterKill));
            outcomes.add(new Outcome(index, n, b.name, fromB.get(), afterKill));
            sent.add(n);
            next = n + 1;
            Thread.sleep(20);   // a stream, not a flood: the machine also runs both nodes and PostgreSQL
        }
        return sent;
    }

    /** The node's answer, "HTTP n" for an error status, "NO_ANSWER" when the connection failed. */
    static String ask(TwoNodes.Node n, String user, String code) {
        try {
            Api.Reply r = n.api.validateReply(user, code);
            return r.status() == 200 ? r.json().getString("result") : "HTTP " + r.status();
        } catch (UncheckedIOException e) {
            return "NO_ANSWER";
        }
    }

    static void awaitCount(Queue<Outcome> outcomes, Predicate<Outcome> which, int n, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (outcomes.stream().filter(which).count() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + DEADLINE + " for " + what);
            }
            Thread.sleep(100);
        }
    }

    static String summary(List<Outcome> all, String node) {
        Map<String, Long> counts = new HashMap<>();
        all.stream().filter(o -> o.node().equals(node)).forEach(o -> counts.merge(o.answer() + (o.afterKill() ? " after kill" : ""), 1L, Long::sum));
        return counts.toString();
    }

    /** ACCEPT lines of the user's validations, per node, straight from the audit table. */
    static Map<String, Long> auditAccepts(TwoNodes.Rig rig, String user) throws Exception {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = rig.sql(); PreparedStatement p = c.prepareStatement(
                "SELECT node, COUNT(*) FROM audit_event WHERE username = ? AND action = 'VALIDATE' AND result = 'ACCEPT' GROUP BY node")) {
            p.setString(1, user);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    counts.put(r.getString(1), r.getLong(2));
                }
            }
        }
        return counts;
    }

    /** The node's audit lines of the user's validations, whatever their result. */
    static long auditLines(TwoNodes.Rig rig, String user, String node) throws Exception {
        try (Connection c = rig.sql(); PreparedStatement p = c.prepareStatement(
                "SELECT COUNT(*) FROM audit_event WHERE username = ? AND action = 'VALIDATE' AND node = ?")) {
            p.setString(1, user);
            p.setString(2, node);
            try (ResultSet r = p.executeQuery()) {
                assertTrue(r.next());
                return r.getLong(1);
            }
        }
    }

    /** HOTP: the next counter; TOTP: the last accepted time step, from token_state. */
    static long tokenPosition(TwoNodes.Rig rig, Enrolled e) throws Exception {
        try (Connection c = rig.sql(); PreparedStatement p = c.prepareStatement(
                "SELECT s.next_counter, s.last_time_step FROM token_state s JOIN token t ON t.id = s.token_id WHERE t.serial = ?")) {
            p.setString(1, e.token().getString("serial"));
            try (ResultSet r = p.executeQuery()) {
                assertTrue(r.next());
                return e.hotp() ? r.getLong(1) : r.getLong(2);
            }
        }
    }
}
