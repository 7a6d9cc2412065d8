package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Token PINs: PIN and code in one field, the PIN alone as the first of two steps, and PIN administration. */
@ExtendWith(SharedAppliance.class)
class PinIT {
    static Api api;

    @BeforeAll
    static void connect(Appliance appliance) throws Exception {
        api = appliance.api();
    }

    static JsonObject enrollHotp(String user, String pin) {
        var b = Json.createObjectBuilder().add("user", user).add("type", "hotp");
        if (pin != null) {
            b.add("pin", pin);
        }
        return api.enroll(b.build());
    }

    static String lastReason(String user) {
        JsonObject line = api.audit(user).getJsonObject(0);
        return line.containsKey("reason") && !line.isNull("reason") ? line.getString("reason") : line.getString("result");
    }

    static Api.Reply putPin(String serial, String body) {
        return api.send(api.request("/api/v1/tokens/" + serial + "/pin").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void thePinThenTheCodeInOneFieldIsAcceptedAndNeitherAloneNorWithAWrongPin() {
        String user = api.newUser("pin");
        JsonObject t = enrollHotp(user, "4711");
        assertTrue(api.get("/api/v1/tokens/" + t.getString("serial")).json().getBoolean("pinSet"));

        assertEquals("REJECT", api.validate(user, Codes.hotp(t, 0)), "the code without the PIN");
        assertEquals("WRONG_PIN", lastReason(user));
        assertEquals("REJECT", api.validate(user, "4712" + Codes.hotp(t, 0)), "a wrong PIN");
        assertEquals("WRONG_PIN", lastReason(user));
        assertEquals(2, api.get("/api/v1/tokens/" + t.getString("serial")).json().getInt("failCount"),
                "a wrong PIN is a failure like a wrong code");
        assertEquals("ACCEPT", api.validate(user, "4711" + Codes.hotp(t, 0)));
        assertEquals("REJECT", api.validate(user, "4711" + Codes.hotp(t, 0)), "once");
        assertEquals("REPLAYED", lastReason(user));
    }

    @Test
    void thePinAloneAsksForTheCodeWhichCompletesTheLoginOnce() {
        String user = api.newUser("pin-first");
        JsonObject t = enrollHotp(user, "secret-pin");
        Api.Reply challenge = api.validateReply(user, "secret-pin");
        assertEquals("CHALLENGE", challenge.json().getString("result"), challenge.body());
        assertEquals("enter the code from your token", challenge.json().getString("message"));
        String tx = challenge.json().getString("transactionId");

        JsonObject wrong = api.post("/api/v1/validate", Json.createObjectBuilder().add("user", user).add("code", "000000")
                .add("transactionId", tx).build()).json();
        assertEquals("REJECT", wrong.getString("result"));
        JsonObject answer = Json.createObjectBuilder().add("user", user).add("code", Codes.hotp(t, 0)).add("transactionId", tx).build();
        assertEquals("ACCEPT", api.post("/api/v1/validate", answer).json().getString("result"));
        assertEquals("REJECT", api.post("/api/v1/validate", answer).json().getString("result"), "the transaction is spent");
        assertEquals("REJECT", api.validate(user, "secret-pin" + Codes.hotp(t, 0)), "and so is the code");
        assertEquals("ACCEPT", api.validate(user, "secret-pin" + Codes.hotp(t, 1)));
    }

    @Test
    void aPinIsSetChangedAndRemovedByAdminsAndItsFormIsChecked() {
        String user = api.newUser("pin-admin");
        JsonObject t = enrollHotp(user, null);
        String serial = t.getString("serial");
        assertEquals(400, putPin(serial, "{\"pin\":\"12\"}").status(), "too short");
        assertEquals("urn:otp-appliance:problem:invalid-pin", putPin(serial, "{\"pin\":\"with space\"}").problemType());
        assertEquals(400, putPin(serial, "{}").status(), "pin is required, null removes it");
        assertEquals(404, putPin("HOTP00000000", "{\"pin\":\"1234\"}").status());

        assertTrue(putPin(serial, "{\"pin\":\"2468\"}").json().getBoolean("pinSet"));
        assertEquals("REJECT", api.validate(user, Codes.hotp(t, 0)));
        assertEquals("ACCEPT", api.validate(user, "2468" + Codes.hotp(t, 0)));
        assertFalse(putPin(serial, "{\"pin\":null}").json().getBoolean("pinSet"));
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(t, 1)), "no PIN: the code alone");
        assertTrue(api.audit(user).stream().map(JsonObject.class::cast).anyMatch(l -> l.getString("action").equals("TOKEN_PIN_SET")));
        assertFalse(api.audit(user).toString().contains("2468"), "the PIN is never in the audit log");
    }

    @Test
    void aPinOnlyGuardsItsOwnToken() {
        String user = api.newUser("pin-two");
        JsonObject withPin = enrollHotp(user, "9999");
        JsonObject withoutPin = enrollHotp(user, null);
        assertEquals("ACCEPT", api.validate(user, Codes.hotp(withoutPin, 0)), "the token without a PIN takes its code alone");
        assertEquals("ACCEPT", api.validate(user, "9999" + Codes.hotp(withPin, 0)));
        assertEquals(0, api.get("/api/v1/tokens/" + withPin.getString("serial")).json().getInt("failCount"),
                "the other token's code is no guess at this one's PIN");
    }
}
