package org.otpappliance.appliance.infrastructure.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the JDK's HTTP server on a free loopback port, playing the provider's API. */
class SmsGatewayTest {
    static final String TO = "+41791234567";
    static final String MESSAGE = "Your code is 123456 & valid 2 min: \"now\"\nbye é";
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    record Received(String method, String path, String rawQuery, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    HttpServer server;
    String base;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final AtomicInteger status = new AtomicInteger(200);

    @BeforeEach
    void startGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
            byte[] answer = "{\"status\":\"queued\",\"echo\":\"123456\"}".getBytes(StandardCharsets.UTF_8);
            if (status.get() == 204) {
                exchange.sendResponseHeaders(204, -1);
            } else {
                exchange.sendResponseHeaders(status.get(), answer.length);
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopGateway() {
        server.stop(0);
    }

    SmsGateway.Settings settings(String url, String method, List<String> headers, String user, String password,
                                 String contentType, String body) {
        return new SmsGateway.Settings(url, method, headers, user, password, contentType, body, TIMEOUT);
    }

    Received one() throws InterruptedException {
        Received r = received.poll(5, TimeUnit.SECONDS);
        assertTrue(r != null, "the gateway got a request");
        return r;
    }

    @Test
    void aFormPostCarriesBasicAuthTheHeadersAndTheFormEncodedValues() throws Exception {
        new SmsGateway(settings(base + "/2010-04-01/Accounts/AC123/Messages.json", "POST", List.of("X-Api-Key: k-987", "Accept:application/json"),
                "AC123", "pa:ss wörd", "application/x-www-form-urlencoded", "To={to}&From=OTP&Body={message}"))
                .send(TO, MESSAGE);
        Received r = one();
        assertEquals("POST", r.method());
        assertEquals("/2010-04-01/Accounts/AC123/Messages.json", r.path());
        assertNull(r.rawQuery());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("AC123:pa:ss wörd".getBytes(StandardCharsets.UTF_8)),
                r.header("Authorization"));
        assertEquals("k-987", r.header("X-api-key"));
        assertEquals("application/json", r.header("Accept"));
        assertEquals("application/x-www-form-urlencoded", r.header("Content-type"));
        assertEquals("To=%2B41791234567&From=OTP&Body=Your+code+is+123456+%26+valid+2+min%3A+%22now%22%0Abye+%C3%A9", r.body());
    }

    @Test
    void aJsonPutCarriesTheValuesJsonEscapedInUtf8() throws Exception {
        new SmsGateway(settings(base + "/sms", "put", null, null, null, "application/json; charset=utf-8",
                "{\"recipient\":\"{to}\",\"text\":\"{message}\",\"options\":{\"flash\":false}}"))
                .send(TO, MESSAGE);
        Received r = one();
        assertEquals("PUT", r.method());
        assertEquals("/sms", r.path());
        assertNull(r.header("Authorization"));
        assertEquals("application/json; charset=utf-8", r.header("Content-type"));
        assertEquals("{\"recipient\":\"+41791234567\",\"text\":\"Your code is 123456 & valid 2 min: \\\"now\\\"\\nbye é\","
                + "\"options\":{\"flash\":false}}", r.body());
    }

    @Test
    void aGetCarriesTheValuesPercentEncodedInTheUrl() throws Exception {
        new SmsGateway(settings(base + "/send/{to}?user=otp&text={message}", "GET", List.of("Authorization: Bearer t0k3n"), null, null,
                null, null)).send(TO, MESSAGE);
        Received r = one();
        assertEquals("GET", r.method());
        assertEquals("/send/%2B41791234567", r.path());
        assertEquals("user=otp&text=Your%20code%20is%20123456%20%26%20valid%202%20min%3A%20%22now%22%0Abye%20%C3%A9", r.rawQuery());
        assertEquals("Bearer t0k3n", r.header("Authorization"));
        assertEquals("", r.body());
    }

    @Test
    void aTextBodyTakesTheValuesAsTheyAre() throws Exception {
        new SmsGateway(settings(base + "/", "POST", List.of(), null, null, "text/plain; charset=UTF-8", "{to}\n{message}"))
                .send(TO, MESSAGE);
        assertEquals(TO + "\n" + MESSAGE, one().body());
    }

    @Test
    void anAnswerOtherThan2xxIsADeliveryFailureThatShowsNoSecret() {
        status.set(500);
        SmsGateway gateway = new SmsGateway(settings(base + "/send?key=s3cr3t-key", "POST", List.of("X-Api-Key: k-987"), "user",
                "pa55word", "application/x-www-form-urlencoded", "to={to}&text={message}"));
        DeliveryException e = assertThrows(DeliveryException.class, () -> gateway.send(TO, MESSAGE));
        assertEquals("the SMS gateway " + base + " answered 500", e.getMessage());
        for (String secret : List.of("123456", "s3cr3t", "k-987", "pa55word", TO)) {
            assertFalse(e.getMessage().contains(secret), secret);
        }
        status.set(302);
        assertEquals("the SMS gateway " + base + " answered 302",
                assertThrows(DeliveryException.class, () -> gateway.send(TO, MESSAGE)).getMessage(), "redirects are not followed");
        status.set(204);
        assertDoesNotFail(gateway);
    }

    static void assertDoesNotFail(SmsGateway gateway) {
        try {
            gateway.send(TO, "x");
        } catch (DeliveryException e) {
            throw new AssertionError("2xx is success", e);
        }
    }

    @Test
    void aGatewayThatNeverAnswersFailsAfterTheTimeout() throws Exception {
        // A listening socket nobody accepts from: the kernel completes the connection, no answer ever comes.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SmsGateway gateway = new SmsGateway(new SmsGateway.Settings("http://127.0.0.1:" + silent.getLocalPort() + "/send", "POST",
                    null, null, null, "application/json", "{\"to\":\"{to}\",\"text\":\"{message}\"}", Duration.ofMillis(300)));
            DeliveryException e = assertThrows(DeliveryException.class, () -> gateway.send(TO, MESSAGE));
            assertEquals("the SMS gateway http://127.0.0.1:" + silent.getLocalPort() + " did not answer within 300 ms", e.getMessage());
        }
    }

    @Test
    void aGatewayThatIsDownIsADeliveryFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SmsGateway gateway = new SmsGateway(settings("http://127.0.0.1:" + port + "/send", "POST", null, null, null,
                "application/json", "{\"to\":\"{to}\",\"text\":\"{message}\"}"));
        DeliveryException e = assertThrows(DeliveryException.class, () -> gateway.send(TO, MESSAGE));
        assertEquals("could not connect to the SMS gateway http://127.0.0.1:" + port, e.getMessage());
    }

    @Test
    void badSettingsAreRefusedAtConstructionWithAClearMessage() {
        String form = "application/x-www-form-urlencoded";
        String body = "to={to}&text={message}";
        assertRefused("method must be GET, POST or PUT", settings(base, "DELETE", null, null, null, form, body));
        assertRefused("method must be GET, POST or PUT", settings(base, null, null, null, null, form, body));
        assertRefused("URL is required", settings(" ", "POST", null, null, null, form, body));
        assertRefused("absolute http:// or https:// URL", settings("ftp://example.com/x", "POST", null, null, null, form, body));
        assertRefused("absolute http:// or https:// URL", settings("/relative", "POST", null, null, null, form, body));
        assertRefused("not a valid URL", settings("http://exa mple.com/", "POST", null, null, null, form, body));
        assertRefused("unknown placeholder {code}", settings(base, "POST", null, null, null, form, "to={to}&text={code}"));
        assertRefused("unknown placeholder {phone}", settings(base + "/{phone}", "POST", null, null, null, form, body));
        assertRefused("must contain {message}", settings(base, "POST", null, null, null, form, "to={to}"));
        assertRefused("must contain {to}", settings(base + "?text={message}", "GET", null, null, null, null, null));
        assertRefused("GET request to the SMS gateway has no body", settings(base + "?to={to}&t={message}", "GET", null, null, null, form, body));
        assertRefused("content type is required", settings(base, "POST", null, null, null, " ", body));
        assertRefused("\"Name: value\"", settings(base, "POST", List.of("X-Api-Key k-987"), null, null, form, body));
        assertRefused("\"Name: value\"", settings(base, "POST", List.of(": k-987"), null, null, form, body));
        assertRefused("\"Name: value\"", settings(base, "POST", List.of("X Key: k-987"), null, null, form, body));
        assertRefused("header X-Key has a control character", settings(base, "POST", List.of("X-Key: a\r\nHost: evil"), null, null, form, body));
        assertRefused("header Host is refused", settings(base, "POST", List.of("Host: example.com"), null, null, form, body));
        assertRefused("content type as its own setting", settings(base, "POST", List.of("content-type: text/plain"), null, null, form, body));
        assertRefused("both a username", settings(base, "POST", List.of("Authorization: Bearer x"), "u", "p", form, body));
        assertRefused("cannot contain ':'", settings(base, "POST", null, "u:v", "p", form, body));
        assertRefused("timeout must be positive",
                new SmsGateway.Settings(base, "POST", null, null, null, form, body, Duration.ZERO));
        assertRefused("timeout must be positive", new SmsGateway.Settings(base, "POST", null, null, null, form, body, null));
    }

    static void assertRefused(String expected, SmsGateway.Settings s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SmsGateway(s));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("k-987"), "no header value in " + e.getMessage());
    }

    @Test
    void settingsPrintWithoutCredentials() {
        String printed = settings("https://user:pw@api.example.com:8443/send?key=s3cr3t", "POST", List.of("X-Api-Key: k-987"), "AC123",
                "pa55word", "application/json", "{\"to\":\"{to}\",\"text\":\"{message}\"}").toString();
        assertTrue(printed.contains("https://api.example.com:8443"), printed);
        for (String secret : List.of("s3cr3t", "k-987", "pa55word", "pw@", "/send")) {
            assertFalse(printed.contains(secret), printed);
        }
    }
}
