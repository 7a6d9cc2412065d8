package org.otpappliance.appliance.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Two appliance nodes on one PostgreSQL database, as a site with a load balancer runs them: the same
 * master key (given to both, as {@code OTP_APPLIANCE_MASTER_KEY}), names {@code node-a} and
 * {@code node-b}, each with its own data directory and RADIUS port (on 127.0.0.1), both sending SMS
 * codes to one gateway ({@link ChallengeIT.FakeSmsGateway}). Both are started at the same moment on
 * the empty database, as an orchestrator starts replicas. Shared by {@link TwoNodesIT} and
 * {@link NodeKillIT} (starting two nodes costs ~30 s); stopped, and the database dropped, when the run ends.
 *
 * <p>Commits on the database are 10 ms slower than the disk allows ({@code commit_delay}), as on
 * slower storage, so that a kill under load often lands inside a commit.
 *
 * <p>Each node keeps its copy of a user's tokens for 300 s ({@code token-cache-seconds}), far longer
 * than any test here waits: whatever one node sees of a change made on the other, it saw through the
 * database, not because its copy expired.
 *
 * <p>The database comes from {@code OTP_TEST_PG_URL} (with {@code OTP_TEST_PG_USER} and
 * {@code OTP_TEST_PG_PASSWORD}), as for {@link PostgresIT}: {@code .ci/postgres.sh} sets them.
 */
public final class TwoNodes implements ParameterResolver {
    static final int MAX_FAILURES = 5;
    static final int SENDS_PER_USER_PER_HOUR = 3;
    static final int USER_FAILURES = 6;
    static final int TOKEN_CACHE_SECONDS = 300;

    /** One node: its name (as the audit log records it), the running appliance, and its RADIUS port. */
    public static final class Node {
        final String name;
        final int radiusPort;
        volatile Appliance appliance;
        volatile Api api;

        Node(String name, int radiusPort) {
            this.name = name;
            this.radiusPort = radiusPort;
        }
    }

    /** The running pair, the gateway they send SMS codes to, and the database they share. */
    public static final class Rig implements AutoCloseable {
        final Node a;
        final Node b;
        final ChallengeIT.FakeSmsGateway gateway;
        final PostgresDatabase database;
        final Map<Node, Map<String, String>> env = new HashMap<>();
        final Map<Node, Path> dataDirs = new HashMap<>();
        /** The bootstrap admin key, from whichever node wrote it. */
        volatile String adminKey;

        Rig(Node a, Node b, ChallengeIT.FakeSmsGateway gateway, PostgresDatabase database) {
            this.a = a;
            this.b = b;
            this.gateway = gateway;
            this.database = database;
        }

        List<Node> nodes() {
            return List.of(a, b);
        }

        /** A connection to the nodes' database, for looking at what they stored. */
        Connection sql() throws Exception {
            return database.connect();
        }

        /** Kills the node with SIGKILL, if it still runs, and starts it again on its data directory. */
        void restart(Node n) throws Exception {
            n.appliance.kill();
            n.appliance = Appliance.startNode(dataDirs.get(n), env.get(n));
            n.api = new Api(n.appliance.base(), adminKey);
        }

        @Override
        public void close() throws Exception {
            try {
                for (Node n : nodes()) {
                    if (n.appliance != null) {
                        n.appliance.close();
                    }
                }
            } finally {
                gateway.close();
                database.close();
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Rig.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(TwoNodes.class, k -> {
            try {
                return start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Rig.class);
    }

    private static Rig start() throws Exception {
        PostgresDatabase database = PostgresDatabase.create("otp_two_nodes", "TwoNodes");
        try (Connection c = PostgresDatabase.server(); Statement s = c.createStatement()) {
            // Every commit waits 10 ms before its flush, as on a slower disk: a node killed under load is
            // then often caught inside a commit that lands without its answer (NodeKillIT). The commit
            // stays durable (fsync on). Superuser only: without it, kills rarely hit that moment.
            try {
                s.execute("ALTER DATABASE " + database.name + " SET commit_delay = 10000");
                s.execute("ALTER DATABASE " + database.name + " SET commit_siblings = 0");
            } catch (SQLException notSuperuser) {
                System.out.println("TwoNodes: commit_delay left at the default: " + notSuperuser.getMessage());
            }
        }
        byte[] masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        Rig rig = new Rig(new Node("node-a", RadiusRig.freeUdpPort()), new Node("node-b", RadiusRig.freeUdpPort()),
                new ChallengeIT.FakeSmsGateway(), database);
        try {
            Path dirs = Files.createTempDirectory("otp-two-nodes");
            for (Node n : rig.nodes()) {
                Map<String, String> env = new HashMap<>(database.applianceEnv());
                env.put("OTP_APPLIANCE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey));
                env.put("OTP_APPLIANCE_NODE_NAME", n.name);
                env.put("OTP_APPLIANCE_RADIUS_PORT", String.valueOf(n.radiusPort));
                env.put("OTP_APPLIANCE_RADIUS_BIND_ADDRESS", "127.0.0.1");
                env.put("OTP_APPLIANCE_TOKEN_CACHE_SECONDS", String.valueOf(TOKEN_CACHE_SECONDS));
                env.put("OTP_APPLIANCE_MAX_FAILURES", String.valueOf(MAX_FAILURES));
                env.put("OTP_APPLIANCE_RATE_LIMIT_USER_FAILURES", String.valueOf(USER_FAILURES));
                env.put("OTP_APPLIANCE_SMS_URL", "http://127.0.0.1:" + rig.gateway.port + "/send");
                env.put("OTP_APPLIANCE_CHALLENGE_RESEND_COOLDOWN_SECONDS", "0");
                env.put("OTP_APPLIANCE_CHALLENGE_SENDS_PER_USER_PER_HOUR", String.valueOf(SENDS_PER_USER_PER_HOUR));
                rig.env.put(n, env);
                rig.dataDirs.put(n, dirs.resolve(n.name));
            }
            ExecutorService starter = Executors.newFixedThreadPool(2);
            try {
                List<Future<Appliance>> started = new ArrayList<>();
                for (Node n : rig.nodes()) {
                    started.add(starter.submit(() -> Appliance.startNode(rig.dataDirs.get(n), rig.env.get(n))));
                }
                Exception failed = null;
                for (int i = 0; i < 2; i++) {
                    try {
                        rig.nodes().get(i).appliance = started.get(i).get();
                    } catch (Exception e) {
                        failed = e;   // the other node still gets its appliance, so that close() stops it
                    }
                }
                if (failed != null) {
                    throw failed;
                }
            } finally {
                starter.shutdown();
            }
            for (Node n : rig.nodes()) {
                Path key = rig.dataDirs.get(n).resolve("admin.key");
                if (Files.exists(key)) {
                    rig.adminKey = Files.readString(key).strip();
                }
            }
            if (rig.adminKey == null) {
                throw new IllegalStateException("neither node wrote admin.key");
            }
            for (Node n : rig.nodes()) {
                n.api = new Api(n.appliance.base(), rig.adminKey);
            }
            return rig;
        } catch (Exception | Error e) {
            rig.close();
            throw e;
        }
    }
}
