package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

/** What the console's browser tests share: an admin account made with the admin API key, and the login form. */
final class ConsoleAdmins {
    static final String PASSWORD = "correct horse battery staple";

    private ConsoleAdmins() {
    }

    /** An admin account (made with the admin API key) and the TOTP token that gives its second factor. */
    record Admin(String name, String user, JsonObject token) {
    }

    static Admin newAdmin(Api api) {
        String user = api.newUser("console-owner");
        JsonObject token = api.enroll(Json.createObjectBuilder().add("user", user).add("type", "totp").build());
        String name = "admin-" + UUID.randomUUID().toString().substring(0, 8);
        Api.Reply r = api.post("/api/v1/admins", Json.createObjectBuilder().add("username", name).add("password", PASSWORD)
                .add("user", user).build());
        assertEquals(201, r.status(), r.toString());
        return new Admin(name, user, token);
    }

    static void logIn(Browser b, Appliance appliance, String name, String password, String code) {
        b.open(appliance.base() + "/admin/");
        b.waitVisible("#login-page");
        b.type("login-username", name);
        b.type("login-password", password);
        b.type("login-code", code);
        b.click("#login-form button[type=submit]");
    }

    /** The login as the page sends it, read with its headers (the session cookie). */
    static HttpResponse<String> sendLogin(Api anonymous, Admin admin, String code) throws Exception {
        String body = Json.createObjectBuilder().add("username", admin.name()).add("password", PASSWORD).add("code", code).build()
                .toString();
        return HttpClient.newHttpClient().send(anonymous.request("/api/v1/console/session").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
