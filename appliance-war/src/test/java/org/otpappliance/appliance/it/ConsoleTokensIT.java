package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console's work on a user's tokens, in a real browser: YubiKey, SMS and e-mail enrollment, a
 * token's PIN, resynchronisation, its recent validations, and deletions that ask first. What the
 * page does is checked over REST, as the token's user would meet it.
 */
@ExtendWith(SharedAppliance.class)
class ConsoleTokensIT {
    static Appliance appliance;
    static Api api;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
    }

    /** Logs a new admin in and opens a new user, made in the console; answers the user's name. */
    private static String logInAndCreateUser(Browser b, String prefix) {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        ConsoleAdmin.logIn(b, appliance.base(), admin.name(), ConsoleAdmin.PASSWORD, Codes.totp(admin.token(), 0));
        b.waitVisible("#dashboard-page");
        b.click("#nav a[href='#users']");
        b.waitVisible("#users-page");
        String user = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        b.type("new-username", user);
        b.click("#create-user-form button[type=submit]");
        b.waitText("#user-title", user);
        return user;
    }

    private static void chooseType(Browser b, String type) {
        new Select(b.find("#enroll-type")).selectByValue(type);
    }

    private static List<JsonObject> tokens(String user) {
        return api.get("/api/v1/tokens?user=" + user).jsonStructure().asJsonArray().stream().map(JsonValue::asJsonObject).toList();
    }

    @Test
    void anAdminEnrollsAYubiKeyAnSmsAndAnEmailTokenAndBadValuesAreRefusedClearly() {
        VirtualYubiKey key = VirtualYubiKey.random();
        HexFormat hex = HexFormat.of();
        try (Browser b = Browser.start("ConsoleTokensIT")) {
            String user = logInAndCreateUser(b, "yubi");

            // A wrong AES key length: the server's problem detail shows by the form, and nothing is enrolled.
            chooseType(b, "yubico");
            b.type("enroll-public-id", key.publicId());
            b.type("enroll-private-id", hex.formatHex(key.privateId()));
            b.type("enroll-aes-key", hex.formatHex(key.aesKey()).substring(2));
            b.click("#enroll-form button[type=submit]");
            b.waitText("#enroll-error", "aesKey must be 32 hex digits");
            b.screenshot("tokens-enroll-refused");
            assertTrue(tokens(user).isEmpty(), "a refused enrollment adds no token");

            b.type("enroll-aes-key", hex.formatHex(key.aesKey()));
            b.type("enroll-description", "YubiKey 5 NFC");
            b.click("#enroll-form button[type=submit]");
            String serial = "YK" + key.publicId();
            b.waitText("#tokens tbody", serial, "yubico", key.publicId(), "YubiKey 5 NFC");
            assertEquals("", b.find("#enroll-error").getText(), "the earlier error is gone");
            assertEquals("", b.find("#enroll-aes-key").getDomProperty("value"), "the AES key leaves the form");
            assertFalse(b.find("#enrolled").isDisplayed(), "a YubiKey has no seed to show");
            assertEquals("yubico", new Select(b.find("#enroll-type")).getFirstSelectedOption().getAttribute("value"));
            b.screenshot("tokens-yubikey-enrolled");
            assertEquals("ACCEPT", api.validate(user, key.otp(1, 0)), "the enrolled key's OTP is accepted over REST");

            // SMS: a number that is not E.164 is refused, a good one is listed with its destination.
            chooseType(b, "sms");
            assertFalse(b.find("#enroll-public-id").isDisplayed(), "the YubiKey fields are for YubiKeys only");
            b.type("enroll-phone", "0791234567");
            b.click("#enroll-form button[type=submit]");
            b.waitText("#enroll-error", "Invalid request", "E.164");
            b.type("enroll-phone", "+41791234567");
            b.click("#enroll-form button[type=submit]");
            b.waitText("#tokens tbody", "sms", "+41791234567");

            chooseType(b, "email");
            String address = user + "@example.com";
            b.type("enroll-email", address);
            b.click("#enroll-form button[type=submit]");
            b.waitText("#tokens tbody", "email", address);
            b.screenshot("tokens-sms-email-enrolled");

            List<JsonObject> listed = tokens(user);
            assertEquals(List.of("yubico", "sms", "email"), listed.stream().map(t -> t.getString("type")).toList());
            assertEquals("+41791234567", listed.get(1).getString("destination"));
            assertEquals(address, listed.get(2).getString("destination"));
            assertTrue(api.audit(user).stream().map(JsonValue::asJsonObject).filter(e -> e.getString("action").equals("TOKEN_ENROLL"))
                    .allMatch(e -> e.getString("actor").startsWith("console:")), "enrollments are audited under the admin");

            // On a phone-sized screen the form still fits: nothing is wider than the window.
            b.driver.manage().window().setSize(new Dimension(400, 1000));
            long overflow = (Long) b.driver.executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertEquals(0, overflow, "no sideways scrolling of the page on a narrow screen");
            b.screenshot("tokens-narrow");
        }
    }

    @Test
    void anAdminSetsAndRemovesAPinResynchronisesSeesValidationsAndDeletesAfterConfirming() {
        try (Browser b = Browser.start("ConsoleTokensIT")) {
            String user = logInAndCreateUser(b, "hotp");
            chooseType(b, "hotp");
            b.click("#enroll-form button[type=submit]");
            String uri = ConsoleAdmin.shownUri(b, "hotp");
            String serial = b.find("#enrolled-serial").getText();
            b.clickButton("Done: hide the seed");
            JsonObject hotp = Json.createObjectBuilder().add("otpauthUri", uri).add("digits", 6).add("algorithm", "SHA1").build();

            // With the keyboard alone: Enter on the token's button, the PIN typed and sent with Enter.
            b.button("Manage " + serial).sendKeys(Keys.ENTER);
            b.waitText("#token-title", serial, "PIN not set");
            b.until(d -> "token-title".equals(d.switchTo().activeElement().getAttribute("id")) ? Boolean.TRUE : null);
            b.waitText("#token-validations tbody", "No validation yet.");
            assertFalse(b.find("#pin-remove").isDisplayed(), "no PIN to remove yet");

            b.type("pin-value", "12 34");
            b.find("#pin-value").sendKeys(Keys.ENTER);
            b.waitText("#token-error", "without spaces");
            assertFalse(api.get("/api/v1/tokens/" + serial).json().getBoolean("pinSet"), "a refused PIN is not set");

            b.type("pin-value", "4711");
            b.find("#pin-value").sendKeys(Keys.ENTER);
            b.waitText("#token-title", "PIN set");
            assertEquals("", b.find("#token-error").getText());
            assertEquals("", b.find("#pin-value").getDomProperty("value"), "the PIN leaves the form");
            b.waitText("#tokens tbody", "set");
            b.screenshot("tokens-pin-set");
            assertEquals("REJECT", api.validate(user, Codes.hotp(hotp, 0)), "with a PIN, the code alone is not enough");
            assertEquals("ACCEPT", api.validate(user, "4711" + Codes.hotp(hotp, 0)));

            b.clickButton("Remove the PIN");
            b.waitText("#token-title", "PIN not set");
            assertFalse(api.get("/api/v1/tokens/" + serial).json().getBoolean("pinSet"));
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(hotp, 1)), "without the PIN the code alone is accepted again");

            // Resynchronisation: codes that do not follow each other are refused; two that do, far ahead, move the counter.
            assertEquals("REJECT", api.validate(user, Codes.hotp(hotp, 52)), "far beyond the look-ahead window");
            b.type("resync-code1", Codes.hotp(hotp, 50));
            b.type("resync-code2", Codes.hotp(hotp, 52));
            b.click("#resync-form button[type=submit]");
            b.waitText("#token-error", "Conflict", "not found as consecutive codes");
            b.screenshot("tokens-resync-refused");
            b.type("resync-code1", Codes.hotp(hotp, 50));
            b.type("resync-code2", Codes.hotp(hotp, 51));
            b.click("#resync-form button[type=submit]");
            b.waitText("#status", serial + ": resynchronised");
            assertEquals("", b.find("#token-error").getText());
            assertEquals("REJECT", api.validate(user, Codes.hotp(hotp, 51)), "codes up to the resync are spent");
            assertEquals("ACCEPT", api.validate(user, Codes.hotp(hotp, 52)), "the code after the resync is accepted");

            // The token's recent validations, newest first, as the audit log has them.
            b.clickButton("Manage " + serial);
            String validations = b.waitText("#token-validations tbody", "ACCEPT", "REJECT", "REST", "WRONG_PIN");
            List<String> results = b.driver.findElements(By.cssSelector("#token-validations tbody tr td:nth-child(2)")).stream()
                    .map(WebElement::getText).toList();
            assertEquals(List.of("ACCEPT", "REJECT", "REJECT", "ACCEPT", "ACCEPT", "REJECT"), results, validations);
            b.screenshot("tokens-validations");

            // Deleting asks first, in the page; Cancel keeps the token.
            b.clickButton("Delete this token");
            b.waitText("#delete-token-confirm", "Delete token " + serial + " of " + user + "?");
            b.screenshot("tokens-delete-confirm");
            assertEquals(200, api.get("/api/v1/tokens/" + serial).status(), "asking deletes nothing");
            b.clickButton("Cancel");
            assertFalse(b.find("#delete-token-confirm").isDisplayed());
            assertEquals("delete-token", b.driver.switchTo().activeElement().getAttribute("id"), "Cancel gives the focus back");
            assertEquals(200, api.get("/api/v1/tokens/" + serial).status(), "cancelled");
            b.clickButton("Delete this token");
            b.clickButton("Yes, delete token " + serial);
            b.waitText("#tokens tbody", "No token yet.");
            assertFalse(b.find("#token-detail").isDisplayed(), "the deleted token's view closes");
            assertEquals(404, api.get("/api/v1/tokens/" + serial).status());
            assertEquals("REJECT", api.validate(user, Codes.hotp(hotp, 53)), "a deleted token accepts no code");

            b.clickButton("Delete this user");
            b.waitText("#delete-user-confirm", "Delete user " + user);
            assertEquals(200, api.get("/api/v1/users/" + user).status(), "asking deletes nothing");
            b.clickButton("Yes, delete user " + user);
            b.waitText("#status", "Deleted user " + user);
            assertEquals(404, api.get("/api/v1/users/" + user).status());
        }
    }
}
