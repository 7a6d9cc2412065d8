package org.otpappliance.tokenimport;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Posts to the appliance's {@code POST /api/v1/tokens/import} with the admin API key. HTTPS verifies the server's
 * certificate and host name against the JDK's CAs, or against {@link #trustStore a trust store}. Made by
 * {@link ApplianceOptions#client}; used by {@code token-import file} (batches, {@link #post}) and by
 * {@code token-import card enroll} (one token, {@link #send}). For batches, every failure that is not about single
 * tokens is an {@link ApplianceException} with a message fit for the operator: no request body, no API key.
 */
public final class ApplianceClient {
    static final String IMPORT_PATH = "/api/v1/tokens/import";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    private static final int MAX_DETAIL = 300;

    /** One token's answer: status is imported, replaced, skipped or failed. */
    record ItemResult(String serial, String status, String reason) {
    }

    /** The appliance's answer to one batch. */
    record BatchResult(long imported, long replaced, long skipped, long failed, List<ItemResult> results) {
    }

    private final URI endpoint;
    private final String authorization;
    private final String apiKeyFile;
    private final HttpClient client;
    private final String userAgent;

    /**
     * @param endpoint   from {@link #endpoint(String)}
     * @param apiKey     an admin API key
     * @param apiKeyFile where the key came from, to name in messages
     * @param sslContext null for the JDK's CAs
     */
    ApplianceClient(URI endpoint, String apiKey, String apiKeyFile, SSLContext sslContext) {
        this.endpoint = endpoint;
        this.authorization = "Bearer " + apiKey;
        this.apiKeyFile = apiKeyFile;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder.build();
        String version = ApplianceClient.class.getPackage().getImplementationVersion();
        this.userAgent = "token-import/" + (version == null ? "dev" : version);
    }

    /**
     * The import endpoint under the appliance's base URL ({@code https://otp.example.org},
     * {@code https://host/prefix}, also accepted with a trailing {@code /api/v1}).
     *
     * @throws IllegalArgumentException when {@code server} is not an http(s) URL with a host
     */
    static URI endpoint(String server) {
        URI base;
        try {
            base = new URI(server.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + server);
        }
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || base.getHost() == null) {
            throw new IllegalArgumentException("not an http:// or https:// URL with a host: " + server);
        }
        if (base.getRawQuery() != null || base.getRawFragment() != null || base.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the server URL must have no user, query or fragment: give the appliance's base URL");
        }
        String text = base.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.endsWith("/api/v1")) {
            text = text.substring(0, text.length() - "/api/v1".length());
        }
        return URI.create(text + IMPORT_PATH);
    }

    /** Whether the endpoint sends seeds in clear text over a network (plain HTTP to a host other than loopback). */
    boolean plainHttpOverNetwork() {
        if (!"http".equalsIgnoreCase(endpoint.getScheme())) {
            return false;
        }
        String host = endpoint.getHost().toLowerCase(Locale.ROOT);
        return !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }

    /**
     * Warns on {@code err} when {@link #plainHttpOverNetwork() seeds would cross the network in clear text}.
     *
     * @param secrets what the requests carry besides the API key, for the message ("the seeds")
     */
    public void warnIfPlainHttp(PrintWriter err, String secrets) {
        if (plainHttpOverNetwork()) {
            err.println("token-import: warning: " + endpoint.getHost() + " is reached over plain HTTP: " + secrets
                    + " and the API key cross the network in clear text; use https://");
        }
    }

    /**
     * Sends one import request (a JSON body as {@link ImportRequest#body} writes it) with the API key and returns
     * the answer as it is, whatever its status: the caller maps failures to its own messages.
     *
     * @param timeout how long to wait for the whole answer
     */
    public HttpResponse<byte[]> send(byte[] body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * Posts one batch.
     *
     * @param body  from {@link ImportRequest#body}
     * @param count the number of tokens in it, for messages
     */
    BatchResult post(byte[] body, int count) {
        HttpResponse<byte[]> response;
        try {
            response = send(body, REQUEST_TIMEOUT);
        } catch (HttpConnectTimeoutException e) {
            throw new ApplianceException("cannot reach the appliance at " + base() + ": no connection within "
                    + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw new ApplianceException("the appliance at " + base() + " did not answer a batch of " + count
                    + " tokens within " + REQUEST_TIMEOUT.toMinutes() + " min (it may have imported them)");
        } catch (ConnectException e) {
            throw new ApplianceException("cannot reach the appliance at " + base() + ": connection refused or no route"
                    + " (is it running, and is --server right?)");
        } catch (SSLException e) {
            throw new ApplianceException("TLS with " + base() + " failed: " + e.getMessage()
                    + " (for a private CA, give its certificate with --truststore)");
        } catch (IOException e) {
            throw new ApplianceException("cannot talk to the appliance at " + base() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApplianceException("interrupted while waiting for the appliance");
        }
        int status = response.statusCode();
        if (status == 200) {
            return parseResult(response.body());
        }
        String problem = problem(response.body());
        switch (status) {
            case 401 -> throw new ApplianceException("the appliance refused the API key from " + apiKeyFile + " (HTTP 401)");
            case 403 -> throw new ApplianceException("the API key from " + apiKeyFile
                    + " is not an admin key (HTTP 403): importing tokens needs the admin role");
            case 413 -> throw new ApplianceException("the appliance refused a batch of " + count + " tokens as too large"
                    + " (HTTP 413" + problem + "): give a smaller --batch-size");
            case 400 -> throw new ApplianceException("the appliance refused a batch of " + count + " tokens (HTTP 400"
                    + problem + ")");
            case 404, 405 -> throw new ApplianceException("the appliance has no " + IMPORT_PATH + " at " + base()
                    + " (HTTP " + status + "): is --server the appliance's base URL?");
            default -> throw new ApplianceException("the appliance answered HTTP " + status + problem
                    + " to a batch of " + count + " tokens");
        }
    }

    /** The appliance's base URL, as messages name it. */
    public String base() {
        String e = endpoint.toString();
        return e.substring(0, e.length() - IMPORT_PATH.length());
    }

    /** ": title: detail" of a problem+json body, printable and short; empty when there is none. */
    static String problem(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try (JsonReader r = ImportRequest.JSON.createReader(new ByteArrayInputStream(body))) {
            JsonValue v = r.readValue();
            if (!(v instanceof JsonObject o)) {
                return "";
            }
            String title = o.getString("title", null);
            String detail = o.getString("detail", null);
            String text = title == null ? detail : detail == null ? title : title + ": " + detail;
            return text == null ? "" : ": " + printable(text);
        } catch (JsonException | IllegalStateException | ClassCastException e) {
            return "";
        }
    }

    /** {@code text} for a message: control characters blanked, cut after 300 characters ("..."). */
    public static String printable(String text) {
        StringBuilder s = new StringBuilder();
        text.codePoints().limit(MAX_DETAIL).forEach(c -> s.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        if (text.codePointCount(0, text.length()) > MAX_DETAIL) {
            s.append("...");
        }
        return s.toString();
    }

    private BatchResult parseResult(byte[] body) {
        JsonObject o;
        try (JsonReader r = ImportRequest.JSON.createReader(new ByteArrayInputStream(body))) {
            o = r.readObject();
        } catch (JsonException | IllegalStateException e) {
            throw new ApplianceException("the appliance at " + base() + " answered 200 without a JSON object"
                    + " (is --server the appliance?)");
        }
        try {
            List<ItemResult> results = new ArrayList<>();
            JsonValue list = o.get("results");
            if (list instanceof JsonArray array) {
                for (JsonValue v : array) {
                    if (v instanceof JsonObject item) {
                        results.add(new ItemResult(text(item, "serial"), text(item, "status"), text(item, "reason")));
                    }
                }
            }
            long imported = count(o, "imported", results, "imported");
            long replaced = count(o, "replaced", results, "replaced");
            long skipped = count(o, "skipped", results, "skipped");
            long failed = count(o, "failed", results, "failed");
            return new BatchResult(imported, replaced, skipped, failed, results);
        } catch (ClassCastException e) {
            throw new ApplianceException("the appliance at " + base() + " answered an import result of unexpected shape");
        }
    }

    private static String text(JsonObject o, String name) {
        JsonValue v = o.get(name);
        if (v instanceof JsonString s) {
            return printable(s.getString());
        }
        return v == null || v == JsonValue.NULL ? null : printable(v.toString());
    }

    /** The appliance's own count, else the results with that status. */
    private static long count(JsonObject o, String name, List<ItemResult> results, String status) {
        JsonValue v = o.get(name);
        if (v instanceof JsonNumber n) {
            return n.longValue();
        }
        return results.stream().filter(r -> status.equals(r.status())).count();
    }

    /**
     * An SSL context that trusts the certificates of {@code file} instead of the JDK's CAs (host names are still
     * verified): PEM certificates ({@code -----BEGIN CERTIFICATE-----}, e.g. a private CA's), or a PKCS12 or JKS
     * trust store opened with {@code password} (null for none).
     */
    static SSLContext trustStore(Path file, char[] password) throws ToolException {
        KeyStore store;
        try {
            byte[] head;
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(64);
            }
            if (new String(head, StandardCharsets.ISO_8859_1).contains("-----BEGIN")) {
                Collection<? extends Certificate> certificates;
                try (InputStream in = Files.newInputStream(file)) {
                    certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
                }
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int i = 0;
                for (Certificate c : certificates) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
            } else {
                store = KeyStore.getInstance(file.toFile(), password);
            }
            if (store.size() == 0) {
                throw new ToolException("the trust store " + file + " (--truststore) holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new ToolException("cannot read the trust store " + file + " (--truststore): " + KeyFiles.describe(e));
        } catch (GeneralSecurityException e) {
            throw new ToolException("cannot use the trust store " + file + " (--truststore): " + e.getMessage());
        }
    }
}
