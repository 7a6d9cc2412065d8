package org.otpappliance.tokenimport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A FAKE appliance, named as such: a real HTTP server (the JDK's, on 127.0.0.1, a free port) that answers
 * {@code POST /api/v1/tokens/import} per the contract the appliance implements, keeps the tokens it was sent
 * by serial, and records every request. The real endpoint lives in appliance-war; these tests prove the tool's
 * side of the contract. It checks every token's fields as the contract defines them and fails those that break it.
 */
final class FakeAppliance implements AutoCloseable {
    static final String ADMIN_KEY = "adm_Zq3VnT8wK1pXe5Lr9yHc2uJm";
    static final String VALIDATE_KEY = "val_Hb7QsN4dF6gW0tYk3ePx8rCz";

    private static final Pattern BASE32 = Pattern.compile("[A-Z2-7]+");
    private static final Pattern MODHEX = Pattern.compile("[cbdefghijklnrtuv]{2,16}");
    private static final Pattern HEX12 = Pattern.compile("[0-9a-f]{12}");
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");

    /** One request as received. */
    record Request(String method, String path, String authorization, String contentType, JsonObject body) {
        List<JsonObject> tokens() {
            return body == null ? List.of() : body.getJsonArray("tokens").getValuesAs(JsonObject.class);
        }
    }

    private final HttpServer server;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** The tokens "imported", by serial. */
    final Map<String, JsonObject> tokens = new ConcurrentHashMap<>();
    /** Serials the appliance refuses, with the reason. */
    final Map<String, String> refuse = new ConcurrentHashMap<>();
    /** When set, every request is answered with this status and a problem+json body. */
    volatile int forcedStatus;
    private volatile int answerBeforeOutage = Integer.MAX_VALUE;
    private volatile int outageStatus;
    private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

    /** Until closed: answers {@code requests} more import requests, then every one with {@code status}. */
    Outage failAfter(int requests, int status) {
        answered.set(0);
        outageStatus = status;
        answerBeforeOutage = requests;
        return () -> answerBeforeOutage = Integer.MAX_VALUE;
    }

    /** An outage in progress; closing it ends it. */
    interface Outage extends AutoCloseable {
        @Override
        void close();
    }

    private FakeAppliance(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.start();
    }

    static FakeAppliance start() throws IOException {
        return new FakeAppliance(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    static FakeAppliance startHttps(SSLContext ssl) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl));
        return new FakeAppliance(s);
    }

    URI base() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    List<JsonObject> allTokensSent() {
        List<JsonObject> out = new ArrayList<>();
        requests.forEach(r -> out.addAll(r.tokens()));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            JsonObject body = null;
            try (JsonReader r = Json.createReader(new ByteArrayInputStream(raw))) {
                body = r.readObject();
            } catch (JsonException | IllegalStateException e) {
                // recorded as null; answered below
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), auth,
                    ex.getRequestHeaders().getFirst("Content-Type"), body));
            if (!ex.getRequestURI().getPath().equals("/api/v1/tokens/import")) {
                problem(ex, 404, "not found", "no such resource");
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                problem(ex, 405, "method not allowed", "POST only");
                return;
            }
            if (answered.getAndIncrement() >= answerBeforeOutage) {
                problem(ex, outageStatus, "unavailable", "the appliance is going down");
                return;
            }
            if (forcedStatus != 0) {
                problem(ex, forcedStatus, "forced", "the test asked for HTTP " + forcedStatus);
                return;
            }
            if (auth == null || !(auth.equals("Bearer " + ADMIN_KEY) || auth.equals("Bearer " + VALIDATE_KEY))) {
                problem(ex, 401, "unauthorized", "a valid API key is required");
                return;
            }
            if (!auth.equals("Bearer " + ADMIN_KEY)) {
                problem(ex, 403, "forbidden", "this API key has no admin role");
                return;
            }
            if (body == null || !(body.get("tokens") instanceof jakarta.json.JsonArray)
                    || !(body.get("replace") instanceof JsonValue) || !(body.get("dryRun") instanceof JsonValue)) {
                problem(ex, 400, "bad request", "a JSON object with replace, dryRun and tokens is required");
                return;
            }
            if (body.getJsonArray("tokens").size() > ImportRequest.MAX_TOKENS) {
                problem(ex, 413, "too many tokens", "at most 1000 tokens per request");
                return;
            }
            answer(ex, body);
        }
    }

    private void answer(HttpExchange ex, JsonObject body) throws IOException {
        boolean replace = body.getBoolean("replace");
        boolean dryRun = body.getBoolean("dryRun");
        int imported = 0;
        int replaced = 0;
        int skipped = 0;
        int failed = 0;
        JsonArrayBuilder results = Json.createArrayBuilder();
        for (JsonObject t : body.getJsonArray("tokens").getValuesAs(JsonObject.class)) {
            String serial = t.getString("serial", null);
            String problem = check(t);
            if (problem == null && refuse.containsKey(serial)) {
                problem = refuse.get(serial);
            }
            JsonObjectBuilder result = Json.createObjectBuilder();
            if (serial != null) {
                result.add("serial", serial);
            }
            if (problem != null) {
                failed++;
                results.add(result.add("status", "failed").add("reason", problem));
            } else if (tokens.containsKey(serial) && !replace) {
                skipped++;
                results.add(result.add("status", "skipped").add("reason", "a token with this serial exists"));
            } else {
                String status = tokens.containsKey(serial) ? "replaced" : "imported";
                if (!dryRun) {
                    tokens.put(serial, t);
                }
                if (status.equals("replaced")) {
                    replaced++;
                } else {
                    imported++;
                }
                results.add(result.add("status", status));
            }
        }
        JsonObject out = Json.createObjectBuilder().add("imported", imported).add("replaced", replaced)
                .add("skipped", skipped).add("failed", failed).add("dryRun", dryRun).add("results", results).build();
        send(ex, 200, "application/json", out.toString());
    }

    /** What is wrong with a token per the contract, or null. */
    private static String check(JsonObject t) {
        Set<String> oath = Set.of("serial", "type", "user", "description", "secret", "algorithm", "digits", "period", "counter");
        Set<String> yubico = Set.of("serial", "type", "user", "description", "publicId", "privateId", "aesKey");
        String type = t.getString("type", "");
        if (t.getString("serial", "").isEmpty()) {
            return "missing serial";
        }
        switch (type) {
            case "hotp", "totp" -> {
                if (!oath.containsAll(t.keySet())) {
                    return "unexpected fields for an OATH token";
                }
                if (!BASE32.matcher(t.getString("secret", "")).matches()) {
                    return "secret is not Base32 without padding";
                }
                if (!Set.of("SHA1", "SHA256", "SHA512").contains(t.getString("algorithm", ""))) {
                    return "bad algorithm";
                }
                int digits = t.getInt("digits", 0);
                if (digits < 6 || digits > 8) {
                    return "bad digits";
                }
                if (type.equals("totp") && (!t.containsKey("period") || t.containsKey("counter"))) {
                    return "a TOTP token has a period and no counter";
                }
                if (type.equals("hotp") && (!t.containsKey("counter") || t.containsKey("period"))) {
                    return "an HOTP token has a counter and no period";
                }
            }
            case "yubico" -> {
                if (!yubico.containsAll(t.keySet())) {
                    return "unexpected fields for a Yubico token";
                }
                if (!MODHEX.matcher(t.getString("publicId", "")).matches()) {
                    return "bad publicId";
                }
                if (!HEX12.matcher(t.getString("privateId", "")).matches()) {
                    return "bad privateId";
                }
                if (!HEX32.matcher(t.getString("aesKey", "")).matches()) {
                    return "bad aesKey";
                }
            }
            default -> {
                return "unknown type";
            }
        }
        return null;
    }

    private static void problem(HttpExchange ex, int status, String title, String detail) throws IOException {
        String body = Json.createObjectBuilder().add("type", "about:blank").add("title", title).add("status", status)
                .add("detail", detail).build().toString();
        send(ex, status, "application/problem+json", body);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
