package org.otpappliance.appliance.it;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/** A REST client for tests: JSON in and out, one API key. */
public final class Api {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String key;

    public Api(String base, String key) {
        this.base = base;
        this.key = key;
    }

    public record Reply(int status, String contentType, String body) {
        public JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }

        public JsonStructure jsonStructure() {
            return Json.createReader(new StringReader(body)).read();
        }

        public String problemType() {
            return json().getString("type");
        }
    }

    public Api withKey(String otherKey) {
        return new Api(base, otherKey);
    }

    public Reply get(String path) {
        return send(request(path).GET());
    }

    public Reply delete(String path) {
        return send(request(path).DELETE());
    }

    public Reply post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply post(String path, JsonValue json) {
        return post(path, json.toString());
    }

    public Reply send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> r = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        return key == null ? b : b.header("Authorization", "Bearer " + key);
    }

    // The calls most tests make.

    /** A new user with a unique name. */
    public String newUser(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        Reply r = post("/api/v1/users", Json.createObjectBuilder().add("username", name).build());
        if (r.status() != 201) {
            throw new IllegalStateException("cannot create user: " + r);
        }
        return name;
    }

    /**
     * A new Yubico validation protocol client with a unique name; the answer carries its
     * {@code yubicoId} and {@code yubicoKey}. {@code requireSignature} false leaves the default.
     */
    public JsonObject newYubicoClient(String prefix, boolean requireSignature) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        var body = Json.createObjectBuilder().add("name", name).add("role", "yubico");
        if (requireSignature) {
            body.add("requireSignature", true);
        }
        Reply r = post("/api/v1/clients", body.build());
        if (r.status() != 201) {
            throw new IllegalStateException("cannot create a Yubico client: " + r);
        }
        return r.json();
    }

    /**
     * A new API client with a unique name and this role ({@code admin}, {@code validate}); the answer
     * carries its {@code name} and {@code apiKey}.
     */
    public JsonObject newClient(String prefix, String role) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        Reply r = post("/api/v1/clients", Json.createObjectBuilder().add("name", name).add("role", role).build());
        if (r.status() != 201) {
            throw new IllegalStateException("cannot create an API client: " + r);
        }
        return r.json();
    }

    /**
     * A new RADIUS client (NAS) with a unique name for this address (an IP address or CIDR block) and
     * shared secret; {@code requireMessageAuthenticator} null leaves the default (true). Answers the
     * client as listed (the secret is never returned).
     */
    public JsonObject newRadiusClient(String prefix, String address, String secret, Boolean requireMessageAuthenticator) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        var body = Json.createObjectBuilder().add("name", name).add("address", address).add("secret", secret);
        if (requireMessageAuthenticator != null) {
            body.add("requireMessageAuthenticator", requireMessageAuthenticator);
        }
        Reply r = post("/api/v1/radius/clients", body.build());
        if (r.status() != 201) {
            throw new IllegalStateException("cannot create a RADIUS client: " + r);
        }
        return r.json();
    }

    /** The audit lines about this user, newest first. */
    public JsonArray audit(String user) {
        Reply r = get("/api/v1/audit?limit=1000&user=" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8));
        if (r.status() != 200) {
            throw new IllegalStateException("cannot read the audit log: " + r);
        }
        return r.jsonStructure().asJsonArray();
    }

    public JsonObject enroll(JsonObject request) {
        Reply r = post("/api/v1/tokens", request);
        if (r.status() != 201) {
            throw new IllegalStateException("cannot enroll: " + r);
        }
        return r.json();
    }

    public String validate(String user, String code) {
        return validateReply(user, code).json().getString("result");
    }

    public Reply validateReply(String user, String code) {
        return post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", code).build());
    }
}
