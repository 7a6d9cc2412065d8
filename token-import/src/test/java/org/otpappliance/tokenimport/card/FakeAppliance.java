package org.otpappliance.tokenimport.card;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * A FAKE appliance, named as such: a real HTTP server on 127.0.0.1 (free port) answering
 * {@code POST /api/v1/tokens/import} for one-token batches as the appliance does (imported / skipped), keeping the
 * tokens by serial; {@link #forcedStatus} makes it answer an error instead, {@link #failingSerials} for batches
 * with one of these serials only, and {@link #holdRequests} keeps requests waiting.
 */
final class FakeAppliance implements AutoCloseable {
    static final String ADMIN_KEY = "adm_card_test_Zq3VnT8wK1pXe5Lr";

    final Map<String, JsonObject> tokens = new ConcurrentHashMap<>();
    volatile int forcedStatus;
    /** Batches holding one of these serials are answered HTTP 500. */
    final Set<String> failingSerials = ConcurrentHashMap.newKeySet();
    /** When set, an import request waits until it is counted down (or the fake is closed). */
    volatile CountDownLatch holdRequests;
    /** Counted down when a request starts waiting for {@link #holdRequests}. */
    final CountDownLatch requestHeld = new CountDownLatch(1);
    private final HttpServer server;

    FakeAppliance() throws IOException {
        this(null);
    }

    /** Over HTTPS with {@code ssl}'s certificate; plain HTTP when it is null. */
    FakeAppliance(SSLContext ssl) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (ssl == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(ssl));
            server = https;
        }
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            if (!ex.getRequestURI().getPath().equals("/api/v1/tokens/import") || !ex.getRequestMethod().equals("POST")) {
                send(ex, 404, "{\"title\":\"not found\"}");
                return;
            }
            if (forcedStatus != 0) {
                send(ex, forcedStatus, "{\"title\":\"forced\",\"detail\":\"the test asked for HTTP " + forcedStatus + "\"}");
                return;
            }
            if (!("Bearer " + ADMIN_KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "{\"title\":\"unauthorized\"}");
                return;
            }
            JsonObject body;
            try (JsonReader r = Json.createReader(new ByteArrayInputStream(raw))) {
                body = r.readObject();
            }
            CountDownLatch hold = holdRequests;
            if (hold != null) {
                requestHeld.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (JsonObject t : body.getJsonArray("tokens").getValuesAs(JsonObject.class)) {
                if (failingSerials.contains(t.getString("serial"))) {
                    send(ex, 500, "{\"title\":\"forced\",\"detail\":\"the test fails serial " + t.getString("serial") + "\"}");
                    return;
                }
            }
            boolean replace = body.getBoolean("replace");
            var results = Json.createArrayBuilder();
            for (JsonObject t : body.getJsonArray("tokens").getValuesAs(JsonObject.class)) {
                String serial = t.getString("serial");
                if (tokens.containsKey(serial) && !replace) {
                    results.add(Json.createObjectBuilder().add("serial", serial).add("status", "skipped")
                            .add("reason", "a token with this serial exists"));
                } else {
                    String status = tokens.containsKey(serial) ? "replaced" : "imported";
                    tokens.put(serial, t);
                    results.add(Json.createObjectBuilder().add("serial", serial).add("status", status));
                }
            }
            send(ex, 200, Json.createObjectBuilder().add("results", results).build().toString());
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "application/problem+json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        CountDownLatch hold = holdRequests;
        if (hold != null) {
            hold.countDown();
        }
        server.stop(0);
    }
}
