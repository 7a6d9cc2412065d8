import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.otpappliance.appliance.infrastructure.FailureCounts;
import org.otpappliance.appliance.infrastructure.SchemaMigrator;

/**
 * Shared rate limits: what counting one failure costs when the count is shared by two nodes, through
 * the database (the appliance's own FailureCounts on PostgreSQL: one short transaction that adds to
 * the user's and the source's window and reads both back) and through Payara's built-in Hazelcast
 * (the same window logic as an entry processor on a distributed map, one call per key, on a cluster
 * of two members in two JVMs with the default synchronous backup). The accept path costs nothing in
 * either: the appliance writes only failures.
 *
 *   java -cp CLASSPATH bench/SharedLimits.java --jdbc URL [--seconds S] [--threads N,...]
 *   (the second member: java -cp CLASSPATH bench/SharedLimits.java member PORT PEER_PORT)
 *
 * Prints one "limits key=value ..." line: per store and thread count, failures counted per second,
 * and the median and 99th percentile of one failure's cost in microseconds.
 */
public class SharedLimits {
    static final int USERS = 10_000;
    static final int SOURCES = 1_000;
    static final long WINDOW_MILLIS = 600_000;

    /** The same window as FailureCounts keeps: {window end, failures}. */
    static final class CountFailure implements EntryProcessor<String, long[], long[]>, Serializable {
        private static final long serialVersionUID = 1L;
        final long now;

        CountFailure(long now) {
            this.now = now;
        }

        @Override
        public long[] process(Map.Entry<String, long[]> entry) {
            long[] w = entry.getValue();
            long[] next = w == null || w[0] <= now ? new long[] {now + WINDOW_MILLIS, 1} : new long[] {w[0], w[1] + 1};
            entry.setValue(next);
            return next;
        }
    }

    interface Store {
        void countFailure(String user, String source) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("com.hazelcast").setLevel(Level.WARNING);
        if (args.length > 0 && args[0].equals("member")) {
            member(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            Thread.currentThread().join();
            return;
        }
        String jdbc = null;
        int seconds = 10;
        int[] threads = {1, 8};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jdbc" -> jdbc = args[++i];
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (jdbc == null) {
            throw new IllegalArgumentException("--jdbc URL of a PostgreSQL database is required");
        }
        StringBuilder line = new StringBuilder("limits cores=" + Runtime.getRuntime().availableProcessors() + " seconds=" + seconds);

        // Pooled, as the appliance's connections are (HikariCP, one connection per thread here).
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbc);
        pool.setUsername(System.getProperty("pg.user", "postgres"));
        pool.setMaximumPoolSize(Arrays.stream(threads).max().orElse(1));
        HikariDataSource pg = new HikariDataSource(pool);
        new SchemaMigrator(pg).migrate();
        FailureCounts db = new FailureCounts(pg, true);
        Store database = (u, s) -> db.add(System.currentTimeMillis(), List.of(new FailureCounts.Bucket("user", u, WINDOW_MILLIS),
                new FailureCounts.Bucket("source", s, WINDOW_MILLIS)));
        for (int n : threads) {
            line.append(measure("db", n, seconds, database));
        }

        int port = Integer.parseInt(System.getProperty("hz.port", "15701"));
        Process other = startOtherMember(port + 1, port);
        HazelcastInstance hz = member(port, port + 1);
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (hz.getCluster().getMembers().size() < 2) {
                if (System.nanoTime() > deadline || !other.isAlive()) {
                    throw new IllegalStateException("the second Hazelcast member did not join");
                }
                Thread.sleep(200);
            }
            IMap<String, long[]> map = hz.getMap("rate-limit");
            Store grid = (u, s) -> {
                long now = System.currentTimeMillis();
                map.executeOnKey("user:" + u, new CountFailure(now));
                map.executeOnKey("source:" + s, new CountFailure(now));
            };
            for (int n : threads) {
                line.append(measure("hz", n, seconds, grid));
            }
            line.append(" hz_members=").append(hz.getCluster().getMembers().size()).append(" hz_version=")
                    .append(hz.getCluster().getClusterVersion());
        } finally {
            hz.shutdown();
            other.destroy();
            pg.close();
        }
        System.out.println(line);
    }

    static HazelcastInstance member(int port, int peerPort) {
        Config c = new Config();
        c.setClusterName("otp-limits-bench");
        c.setClassLoader(SharedLimits.class.getClassLoader());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = c.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port).addMember("127.0.0.1:" + peerPort);
        c.addMapConfig(new MapConfig("rate-limit").setBackupCount(1));
        return Hazelcast.newHazelcastInstance(c);
    }

    static Process startOtherMember(int port, int peerPort) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path source = Path.of(System.getProperty("bench.source", "bench/SharedLimits.java"));
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), source.toString(), "member",
                String.valueOf(port), String.valueOf(peerPort)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Warms up for a third of the time, then counts failures with {@code threads} threads for {@code seconds}. */
    static String measure(String name, int threads, int seconds, Store store) throws Exception {
        run(threads, Math.max(1, seconds / 3), store);
        long[][] samples = run(threads, seconds, store);
        long count = Arrays.stream(samples).mapToLong(s -> s.length).sum();
        long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
        String p = " " + name + "_t" + threads + "_";
        return p + "ops=" + Math.round(count / (double) seconds) + p + "p50_us=" + all[all.length / 2] / 1000
                + p + "p99_us=" + all[(int) (all.length * 0.99)] / 1000;
    }

    static long[][] run(int threads, int seconds, Store store) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        long[][] samples = new long[threads][];
        Exception[] failure = new Exception[1];
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread w = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (!stop.get()) {
                        String user = "user-" + random.nextInt(USERS);
                        String source = "10.0." + random.nextInt(SOURCES / 250) + "." + random.nextInt(250);
                        long start = System.nanoTime();
                        store.countFailure(user, source);
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = System.nanoTime() - start;
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
                samples[index] = Arrays.copyOf(mine, n);
            });
            workers.add(w);
            w.start();
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return samples;
    }
}
