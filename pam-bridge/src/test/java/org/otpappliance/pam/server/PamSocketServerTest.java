package org.otpappliance.pam.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpappliance.pam.protocol.Answer;
import org.otpappliance.pam.protocol.AuthenticateRequest;
import org.otpappliance.pam.protocol.Frames;

/** The listener over a real Unix-domain socket in a temporary directory, with this test's own user as the peer. */
class PamSocketServerTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final AuthenticateRequest GOOD = new AuthenticateRequest("sshd", "alice", "192.0.2.7", "", "123456", "");

    @TempDir
    Path dir;

    /** The user this JVM runs as, as SO_PEERCRED will name it: the owner of a file it made. */
    String me;
    Path socket;
    final List<PamSocketServer> servers = new ArrayList<>();
    final List<String> peersSeen = new CopyOnWriteArrayList<>();

    /** ACCEPT for 123456, REJECT otherwise; remembers the peer user. */
    final PamHandler checking = (request, peer) -> {
        peersSeen.add(peer);
        return request.value().equals("123456") ? Answer.accept() : Answer.reject("wrong code for " + request.user());
    };

    @BeforeEach
    void setUp() throws IOException {
        me = Files.getOwner(dir).getName();
        socket = dir.resolve("run").resolve("pam.sock");
    }

    @AfterEach
    void tearDown() {
        servers.forEach(PamSocketServer::close);
    }

    PamSocketServer start(PamSocketServer.Settings settings, PamHandler handler) throws IOException {
        PamSocketServer server = new PamSocketServer(settings, handler);
        servers.add(server);
        server.start();
        return server;
    }

    PamSocketServer.Settings settings() {
        return PamSocketServer.Settings.of(socket).withAllowedUsers(Set.of(me));
    }

    static Answer ask(Path socket, byte[] frame) {
        return assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel.write(ByteBuffer.wrap(frame));
                return Frames.readAnswer(Channels.newInputStream(channel));
            }
        });
    }

    static Answer ask(Path socket, AuthenticateRequest request) {
        return ask(socket, Frames.encodeRequest(request));
    }

    /** Sends {@code bytes} (if any) and expects the connection to be closed without a byte of answer. */
    static void assertClosedWithoutAnswer(Path socket, byte[] bytes) {
        assertTimeoutPreemptively(BOUND, () -> {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                try {
                    channel.write(ByteBuffer.wrap(bytes));
                } catch (IOException closedAlready) {
                    // the server may have closed before we wrote
                }
                assertNoAnswer(channel);
            }
        });
    }

    static void assertNoAnswer(SocketChannel channel) {
        try {
            InputStream in = Channels.newInputStream(channel);
            assertEquals(-1, in.read(), "the server should close without an answer");
        } catch (IOException reset) {
            // closed with our bytes unread: ECONNRESET, also "closed without an answer"
        }
    }

    void awaitIdle(PamSocketServer server) throws InterruptedException {
        long end = System.nanoTime() + BOUND.toNanos();
        while (server.activeConnections() != 0 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertEquals(0, server.activeConnections());
    }

    @Test
    void anAllowedPeerGetsAnswers() throws IOException {
        start(settings(), checking);
        assertEquals(Answer.accept(), ask(socket, GOOD));
        assertEquals(Answer.reject("wrong code for alice"),
                ask(socket, new AuthenticateRequest("sudo", "alice", "", "pts/0", "654321", "")));
        assertEquals(List.of(me, me), peersSeen);
    }

    @Test
    void theRequestReachesTheHandlerAsSent() throws IOException {
        List<AuthenticateRequest> seen = new CopyOnWriteArrayList<>();
        start(settings(), (request, peer) -> {
            seen.add(request);
            return Answer.challenge("a code was sent", "tx-1");
        });
        AuthenticateRequest request = new AuthenticateRequest("login", "zoë", "", "tty1", "", "");
        assertEquals(Answer.challenge("a code was sent", "tx-1"), ask(socket, request));
        assertEquals(List.of(request), seen);
    }

    @Test
    void theSocketIsMode0660InANew0750DirectoryAndIsRemovedOnClose() throws IOException {
        PamSocketServer server = start(settings(), checking);
        PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertTrue(attributes.isOther(), "a socket");
        assertEquals("rw-rw----", PosixFilePermissions.toString(attributes.permissions()));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        server.close();
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(socket.getParent()), "the directory stays");
        server.close(); // idempotent
    }

    @Test
    void anExistingDirectoryIsLeftAsItIs() throws IOException {
        Files.createDirectory(socket.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        start(settings(), checking);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        Path open = dir.resolve("open");
        Files.createDirectory(open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        start(PamSocketServer.Settings.of(open.resolve("pam.sock")).withAllowedUsers(Set.of(me)), checking);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)), "not tightened either");
    }

    @Test
    void aPeerNotOnTheAllowListIsClosedWithoutAnAnswer() throws IOException {
        start(settings().withAllowedUsers(Set.of("nobody-such-user")), checking);
        assertClosedWithoutAnswer(socket, Frames.encodeRequest(GOOD));
        assertClosedWithoutAnswer(socket, new byte[0]);
        assertTrue(peersSeen.isEmpty(), "the handler is never asked");
    }

    @Test
    void aMalformedFrameGetsAnErrorAnswerAndTheServerGoesOn() throws IOException {
        start(settings(), checking);
        byte[] tooLongService = Frames.encodeRequest(new AuthenticateRequest("s".repeat(64), "alice", "", "", "123456", ""));
        ByteBuffer.wrap(tooLongService, 6, 2).putShort((short) 65); // service length 65 > 64 (the frame is now inconsistent too)
        Answer answer = ask(socket, tooLongService);
        assertEquals(Answer.Result.ERROR, answer.result());
        assertEquals(Answer.Result.ERROR, ask(socket, HexFormat.of().parseHex("00000002" + "0101")).result(), "no fields");
        assertEquals(Answer.Result.ERROR, ask(socket, Frames.encodeAnswer(Answer.accept())).result(), "wrong type");
        byte[] badUtf8 = Frames.encodeRequest(new AuthenticateRequest("sshd", "alice", "", "", "12345x", ""));
        badUtf8[badUtf8.length - 3] = (byte) 0xFF;
        assertEquals(Answer.Result.ERROR, ask(socket, badUtf8).result(), "not UTF-8");
        assertEquals(Answer.accept(), ask(socket, GOOD));
        assertEquals(List.of(me), peersSeen, "only the good request reached the handler");
    }

    @Test
    void anOutOfRangeLengthOrUnknownVersionIsJustClosed() throws IOException {
        start(settings(), checking);
        assertClosedWithoutAnswer(socket, HexFormat.of().parseHex("00002001" + "0101"));
        assertClosedWithoutAnswer(socket, HexFormat.of().parseHex("ffffffff" + "0101"));
        assertClosedWithoutAnswer(socket, HexFormat.of().parseHex("00000001" + "01"));
        byte[] version2 = Frames.encodeRequest(GOOD);
        version2[4] = 2;
        assertClosedWithoutAnswer(socket, version2);
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aSlowPeerIsClosedAfterTheReadTimeoutAndTheServerGoesOn() throws IOException {
        start(settings().withReadTimeout(Duration.ofMillis(300)), checking);
        byte[] frame = Frames.encodeRequest(GOOD);
        try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            slow.write(ByteBuffer.wrap(frame, 0, frame.length / 2));
            // meanwhile others are served
            assertEquals(Answer.accept(), ask(socket, GOOD));
            assertTimeoutPreemptively(BOUND, () -> assertNoAnswer(slow));
            assertTimeoutPreemptively(BOUND, () -> assertNoAnswer(silent));
        }
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aPeerThatHangsUpEarlyHarmsNothing() throws IOException {
        start(settings(), checking);
        byte[] frame = Frames.encodeRequest(GOOD);
        for (int cut = 0; cut < frame.length; cut += 7) {
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel.write(ByteBuffer.wrap(frame, 0, cut));
            }
        }
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void connectionsOverTheLimitAreClosedAndTheServerSurvives() throws Exception {
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        PamSocketServer server = start(settings().withMaxConnections(2), (request, peer) -> {
            entered.countDown();
            try {
                release.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Answer.accept();
        });
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            Future<Answer> first = clients.submit(() -> ask(socket, GOOD));
            Future<Answer> second = clients.submit(() -> ask(socket, GOOD));
            assertTrue(entered.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "two requests are being handled");
            assertClosedWithoutAnswer(socket, Frames.encodeRequest(GOOD));
            assertClosedWithoutAnswer(socket, Frames.encodeRequest(GOOD));
            release.countDown();
            assertEquals(Answer.accept(), first.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(Answer.accept(), second.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            release.countDown();
            clients.shutdownNow();
        }
        awaitIdle(server);
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aBurstOfClientsGetsAnswersOrClosesAndTheServerSurvives() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        PamSocketServer server = start(settings().withMaxConnections(4), (request, peer) -> {
            handled.incrementAndGet();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Answer.accept();
        });
        int clients = 40;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                outcomes.add(pool.submit(() -> {
                    go.await();
                    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                        channel.write(ByteBuffer.wrap(Frames.encodeRequest(GOOD)));
                        assertEquals(Answer.accept(), Frames.readAnswer(Channels.newInputStream(channel)));
                        return true;
                    } catch (IOException closedWithoutAnswer) {
                        return false;
                    }
                }));
            }
            go.countDown();
            int answered = 0;
            for (Future<Boolean> outcome : outcomes) {
                answered += outcome.get(BOUND.toMillis(), TimeUnit.MILLISECONDS) ? 1 : 0;
            }
            assertTrue(answered >= 1, "some were served");
            assertEquals(answered, handled.get(), "every handled request was answered; the rest were closed");
        } finally {
            pool.shutdownNow();
        }
        awaitIdle(server);
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aFailingHandlerGivesError() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        start(settings(), (request, peer) -> switch (calls.incrementAndGet()) {
            case 1 -> throw new IllegalStateException("database down");
            case 2 -> null;
            case 3 -> Answer.reject("x".repeat(Frames.MAX_MESSAGE + 1)); // does not fit the protocol
            default -> Answer.accept();
        });
        assertEquals(Answer.Result.ERROR, ask(socket, GOOD).result());
        assertEquals(Answer.Result.ERROR, ask(socket, GOOD).result());
        assertEquals(Answer.Result.ERROR, ask(socket, GOOD).result());
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aPathThatIsNotASocketIsRefused() throws IOException {
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "not a socket");
        PamSocketServer server = new PamSocketServer(settings(), checking);
        IOException e = assertThrows(IOException.class, server::start);
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("not a socket", Files.readString(socket), "left alone");
        server.close();
    }

    @Test
    void aStaleSocketIsReplaced() throws IOException {
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel previous = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            previous.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "closing does not unlink: a stale socket file");
        start(settings(), checking);
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void aSocketAnotherServerServesIsRefused() throws IOException {
        start(settings(), checking);
        PamSocketServer second = new PamSocketServer(settings(), checking);
        IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().contains("another process"), e.getMessage());
        second.close();
        assertEquals(Answer.accept(), ask(socket, GOOD), "the first one is untouched");
    }

    @Test
    void theSocketGetsTheConfiguredGroup() throws IOException {
        GroupPrincipal other;
        try {
            other = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("daemon");
        } catch (UserPrincipalNotFoundException e) {
            other = null;
        }
        assumeTrue(other != null && me.equals("root"), "needs root and a 'daemon' group");
        start(settings().withSocketGroup("daemon"), checking);
        assertEquals("daemon", Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName());
        assertEquals("daemon", Files.readAttributes(socket.getParent(), PosixFileAttributes.class).group().getName(),
                "the directory it made, so that the group can reach the socket");
        assertEquals(Answer.accept(), ask(socket, GOOD));
    }

    @Test
    void anUnknownGroupStopsTheStartWithNothingLeftBehind() {
        PamSocketServer server = new PamSocketServer(settings().withSocketGroup("no-such-group-xyz"), checking);
        IOException e = assertThrows(IOException.class, server::start);
        assertTrue(e.getMessage().contains("no-such-group-xyz"), e.getMessage());
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
        server.close();
    }

    @Test
    void startingTwiceOrAfterCloseIsAnError() throws IOException {
        PamSocketServer server = start(settings(), checking);
        assertThrows(IllegalStateException.class, server::start);
        server.close();
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void settingsHaveTheDocumentedDefaultsAndRefuseNonsense() {
        PamSocketServer.Settings defaults = PamSocketServer.Settings.of(Path.of("/run/otp-appliance/pam.sock"));
        assertEquals(Set.of("root"), defaults.allowedUsers());
        assertEquals(Duration.ofSeconds(5), defaults.readTimeout());
        assertEquals(32, defaults.maxConnections());
        assertEquals(null, defaults.socketGroup());
        assertEquals(null, defaults.withSocketGroup(" ").socketGroup());
        assertThrows(IllegalArgumentException.class, () -> defaults.withAllowedUsers(Set.of()));
        assertThrows(IllegalArgumentException.class, () -> defaults.withReadTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> defaults.withMaxConnections(0));
    }
}
