package org.otpappliance.radius;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A real RadiusServer on 127.0.0.1 (port 0) with three clients, a scripted validator and a clock the
 * test can move: {@code vpn-a} at 127.0.0.1 and {@code vpn-b} at 127.0.0.4 (Message-Authenticator
 * required), {@code legacy} at 127.0.0.3 (not required). 127.0.0.2 is no client.
 */
final class ServerFixture implements AutoCloseable {
    static final String SECRET_A = "s3cret-a";
    static final String SECRET_B = "s3cret-b";
    static final String SECRET_LEGACY = "s3cret-legacy";

    final ScriptedValidator validator = new ScriptedValidator();
    final AtomicLong clock = new AtomicLong(System.nanoTime());
    final Map<CidrBlock, RadiusClient> clients = new LinkedHashMap<>();
    final RadiusServer server;

    ServerFixture() throws IOException {
        this(s -> s);
    }

    ServerFixture(java.util.function.UnaryOperator<RadiusServer.Settings> tweak) throws IOException {
        clients.put(CidrBlock.parse("127.0.0.1"), new RadiusClient("vpn-a", bytes(SECRET_A), true));
        clients.put(CidrBlock.parse("127.0.0.4/32"), new RadiusClient("vpn-b", bytes(SECRET_B), true));
        clients.put(CidrBlock.parse("127.0.0.3"), new RadiusClient("legacy", bytes(SECRET_LEGACY), false));
        byte[] stateKey = new byte[32];
        new java.security.SecureRandom().nextBytes(stateKey);
        RadiusServer.Settings settings = tweak.apply(RadiusServer.Settings.of(stateKey)
                .withBindAddress(InetAddress.getByName("127.0.0.1"))
                .withPort(0)
                .withWorkerThreads(4));
        RadiusClients lookup = source -> CidrBlock.mostSpecific(clients.keySet(), b -> b, source).map(clients::get);
        server = new RadiusServer(settings, lookup, validator, clock::get);
        server.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
    }

    TestNas nas(String localAddress, String secret) throws IOException {
        return new TestNas(localAddress, new InetSocketAddress("127.0.0.1", server.port()), secret);
    }

    /** vpn-a, from 127.0.0.1. */
    TestNas vpnA() throws IOException {
        return nas("127.0.0.1", SECRET_A);
    }

    /** Waits (at most 10 s) until a counter reaches a value. */
    void awaitStat(ToLongFunction<RadiusServer.Statistics> counter, long atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (counter.applyAsLong(server.statistics()) < atLeast) {
            if (System.nanoTime() > deadline) {
                fail("counter did not reach " + atLeast + ": " + server.statistics());
            }
            sleep(5);
        }
    }

    /** Waits (at most 10 s) until every received datagram was answered or dropped. */
    void awaitIdle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            RadiusServer.Statistics s = server.statistics();
            if (s.answered() + s.dropped() >= s.received()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("datagrams still in progress: " + s);
            }
            sleep(5);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
