package org.otpappliance.radius;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.radius.codec.AttributeType;
import org.otpappliance.radius.codec.MalformedPacketException;
import org.otpappliance.radius.codec.PacketCode;
import org.otpappliance.radius.codec.RadiusAttribute;
import org.otpappliance.radius.codec.RadiusCrypto;
import org.otpappliance.radius.codec.RadiusPacket;

/**
 * A RADIUS authentication server (RFC 2865) over UDP: Access-Request in; Access-Accept,
 * Access-Reject or Access-Challenge out; PAP only. Status-Server (RFC 5997) is answered too.
 *
 * <p>One thread receives datagrams and hands each to a bounded worker pool (a full queue drops the
 * datagram). A worker, for each datagram:
 * <ol>
 * <li>drops anything but an Access-Request (code 1) or a Status-Server (code 12);</li>
 * <li>looks the source address up in {@link RadiusClients}: unknown sources are dropped;</li>
 * <li>decodes it strictly ({@link RadiusPacket#decode}): malformed datagrams are dropped;</li>
 * <li>checks the Message-Authenticator (RFC 3579 §3.2): a wrong one, or more than one, is dropped
 * always; a missing one is dropped when the client requires it (the default; BlastRADIUS), and
 * always for a Status-Server, which is then answered Access-Accept and goes no further;</li>
 * <li>requires exactly one User-Name, at most one User-Password (16-128 bytes in blocks of 16) and at
 * most one State, or drops;</li>
 * <li>detects duplicates (RFC 5080 §2.2.2) by source address and port, identifier and Request
 * Authenticator: a retransmission of a request in progress is dropped, one of an answered request
 * gets the same response bytes again (so a code is never spent twice by a retransmission);</li>
 * <li>decides: CHAP, EAP or ARAP get an Access-Reject (not supported), so does a request without
 * User-Password or with control characters in its User-Name; a State that this server did not issue
 * to this client gets an Access-Reject; otherwise the PAP password (RFC 2865 §5.2) goes to
 * the {@link RadiusValidator} — with the State's transaction id when there is one;</li>
 * <li>answers with Message-Authenticator as the first attribute, Reply-Message when there is text for
 * the user, State on a challenge, and the request's Proxy-State attributes in order (RFC 2865
 * §5.33).</li>
 * </ol>
 * A validator exception means no answer (the NAS retries, or fails over); the retransmission is
 * then processed afresh. Nothing a datagram contains stops the receive thread.
 *
 * <p>A wrong shared secret shows as a wrong Message-Authenticator (dropped), or, for a client that
 * sends none, as a password that does not decode to text (Access-Reject, the validator is not asked,
 * so a misconfigured NAS cannot lock users' tokens). A wrong Request Authenticator cannot be detected
 * on an Access-Request: it is random by definition.
 *
 * <p>Logs through {@code java.util.logging} ({@code org.otpappliance.radius.RadiusServer}); drops are
 * logged rate-limited per kind and source. Never logs a password, code, secret or State.
 */
public final class RadiusServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RadiusServer.class.getName());
    private static final int RECEIVE_BUFFER = 65_536;
    private static final int SOCKET_RECEIVE_BUFFER = 1 << 20;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int LOG_LINES_PER_INTERVAL = 50;
    private static final int MAX_CONTEXT_TEXT = 253;

    /**
     * Texts for the user (Reply-Message); null or blank for none.
     *
     * @param accept                    on Access-Accept
     * @param reject                    on Access-Reject when the validation service gave no message of its own
     * @param challenge                 on Access-Challenge when the validation service gave no message of its own
     * @param unsupportedAuthentication on the Access-Reject of a CHAP or ARAP request (EAP requests get no Reply-Message, RFC 3579 §2.6.5)
     */
    public record ReplyMessages(String accept, String reject, String challenge, String unsupportedAuthentication) {
        public static final ReplyMessages DEFAULT =
                new ReplyMessages(null, null, "Enter the one-time code", "Only PAP authentication is supported");

        public ReplyMessages {
            accept = blankToNull(accept);
            reject = blankToNull(reject);
            challenge = blankToNull(challenge);
            unsupportedAuthentication = blankToNull(unsupportedAuthentication);
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    /**
     * How the server runs.
     *
     * @param bindAddress            the local address to bind (default 0.0.0.0, every IPv4 interface)
     * @param port                   the UDP port (default 1812); 0 picks a free one ({@link #port()} tells)
     * @param workerThreads          how many requests are processed at once (default 32; the validator blocks on the database)
     * @param maxQueuedRequests      datagrams waiting for a worker; more are dropped (default 1024)
     * @param duplicateCacheLifetime how long an answer is kept for retransmissions (default 30 s; RFC 5080)
     * @param maxCachedResponses     at most this many answers are kept (default 65536), the oldest given up first
     * @param stateKey               32 bytes that key the State binding (HMAC-SHA256); the same on every
     *                               node that may receive the answer to a challenge
     * @param replyMessages          texts for the user
     */
    public record Settings(InetAddress bindAddress, int port, int workerThreads, int maxQueuedRequests,
                           Duration duplicateCacheLifetime, int maxCachedResponses, byte[] stateKey,
                           ReplyMessages replyMessages) {
        public static final int DEFAULT_PORT = 1812;
        public static final int DEFAULT_WORKER_THREADS = 32;
        public static final int DEFAULT_MAX_QUEUED_REQUESTS = 1024;
        public static final Duration DEFAULT_DUPLICATE_CACHE_LIFETIME = Duration.ofSeconds(30);
        public static final int DEFAULT_MAX_CACHED_RESPONSES = 65_536;
        public static final int STATE_KEY_LENGTH = 32;

        public Settings {
            Objects.requireNonNull(bindAddress, "bind address is required");
            Objects.requireNonNull(duplicateCacheLifetime, "duplicate cache lifetime is required");
            Objects.requireNonNull(stateKey, "state key is required");
            Objects.requireNonNull(replyMessages, "reply messages are required");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("the RADIUS port must be 0 to 65535");
            }
            if (workerThreads < 1 || maxQueuedRequests < 1 || maxCachedResponses < 0) {
                throw new IllegalArgumentException("worker threads and max queued requests must be at least 1, "
                        + "max cached responses at least 0");
            }
            if (duplicateCacheLifetime.isNegative()) {
                throw new IllegalArgumentException("the duplicate cache lifetime must not be negative");
            }
            if (stateKey.length != STATE_KEY_LENGTH) {
                throw new IllegalArgumentException("the state key must be " + STATE_KEY_LENGTH + " bytes");
            }
            stateKey = stateKey.clone();
        }

        /** The defaults (0.0.0.0:1812, 32 workers, 1024 queued, 30 s / 65536 cached answers) with this state key. */
        public static Settings of(byte[] stateKey) {
            return new Settings(wildcard(), DEFAULT_PORT, DEFAULT_WORKER_THREADS, DEFAULT_MAX_QUEUED_REQUESTS,
                    DEFAULT_DUPLICATE_CACHE_LIFETIME, DEFAULT_MAX_CACHED_RESPONSES, stateKey, ReplyMessages.DEFAULT);
        }

        /** A copy of the state key. */
        @Override
        public byte[] stateKey() {
            return stateKey.clone();
        }

        public Settings withBindAddress(InetAddress address) {
            return new Settings(address, port, workerThreads, maxQueuedRequests, duplicateCacheLifetime, maxCachedResponses, stateKey, replyMessages);
        }

        public Settings withPort(int newPort) {
            return new Settings(bindAddress, newPort, workerThreads, maxQueuedRequests, duplicateCacheLifetime, maxCachedResponses, stateKey, replyMessages);
        }

        public Settings withWorkerThreads(int threads) {
            return new Settings(bindAddress, port, threads, maxQueuedRequests, duplicateCacheLifetime, maxCachedResponses, stateKey, replyMessages);
        }

        public Settings withMaxQueuedRequests(int max) {
            return new Settings(bindAddress, port, workerThreads, max, duplicateCacheLifetime, maxCachedResponses, stateKey, replyMessages);
        }

        public Settings withDuplicateCacheLifetime(Duration lifetime) {
            return new Settings(bindAddress, port, workerThreads, maxQueuedRequests, lifetime, maxCachedResponses, stateKey, replyMessages);
        }

        public Settings withMaxCachedResponses(int max) {
            return new Settings(bindAddress, port, workerThreads, maxQueuedRequests, duplicateCacheLifetime, max, stateKey, replyMessages);
        }

        public Settings withReplyMessages(ReplyMessages messages) {
            return new Settings(bindAddress, port, workerThreads, maxQueuedRequests, duplicateCacheLifetime, maxCachedResponses, stateKey, messages);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Settings s && s.bindAddress.equals(bindAddress) && s.port == port
                    && s.workerThreads == workerThreads && s.maxQueuedRequests == maxQueuedRequests
                    && s.duplicateCacheLifetime.equals(duplicateCacheLifetime) && s.maxCachedResponses == maxCachedResponses
                    && Arrays.equals(s.stateKey, stateKey) && s.replyMessages.equals(replyMessages);
        }

        @Override
        public int hashCode() {
            return Objects.hash(bindAddress, port, workerThreads, maxQueuedRequests, duplicateCacheLifetime,
                    maxCachedResponses, Arrays.hashCode(stateKey), replyMessages);
        }

        /** Never prints the state key. */
        @Override
        public String toString() {
            return "Settings[bindAddress=" + bindAddress.getHostAddress() + ", port=" + port + ", workerThreads=" + workerThreads
                    + ", maxQueuedRequests=" + maxQueuedRequests + ", duplicateCacheLifetime=" + duplicateCacheLifetime
                    + ", maxCachedResponses=" + maxCachedResponses + ", replyMessages=" + replyMessages + "]";
        }

        private static InetAddress wildcard() {
            try {
                return InetAddress.getByAddress(new byte[4]);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Counters since start, for metrics. Every received datagram ends in exactly one of: an answer
     * ({@code accepts}, {@code rejects}, {@code challenges}, {@code duplicatesAnswered}, {@code statusServer})
     * or a drop (the rest).
     */
    public record Statistics(long received, long accepts, long rejects, long challenges, long duplicatesAnswered,
                             long statusServer, long duplicatesInProgress, long notAccessRequest, long unknownClient, long malformed,
                             long badMessageAuthenticator, long missingMessageAuthenticator, long overloaded,
                             long validatorErrors, long internalErrors) {
        /** Datagrams that got no answer. */
        public long dropped() {
            return duplicatesInProgress + notAccessRequest + unknownClient + malformed + badMessageAuthenticator
                    + missingMessageAuthenticator + overloaded + validatorErrors + internalErrors;
        }

        /** Datagrams answered (including retransmissions answered from the cache). */
        public long answered() {
            return accepts + rejects + challenges + duplicatesAnswered + statusServer;
        }
    }

    private final Settings settings;
    private final RadiusClients clients;
    private final RadiusValidator validator;
    private final ChallengeState challengeState;
    private final DuplicateCache duplicates;
    private final RateLimitedLog limitedLog;
    private final Set<String> unsupportedLogged = ConcurrentHashMap.newKeySet();

    private final LongAdder received = new LongAdder();
    private final LongAdder accepts = new LongAdder();
    private final LongAdder rejects = new LongAdder();
    private final LongAdder challenges = new LongAdder();
    private final LongAdder duplicatesAnswered = new LongAdder();
    private final LongAdder statusServer = new LongAdder();
    private final LongAdder duplicatesInProgress = new LongAdder();
    private final LongAdder notAccessRequest = new LongAdder();
    private final LongAdder unknownClient = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder badMessageAuthenticator = new LongAdder();
    private final LongAdder missingMessageAuthenticator = new LongAdder();
    private final LongAdder overloaded = new LongAdder();
    private final LongAdder validatorErrors = new LongAdder();
    private final LongAdder internalErrors = new LongAdder();

    private DatagramChannel channel;
    private InetSocketAddress localAddress;
    private ThreadPoolExecutor workers;
    private Thread receiveThread;
    private volatile boolean started;
    private volatile boolean closed;

    public RadiusServer(Settings settings, RadiusClients clients, RadiusValidator validator) {
        this(settings, clients, validator, System::nanoTime);
    }

    /** With a clock for the duplicate cache and the log rate limits (tests). */
    RadiusServer(Settings settings, RadiusClients clients, RadiusValidator validator, LongSupplier nanoTime) {
        this.settings = Objects.requireNonNull(settings, "settings are required");
        this.clients = Objects.requireNonNull(clients, "clients are required");
        this.validator = Objects.requireNonNull(validator, "validator is required");
        this.challengeState = new ChallengeState(settings.stateKey());
        this.duplicates = new DuplicateCache(settings.duplicateCacheLifetime().toNanos(), settings.maxCachedResponses(), nanoTime);
        this.limitedLog = new RateLimitedLog(LOG, RadiusServer.class.getName(), LOG_INTERVAL_NANOS, LOG_LINES_PER_INTERVAL, nanoTime);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Binds the UDP socket and starts serving.
     *
     * @throws IOException           when the address cannot be bound (port taken, no such local address)
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException("the RADIUS server can be started once");
        }
        DatagramChannel ch = DatagramChannel.open();
        try {
            try {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_RECEIVE_BUFFER);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.fine(() -> "Cannot enlarge the RADIUS socket's receive buffer: " + e);
            }
            ch.bind(new InetSocketAddress(settings.bindAddress(), settings.port()));
            localAddress = (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw new IOException("cannot bind the RADIUS socket " + settings.bindAddress().getHostAddress() + ":"
                    + settings.port() + ": " + e.getMessage(), e);
        }
        channel = ch;
        int n = settings.workerThreads();
        workers = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.maxQueuedRequests()),
                threads("radius-worker-"), new ThreadPoolExecutor.AbortPolicy());
        workers.allowCoreThreadTimeOut(true);
        receiveThread = threads("radius-receive").newThread(this::receiveLoop);
        started = true;
        receiveThread.start();
        LOG.info(() -> "RADIUS server listening on UDP " + localAddress.getAddress().getHostAddress() + ":" + localAddress.getPort());
    }

    /** The bound UDP port (the chosen one when the settings say 0). */
    public int port() {
        return localAddress().getPort();
    }

    /** The bound local address. */
    public synchronized InetSocketAddress localAddress() {
        if (localAddress == null) {
            throw new IllegalStateException("the RADIUS server is not started");
        }
        return localAddress;
    }

    /** Counters since start. */
    public Statistics statistics() {
        return new Statistics(received.sum(), accepts.sum(), rejects.sum(), challenges.sum(), duplicatesAnswered.sum(),
                statusServer.sum(), duplicatesInProgress.sum(), notAccessRequest.sum(), unknownClient.sum(), malformed.sum(),
                badMessageAuthenticator.sum(), missingMessageAuthenticator.sum(), overloaded.sum(), validatorErrors.sum(),
                internalErrors.sum());
    }

    /** Stops receiving, closes the socket, lets requests in progress finish for up to 5 s. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!started) {
            return;
        }
        closeQuietly(channel);
        try {
            receiveThread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info(() -> "RADIUS server on UDP port " + localAddress.getPort() + " closed");
    }

    // ---------------------------------------------------------------- receiving

    private void receiveLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(RECEIVE_BUFFER);
        while (!closed) {
            SocketAddress from;
            try {
                buffer.clear();
                from = channel.receive(buffer);
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    break;
                }
                limitedLog.log(Level.WARNING, "receive", () -> "Receiving on the RADIUS socket failed; going on: " + e);
                pause();
                continue;
            } catch (Error e) {
                LOG.log(Level.SEVERE, "Receiving on the RADIUS socket failed; going on", e);
                pause();
                continue;
            }
            if (!(from instanceof InetSocketAddress peer)) {
                continue;
            }
            received.increment();
            buffer.flip();
            byte[] datagram = new byte[buffer.remaining()];
            buffer.get(datagram);
            try {
                workers.execute(() -> handle(datagram, peer));
            } catch (RejectedExecutionException e) {
                if (closed) {
                    break;
                }
                overloaded.increment();
                limitedLog.log(Level.WARNING, "overloaded", () -> "RADIUS request queue full ("
                        + settings.maxQueuedRequests() + " waiting): dropped a datagram from " + address(peer));
            } catch (RuntimeException | Error e) {
                internalErrors.increment();
                limitedLog.log(Level.SEVERE, "dispatch", () -> "Dispatching a RADIUS datagram failed; dropped it", e);
            }
        }
    }

    // ---------------------------------------------------------------- handling one datagram

    /** Everything the decision needs from a well-formed Access-Request. */
    private record Request(RadiusPacket packet, String userName, byte[] hiddenPassword, byte[] state,
                           List<RadiusAttribute> proxyStates, String unsupportedMethod, boolean eap,
                           String nasIdentifier, String nasIpAddress, String callingStationId) {
    }

    /** A response to send: code and attributes (Message-Authenticator is added by the encoder). */
    private record Response(int code, List<RadiusAttribute> attributes) {
    }

    private void handle(byte[] datagram, InetSocketAddress peer) {
        try {
            process(datagram, peer);
        } catch (RuntimeException e) {
            internalErrors.increment();
            limitedLog.log(Level.SEVERE, "internal", () -> "Handling a RADIUS datagram from " + address(peer)
                    + " failed unexpectedly; dropped it", e);
        }
    }

    private void process(byte[] datagram, InetSocketAddress peer) {
        InetAddress source = peer.getAddress();
        int packetCode = datagram.length >= 1 ? datagram[0] & 0xff : -1;
        if (packetCode != -1 && packetCode != PacketCode.ACCESS_REQUEST && packetCode != PacketCode.STATUS_SERVER) {
            notAccessRequest.increment();
            int code = datagram[0] & 0xff;
            limitedLog.log(Level.INFO, "code|" + source, () -> "Dropped a " + PacketCode.name(code) + " from "
                    + address(peer) + ": only Access-Request is served");
            return;
        }
        Optional<RadiusClient> found;
        try {
            found = clients.forAddress(source);
        } catch (RuntimeException e) {
            internalErrors.increment();
            limitedLog.log(Level.SEVERE, "clients", () -> "Looking up the RADIUS client for " + address(peer)
                    + " failed; dropped its datagram", e);
            return;
        }
        if (found == null || found.isEmpty()) {
            unknownClient.increment();
            limitedLog.log(Level.INFO, "unknown|" + source, () -> "Dropped a datagram from " + address(peer)
                    + ": no RADIUS client is configured for this address");
            return;
        }
        RadiusClient client = found.get();
        byte[] secret = client.secret();

        RadiusPacket packet;
        try {
            packet = RadiusPacket.decode(datagram);
        } catch (MalformedPacketException e) {
            dropMalformed(client, peer, e.getMessage());
            return;
        }

        switch (RadiusCrypto.checkRequest(packet, secret)) {
            case VALID -> { }
            case ABSENT -> {
                if (client.requireMessageAuthenticator() || packet.code() == PacketCode.STATUS_SERVER) {
                    missingMessageAuthenticator.increment();
                    limitedLog.log(Level.INFO, "noma|" + client.name(), () -> "Dropped an Access-Request from RADIUS client "
                            + client.name() + " (" + address(peer) + "): no Message-Authenticator, and this client requires one");
                    return;
                }
            }
            case INVALID -> {
                badMessageAuthenticator.increment();
                limitedLog.log(Level.WARNING, "badma|" + client.name() + "|" + source, () -> "Dropped an Access-Request from RADIUS client "
                        + client.name() + " (" + address(peer) + "): wrong Message-Authenticator (a wrong shared secret, or a forged packet)");
                return;
            }
            case MALFORMED -> {
                dropMalformed(client, peer, "more than one Message-Authenticator, or not 16 bytes");
                return;
            }
        }

        if (packet.code() == PacketCode.STATUS_SERVER) {
            answerStatusServer(packet, client, peer);
            return;
        }

        Request request;
        try {
            request = parse(packet);
        } catch (MalformedPacketException e) {
            dropMalformed(client, peer, e.getMessage());
            return;
        }

        DuplicateCache.Lookup lookup = duplicates.begin(
                DuplicateCache.Key.of(source, peer.getPort(), packet.identifier(), packet.authenticator()));
        if (lookup instanceof DuplicateCache.InProgress) {
            duplicatesInProgress.increment();
            LOG.fine(() -> "Dropped a retransmission from " + client.name() + " (id " + packet.identifier() + "): still in progress");
            return;
        }
        if (lookup instanceof DuplicateCache.Answered answered) {
            duplicatesAnswered.increment();
            LOG.fine(() -> "Answered a retransmission from " + client.name() + " (id " + packet.identifier() + ") from the cache");
            send(answered.response(), peer);
            return;
        }
        DuplicateCache.Claimed claimed = (DuplicateCache.Claimed) lookup;
        byte[] bytes = null;
        Response response = null;
        try {
            response = decide(request, client, peer);
            if (response != null) {
                bytes = encode(response, request, secret, client, peer);
            }
        } finally {
            if (bytes == null) {
                duplicates.abandon(claimed);
            } else {
                duplicates.complete(claimed, bytes);
            }
        }
        if (bytes != null) {
            switch (response.code()) {
                case PacketCode.ACCESS_ACCEPT -> accepts.increment();
                case PacketCode.ACCESS_CHALLENGE -> challenges.increment();
                default -> rejects.increment();
            }
            send(bytes, peer);
        }
    }

    /**
     * Status-Server (RFC 5997), a NAS asking whether this server is alive before sending it logins:
     * Access-Accept (on the authentication port), with Message-Authenticator as every answer. The
     * request was checked like an Access-Request (known client, valid Message-Authenticator, which
     * RFC 5997 requires). It decides nothing, so it is neither cached nor asked of the database: a
     * node whose database is down still says it is alive (its Access-Requests then go unanswered).
     */
    private void answerStatusServer(RadiusPacket packet, RadiusClient client, InetSocketAddress peer) {
        byte[] response;
        try {
            response = RadiusCrypto.encodeResponse(PacketCode.ACCESS_ACCEPT, packet.identifier(), packet.authenticator(),
                    List.of(), client.secret());
        } catch (IllegalArgumentException e) {
            internalErrors.increment();
            return;
        }
        statusServer.increment();
        send(response, peer);
    }

    private void dropMalformed(RadiusClient client, InetSocketAddress peer, String why) {
        malformed.increment();
        limitedLog.log(Level.INFO, "malformed|" + peer.getAddress(), () -> "Dropped a malformed datagram from RADIUS client "
                + client.name() + " (" + address(peer) + "): " + why);
    }

    /** The attributes the decision needs, with the structural rules that make a request malformed. */
    private static Request parse(RadiusPacket packet) throws MalformedPacketException {
        List<RadiusAttribute> userNames = packet.attributes(AttributeType.USER_NAME);
        if (userNames.size() != 1) {
            throw new MalformedPacketException(userNames.isEmpty() ? "no User-Name" : "more than one User-Name");
        }
        if (userNames.get(0).valueLength() == 0) {
            throw new MalformedPacketException("empty User-Name");
        }
        List<RadiusAttribute> passwords = packet.attributes(AttributeType.USER_PASSWORD);
        if (passwords.size() > 1) {
            throw new MalformedPacketException("more than one User-Password");
        }
        byte[] hidden = passwords.isEmpty() ? null : passwords.get(0).value();
        if (hidden != null && (hidden.length < 16 || hidden.length > RadiusCrypto.MAX_PASSWORD_LENGTH || hidden.length % 16 != 0)) {
            throw new MalformedPacketException("User-Password of " + hidden.length + " bytes is not 16 to 128 in blocks of 16");
        }
        List<RadiusAttribute> states = packet.attributes(AttributeType.STATE);
        if (states.size() > 1) {
            throw new MalformedPacketException("more than one State");
        }
        boolean eap = packet.count(AttributeType.EAP_MESSAGE) > 0;
        String unsupported = eap ? "EAP"
                : packet.count(AttributeType.CHAP_PASSWORD) > 0 ? "CHAP"
                : packet.count(AttributeType.ARAP_PASSWORD) > 0 ? "ARAP"
                : null;
        String nasIp = packet.attribute(AttributeType.NAS_IP_ADDRESS)
                .or(() -> packet.attribute(AttributeType.NAS_IPV6_ADDRESS))
                .map(RadiusServer::addressText).orElse("");
        return new Request(packet, userNames.get(0).text(), hidden, states.isEmpty() ? null : states.get(0).value(),
                packet.attributes(AttributeType.PROXY_STATE), unsupported, eap,
                packet.attribute(AttributeType.NAS_IDENTIFIER).map(a -> printable(a.text())).orElse(""),
                nasIp,
                packet.attribute(AttributeType.CALLING_STATION_ID).map(a -> printable(a.text())).orElse(""));
    }

    /** The response to a well-formed request from a known client, or null for none (validator failure). */
    private Response decide(Request request, RadiusClient client, InetSocketAddress peer) {
        ReplyMessages texts = settings.replyMessages();
        if (request.unsupportedMethod() != null) {
            if (unsupportedLogged.size() < 10_000 && unsupportedLogged.add(client.name() + "|" + request.unsupportedMethod())) {
                LOG.info(() -> "RADIUS client " + client.name() + " sent a " + request.unsupportedMethod()
                        + " Access-Request: only PAP is supported, answering Access-Reject (logged once per client and method)");
            }
            return reject(request.eap() ? null : texts.unsupportedAuthentication());
        }
        if (request.hiddenPassword() == null) {
            limitedLog.log(Level.INFO, "nopassword|" + client.name(), () -> "Access-Request without User-Password from RADIUS client "
                    + client.name() + ": answering Access-Reject");
            return reject(texts.reject());
        }
        if (request.userName().chars().anyMatch(Character::isISOControl)) {
            limitedLog.log(Level.INFO, "username|" + client.name(), () -> "Access-Request from RADIUS client " + client.name()
                    + " has control characters in its User-Name: answering Access-Reject");
            return reject(texts.reject());
        }
        String transactionId = null;
        if (request.state() != null) {
            Optional<String> verified = challengeState.verify(client.name(), request.state());
            if (verified.isEmpty()) {
                limitedLog.log(Level.INFO, "state|" + client.name(), () -> "Access-Request from RADIUS client " + client.name()
                        + " quotes a State this server did not issue to it: answering Access-Reject");
                return reject(texts.reject());
            }
            transactionId = verified.get();
        }
        byte[] secret = client.secret();
        byte[] passwordBytes;
        try {
            passwordBytes = RadiusCrypto.revealPassword(request.hiddenPassword(), secret, request.packet().authenticator());
        } catch (MalformedPacketException e) {
            throw new IllegalStateException("checked by parse", e);
        }
        Optional<String> password = text(passwordBytes);
        Arrays.fill(passwordBytes, (byte) 0);
        if (password.isEmpty()) {
            limitedLog.log(Level.WARNING, "garbled|" + client.name(), () -> "The User-Password from RADIUS client " + client.name()
                    + " (" + address(peer) + ") does not decode to text: probably a wrong shared secret; answering Access-Reject");
            return reject(texts.reject());
        }

        String source = CidrBlock.addressText(peer.getAddress())
                + (request.callingStationId().isEmpty() ? "" : " (calling " + request.callingStationId() + ")");
        VerificationRequest verification = new VerificationRequest(request.userName(), password.get(), transactionId,
                VerificationRequest.EntryPoint.RADIUS, source);
        RadiusContext context = new RadiusContext(client.name(), peer.getAddress(), request.nasIdentifier(),
                request.nasIpAddress(), request.callingStationId());
        VerificationResult result;
        try {
            result = validator.validate(verification, context);
        } catch (Exception e) {
            validatorErrors.increment();
            limitedLog.log(Level.WARNING, "validator", () -> "The validation service failed for RADIUS client " + client.name()
                    + ", user " + printable(request.userName()) + ": not answering (the NAS will retry or fail over)", e);
            return null;
        }
        if (result instanceof VerificationResult.Accepted) {
            return new Response(PacketCode.ACCESS_ACCEPT, replyMessage(texts.accept()));
        }
        if (result instanceof VerificationResult.Rejected rejected) {
            return reject(rejected.message() != null ? rejected.message() : texts.reject());
        }
        if (result instanceof VerificationResult.Challenge challenge) {
            byte[] state;
            try {
                state = challengeState.encode(client.name(), challenge.transactionId());
            } catch (IllegalArgumentException e) {
                LOG.severe(() -> "The validation service's challenge for RADIUS client " + client.name()
                        + " cannot be sent: " + e.getMessage() + "; answering Access-Reject");
                return reject(texts.reject());
            }
            List<RadiusAttribute> attributes = new ArrayList<>(replyMessage(
                    challenge.message() != null ? challenge.message() : texts.challenge()));
            attributes.add(RadiusAttribute.of(AttributeType.STATE, state));
            return new Response(PacketCode.ACCESS_CHALLENGE, attributes);
        }
        validatorErrors.increment();
        limitedLog.log(Level.SEVERE, "noresult", () -> "The validation service gave no result for RADIUS client "
                + client.name() + ": not answering");
        return null;
    }

    private static Response reject(String message) {
        return new Response(PacketCode.ACCESS_REJECT, replyMessage(message));
    }

    /** The response's bytes: Message-Authenticator first, then the decision's attributes, then Proxy-State in order. */
    private byte[] encode(Response response, Request request, byte[] secret, RadiusClient client, InetSocketAddress peer) {
        List<RadiusAttribute> attributes = new ArrayList<>(response.attributes());
        if (request.eap()) {
            attributes.removeIf(a -> a.type() == AttributeType.REPLY_MESSAGE);
        }
        attributes.addAll(request.proxyStates());
        try {
            return RadiusCrypto.encodeResponse(response.code(), request.packet().identifier(), request.packet().authenticator(),
                    attributes, secret);
        } catch (IllegalArgumentException e) {
            internalErrors.increment();
            limitedLog.log(Level.WARNING, "toolong|" + client.name(), () -> "The " + PacketCode.name(response.code())
                    + " for RADIUS client " + client.name() + " (" + address(peer) + ") does not fit a RADIUS packet ("
                    + e.getMessage() + "): not answering");
            return null;
        }
    }

    private void send(byte[] response, InetSocketAddress peer) {
        try {
            channel.send(ByteBuffer.wrap(response), peer);
        } catch (ClosedChannelException e) {
            // closing down
        } catch (IOException | RuntimeException e) {
            limitedLog.log(Level.WARNING, "send|" + peer.getAddress(), () -> "Sending a RADIUS response to " + address(peer)
                    + " failed: " + e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Reply-Message attributes for a text: none for null; split at 253 bytes on character boundaries. */
    static List<RadiusAttribute> replyMessage(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        List<RadiusAttribute> out = new ArrayList<>(1);
        StringBuilder chunk = new StringBuilder();
        int chunkBytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            int bytes = utf8Length(cp);
            if (chunkBytes + bytes > RadiusAttribute.MAX_VALUE_LENGTH) {
                out.add(RadiusAttribute.text(AttributeType.REPLY_MESSAGE, chunk.toString()));
                chunk.setLength(0);
                chunkBytes = 0;
            }
            chunk.append(text, i, i + n);
            chunkBytes += bytes;
            i += n;
        }
        out.add(RadiusAttribute.text(AttributeType.REPLY_MESSAGE, chunk.toString()));
        return out;
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** Strict UTF-8 without control characters, or empty (a garbled password: wrong secret). */
    private static Optional<String> text(byte[] bytes) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(s);
    }

    /** Text fit for a log line or the audit: control characters become '?', at most 253 characters. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CONTEXT_TEXT));
        for (int i = 0; i < s.length() && out.length() < MAX_CONTEXT_TEXT; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }

    private static String addressText(RadiusAttribute attribute) {
        byte[] value = attribute.value();
        if (value.length != 4 && value.length != 16) {
            return "";
        }
        try {
            InetAddress a = InetAddress.getByAddress(value);
            return a instanceof Inet4Address ? a.getHostAddress() : CidrBlock.addressText(a);
        } catch (UnknownHostException e) {
            return "";
        }
    }

    private static String address(InetSocketAddress peer) {
        InetAddress a = peer.getAddress();
        String host = a == null ? peer.getHostString() : CidrBlock.addressText(a);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + peer.getPort();
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix.endsWith("-") ? prefix + count.incrementAndGet() : prefix);
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(DatagramChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** For tests: requests claimed or answered in the duplicate cache. */
    int duplicateCacheSize() {
        return duplicates.size();
    }
}
