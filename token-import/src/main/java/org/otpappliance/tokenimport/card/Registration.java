package org.otpappliance.tokenimport.card;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import javax.net.ssl.SSLHandshakeException;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.tokenimport.ApplianceClient;

/**
 * Registers one token with the appliance: {@code POST /api/v1/tokens/import} with a one-token batch, through the
 * file command's {@link ApplianceClient} (the same URL check, API key file and HTTPS set-up). Messages never hold
 * the secret or the key.
 */
final class Registration {
    static final Duration TIMEOUT = Duration.ofMinutes(1);

    /** The token to register; {@code user} null registers it without one. The secret is the caller's: it wipes it. */
    record Token(String serial, String type, byte[] secret, String algorithm, int digits, Integer period,
                 Long counter, String user) {
    }

    /** A Yubico OTP token: public id (modhex), private id and AES key; user or null. The caller wipes the arrays. */
    record YubicoToken(String serial, String publicId, byte[] privateId, byte[] aesKey, String user) {
    }

    /**
     * The outcome: registered (imported or replaced), or not, with the appliance's reason. {@code fatal}: the
     * failure is one every further token would meet too (the API key refused, not the appliance's URL, its TLS
     * certificate not trusted): a batch stops on it.
     */
    record Outcome(boolean registered, String status, String reason, boolean maybeStored, boolean fatal) {
    }

    private final ApplianceClient client;

    Registration(ApplianceClient client) {
        this.client = client;
    }

    String base() {
        return client.base();
    }

    Outcome register(Token t, boolean replace) {
        var token = Json.createObjectBuilder().add("serial", t.serial()).add("type", t.type())
                .add("secret", Base32.encode(t.secret())).add("algorithm", t.algorithm()).add("digits", t.digits())
                .add("user", t.user());
        if (t.period() != null) {
            token.add("period", t.period());
        } else {
            token.add("counter", t.counter());
        }
        return send(token, t.serial(), replace);
    }

    Outcome register(YubicoToken t, boolean replace) {
        HexFormat hex = HexFormat.of();
        var token = Json.createObjectBuilder().add("serial", t.serial()).add("type", "yubico")
                .add("publicId", t.publicId()).add("privateId", hex.formatHex(t.privateId()))
                .add("aesKey", hex.formatHex(t.aesKey()));
        if (t.user() != null) {
            token.add("user", t.user());
        }
        return send(token, t.serial(), replace);
    }

    private Outcome send(jakarta.json.JsonObjectBuilder token, String serial, boolean replace) {
        byte[] body = Json.createObjectBuilder().add("replace", replace).add("dryRun", false)
                .add("tokens", Json.createArrayBuilder().add(token)).build().toString().getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> response;
        try {
            response = client.send(body, TIMEOUT);
        } catch (HttpTimeoutException e) {
            return new Outcome(false, null, "the appliance at " + base() + " did not answer in time", true, false);
        } catch (ConnectException e) {
            return new Outcome(false, null, "cannot reach the appliance at " + base()
                    + " (is it running, and is --server right?)", false, false);
        } catch (SSLHandshakeException e) {
            return new Outcome(false, null, "TLS with " + base() + " failed: " + e.getMessage()
                    + " (for a private CA, give its certificate with --truststore)", false, true);
        } catch (IOException e) {
            return new Outcome(false, null, "cannot talk to the appliance at " + base() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), true, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, null, "interrupted while waiting for the appliance", true, false);
        } finally {
            Arrays.fill(body, (byte) 0);
        }
        int status = response.statusCode();
        JsonObject o = json(response.body());
        if (status != 200) {
            String detail = o == null ? ""
                    : ": " + ApplianceClient.printable(o.getString("title", "") + " " + o.getString("detail", "")).strip();
            String hint = switch (status) {
                case 401 -> " (the API key was refused)";
                case 403 -> " (the API key is not an admin key)";
                case 404, 405 -> " (is --server the appliance's base URL?)";
                default -> "";
            };
            return new Outcome(false, null, "the appliance answered HTTP " + status + detail + hint, status >= 500,
                    status == 401 || status == 403 || status == 404 || status == 405);
        }
        JsonArray results = o == null ? null : o.getJsonArray("results");
        if (results == null || results.isEmpty() || !(results.get(0) instanceof JsonObject item)) {
            return new Outcome(false, null, "the appliance answered 200 without a result for the token", true, false);
        }
        String itemStatus = item.getString("status", "");
        String reason = item.get("reason") instanceof jakarta.json.JsonString
                ? ApplianceClient.printable(item.getString("reason")) : null;
        boolean ok = itemStatus.equals("imported") || itemStatus.equals("replaced");
        if (!ok && itemStatus.equals("skipped")) {
            reason = "the appliance already has a token with serial " + serial
                    + (reason == null ? "" : " (" + reason + ")") + "; give --replace to replace it";
        }
        return new Outcome(ok, itemStatus, reason, false, false);
    }

    private static JsonObject json(byte[] body) {
        try (JsonReader r = Json.createReader(new ByteArrayInputStream(body))) {
            return r.readValue() instanceof JsonObject o ? o : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
