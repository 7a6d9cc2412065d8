import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.PacketCode;
import org.otpappliance.radius.codec.RadiusAttribute;
import org.otpappliance.radius.codec.RadiusCrypto;

/**
 * Load generator of bench/radius.sh: an asynchronous RADIUS client that keeps N Access-Requests in
 * flight over one or a few UDP sockets, each request a fresh, valid one-time code, and verifies every
 * answer.
 *
 * <pre>
 *   run --host H --port P --secret S --mode hotp|totp --seed SEED --set SET --prefix PREFIX --users N
 *       --duration S [--warm-set SET --warm-prefix PREFIX --warm-users N --warmup S] [--inflight N]
 *       [--channels C] [--timeout-ms MS] [--require-ma true|false] [--server-pid PID] [--metrics-url URL]
 *       [--retransmit-after S] [--label NAME]
 *   users-file SEED SET PREFIX COUNT OUT
 *       appends COUNT lines 'PREFIXi TOTP-Secret := "BASE32"' to OUT (a FreeRADIUS users file)
 * </pre>
 *
 * The secret of user i of a set is the first 20 bytes of SHA-256("SEED/SET/i"), as in
 * GenerateCodes.java, which enrolls the same users in the appliance as HOTP tokens.
 *
 * <p>Each request: a random Request Authenticator, Message-Authenticator (RFC 3579) as the first
 * attribute, User-Name, User-Password (the 6-digit code hidden per RFC 2865 §5.2) and
 * NAS-Identifier. The code is, with {@code hotp}, the user's next HOTP value (counter 0, 1, 2, ...: the
 * users are taken in turn and a user with a request in flight is skipped, so each user's codes arrive
 * in order and each is sent once); with {@code totp}, the user's current TOTP value (RFC 6238, SHA-1,
 * 30 s, 6 digits), computed when the request is sent; no request is sent within 20 ms of a step
 * boundary ({@link #TOTP_GUARD_MILLIS}).
 *
 * <p>Each answer is matched by socket and identifier and verified: Response Authenticator (RFC 2865
 * §3), and Message-Authenticator when present (required with {@code --require-ma true}). A matching
 * answer that fails verification is counted and ignored (the request then times out, as it would for
 * a real NAS). No retransmissions: a request unanswered after {@code --timeout-ms} counts as a timeout
 * and its identifier rests for 10 s (a late answer is counted as late). Closed loop: a verified answer
 * frees its slot and the next request is sent at once.
 *
 * <p>With {@code --server-pid}, the server's CPU time (utime + stime from /proc) over the measured
 * window is reported; with {@code --metrics-url} (the appliance's /metrics), the appliance's own count
 * of RADIUS decisions ({@code validations_total}) over the measured phase.
 *
 * <p>With {@code --retransmit-after S} (default 10, 0 for none), the measured phase also checks RFC 5080
 * duplicate detection under load: every 2 s one extra Access-Request (a fresh code for the next
 * measured user) goes out on a socket of its own, and S seconds after its answer the identical
 * datagram is sent again, as a NAS whose answer was lost retransmits it. The server must answer it
 * as the first time (a code must not be spent twice); the probes are not counted in the rates.
 *
 * <p>One thread does everything (a Selector over the sockets), so the generator takes at most one core.
 * The warm-up phase (its own users) runs first; then one request for each measured user (priming:
 * the appliance loads a user's tokens on first use), unmeasured; then the measured phase. Output: a
 * summary on stderr and one line on stdout, {@code RESULT key=value ...}.
 *
 * <p>Before the load, a self-test checks the HOTP/TOTP code against RFC 4226/6238 vectors and
 * otp-core, and the packet encoding and answer verification against radius-adapter's RadiusCrypto; the
 * first answers of each phase are verified by RadiusCrypto too, and any disagreement is reported.
 */
public class RadiusLoad {
    static final int SECRET_BYTES = 20;
    static final int HEADER = 20;
    static final int MA_LENGTH = 18;
    static final byte[] NAS_IDENTIFIER = "otpa-radius-bench".getBytes(StandardCharsets.US_ASCII);
    static final long QUARANTINE_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final int CROSS_CHECKS_PER_PHASE = 1000;
    /**
     * TOTP: no request is sent this close (ms) to a 30 s step boundary. rlm_totp checks only the step
     * of the moment it received the request, by time(2), whose coarse clock lags the precise one by up
     * to a few ms: a code made just before or just after the boundary could be checked in the other
     * step and rejected. The pause costs 0.13 % of the time.
     */
    static final long TOTP_GUARD_MILLIS = 20;

    public static void main(String[] args) throws Exception {
        if (args.length == 6 && args[0].equals("users-file")) {
            usersFile(args[1], args[2], args[3], Integer.parseInt(args[4]), Path.of(args[5]));
            return;
        }
        if (args.length < 1 || !args[0].equals("run")) {
            System.err.println("usage: RadiusLoad run --host H --port P --secret S --mode hotp|totp --seed SEED --set SET"
                    + " --prefix PREFIX --users N --duration S [--warm-set SET --warm-prefix PREFIX --warm-users N --warmup S]"
                    + " [--inflight N] [--channels C] [--timeout-ms MS] [--require-ma true|false] [--server-pid PID] [--label NAME]"
                    + " | users-file SEED SET PREFIX COUNT OUT");
            System.exit(2);
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value at " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        new RadiusLoad(o).run();
    }

    // ---------------------------------------------------------------- configuration

    final String label;
    final InetSocketAddress server;
    final byte[] secret;
    final boolean totp;
    final String seed;
    final int inflight;
    final int channelCount;
    final long timeoutNanos;
    final boolean requireMa;
    final int serverPid;
    final String metricsUrl;
    final long retransmitNanos;
    final UserSet measured;
    final UserSet warm;
    final double durationSeconds;
    final double warmupSeconds;

    // ---------------------------------------------------------------- crypto, reused (one thread)

    final MessageDigest md5;
    final Mac hmacMd5;
    final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
    final byte[] sendBuffer = new byte[4096];
    final ByteBuffer receiveBuffer = ByteBuffer.allocate(65_536);
    final byte[] verifyCopy = new byte[4096];
    final byte[] code = new byte[6];
    final byte[] counterBytes = new byte[8];

    // ---------------------------------------------------------------- sockets and slots

    Selector selector;
    Chan[] chans;
    int nextChan;
    int inFlight;
    Stats stats;
    UserSet users;

    RadiusLoad(Map<String, String> o) throws GeneralSecurityException {
        label = o.getOrDefault("label", "server");
        server = new InetSocketAddress(o.getOrDefault("host", "127.0.0.1"), Integer.parseInt(required(o, "port")));
        secret = required(o, "secret").getBytes(StandardCharsets.UTF_8);
        String mode = required(o, "mode");
        if (!mode.equals("hotp") && !mode.equals("totp")) {
            throw new IllegalArgumentException("--mode is hotp or totp");
        }
        totp = mode.equals("totp");
        seed = required(o, "seed");
        inflight = Integer.parseInt(o.getOrDefault("inflight", "32"));
        channelCount = Integer.parseInt(o.getOrDefault("channels", "1"));
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(o.getOrDefault("timeout-ms", "2000")));
        requireMa = Boolean.parseBoolean(o.getOrDefault("require-ma", "true"));
        serverPid = Integer.parseInt(o.getOrDefault("server-pid", "0"));
        metricsUrl = o.get("metrics-url");
        retransmitNanos = (long) (Double.parseDouble(o.getOrDefault("retransmit-after", "10")) * 1e9);
        durationSeconds = Double.parseDouble(required(o, "duration"));
        warmupSeconds = Double.parseDouble(o.getOrDefault("warmup", "0"));
        if (inflight < 1 || channelCount < 1 || inflight > 200 * channelCount) {
            throw new IllegalArgumentException("--inflight must be 1 to 200 x --channels (256 identifiers per socket)");
        }
        md5 = MessageDigest.getInstance("MD5");
        hmacMd5 = Mac.getInstance("HmacMD5");
        hmacMd5.init(new SecretKeySpec(secret, "HmacMD5"));
        measured = new UserSet(required(o, "set"), required(o, "prefix"), Integer.parseInt(required(o, "users")));
        warm = warmupSeconds > 0
                ? new UserSet(required(o, "warm-set"), required(o, "warm-prefix"), Integer.parseInt(required(o, "warm-users")))
                : null;
        for (UserSet s : warm == null ? List.of(measured) : List.of(warm, measured)) {
            if (s.size() < 4 * inflight) {
                throw new IllegalArgumentException("a user set needs at least 4 x --inflight users (" + s.set + " has " + s.size() + ")");
            }
        }
    }

    static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    static byte[] secret(String seed, String set, int i) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((seed + "/" + set + "/" + i).getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(digest, SECRET_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One set of users: names, a keyed HMAC-SHA1 per user, HOTP counters, who has a request in flight. */
    final class UserSet {
        final String set;
        final byte[][] names;
        final Mac[] macs;
        final long[] counters;
        final boolean[] busy;
        int next;

        UserSet(String set, String prefix, int count) throws GeneralSecurityException {
            this.set = set;
            names = new byte[count][];
            macs = new Mac[count];
            counters = new long[count];
            busy = new boolean[count];
            for (int i = 0; i < count; i++) {
                names[i] = (prefix + i).getBytes(StandardCharsets.UTF_8);
                macs[i] = Mac.getInstance("HmacSHA1");
                macs[i].init(new SecretKeySpec(secret(seed, set, i), "HmacSHA1"));
            }
        }

        int size() {
            return names.length;
        }
    }

    /** A socket and its 256 identifiers: 0 free, 1 in flight, 2 timed out (resting until {@code restUntil}). */
    static final class Chan {
        final DatagramChannel channel;
        final byte[] state = new byte[256];
        final long[] sentAt = new long[256];
        final long[] restUntil = new long[256];
        final byte[][] authenticator = new byte[256][16];
        final int[] user = new int[256];
        final UserSet[] userSet = new UserSet[256];
        int nextId;

        Chan(DatagramChannel channel) {
            this.channel = channel;
        }
    }

    /** The counts of one phase. */
    static final class Stats {
        final String name;
        long start;
        long end;
        long drained;
        long sendLimit = Long.MAX_VALUE;
        long sent;
        long answered;         // verified answers received before the end of the phase
        long windowAccepts;    // of which Access-Accept
        long accepts;
        long rejects;
        long challenges;
        long otherCodes;
        long timeouts;
        long invalid;          // failed verification (or malformed)
        long late;             // answers after the timeout
        long stray;            // for an identifier with nothing in flight
        long afterEnd;         // verified answers to requests in flight at the end (not in the rate)
        long withoutMa;        // verified answers without Message-Authenticator
        long sendErrors;
        long guardPauses;
        long portUnreachable;
        long crossChecked;
        long crossCheckDisagreements;
        long generatorCpuNanos;
        long serverCpuTicks = -1;
        long serverAccepts = -1;
        long serverRejects = -1;
        int[] latencyMicros = new int[1 << 16];
        int latencies;
        int[] perSecond = new int[1];

        Stats(String name) {
            this.name = name;
        }

        void latency(long nanos) {
            if (latencies == latencyMicros.length) {
                latencyMicros = Arrays.copyOf(latencyMicros, latencies * 2);
            }
            latencyMicros[latencies++] = (int) Math.min(Integer.MAX_VALUE, nanos / 1000);
        }

        void second(long now) {
            int s = (int) ((now - start) / 1_000_000_000L);
            if (s >= perSecond.length) {
                perSecond = Arrays.copyOf(perSecond, Math.max(s + 1, perSecond.length * 2));
            }
            perSecond[s]++;
        }
    }

    // ---------------------------------------------------------------- the run

    void run() throws Exception {
        selfTest();
        selector = Selector.open();
        chans = new Chan[channelCount];
        for (int i = 0; i < channelCount; i++) {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 1 << 20);
            ch.bind(new InetSocketAddress(server.getAddress(), 0));
            ch.connect(server);
            ch.configureBlocking(false);
            chans[i] = new Chan(ch);
            ch.register(selector, SelectionKey.OP_READ, chans[i]);
        }
        probeChannel = DatagramChannel.open();
        probeChannel.bind(new InetSocketAddress(server.getAddress(), 0));
        probeChannel.connect(server);
        probeChannel.configureBlocking(false);
        probeChannel.register(selector, SelectionKey.OP_READ, probeChannel);
        System.err.printf("%s: %s, %d in flight over %d socket(s) to %s, timeout %d ms%n", label, totp ? "TOTP" : "HOTP",
                inflight, channelCount, server, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        if (warm != null) {
            Stats w = phase("warm-up", warm, warmupSeconds, Long.MAX_VALUE);
            summary(w);
        }
        // One request per measured user before the window: the appliance reads a user's tokens from
        // the database on first use (and keeps them token-cache-seconds), FreeRADIUS at start.
        Stats p = phase("priming", measured, 300, measured.size());
        System.err.printf("%s priming: one request for each of the %d measured users, answered in %.1f s (%.0f/s), accept %d,"
                        + " reject %d, timeouts %d%n", label, measured.size(), (p.drained - p.start) / 1e9,
                p.sent / ((p.drained - p.start) / 1e9), p.accepts, p.rejects, p.timeouts);
        long[] before = serverDecisions();
        probing = retransmitNanos > 0;
        Stats m = phase("measured", measured, durationSeconds, Long.MAX_VALUE);
        probing = false;
        long[] after = serverDecisions();
        if (before != null && after != null) {
            m.serverAccepts = after[0] - before[0];
            m.serverRejects = after[1] - before[1];
        }
        summary(m);
        probeSummary();
        System.out.println(resultLine(m));
        for (Chan c : chans) {
            c.channel.close();
        }
        probeChannel.close();
        selector.close();
    }

    /** Runs one phase: sends for {@code seconds} or until {@code maxSends} requests, then waits for the answers. */
    Stats phase(String name, UserSet set, double seconds, long maxSends) throws IOException {
        Stats s = new Stats(name);
        s.sendLimit = maxSends;
        stats = s;
        users = set;
        long cpu0 = processCpuNanos();
        long server0 = serverCpuTicks();
        s.start = System.nanoTime();
        long end = s.start + (long) (seconds * 1e9);
        boolean sending = true;
        long lastScan = s.start;
        long nextProbeAt = s.start + 1_000_000_000L;
        while (inFlight < inflight && send()) {
            // fill the window
        }
        while (true) {
            long now = System.nanoTime();
            if (sending && (now >= end || s.sent >= maxSends)) {
                sending = false;
                s.end = now;
                s.generatorCpuNanos = processCpuNanos() - cpu0;
                long server1 = serverCpuTicks();
                s.serverCpuTicks = server0 < 0 || server1 < 0 ? -1 : server1 - server0;
            }
            if (probing) {
                if (sending && now >= nextProbeAt && now + retransmitNanos + 2 * timeoutNanos < end && probes.size() < 250) {
                    launchProbe(set);
                    nextProbeAt = now + 2_000_000_000L;
                }
                advanceProbes(now);
            }
            if (!sending && inFlight == 0 && !(probing && probesPending())) {
                s.drained = now;
                break;
            }
            long waitMillis = Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis((sending ? end : now + 20_000_000L) - now)));
            if (selector.select(waitMillis) > 0) {
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.attachment() instanceof Chan c) {
                        receiveAll(c, sending, end);
                    } else {
                        receiveProbes();
                    }
                }
                selector.selectedKeys().clear();
            }
            now = System.nanoTime();
            if (now - lastScan >= 20_000_000L) {
                lastScan = now;
                expire(now);
            }
            while (sending && inFlight < inflight && System.nanoTime() < end && send()) {
                // refill after timeouts or a send error
            }
        }
        // Late answers to this phase's timed-out requests may still come; they are counted as late
        // in whichever phase is running then (identifiers rest 10 s, so they cannot be mistaken).
        return s;
    }

    void receiveAll(Chan c, boolean sending, long end) throws IOException {
        while (true) {
            receiveBuffer.clear();
            int n;
            try {
                n = c.channel.read(receiveBuffer);
            } catch (PortUnreachableException e) {
                stats.portUnreachable++;
                continue;
            }
            if (n <= 0) {
                return;
            }
            long now = System.nanoTime();
            if (answer(c, receiveBuffer.array(), n, now, sending && now < end) && sending && now < end) {
                send();
            }
        }
    }

    /** Handles one datagram; true when it freed a slot. */
    boolean answer(Chan c, byte[] r, int n, long now, boolean inWindow) {
        Stats s = stats;
        if (n < HEADER) {
            s.invalid++;
            return false;
        }
        int id = r[1] & 0xff;
        int length = ((r[2] & 0xff) << 8) | (r[3] & 0xff);
        if (length < HEADER || length > n) {
            s.invalid++;
            return false;
        }
        byte state = c.state[id];
        if (state == 0) {
            s.stray++;
            return false;
        }
        int verdict = verify(r, length, c.authenticator[id]);
        if (s.crossChecked < CROSS_CHECKS_PER_PHASE && state == 1) {
            s.crossChecked++;
            boolean theirs = RadiusCrypto.verifyResponse(Arrays.copyOf(r, length), c.authenticator[id], secret, requireMa);
            if (theirs != (verdict > 0)) {
                s.crossCheckDisagreements++;
            }
        }
        if (state == 2) {
            if (verdict > 0) {
                s.late++;
                c.state[id] = 0;
            }
            return false;
        }
        if (verdict <= 0) {
            s.invalid++;
            return false; // ignored, like a NAS would: the request times out
        }
        if (verdict == 2) {
            s.withoutMa++;
        }
        c.state[id] = 0;
        c.userSet[id].busy[c.user[id]] = false;
        inFlight--;
        switch (r[0] & 0xff) {
            case PacketCode.ACCESS_ACCEPT -> s.accepts++;
            case PacketCode.ACCESS_REJECT -> s.rejects++;
            case PacketCode.ACCESS_CHALLENGE -> s.challenges++;
            default -> s.otherCodes++;
        }
        if (inWindow) {
            s.answered++;
            if ((r[0] & 0xff) == PacketCode.ACCESS_ACCEPT) {
                s.windowAccepts++;
            }
            s.latency(now - c.sentAt[id]);
            s.second(now);
        } else {
            s.afterEnd++;
        }
        return true;
    }

    /** Requests unanswered after the timeout: counted, their users freed, their identifiers rested. */
    void expire(long now) {
        for (Chan c : chans) {
            for (int id = 0; id < 256; id++) {
                if (c.state[id] == 1 && now - c.sentAt[id] > timeoutNanos) {
                    c.state[id] = 2;
                    c.restUntil[id] = now + QUARANTINE_NANOS;
                    c.userSet[id].busy[c.user[id]] = false;
                    inFlight--;
                    stats.timeouts++;
                }
            }
        }
    }

    /** Sends the next request; false when no user or identifier is free, or the send failed. */
    boolean send() {
        if (stats.sent >= stats.sendLimit) {
            return false;
        }
        if (totp) {
            long inStep = System.currentTimeMillis() % 30_000L;
            if (inStep < TOTP_GUARD_MILLIS || inStep >= 30_000L - TOTP_GUARD_MILLIS) {
                stats.guardPauses++;
                return false;
            }
        }
        UserSet set = users;
        int u = -1;
        for (int tries = 0; tries < set.size(); tries++) {
            int candidate = set.next;
            set.next = set.next + 1 == set.size() ? 0 : set.next + 1;
            if (!set.busy[candidate]) {
                u = candidate;
                break;
            }
        }
        if (u < 0) {
            return false;
        }
        long now = System.nanoTime();
        Chan c = null;
        int id = -1;
        for (int k = 0; k < chans.length && id < 0; k++) {
            Chan candidate = chans[nextChan];
            nextChan = nextChan + 1 == chans.length ? 0 : nextChan + 1;
            for (int tries = 0; tries < 256; tries++) {
                int i = candidate.nextId;
                candidate.nextId = (i + 1) & 0xff;
                if (candidate.state[i] == 0 || (candidate.state[i] == 2 && now - candidate.restUntil[i] > 0)) {
                    c = candidate;
                    id = i;
                    break;
                }
            }
        }
        if (id < 0) {
            return false;
        }
        byte[] auth = c.authenticator[id];
        long a = random.nextLong();
        long b = random.nextLong();
        for (int i = 0; i < 8; i++) {
            auth[i] = (byte) (a >>> (8 * i));
            auth[8 + i] = (byte) (b >>> (8 * i));
        }
        long counter = totp ? System.currentTimeMillis() / 30_000L : set.counters[u];
        otp(set.macs[u], counter, code);
        int length = encodeRequest(sendBuffer, id, auth, set.names[u], code);
        try {
            c.channel.write(ByteBuffer.wrap(sendBuffer, 0, length));
        } catch (PortUnreachableException e) {
            stats.portUnreachable++;
            return false;
        } catch (IOException e) {
            stats.sendErrors++;
            return false;
        }
        if (!totp) {
            set.counters[u]++;
        }
        set.busy[u] = true;
        c.state[id] = 1;
        c.sentAt[id] = System.nanoTime();
        c.user[id] = u;
        c.userSet[id] = set;
        inFlight++;
        stats.sent++;
        return true;
    }

    // ---------------------------------------------------------------- retransmission probes

    /** An Access-Request on the probe socket, and the identical datagram again after {@link #retransmitNanos}. */
    static final class Probe {
        static final int AWAIT_FIRST = 0;
        static final int AWAIT_RETRANSMIT = 1;
        static final int AWAIT_SECOND = 2;
        static final int DONE = 3;
        byte[] request;
        byte[] authenticator;
        UserSet set;
        int user;
        int state;
        long sentAt;
        int firstCode = -1;
        int secondCode = -1;
        byte[] firstAnswer;
        boolean sameBytes;
    }

    DatagramChannel probeChannel;
    boolean probing;
    final List<Probe> probes = new ArrayList<>();

    /** Sends a probe request (its index is its identifier) for the next free user of the set. */
    void launchProbe(UserSet set) throws IOException {
        int u = -1;
        for (int tries = 0; tries < set.size() && u < 0; tries++) {
            int candidate = set.next;
            set.next = set.next + 1 == set.size() ? 0 : set.next + 1;
            u = set.busy[candidate] ? -1 : candidate;
        }
        if (u < 0) {
            return;
        }
        Probe p = new Probe();
        p.authenticator = new byte[16];
        random.nextBytes(p.authenticator);
        otp(set.macs[u], totp ? System.currentTimeMillis() / 30_000L : set.counters[u], code);
        int length = encodeRequest(sendBuffer, probes.size(), p.authenticator, set.names[u], code);
        p.request = Arrays.copyOf(sendBuffer, length);
        if (!totp) {
            set.counters[u]++;
        }
        p.set = set;
        p.user = u;
        set.busy[u] = true;
        p.sentAt = System.nanoTime();
        probes.add(p);
        probeChannel.write(ByteBuffer.wrap(p.request));
    }

    void receiveProbes() throws IOException {
        while (true) {
            receiveBuffer.clear();
            int n;
            try {
                n = probeChannel.read(receiveBuffer);
            } catch (PortUnreachableException e) {
                continue;
            }
            if (n <= 0) {
                return;
            }
            byte[] r = Arrays.copyOf(receiveBuffer.array(), n);
            int id = r[1] & 0xff;
            if (n < HEADER || id >= probes.size()) {
                continue;
            }
            Probe p = probes.get(id);
            int length = ((r[2] & 0xff) << 8) | (r[3] & 0xff);
            if (length < HEADER || length > n || verify(r, length, p.authenticator) == 0) {
                continue;
            }
            if (p.state == Probe.AWAIT_FIRST) {
                p.firstCode = r[0] & 0xff;
                p.firstAnswer = Arrays.copyOf(r, length);
                p.set.busy[p.user] = false;
                p.state = Probe.AWAIT_RETRANSMIT;
                p.sentAt = System.nanoTime(); // the retransmission is timed from the answer
            } else if (p.state == Probe.AWAIT_SECOND) {
                p.secondCode = r[0] & 0xff;
                p.sameBytes = Arrays.equals(p.firstAnswer, Arrays.copyOf(r, length));
                p.state = Probe.DONE;
            }
        }
    }

    /** Retransmits the probes whose time has come; gives up on unanswered ones after the timeout. */
    void advanceProbes(long now) throws IOException {
        for (Probe p : probes) {
            if (p.state == Probe.AWAIT_RETRANSMIT && now - p.sentAt >= retransmitNanos) {
                p.state = Probe.AWAIT_SECOND;
                p.sentAt = now;
                probeChannel.write(ByteBuffer.wrap(p.request));
            } else if ((p.state == Probe.AWAIT_FIRST || p.state == Probe.AWAIT_SECOND) && now - p.sentAt > timeoutNanos) {
                if (p.state == Probe.AWAIT_FIRST) {
                    p.set.busy[p.user] = false;
                }
                p.state = Probe.DONE;
            }
        }
    }

    boolean probesPending() {
        for (Probe p : probes) {
            if (p.state != Probe.DONE) {
                return true;
            }
        }
        return false;
    }

    static String codeLetter(int code) {
        return switch (code) {
            case PacketCode.ACCESS_ACCEPT -> "A";
            case PacketCode.ACCESS_REJECT -> "R";
            case PacketCode.ACCESS_CHALLENGE -> "C";
            case -1 -> "-";
            default -> "?";
        };
    }

    /** {probes, same answer again, changed, changed from Accept to Reject, a first or second answer missing}. */
    long[] probeCounts() {
        long[] c = new long[5];
        for (Probe p : probes) {
            c[0]++;
            if (p.firstCode < 0 || p.secondCode < 0) {
                c[4]++;
            } else if (p.sameBytes) {
                c[1]++;
            } else {
                c[2]++;
                if (p.firstCode == PacketCode.ACCESS_ACCEPT && p.secondCode == PacketCode.ACCESS_REJECT) {
                    c[3]++;
                }
            }
        }
        return c;
    }

    void probeSummary() {
        if (probes.isEmpty()) {
            return;
        }
        long[] c = probeCounts();
        StringBuilder each = new StringBuilder();
        for (Probe p : probes) {
            each.append(each.length() == 0 ? "" : " ").append(codeLetter(p.firstCode)).append(codeLetter(p.secondCode));
        }
        System.err.printf("%s retransmissions %.1f s after the answer, under load: %d probes; the same answer again %d,"
                        + " a different answer %d (Access-Accept, then Access-Reject: %d), unanswered %d; each (first, again): %s%n",
                label, retransmitNanos / 1e9, c[0], c[1], c[2], c[3], c[4], each);
    }

    // ---------------------------------------------------------------- RADIUS and OTP

    /** An Access-Request: Message-Authenticator first, User-Name, User-Password, NAS-Identifier. */
    int encodeRequest(byte[] p, int id, byte[] auth, byte[] name, byte[] password) {
        int length = HEADER + MA_LENGTH + 2 + name.length + 2 + 16 + 2 + NAS_IDENTIFIER.length;
        p[0] = (byte) PacketCode.ACCESS_REQUEST;
        p[1] = (byte) id;
        p[2] = (byte) (length >>> 8);
        p[3] = (byte) length;
        System.arraycopy(auth, 0, p, 4, 16);
        int pos = HEADER;
        p[pos] = (byte) AttributeType.MESSAGE_AUTHENTICATOR;
        p[pos + 1] = MA_LENGTH;
        Arrays.fill(p, pos + 2, pos + MA_LENGTH, (byte) 0);
        pos += MA_LENGTH;
        p[pos] = (byte) AttributeType.USER_NAME;
        p[pos + 1] = (byte) (2 + name.length);
        System.arraycopy(name, 0, p, pos + 2, name.length);
        pos += 2 + name.length;
        p[pos] = (byte) AttributeType.USER_PASSWORD;
        p[pos + 1] = 18;
        md5.update(secret);
        md5.update(auth);
        byte[] key = md5.digest();
        for (int i = 0; i < 16; i++) {
            p[pos + 2 + i] = (byte) ((i < password.length ? password[i] : 0) ^ key[i]);
        }
        pos += 18;
        p[pos] = (byte) AttributeType.NAS_IDENTIFIER;
        p[pos + 1] = (byte) (2 + NAS_IDENTIFIER.length);
        System.arraycopy(NAS_IDENTIFIER, 0, p, pos + 2, NAS_IDENTIFIER.length);
        hmacMd5.update(p, 0, length);
        byte[] ma = hmacMd5.doFinal();
        System.arraycopy(ma, 0, p, HEADER + 2, 16);
        return length;
    }

    /**
     * Verifies an answer: 1 valid with Message-Authenticator, 2 valid without one (allowed when not
     * required), 0 invalid.
     */
    int verify(byte[] r, int length, byte[] requestAuthenticator) {
        md5.update(r, 0, 4);
        md5.update(requestAuthenticator);
        md5.update(r, HEADER, length - HEADER);
        md5.update(secret);
        byte[] expected = md5.digest();
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(r, 4, 20))) {
            return 0;
        }
        int ma = -1;
        int pos = HEADER;
        while (pos < length) {
            if (length - pos < 2) {
                return 0;
            }
            int type = r[pos] & 0xff;
            int len = r[pos + 1] & 0xff;
            if (len < 2 || pos + len > length) {
                return 0;
            }
            if (type == AttributeType.MESSAGE_AUTHENTICATOR) {
                if (ma >= 0 || len != MA_LENGTH) {
                    return 0;
                }
                ma = pos;
            }
            pos += len;
        }
        if (ma < 0) {
            return requireMa ? 0 : 2;
        }
        System.arraycopy(r, 0, verifyCopy, 0, length);
        System.arraycopy(requestAuthenticator, 0, verifyCopy, 4, 16);
        Arrays.fill(verifyCopy, ma + 2, ma + MA_LENGTH, (byte) 0);
        hmacMd5.update(verifyCopy, 0, length);
        byte[] mac = hmacMd5.doFinal();
        return MessageDigest.isEqual(mac, Arrays.copyOfRange(r, ma + 2, ma + MA_LENGTH)) ? 1 : 0;
    }

    /** The 6-digit HOTP value (RFC 4226) of a keyed HMAC-SHA1 for a counter (for TOTP, the time step), as ASCII. */
    void otp(Mac mac, long counter, byte[] out) {
        for (int i = 7; i >= 0; i--) {
            counterBytes[i] = (byte) counter;
            counter >>>= 8;
        }
        byte[] h = mac.doFinal(counterBytes);
        int offset = h[h.length - 1] & 0x0f;
        int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8) | (h[offset + 3] & 0xff);
        int v = binary % 1_000_000;
        for (int i = 5; i >= 0; i--) {
            out[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    String otpString(byte[] key, long counter) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        byte[] out = new byte[6];
        otp(mac, counter, out);
        return new String(out, StandardCharsets.US_ASCII);
    }

    /** Fails loudly rather than measure wrong codes or packets. */
    void selfTest() throws Exception {
        byte[] rfc = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        String[] rfc4226 = {"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"};
        for (int i = 0; i < rfc4226.length; i++) {
            check(otpString(rfc, i).equals(rfc4226[i]), "HOTP does not match RFC 4226 appendix D at counter " + i);
        }
        // RFC 6238 appendix B (SHA-1), the last 6 of the 8 digits: T = 59 s and 1111111109 s.
        check(otpString(rfc, 59 / 30).equals("287082") && otpString(rfc, 1111111109L / 30).equals("081804"),
                "TOTP does not match RFC 6238 appendix B");
        for (int i = 0; i < 20; i++) {
            byte[] k = secret(seed, "selftest", i);
            check(otpString(k, 1000L * i).equals(Hotp.code(k, 1000L * i, 6, HashAlgorithm.SHA1)), "HOTP differs from otp-core's");
            check(base32(k).equals(Base32.encode(k)), "Base32 differs from otp-core's");
        }
        byte[] auth = new byte[16];
        random.nextBytes(auth);
        byte[] name = "selftest-user".getBytes(StandardCharsets.UTF_8);
        byte[] password = "123456".getBytes(StandardCharsets.US_ASCII);
        int length = encodeRequest(sendBuffer, 42, auth, name, password);
        byte[] theirs = RadiusCrypto.encodeAccessRequest(42, auth, List.of(RadiusAttribute.of(AttributeType.USER_NAME, name),
                RadiusAttribute.of(AttributeType.USER_PASSWORD, RadiusCrypto.hidePassword(password, secret, auth)),
                RadiusAttribute.of(AttributeType.NAS_IDENTIFIER, NAS_IDENTIFIER)), secret, true);
        check(Arrays.equals(Arrays.copyOf(sendBuffer, length), theirs), "the Access-Request differs from RadiusCrypto.encodeAccessRequest's");
        byte[] accept = RadiusCrypto.encodeResponse(PacketCode.ACCESS_ACCEPT, 42, auth, List.of(), secret);
        check(verify(accept, accept.length, auth) == 1, "a RadiusCrypto.encodeResponse answer does not verify");
        byte[] tampered = accept.clone();
        tampered[tampered.length - 1] ^= 1;
        check(verify(tampered, tampered.length, auth) == 0, "a tampered answer verifies");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("self-test failed: " + what);
        }
    }

    static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    static void usersFile(String seed, String set, String prefix, int count, Path out) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            for (int i = 0; i < count; i++) {
                w.write(prefix + i + " TOTP-Secret := \"" + base32(secret(seed, set, i)) + "\"\n");
            }
        }
    }

    // ---------------------------------------------------------------- CPU and the report

    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /** utime + stime of the server process (all its threads), in clock ticks; -1 when unknown. */
    long serverCpuTicks() {
        if (serverPid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + serverPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The appliance's RADIUS decisions so far, {ACCEPT, REJECT}, from validations_total on /metrics; null without a URL. */
    long[] serverDecisions() throws IOException, InterruptedException {
        if (metricsUrl == null) {
            return null;
        }
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(metricsUrl)).timeout(java.time.Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + metricsUrl + " answered " + r.statusCode());
        }
        long[] counts = new long[2];
        for (String line : r.body().split("\n")) {
            if (line.startsWith("validations_total{") && line.contains("entry_point=\"RADIUS\"")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.contains("result=\"ACCEPT\"")) {
                    counts[0] += (long) v;
                } else if (line.contains("result=\"REJECT\"")) {
                    counts[1] += (long) v;
                }
            }
        }
        return counts;
    }

    static double percentileMillis(int[] sorted, int n, double p) {
        if (n == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))] / 1000.0;
    }

    void summary(Stats s) {
        double secs = (s.end - s.start) / 1e9;
        System.err.printf("%s %s: %.1f s, sent %d, answered %d in the window (%.1f/s), accept %d, reject %d, challenge %d, other %d,"
                        + " timeouts %d, invalid %d, late %d, stray %d, answered after the window %d, without Message-Authenticator %d,"
                        + " send errors %d, port unreachable %d; RadiusCrypto cross-check of %d answers: %d disagreements%n",
                label, s.name, secs, s.sent, s.answered, s.answered / secs, s.accepts, s.rejects, s.challenges, s.otherCodes,
                s.timeouts, s.invalid, s.late, s.stray, s.afterEnd, s.withoutMa, s.sendErrors, s.portUnreachable, s.crossChecked,
                s.crossCheckDisagreements);
        int seconds = (int) Math.floor(secs);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < Math.min(seconds, s.perSecond.length); i++) {
            line.append(i == 0 ? "" : " ").append(s.perSecond[i]);
        }
        System.err.println(label + " " + s.name + ": answers per second: " + line);
    }

    String resultLine(Stats s) {
        int[] sorted = Arrays.copyOf(s.latencyMicros, s.latencies);
        Arrays.sort(sorted);
        double secs = (s.end - s.start) / 1e9;
        long clockTicks = 100; // USER_HZ on Linux
        double serverCpu = s.serverCpuTicks < 0 ? Double.NaN : (double) s.serverCpuTicks / clockTicks;
        return String.format(java.util.Locale.ROOT,
                "RESULT label=%s mode=%s seconds=%.2f sent=%d answered=%d rps=%.1f accepts=%d rejects=%d challenges=%d other=%d"
                        + " accept_rps=%.1f timeouts=%d invalid=%d late=%d stray=%d after_end=%d without_ma=%d send_errors=%d"
                        + " port_unreachable=%d cross_checked=%d cross_check_disagreements=%d"
                        + " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f"
                        + " generator_cpu_s=%.2f server_cpu_s=%.2f server_accepts=%d server_rejects=%d"
                        + " retransmit_after_s=%.1f retransmit_probes=%d retransmit_same=%d retransmit_changed=%d"
                        + " retransmit_accept_then_reject=%d retransmit_unanswered=%d",
                label, totp ? "totp" : "hotp", secs, s.sent, s.answered, s.answered / secs, s.accepts, s.rejects, s.challenges,
                s.otherCodes, s.windowAccepts / secs, s.timeouts, s.invalid, s.late, s.stray, s.afterEnd, s.withoutMa,
                s.sendErrors, s.portUnreachable, s.crossChecked, s.crossCheckDisagreements,
                percentileMillis(sorted, s.latencies, 50), percentileMillis(sorted, s.latencies, 90),
                percentileMillis(sorted, s.latencies, 99), percentileMillis(sorted, s.latencies, 99.9),
                s.latencies == 0 ? Double.NaN : sorted[s.latencies - 1] / 1000.0,
                s.generatorCpuNanos / 1e9, serverCpu, s.serverAccepts, s.serverRejects, retransmitNanos / 1e9,
                probeCounts()[0], probeCounts()[1], probeCounts()[2], probeCounts()[3], probeCounts()[4]);
    }
}
