package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

/**
 * An admin account for the console tests, made with the admin API key, and the TOTP token of its
 * user that gives the second factor at login.
 */
record ConsoleAdmin(String name, String user, JsonObject token) {
    static final String PASSWORD = "correct horse battery staple";

    static ConsoleAdmin create(Api api) {
        String user = api.newUser("console-owner");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp").build());
        String name = "admin-" + UUID.randomUUID().toString().substring(0, 8);
        Api.Reply r = api.post("/api/v1/admins", Json.createObjectBuilder().add("username", name).add("password", PASSWORD)
                .add("user", user).build());
        assertEquals(201, r.status(), r.toString());
        return new ConsoleAdmin(name, user, token);
    }

    /** Fills in and sends the login form of the console at {@code base}; the caller waits for what should follow. */
    static void logIn(Browser b, String base, String name, String password, String code) {
        b.open(base + "/admin/");
        b.waitVisible("#login-page");
        b.type("login-username", name);
        b.type("login-password", password);
        b.type("login-code", code);
        b.click("#login-form button[type=submit]");
    }

    /** Opens a console page with its link in the nav. */
    static void page(Browser b, String name) {
        b.click("#nav a[href='#" + name + "']");
        b.waitVisible("#" + name + "-page");
    }

    /** A browser logged in to the console at {@code base} as this admin (the code of the current time step). */
    Browser loggedIn(String base, String test) {
        Browser b = Browser.start(test);
        logIn(b, base, name, PASSWORD, Codes.totp(token, 0));
        b.waitText("#whoami", name);
        return b;
    }

    /** The otpauth URI the page shows, once, after enrolling a TOTP or HOTP token of this type. */
    static String shownUri(Browser b, String type) {
        b.waitVisible("#enrolled");
        return b.until(d -> {
            String v = b.find("#enrolled-uri").getDomProperty("value");
            return v != null && v.startsWith("otpauth://" + type + "/") ? v : null;
        });
    }

    /** The login as the page sends it, read with its headers (the session cookie). */
    static HttpResponse<String> sendLogin(Api anonymous, ConsoleAdmin admin, String code) throws Exception {
        return sendLogin(anonymous, admin, PASSWORD, code);
    }

    static HttpResponse<String> sendLogin(Api anonymous, ConsoleAdmin admin, String password, String code) throws Exception {
        String body = Json.createObjectBuilder().add("username", admin.name()).add("password", password).add("code", code).build()
                .toString();
        return HttpClient.newHttpClient().send(anonymous.request("/api/v1/console/session").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A console session held over HTTP: its cookie and CSRF token. */
    record Held(Api anonymous, String cookie, String csrf) {
        /** Logs the admin in with this password and the TOTP code of the time step {@code step} steps from now. */
        static Held logIn(Api anonymous, ConsoleAdmin admin, String password, int step) throws Exception {
            HttpResponse<String> r = sendLogin(anonymous, admin, password, Codes.totp(admin.token(), step));
            assertEquals(200, r.statusCode(), r.body());
            return new Held(anonymous, r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0],
                    Json.createReader(new StringReader(r.body())).readObject().getString("csrfToken"));
        }

        int status() {
            return anonymous.send(anonymous.request("/api/v1/console/session").header("Cookie", cookie).GET()).status();
        }

        Api.Reply setPassword(String admin, JsonObject body) {
            return anonymous.send(anonymous.request("/api/v1/console/admins/" + admin + "/password").header("Cookie", cookie)
                    .header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
        }
    }
}
