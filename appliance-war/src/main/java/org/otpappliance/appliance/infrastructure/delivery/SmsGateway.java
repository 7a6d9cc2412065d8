package org.otpappliance.appliance.infrastructure.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Sends one SMS through an HTTP API, the way nearly every SMS provider takes it: a request whose
 * URL or body carries the number and the text. The operator describes the request (method, URL,
 * headers, credentials, body template); everything is checked here, when the settings are read,
 * so that a mistake stops the start and not a login. Any answer other than 2xx, a timeout or a
 * network error is a {@link DeliveryException}; the answer's body is not read, as it may echo the text.
 */
public final class SmsGateway {
    private static final Set<String> NAMES = Set.of("to", "message");
    private static final Map<String, String> SAMPLE = Map.of("to", "+41791234567", "message", "sample message");

    /**
     * What the operator configures.
     *
     * @param url         http(s) URL; may carry {@code {to}} and {@code {message}}, percent-encoded when sent
     * @param method      GET, POST or PUT
     * @param headers     extra header lines, each "Name: value" (an API key, say); may be null
     * @param username    for HTTP basic authentication, sent with every request; null or blank for none
     * @param password    basic authentication password
     * @param contentType the body's media type; with application/x-www-form-urlencoded values are
     *                    form-encoded, with application/json (or any +json type) JSON-escaped, else as they are
     * @param bodyTemplate the request body with {@code {to}} and {@code {message}}; none for GET
     * @param timeout     for connecting and, again, for the answer
     */
    public record Settings(String url, String method, List<String> headers, String username, String password,
                           String contentType, String bodyTemplate, Duration timeout) {
        public Settings {
            headers = headers == null ? List.of() : List.copyOf(headers);
        }

        /** Without the URL's path and query, header values and the password: they may hold credentials. */
        @Override
        public String toString() {
            return "SmsGateway.Settings[" + method + " " + origin(url) + ", " + headers.size() + " header(s), user "
                    + (blank(username) ? "none" : "set") + ", " + contentType + ", timeout " + timeout + "]";
        }
    }

    private final HttpClient client;
    private final String method;
    private final Template url;
    private final Template body;
    private final String contentType;
    private final Template.Escape bodyEscape;
    private final List<String[]> headers = new ArrayList<>();
    private final Duration timeout;
    private final String origin;
    private final String description;

    /** @throws IllegalArgumentException naming what is wrong with the settings (never a secret) */
    public SmsGateway(Settings s) {
        description = s.toString();
        if (s.timeout() == null || s.timeout().isNegative() || s.timeout().isZero()) {
            throw new IllegalArgumentException("the SMS gateway timeout must be positive");
        }
        timeout = s.timeout();
        method = s.method() == null ? "" : s.method().trim().toUpperCase(Locale.ROOT);
        if (!Set.of("GET", "POST", "PUT").contains(method)) {
            throw new IllegalArgumentException("the SMS gateway method must be GET, POST or PUT");
        }
        if (blank(s.url())) {
            throw new IllegalArgumentException("the SMS gateway URL is required");
        }
        url = template(s.url(), "URL");
        origin = origin(s.url());
        checkUrl(url.render(SAMPLE, Template.Escape.URL));
        if (method.equals("GET") && !blank(s.bodyTemplate())) {
            throw new IllegalArgumentException("a GET request to the SMS gateway has no body: put {to} and {message} in the URL");
        }
        body = template(s.bodyTemplate() == null ? "" : s.bodyTemplate(), "body template");
        for (String name : NAMES) {
            if (!url.uses(name) && !body.uses(name)) {
                throw new IllegalArgumentException("the SMS gateway URL or body template must contain {" + name + "}");
            }
        }
        contentType = blank(s.contentType()) ? null : s.contentType().trim();
        if (contentType == null && !body.toString().isEmpty()) {
            throw new IllegalArgumentException("the SMS gateway content type is required with a body");
        }
        bodyEscape = escapeFor(contentType);
        for (String line : s.headers()) {
            headers.add(header(line, !blank(s.username())));
        }
        if (!blank(s.username())) {
            if (s.username().contains(":")) {
                throw new IllegalArgumentException("the SMS gateway username cannot contain ':' (HTTP basic authentication)");
            }
            String pair = s.username() + ":" + (s.password() == null ? "" : s.password());
            headers.add(new String[] {"Authorization",
                "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8))});
        }
        request("+41791234567", "sample message"); // the JDK's own header checks (Host, Content-Length, ...)
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade attempts: some gateways stumble on them
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout);
        if (ProxySelector.getDefault() != null) {
            builder.proxy(ProxySelector.getDefault()); // honours -Dhttps.proxyHost for appliances behind a proxy
        }
        client = builder.build();
    }

    /**
     * Hands one message to the gateway; returns when it answered 2xx.
     *
     * @param to an E.164 number, as {@code Destination.phone} returns it
     */
    public void send(String to, String message) throws DeliveryException {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(message, "message");
        HttpResponse<InputStream> response;
        try {
            response = client.send(request(to, message), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new DeliveryException("could not connect to the SMS gateway " + origin + " within " + seconds(timeout));
        } catch (HttpTimeoutException e) {
            throw new DeliveryException("the SMS gateway " + origin + " did not answer within " + seconds(timeout));
        } catch (ConnectException e) {
            throw new DeliveryException("could not connect to the SMS gateway " + origin);
        } catch (SSLException e) {
            throw new DeliveryException("TLS with the SMS gateway " + origin + " failed: " + e.getMessage());
        } catch (IOException e) {
            throw new DeliveryException("the request to the SMS gateway " + origin + " failed: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted while sending to the SMS gateway " + origin);
        }
        try {
            response.body().close(); // unread: the status is all that counts, and a slow body must not hold the caller
        } catch (IOException e) {
            // The answer is in; a failure to drop its body changes nothing.
        }
        if (response.statusCode() < 200 || response.statusCode() > 299) {
            throw new DeliveryException("the SMS gateway " + origin + " answered " + response.statusCode());
        }
    }

    private HttpRequest request(String to, String message) {
        Map<String, String> values = Map.of("to", to, "message", message);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.render(values, Template.Escape.URL))).timeout(timeout);
        for (String[] h : headers) {
            try {
                b.header(h[0], h[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the SMS gateway header " + h[0] + " is refused by the HTTP client (a restricted name or an invalid value)");
            }
        }
        if (method.equals("GET")) {
            return b.GET().build();
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        String text = body.render(values, bodyEscape);
        return b.method(method, HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build();
    }

    private static Template template(String text, String what) {
        try {
            return new Template(text, NAMES);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the SMS gateway " + what + " has an " + e.getMessage());
        }
    }

    private static void checkUrl(String sample) {
        try {
            URI uri = new URI(sample);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("the SMS gateway URL must be an absolute http:// or https:// URL with a host");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the SMS gateway URL is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
    }

    private static Template.Escape escapeFor(String contentType) {
        if (contentType == null) {
            return Template.Escape.RAW;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (type.equals("application/x-www-form-urlencoded")) {
            return Template.Escape.FORM;
        }
        return type.equals("application/json") || type.endsWith("+json") ? Template.Escape.JSON : Template.Escape.RAW;
    }

    private static String[] header(String line, boolean basicAuth) {
        int colon = line == null ? -1 : line.indexOf(':');
        String name = colon < 0 ? "" : line.substring(0, colon).trim();
        if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw new IllegalArgumentException("an SMS gateway header must be a line \"Name: value\"");
        }
        String value = line.substring(colon + 1).trim();
        if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
            throw new IllegalArgumentException("the SMS gateway header " + name + " has a control character in its value");
        }
        if (name.equalsIgnoreCase("Content-Type")) {
            throw new IllegalArgumentException("give the SMS gateway content type as its own setting, not as a header");
        }
        if (name.equalsIgnoreCase("Authorization") && basicAuth) {
            throw new IllegalArgumentException("the SMS gateway has both a username (basic authentication) and an Authorization header");
        }
        return new String[] {name, value};
    }

    /** Scheme, host and port only: the path or query may carry an API key. */
    private static String origin(String url) {
        try {
            URI uri = new URI(url.replace("{", "%7B").replace("}", "%7D"));
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException | RuntimeException e) {
            return "(URL not shown)";
        }
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The settings without credentials (see {@link Settings#toString()}). */
    @Override
    public String toString() {
        return description;
    }
}
