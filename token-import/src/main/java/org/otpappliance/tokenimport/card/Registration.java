package org.otpappliance.tokenimport.card;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.otpappliance.otp.algorithm.Base32;

/**
 * Registers one token with the appliance: {@code POST /api/v1/tokens/import} with a one-token batch, with the
 * admin API key. Messages never hold the secret or the key.
 *
 * <p>(The file command's HTTP client and key-file reader are package-private in the parent package; this is the
 * small one-token counterpart.)
 */
final class Registration {
    static final String IMPORT_PATH = "/api/v1/tokens/import";

    /** The token to register. The secret is the caller's: it wipes it. */
    record Token(String serial, String type, byte[] secret, String algorithm, int digits, Integer period,
                 Long counter, String user) {
    }

    /** The outcome: registered (imported or replaced), or not, with the appliance's reason. */
    record Outcome(boolean registered, String status, String reason, boolean maybeStored) {
    }

    private final URI endpoint;
    private final String apiKey;
    private final HttpClient client;

    Registration(URI endpoint, String apiKey) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The import endpoint under the appliance's base URL; IllegalArgumentException for anything else. */
    static URI endpoint(String server) {
        URI base;
        try {
            base = new URI(server.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + server);
        }
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null
                || base.getRawQuery() != null || base.getRawFragment() != null || base.getRawUserInfo() != null) {
            throw new IllegalArgumentException("give the appliance's base URL, http(s)://HOST[:PORT][/PATH]: " + server);
        }
        String text = base.toString().replaceAll("/+$", "");
        if (text.endsWith("/api/v1")) {
            text = text.substring(0, text.length() - "/api/v1".length());
        }
        return URI.create(text + IMPORT_PATH);
    }

    String base() {
        String e = endpoint.toString();
        return e.substring(0, e.length() - IMPORT_PATH.length());
    }

    /** Plain HTTP to a host other than loopback. */
    boolean plainHttpOverNetwork() {
        String host = endpoint.getHost().toLowerCase(Locale.ROOT);
        return "http".equalsIgnoreCase(endpoint.getScheme())
                && !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
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
        byte[] body = Json.createObjectBuilder().add("replace", replace).add("dryRun", false)
                .add("tokens", Json.createArrayBuilder().add(token)).build().toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofMinutes(1))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return new Outcome(false, null, "the appliance at " + base() + " did not answer in time", true);
        } catch (ConnectException e) {
            return new Outcome(false, null, "cannot reach the appliance at " + base()
                    + " (is it running, and is --server right?)", false);
        } catch (IOException e) {
            return new Outcome(false, null, "cannot talk to the appliance at " + base() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, null, "interrupted while waiting for the appliance", true);
        } finally {
            Arrays.fill(body, (byte) 0);
        }
        int status = response.statusCode();
        JsonObject o = json(response.body());
        if (status != 200) {
            String detail = o == null ? "" : ": " + printable(o.getString("title", "") + " " + o.getString("detail", "")).strip();
            String hint = switch (status) {
                case 401 -> " (the API key was refused)";
                case 403 -> " (the API key is not an admin key)";
                case 404, 405 -> " (is --server the appliance's base URL?)";
                default -> "";
            };
            return new Outcome(false, null, "the appliance answered HTTP " + status + detail + hint, status >= 500);
        }
        JsonArray results = o == null ? null : o.getJsonArray("results");
        if (results == null || results.isEmpty() || !(results.get(0) instanceof JsonObject item)) {
            return new Outcome(false, null, "the appliance answered 200 without a result for the token", true);
        }
        String itemStatus = item.getString("status", "");
        String reason = item.get("reason") instanceof jakarta.json.JsonString
                ? printable(item.getString("reason")) : null;
        boolean ok = itemStatus.equals("imported") || itemStatus.equals("replaced");
        if (!ok && itemStatus.equals("skipped")) {
            reason = "the appliance already has a token with serial " + t.serial()
                    + (reason == null ? "" : " (" + reason + ")") + "; give --replace to replace it";
        }
        return new Outcome(ok, itemStatus, reason, false);
    }

    private static JsonObject json(byte[] body) {
        try (JsonReader r = Json.createReader(new ByteArrayInputStream(body))) {
            return r.readValue() instanceof JsonObject o ? o : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(300).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }

    /**
     * The API key: the first line of a file that others may not access (as the file command requires), visible
     * ASCII. Errors name the file, never its content.
     */
    static String apiKey(Path file) throws CardException {
        String option = "--api-key-file";
        if (!Files.isRegularFile(file)) {
            throw new CardException(file + " (" + option + "): no such file");
        }
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.OTHERS_READ) || p.contains(PosixFilePermission.OTHERS_WRITE)
                    || p.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new CardException("'" + file + "' (" + option + ") is accessible by others; a file holding a key"
                        + " must not be: refusing it (chmod o-rwx " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        } catch (IOException e) {
            throw new CardException("cannot read " + file + " (" + option + ")");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(64 * 1024);
        } catch (IOException e) {
            throw new CardException("cannot read " + file + " (" + option + ")");
        }
        try {
            String first = new String(bytes, StandardCharsets.US_ASCII).lines().findFirst().orElse("").strip();
            if (first.isEmpty() || !first.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                throw new CardException(file + " (" + option + ") does not hold an API key on its first line");
            }
            return first;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
