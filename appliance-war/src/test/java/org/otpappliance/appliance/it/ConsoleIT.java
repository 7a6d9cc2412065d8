package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin console in a real browser: an admin made with the bootstrap API key logs in with a
 * password and a code of their own token, and works the console like a person would.
 */
@ExtendWith(SharedAppliance.class)
class ConsoleIT {
    static final String PASSWORD = ConsoleAdmin.PASSWORD;
    static Appliance appliance;
    static Api api;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
    }

    @Test
    void anAdminLogsInEnrollsATokenSeesItsValidationAndAuditLocksAndUnlocksItAndLogsOut() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        try (Browser b = Browser.start("ConsoleIT")) {
            b.open(appliance.base() + "/admin/");
            b.waitVisible("#login-page");
            b.screenshot("login");
            ConsoleAdmin.logIn(b, appliance.base(), admin.name(), PASSWORD, Codes.totp(admin.token(), 0));
            b.waitVisible("#dashboard-page");
            b.waitText("#whoami", admin.name());

            // Users and tokens: create a user, enroll a TOTP token, read the otpauth URI once.
            b.click("#nav a[href='#users']");
            b.waitVisible("#users-page");
            String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
            b.type("new-username", alice);
            b.click("#create-user-form button[type=submit]");
            b.waitText("#user-title", alice);
            b.click("#enroll-form button[type=submit]");
            String uri = ConsoleAdmin.shownUri(b, "totp");
            String serial = b.find("#enrolled-serial").getText();
            b.waitText("#tokens", serial, "active");
            b.screenshot("users-enrolled");
            b.clickButton("Done: hide the seed");
            assertEquals("", b.find("#enrolled-uri").getDomProperty("value"), "the seed leaves the page");

            // The user's authenticator computes a code from the URI; a REST client validates it.
            JsonObject enrolled = Json.createObjectBuilder().add("otpauthUri", uri).add("period", 30).add("digits", 6)
                    .add("algorithm", "SHA1").build();
            assertEquals("ACCEPT", api.validate(alice, Codes.totp(enrolled, 0)));

            b.click("#nav a[href='#dashboard']");
            b.waitVisible("#dashboard-page");
            b.click("#dashboard-form button[type=submit]");
            b.waitText("#totals tbody", "REST ACCEPT");
            b.waitText("#data-store", "UP");
            b.screenshot("dashboard");

            b.click("#nav a[href='#audit']");
            b.waitVisible("#audit-page");
            b.type("audit-user", alice);
            b.click("#audit-form button[type=submit]");
            String audit = b.waitText("#audit-table tbody", "VALIDATE", "ACCEPT", "TOKEN_ENROLL", "console:" + admin.name());
            assertTrue(audit.contains("USER_CREATE"), audit);
            b.screenshot("audit");

            // Wrong codes lock the token; the dashboard lists it, and the admin unlocks it there.
            for (int i = 0; i < 10; i++) {
                assertEquals("REJECT", api.validate(alice, Codes.totp(enrolled, 50)));
            }
            b.click("#nav a[href='#dashboard']");
            b.click("#dashboard-form button[type=submit]");
            b.waitText("#locked tbody", serial);
            b.screenshot("dashboard-locked");
            b.clickButton("Unlock " + serial);
            b.waitText("#status", "Unlocked " + serial);
            b.waitText("#locked tbody", "No token is locked");
            JsonObject token = api.get("/api/v1/tokens/" + serial).json();
            assertFalse(token.getBoolean("locked"));
            assertEquals(0, token.getInt("failCount"));
            assertTrue(api.audit(alice).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action").equals("TOKEN_UNLOCK")
                    && e.getString("actor").equals("console:" + admin.name())), "the unlock is audited under the admin's name");

            b.click("#logout");
            b.waitVisible("#login-page");
            b.waitText("#status", "logged out");
            b.open(appliance.base() + "/admin/#dashboard");
            b.waitVisible("#login-page");
            assertFalse(b.find("#dashboard-page").isDisplayed(), "after logout the console asks for a login again");
        }
    }

    @Test
    void aWrongPasswordOrCodeKeepsTheAdminOutAndCountsOnTheAdminsToken() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        String serial = admin.token().getString("serial");
        try (Browser b = Browser.start("ConsoleIT")) {
            ConsoleAdmin.logIn(b, appliance.base(), admin.name(), "not the password at all", Codes.totp(admin.token(), 0));
            b.waitText("#login-error", "Login failed");
            assertFalse(b.find("#dashboard-page").isDisplayed());
            assertEquals(1, api.get("/api/v1/tokens/" + serial).json().getInt("failCount"), "a wrong password counts as a failure");

            ConsoleAdmin.logIn(b, appliance.base(), admin.name(), PASSWORD, Codes.totp(admin.token(), 50));
            b.waitText("#login-error", "Login failed");
            b.screenshot("login-failed");
            assertFalse(b.find("#dashboard-page").isDisplayed());
            assertEquals(2, api.get("/api/v1/tokens/" + serial).json().getInt("failCount"), "a wrong code counts as a failure");

            ConsoleAdmin.logIn(b, appliance.base(), "no-such-admin-" + UUID.randomUUID(), PASSWORD, "123456");
            b.waitText("#login-error", "Login failed");
        }
        var reasons = api.audit(admin.user()).stream().map(JsonValue::asJsonObject)
                .filter(e -> e.getString("entryPoint", "").equals("CONSOLE")).map(e -> e.getString("reason", "")).toList();
        assertTrue(reasons.contains("WRONG_PASSWORD") && reasons.contains("WRONG_CODE"), reasons.toString());
    }

    @Test
    void aStateChangingRequestWithoutTheCsrfTokenIsRefused() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        Api anonymous = api.withKey(null);
        HttpResponse<String> login = ConsoleAdmin.sendLogin(anonymous, admin, Codes.totp(admin.token(), 0));
        assertEquals(200, login.statusCode(), login.body());
        String csrf = Json.createReader(new StringReader(login.body())).readObject().getString("csrfToken");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain HTTP: no Secure flag, " + setCookie);
        String cookie = setCookie.split(";", 2)[0];

        String body = Json.createObjectBuilder().add("username", "csrf-" + UUID.randomUUID().toString().substring(0, 8)).build().toString();
        HttpRequest.Builder withoutToken = anonymous.request("/api/v1/console/users").header("Cookie", cookie)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        Api.Reply refused = anonymous.send(withoutToken);
        assertEquals(403, refused.status());
        assertEquals("urn:otp-appliance:problem:csrf-token-invalid", refused.problemType());
        Api.Reply wrongToken = anonymous.send(anonymous.request("/api/v1/console/users").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf + "x").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(403, wrongToken.status());
        Api.Reply created = anonymous.send(anonymous.request("/api/v1/console/users").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(201, created.status(), created.toString());

        assertEquals(401, anonymous.get("/api/v1/console/dashboard").status(), "no cookie, no console");
        assertEquals(401, api.get("/api/v1/console/dashboard").status(), "an API key is not a console session");
        Api.Reply logout = anonymous.send(anonymous.request("/api/v1/console/session").header("Cookie", cookie)
                .header("X-CSRF-Token", csrf).DELETE());
        assertEquals(204, logout.status());
        assertEquals(401, anonymous.send(anonymous.request("/api/v1/console/session").header("Cookie", cookie).GET()).status(),
                "the session ends at logout");
    }
}
