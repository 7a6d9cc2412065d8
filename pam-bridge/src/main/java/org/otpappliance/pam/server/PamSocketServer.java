package org.otpappliance.pam.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;
import org.otpappliance.pam.protocol.ProtocolException;

/**
 * Serves the PAM bridge protocol ({@code docs/pam-bridge-protocol.md}) on a Unix-domain stream socket.
 *
 * <p>{@link #start()} creates the socket's directory if missing (mode 0750, group set to the socket
 * group if one is configured; an existing directory is left as it is), refuses a path that exists and
 * is not a socket, or a socket another process still serves, removes a stale socket file, binds, and
 * sets the socket file's mode to 0660 and its group. One thread accepts; each connection's peer user
 * is read with {@code SO_PEERCRED} before anything is read from it: a user not on the allow list, or
 * a connection over the concurrency limit, is closed at once without an answer. Allowed connections
 * are served by the thread that accepted them (one request read within the read timeout, else the
 * connection is closed; the {@link PamHandler}'s answer written; the connection closed): max
 * connections + 1 threads take turns at accepting, so a login waits for no hand-over between threads,
 * and one thread is left to close what is over the limit. A malformed request
 * whose frame was readable gets an {@code ERROR} answer; a length prefix out of range or an unknown
 * version closes the connection. Nothing a peer sends stops the accept loop.
 *
 * <p>Logs through {@code java.util.logging} ({@code org.otpappliance.pam.server.PamSocketServer}),
 * never a request's value nor its transaction id.
 */
public final class PamSocketServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PamSocketServer.class.getName());
    private static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-x---");
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final String MALFORMED_MESSAGE = "malformed request";

    /**
     * How the socket is served.
     *
     * @param socketPath     the socket file; its parent directory is created (mode 0750) when missing
     * @param allowedUsers   the peer users ({@code SO_PEERCRED}) that may ask; others are closed without an answer
     * @param socketGroup    the group to give the socket file (and a directory this server creates), or null to leave it
     * @param readTimeout    how long a peer has to send its whole request
     * @param maxConnections how many connections are served at once; more are closed at once
     */
    public record Settings(Path socketPath, Set<String> allowedUsers, String socketGroup, Duration readTimeout, int maxConnections) {
        public static final Path DEFAULT_SOCKET_PATH = Path.of("/run/otp-appliance/pam.sock");
        public static final Set<String> DEFAULT_ALLOWED_USERS = Set.of("root");
        public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
        public static final int DEFAULT_MAX_CONNECTIONS = 32;

        /** Null allowed users, read timeout or max connections ≤ 0 are not accepted; an empty group is no group. */
        public Settings {
            Objects.requireNonNull(socketPath, "socket path is required");
            Objects.requireNonNull(allowedUsers, "allowed users are required");
            Objects.requireNonNull(readTimeout, "read timeout is required");
            allowedUsers = Set.copyOf(allowedUsers);
            if (allowedUsers.isEmpty()) {
                throw new IllegalArgumentException("at least one allowed peer user is required");
            }
            socketGroup = socketGroup == null || socketGroup.isBlank() ? null : socketGroup.strip();
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("the read timeout must be positive");
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("max connections must be at least 1");
            }
        }

        /** The defaults: peers {@code root} only, no group change, 5 s read timeout, 32 connections. */
        public static Settings of(Path socketPath) {
            return new Settings(socketPath, DEFAULT_ALLOWED_USERS, null, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
        }

        public Settings withAllowedUsers(Set<String> users) {
            return new Settings(socketPath, users, socketGroup, readTimeout, maxConnections);
        }

        public Settings withSocketGroup(String group) {
            return new Settings(socketPath, allowedUsers, group, readTimeout, maxConnections);
        }

        public Settings withReadTimeout(Duration timeout) {
            return new Settings(socketPath, allowedUsers, socketGroup, timeout, maxConnections);
        }

        public Settings withMaxConnections(int max) {
            return new Settings(socketPath, allowedUsers, socketGroup, readTimeout, max);
        }
    }

    private final Settings settings;
    private final PamHandler handler;
    private final Path socketPath;
    private final AtomicInteger active = new AtomicInteger();

    private ServerSocketChannel server;
    private Object socketFileKey;
    /** Each accepts and serves what it accepted; max connections + 1 of them. */
    private final List<Thread> servers = new ArrayList<>();
    /** Runs the sweep of {@link #deadlines}. */
    private ScheduledThreadPoolExecutor timer;
    /**
     * The connections being read from or written to, with the {@link System#nanoTime()} by which that
     * must be done. A periodic sweep closes the late ones: nothing is scheduled per request, so serving
     * one wakes no timer thread.
     */
    private final Map<SocketChannel, Long> deadlines = new ConcurrentHashMap<>();
    private volatile boolean started;
    private volatile boolean closed;

    public PamSocketServer(Settings settings, PamHandler handler) {
        this.settings = Objects.requireNonNull(settings, "settings are required");
        this.handler = Objects.requireNonNull(handler, "handler is required");
        this.socketPath = settings.socketPath().toAbsolutePath().normalize();
    }

    public Settings settings() {
        return settings;
    }

    /** The socket file, absolute. */
    public Path socketPath() {
        return socketPath;
    }

    /**
     * Binds the socket and starts accepting. Throws, with nothing left behind, when the directory
     * cannot be made, the path is taken, or the group does not exist.
     *
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() throws IOException {
        if (started || closed) {
            throw new IllegalStateException("the PAM socket server can be started once");
        }
        GroupPrincipal group = lookupGroup();
        prepareDirectory(group);
        removeStaleSocket();
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IOException("cannot bind the PAM socket " + socketPath + ": " + e.getMessage(), e);
        }
        try {
            Files.setPosixFilePermissions(socketPath, SOCKET_MODE);
            if (group != null) {
                Files.getFileAttributeView(socketPath, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
            }
            socketFileKey = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(socketPath);
            throw new IOException("cannot set the mode or group of the PAM socket " + socketPath + ": " + e.getMessage(), e);
        }
        server = channel;
        int max = settings.maxConnections();
        timer = new ScheduledThreadPoolExecutor(1, threads("pam-bridge-timeout-"));
        long period = Math.max(10, Math.min(500, settings.readTimeout().toMillis() / 10));
        timer.scheduleWithFixedDelay(this::closeLate, period, period, TimeUnit.MILLISECONDS);
        ThreadFactory factory = threads("pam-bridge-");
        for (int i = 0; i <= max; i++) {
            servers.add(factory.newThread(this::acceptLoop));
        }
        started = true;
        servers.forEach(Thread::start);
        LOG.fine(() -> "PAM socket " + socketPath + " listening (peers " + settings.allowedUsers() + ", group "
                + (group == null ? "unchanged" : group.getName()) + ")");
    }

    /**
     * Stops accepting, closes the socket, deletes the socket file (if it is still the one this server
     * made), lets connections in progress finish for up to the read timeout, then interrupts what still runs.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!started) {
            return;
        }
        closeQuietly(server);
        deleteOwnSocketFile();
        long deadline = System.nanoTime() + settings.readTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        try {
            for (Thread t : servers) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        servers.forEach(Thread::interrupt); // a thread still busy: interrupting a blocked channel read closes the channel
        timer.shutdownNow();
        LOG.fine(() -> "PAM socket " + socketPath + " closed");
    }

    // ---------------------------------------------------------------- start-up

    private GroupPrincipal lookupGroup() throws IOException {
        if (settings.socketGroup() == null) {
            return null;
        }
        try {
            return socketPath.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(settings.socketGroup());
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("the socket group '" + settings.socketGroup() + "' does not exist", e);
        }
    }

    /** Creates the missing directories down to the socket's parent, each mode 0750 (whatever the umask). */
    private void prepareDirectory(GroupPrincipal group) throws IOException {
        Path parent = socketPath.getParent();
        if (Files.isDirectory(parent)) {
            return;
        }
        if (Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("the PAM socket's directory " + parent + " exists and is not a directory");
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = parent; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.push(p);
        }
        for (Path dir : missing) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw new IOException("cannot create the PAM socket's directory " + dir + ": a file is in the way", e);
                }
                continue; // made by someone else meanwhile: theirs, leave it
            } catch (IOException e) {
                throw new IOException("cannot create the PAM socket's directory " + dir + ": " + e.getMessage(), e);
            }
            Files.setPosixFilePermissions(dir, DIRECTORY_MODE);
            if (group != null) {
                Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
            }
            LOG.fine(() -> "Created " + dir + " (mode 0750)");
        }
    }

    /** A socket file that nobody serves is removed; anything else at the path stops the start. */
    private void removeStaleSocket() throws IOException {
        if (!Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(socketPath)) {
            throw new IOException(socketPath + " exists and is not a socket: refusing to replace it");
        }
        boolean served;
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(socketPath)).close();
            served = true;
        } catch (IOException e) {
            served = false; // connection refused: left over from a previous run
        }
        if (served) {
            throw new IOException("another process is serving the PAM socket " + socketPath);
        }
        Files.deleteIfExists(socketPath);
        LOG.info(() -> "Removed the stale PAM socket " + socketPath);
    }

    private static boolean isSocket(Path path) throws IOException {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        }
    }

    private void deleteOwnSocketFile() {
        try {
            Object key = Files.readAttributes(socketPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (socketFileKey == null || socketFileKey.equals(key)) {
                Files.deleteIfExists(socketPath);
            } else {
                LOG.warning(() -> "The PAM socket " + socketPath + " was replaced by another process's: left in place");
            }
        } catch (IOException e) {
            // already gone
        }
    }

    // ---------------------------------------------------------------- serving

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    break;
                }
                LOG.log(Level.WARNING, "Accepting on the PAM socket failed; going on", e);
                pause(); // e.g. out of file descriptors: do not spin
                continue;
            } catch (Error e) {
                LOG.log(Level.SEVERE, "Accepting on the PAM socket failed; going on", e);
                pause();
                continue;
            }
            try {
                dispatch(channel);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.SEVERE, "Dispatching a PAM connection failed; closed it", e);
                closeQuietly(channel);
            }
        }
    }

    private void dispatch(SocketChannel channel) {
        String peer;
        try {
            UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            peer = principal.user().getName();
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "Cannot read the peer credentials of a PAM connection (" + e + "): closed it");
            closeQuietly(channel);
            return;
        }
        if (!settings.allowedUsers().contains(peer)) {
            LOG.info(() -> "Refused a PAM connection from user " + peer + ": not on the allow list");
            closeQuietly(channel);
            return;
        }
        if (active.incrementAndGet() > settings.maxConnections()) {
            active.decrementAndGet();
            LOG.warning(() -> "Refused a PAM connection from user " + peer + ": already " + settings.maxConnections()
                    + " connections in progress");
            closeQuietly(channel);
            return;
        }
        serve(channel, peer);
    }

    private void serve(SocketChannel channel, String peer) {
        try {
            closeAfterTimeout(channel);
            AuthenticateRequest request;
            try {
                request = Frames.readRequest(Channels.newInputStream(channel));
            } catch (ProtocolException e) {
                boolean inTime = inTime(channel);
                if (e.frameReadable() && inTime) {
                    LOG.info(() -> "Malformed PAM request from user " + peer + ": " + e.getMessage() + "; answered ERROR");
                    write(channel, Answer.error(MALFORMED_MESSAGE));
                } else {
                    LOG.info(() -> "Refused a PAM request from user " + peer + ": " + e.getMessage() + "; closed");
                }
                return;
            } catch (IOException e) {
                if (!inTime(channel)) {
                    LOG.info(() -> "A PAM peer (user " + peer + ") did not send a whole request within "
                            + settings.readTimeout().toMillis() + " ms: closed");
                } else {
                    LOG.fine(() -> "A PAM connection from user " + peer + " ended before a whole request: " + e.getMessage());
                }
                return;
            }
            if (!inTime(channel)) {
                return; // the sweep closed the channel as the request completed
            }
            Answer answer;
            try {
                answer = handler.handle(request, peer);
                if (answer == null) {
                    LOG.severe(() -> "The PAM handler gave no answer for service " + request.service() + ": answering ERROR");
                    answer = Answer.error(ValidatorHandler.UNAVAILABLE_MESSAGE);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, e, () -> "The PAM handler failed for service " + request.service() + ", user "
                        + request.user() + ": answering ERROR");
                answer = Answer.error(ValidatorHandler.UNAVAILABLE_MESSAGE);
            }
            write(channel, answer);
        } catch (IOException e) {
            LOG.fine(() -> "A PAM connection from user " + peer + " failed: " + e);
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "Serving a PAM connection failed", e);
        } finally {
            deadlines.remove(channel);
            closeQuietly(channel);
            active.decrementAndGet();
        }
    }

    /** Writes the answer, bounded by the read timeout too (a peer that never reads cannot hold a worker). */
    private void write(SocketChannel channel, Answer answer) throws IOException {
        byte[] frame;
        try {
            frame = Frames.encodeAnswer(answer);
        } catch (IllegalArgumentException e) {
            LOG.severe(() -> "An answer does not fit the PAM protocol (" + e.getMessage() + "): answering ERROR");
            frame = Frames.encodeAnswer(Answer.error(ValidatorHandler.UNAVAILABLE_MESSAGE));
        }
        closeAfterTimeout(channel);
        try {
            ByteBuffer buffer = ByteBuffer.wrap(frame);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } finally {
            inTime(channel);
        }
    }

    /** From now on the channel has the read timeout to finish what it does, or the sweep closes it. */
    private void closeAfterTimeout(SocketChannel channel) {
        deadlines.put(channel, System.nanoTime() + settings.readTimeout().toNanos());
    }

    /** Ends the channel's deadline: true if it was still in time, false if the sweep closed it. */
    private boolean inTime(SocketChannel channel) {
        return deadlines.remove(channel) != null;
    }

    private void closeLate() {
        long now = System.nanoTime();
        deadlines.forEach((channel, deadline) -> {
            if (now - deadline >= 0 && deadlines.remove(channel, deadline)) {
                closeQuietly(channel);
            }
        });
    }

    // ---------------------------------------------------------------- helpers

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
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** For tests and metrics: connections being served now. */
    int activeConnections() {
        return active.get();
    }
}
