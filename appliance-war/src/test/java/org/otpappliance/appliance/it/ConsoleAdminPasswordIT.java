package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otpappliance.appliance.it.ConsoleAdmin.PASSWORD;

import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.support.ui.Select;

/** Setting an admin's password: in the console (another's, one's own) and with the admin API key. */
@ExtendWith(SharedAppliance.class)
class ConsoleAdminPasswordIT {
    static final String NEW_PASSWORD = "a brand new console password";

    static Appliance appliance;
    static Api api;
    static Api anonymous;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
        anonymous = api.withKey(null);
    }

    @Test
    void anAdminSetsAnotherAdminsPasswordWhoseSessionsEndAndOnlyTheNewPasswordLogsIn() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ConsoleAdmin other = ConsoleAdmin.create(api);
        ConsoleAdmin.Held before = ConsoleAdmin.Held.logIn(anonymous, other, PASSWORD, 0);
        assertEquals(200, before.status());
        try (Browser b = admin.loggedIn(appliance.base(), "ConsoleAdminPasswordIT")) {
            ConsoleAdmin.page(b, "admins");
            b.waitText("#admins-table tbody", other.name());
            Select name = new Select(b.find("#admins-password-name"));
            name.selectByValue(admin.name());
            assertTrue(b.find("#admins-password-own").isDisplayed(), "one's own password asks for the current one");
            name.selectByValue(other.name());
            assertFalse(b.find("#admins-password-own").isDisplayed(), "another's password needs no current password");
            b.type("admins-password-new", NEW_PASSWORD);
            b.click("#admins-password-form button[type=submit]");
            b.waitText("#status", "Set the password of " + other.name() + "; their console sessions have ended.");
            assertEquals("", b.find("#admins-password-new").getDomProperty("value"), "the password leaves the form");
        }
        assertEquals(401, before.status(), "the session opened before the change has ended");

        try (Browser b = Browser.start("ConsoleAdminPasswordIT")) {
            ConsoleAdmin.logIn(b, appliance.base(), other.name(), PASSWORD, Codes.totp(other.token(), 1));
            b.waitText("#login-error", "Login failed");
            ConsoleAdmin.logIn(b, appliance.base(), other.name(), NEW_PASSWORD, Codes.totp(other.token(), 1));
            b.waitText("#whoami", other.name());
        }
        assertTrue(api.audit(other.user()).stream().map(JsonValue::asJsonObject).anyMatch(e -> e.getString("action")
                .equals("ADMIN_PASSWORD") && e.getString("actor").equals("console:" + admin.name())), "audited under the admin's name");
        assertFalse(Files.readString(appliance.log()).contains(NEW_PASSWORD), "the password is not logged");
    }

    @Test
    void anAdminsOwnPasswordNeedsTheCurrentOneAndEndsTheirOtherSessionsOnly() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ConsoleAdmin.Held mine = ConsoleAdmin.Held.logIn(anonymous, admin, PASSWORD, 0);
        ConsoleAdmin.Held elsewhere = ConsoleAdmin.Held.logIn(anonymous, admin, PASSWORD, 1);

        Api.Reply missing = mine.setPassword(admin.name(), Json.createObjectBuilder().add("password", NEW_PASSWORD).build());
        assertEquals(400, missing.status(), missing.body());
        Api.Reply wrong = mine.setPassword(admin.name(), Json.createObjectBuilder().add("password", NEW_PASSWORD)
                .add("currentPassword", "not the password at all").build());
        assertEquals(403, wrong.status(), wrong.body());
        assertEquals("urn:otp-appliance:problem:wrong-password", wrong.problemType());
        assertEquals(200, elsewhere.status(), "a refused change ends nothing");

        Api.Reply done = mine.setPassword(admin.name(), Json.createObjectBuilder().add("password", NEW_PASSWORD)
                .add("currentPassword", PASSWORD).build());
        assertEquals(204, done.status(), done.body());
        assertEquals(200, mine.status(), "the session that made the change goes on");
        assertEquals(401, elsewhere.status(), "the admin's other sessions end");
    }

    @Test
    void theAdminApiSetsAPassword() throws Exception {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ConsoleAdmin.Held held = ConsoleAdmin.Held.logIn(anonymous, admin, PASSWORD, 0);
        assertEquals(400, put(admin.name(), "too short").status(), "the rules of a new account's password");
        assertEquals(200, held.status(), "a refused change ends nothing");
        assertEquals(404, put("no-such-admin-" + admin.name(), NEW_PASSWORD).status());
        assertEquals(401, anonymous.send(anonymous.request("/api/v1/admins/" + admin.name() + "/password")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                        Json.createObjectBuilder().add("password", NEW_PASSWORD).build().toString()))).status());

        Api.Reply r = put(admin.name(), NEW_PASSWORD);
        assertEquals(204, r.status(), r.body());
        assertEquals(401, held.status(), "the admin's sessions end");
        assertEquals(200, ConsoleAdmin.sendLogin(anonymous, admin, NEW_PASSWORD, Codes.totp(admin.token(), 1)).statusCode());
    }

    @Test
    void theLongestAdminNameFitsTheAuditLineOfAPasswordChange() {
        String user = api.newUser("long-admin-owner");
        String name = "a".repeat(128);
        assertEquals(201, api.post("/api/v1/admins", Json.createObjectBuilder().add("username", name).add("password", PASSWORD)
                .add("user", user).build()).status());
        Api.Reply r = put(name, NEW_PASSWORD);
        assertEquals(204, r.status(), r.body());
        assertEquals(204, api.delete("/api/v1/admins/" + name).status());
    }

    static Api.Reply put(String admin, String password) {
        return api.send(api.request("/api/v1/admins/" + admin + "/password").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder().add("password", password).build().toString())));
    }
}
