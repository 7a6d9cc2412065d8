package org.otpappliance.pam.bridge;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;
import org.otpappliance.pam.server.BridgeUnavailableException;
import org.otpappliance.pam.server.PamContext;
import org.otpappliance.pam.server.PamValidator;

/**
 * Forwards validations to the appliance's REST API: {@code POST {base}/api/v1/validate} with
 * {@code Authorization: Bearer <validate API key>} and the body
 * {@code {"user","code","transactionId"?,"pam":{"service","host","rhost","tty"}}}.
 *
 * <p>A 200 answer {@code {"result":"ACCEPT|REJECT|CHALLENGE","serial"?,"transactionId"?,"message"}} is
 * the decision. Anything else from an appliance (cannot connect, timeout, TLS failure, any other
 * status, 401/403 included, an answer that cannot be read) moves on to the next configured URL;
 * when none gave a decision, {@link BridgeUnavailableException}. Requests go over the JDK's
 * {@link HttpURLConnection}: HTTP/1.1 with kept-alive connections (the JDK's keep-alive cache), a
 * connect timeout and a timeout for each wait for the answer, no redirects, no proxy, and the JDK's
 * certificate and host name verification (a private CA's PKCS12 trust store can replace the JDK's
 * CAs, {@link #trustStore(Path, char[])}; verification is never off). {@code HttpURLConnection}
 * rather than {@code java.net.http.HttpClient}: one synchronous round trip runs far less code, which
 * is what a login waits for (a login host's bridge is rarely warmed up by traffic).
 *
 * <p>The REST API tells no reason for a refusal: a {@code REJECT} becomes a {@code Rejected} with
 * reason {@code WRONG_CODE} (the appliance audited the real one), and the appliance's generic
 * refusal text {@value #GENERIC_REJECT_MESSAGE} becomes no message, as in the appliance's own
 * (in-process) bridge.
 */
public final class RestValidator implements PamValidator {
    private static final Logger LOG = Logger.getLogger(RestValidator.class.getName());

    public static final String VALIDATE_PATH = "/api/v1/validate";
    /** What the appliance's REST API says for a refusal with nothing the user can act on. */
    public static final String GENERIC_REJECT_MESSAGE = "the code is not accepted";
    /** The appliance's REST limits (POST /api/v1/validate): longer entries are refused there. */
    static final int MAX_USER_LENGTH = 255;
    static final int MAX_CODE_LENGTH = 1024;
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final List<URI> endpoints;
    private final String authorization;
    private final int connectTimeoutMillis;
    private final int requestTimeoutMillis;
    /** For HTTPS: the socket factory of the given SSL context, or null for the JDK's default. */
    private final SSLSocketFactory socketFactory;
    private final JsonProvider json = JsonProvider.provider();

    /**
     * @param applianceUrls  the appliances' base URLs ({@code https://otp.example.org}), tried in this order
     * @param apiKey         a {@code validate} (or admin) API key
     * @param connectTimeout how long to wait for a connection to one appliance
     * @param requestTimeout how long to wait for one appliance's answer
     * @param sslContext     null for the JDK's trusted CAs, else e.g. {@link #trustStore(Path, char[])}
     */
    public RestValidator(List<URI> applianceUrls, String apiKey, Duration connectTimeout, Duration requestTimeout, SSLContext sslContext) {
        Objects.requireNonNull(applianceUrls, "appliance URLs are required");
        if (applianceUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one appliance URL is required");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("an API key is required");
        }
        List<URI> list = new ArrayList<>();
        for (URI base : applianceUrls) {
            String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || base.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL: " + base);
            }
            String text = base.toString();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            list.add(URI.create(text + VALIDATE_PATH));
        }
        this.endpoints = List.copyOf(list);
        this.authorization = "Bearer " + apiKey.strip();
        this.connectTimeoutMillis = millis(Objects.requireNonNull(connectTimeout, "connect timeout is required"));
        this.requestTimeoutMillis = millis(Objects.requireNonNull(requestTimeout, "request timeout is required"));
        this.socketFactory = sslContext == null ? null : sslContext.getSocketFactory();
    }

    private static int millis(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    /** The validate endpoints, in the order they are tried. */
    public List<URI> endpoints() {
        return endpoints;
    }

    /**
     * An SSL context that trusts the certificates of a PKCS12 trust store (a private CA) instead of
     * the JDK's CAs. Host names are still verified.
     */
    public static SSLContext trustStore(Path pkcs12, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            store.load(in, password);
        }
        if (store.size() == 0) {
            throw new GeneralSecurityException("the trust store " + pkcs12 + " holds no certificate");
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Override
    public VerificationResult validate(VerificationRequest request, PamContext context) throws BridgeUnavailableException {
        if (request.user().length() > MAX_USER_LENGTH || request.code().length() > MAX_CODE_LENGTH) {
            // The appliance refuses such a request (400); it is a wrong entry, not an outage (fail_open must not pass it).
            return new VerificationResult.Rejected(VerificationResult.Reason.MALFORMED_CODE);
        }
        byte[] body = body(request, context).getBytes(StandardCharsets.UTF_8);
        List<String> failures = new ArrayList<>();
        for (URI endpoint : endpoints) {
            try {
                return ask(endpoint, body);
            } catch (Final e) {
                throw new BridgeUnavailableException(endpoint + ": " + e.getMessage());
            } catch (Unusable e) {
                failures.add(endpoint + ": " + e.getMessage());
                LOG.warning(() -> "The appliance at " + endpoint + " gave no decision (" + e.getMessage() + ")"
                        + (endpoint.equals(endpoints.get(endpoints.size() - 1)) ? "" : "; trying the next"));
            }
        }
        throw new BridgeUnavailableException("no appliance gave a decision: " + String.join("; ", failures));
    }

    String body(VerificationRequest request, PamContext context) {
        JsonObjectBuilder pam = json.createObjectBuilder()
                .add("service", context.service())
                .add("host", context.loginHost())
                .add("rhost", context.rhost())
                .add("tty", context.tty());
        JsonObjectBuilder body = json.createObjectBuilder()
                .add("user", request.user())
                .add("code", request.code());
        if (request.transactionId() != null && !request.transactionId().isEmpty()) {
            body.add("transactionId", request.transactionId());
        }
        return body.add("pam", pam).build().toString();
    }

    private VerificationResult ask(URI endpoint, byte[] body) throws Unusable {
        HttpURLConnection connection;
        int status;
        String text;
        try {
            connection = (HttpURLConnection) endpoint.toURL().openConnection(Proxy.NO_PROXY);
        } catch (IOException | IllegalArgumentException e) {
            throw new Unusable(describe(e));
        }
        try {
            if (socketFactory != null && connection instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(socketFactory);
            }
            connection.setConnectTimeout(connectTimeoutMillis);
            connection.setReadTimeout(requestTimeoutMillis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestMethod("POST");
            connection.setRequestProperty("Authorization", authorization);
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setRequestProperty("Accept", "application/json");
            // Buffered, not streamed (setFixedLengthStreamingMode): for a streamed request the JDK first
            // probes a kept-alive connection with a read that waits 1 ms, on every request.
            connection.setDoOutput(true);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            status = connection.getResponseCode();
            // Read to the end and close: the connection then goes back to the keep-alive cache.
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                text = in == null ? "" : readAnswer(in);
            }
        } catch (SocketTimeoutException e) {
            connection.disconnect();
            throw new Unusable("no answer within " + requestTimeoutMillis + " ms");
        } catch (IOException | RuntimeException e) {
            connection.disconnect();
            throw new Unusable(describe(e));
        }
        if (status == 401 || status == 403) {
            throw new Unusable("HTTP " + status + ": the appliance refused the API key");
        }
        if (status == 400) {
            // The appliance judged the entry itself malformed: a refusal, whichever node is asked.
            return new VerificationResult.Rejected(VerificationResult.Reason.MALFORMED_CODE);
        }
        if (status == 502) {
            // A code could not be sent by SMS or e-mail: another node would send (and count) another one.
            throw new Final("HTTP 502: the appliance could not send the code");
        }
        if (status != 200) {
            throw new Unusable("HTTP " + status);
        }
        return parse(text);
    }

    /** The answer's body, up to {@value #MAX_ANSWER_BYTES} bytes: a decision is small. */
    private static String readAnswer(InputStream in) throws IOException, Unusable {
        byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (bytes.length > MAX_ANSWER_BYTES) {
            throw new Unusable("the answer is longer than " + MAX_ANSWER_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** An answer that is no decision, and that asking another appliance would not change. */
    static final class Final extends Unusable {
        private static final long serialVersionUID = 1L;

        Final(String message) {
            super(message);
        }
    }

    VerificationResult parse(String text) throws Unusable {
        JsonObject answer;
        try (JsonReader reader = json.createReader(new StringReader(text))) {
            answer = reader.readObject();
        } catch (JsonException | IllegalStateException e) {
            throw new Unusable("the answer is not a JSON object");
        }
        String result = string(answer, "result");
        if (result == null) {
            throw new Unusable("the answer has no result");
        }
        String message = string(answer, "message");
        switch (result) {
            case "ACCEPT":
                return new VerificationResult.Accepted(string(answer, "serial"));
            case "REJECT":
                if (answer.get("enrolled") == JsonValue.FALSE) {
                    // Only when the appliance lets PAM know (otp.appliance.pam.nullok): the user has no token.
                    return new VerificationResult.Rejected(VerificationResult.Reason.NO_TOKEN);
                }
                return new VerificationResult.Rejected(VerificationResult.Reason.WRONG_CODE,
                        message == null || message.isEmpty() || message.equals(GENERIC_REJECT_MESSAGE) ? null : message);
            case "CHALLENGE":
                String transactionId = string(answer, "transactionId");
                if (transactionId == null || transactionId.isEmpty()) {
                    throw new Unusable("a CHALLENGE answer without a transactionId");
                }
                return new VerificationResult.Challenge(transactionId, message);
            default:
                throw new Unusable("the answer's result is not ACCEPT, REJECT or CHALLENGE");
        }
    }

    /** The string member {@code name}, or null when absent or JSON null; another type is unusable. */
    private static String string(JsonObject object, String name) throws Unusable {
        JsonValue value = object.get(name);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonString s) {
            return s.getString();
        }
        throw new Unusable("the answer's " + name + " is not a string");
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** One appliance gave no usable answer; the message says why (no secret in it). */
    static class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message, null, false, false);
        }
    }
}
