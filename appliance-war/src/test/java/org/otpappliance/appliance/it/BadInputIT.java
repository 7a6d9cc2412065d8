package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gets a clear problem+json error with a stable type, and changes nothing. */
@ExtendWith(SharedAppliance.class)
class BadInputIT {
    static Api api;
    static String user;

    @BeforeAll
    static void connect(Appliance appliance) throws Exception {
        api = appliance.api();
        user = api.newUser("bad-input");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "{\"user\":\"u\",\"type\":\"totp\"                                  | 400 | malformed-json",
        "[1,2,3]                                                            | 400 | malformed-json",
        "{\"user\":\"%s\",\"type\":\"totp\",\"colour\":\"red\"}             | 400 | unknown-field",
        "{\"user\":\"%s\",\"type\":\"totp\",\"digits\":\"six\"}             | 400 | invalid-field",
        "{\"user\":\"%s\",\"type\":\"totp\",\"digits\":6.5}                 | 400 | invalid-field",
        "{\"user\":\"%s\"}                                                  | 400 | missing-field",
        "{\"user\":\"%s\",\"type\":\"radius\"}                              | 400 | unsupported-token-type",
        "{\"user\":\"%s\",\"type\":\"sms\"}                                 | 400 | missing-field",
        "{\"user\":\"%s\",\"type\":\"sms\",\"phone\":\"0791234567\"}        | 400 | invalid-phone",
        "{\"user\":\"%s\",\"type\":\"sms\",\"phone\":\"+41 79 123 45 67\",\"digits\":6} | 400 | invalid-request",
        "{\"user\":\"%s\",\"type\":\"email\",\"email\":\"alice@\"}          | 400 | invalid-email",
        "{\"user\":\"%s\",\"type\":\"email\",\"phone\":\"+41791234567\"}    | 400 | invalid-request",
        "{\"user\":\"%s\",\"type\":\"totp\",\"secret\":\"not base32!\"}     | 400 | invalid-secret",
        "{\"user\":\"%s\",\"type\":\"totp\",\"secret\":\"GEZDGNBV\"}        | 400 | invalid-secret",
        "{\"user\":\"%s\",\"type\":\"totp\",\"digits\":9}                   | 400 | invalid-parameters",
        "{\"user\":\"%s\",\"type\":\"totp\",\"algorithm\":\"MD5\"}          | 400 | invalid-algorithm",
        "{\"user\":\"%s\",\"type\":\"hotp\",\"period\":30}                  | 400 | invalid-request",
        "{\"user\":\"%s\",\"type\":\"totp\",\"period\":0}                   | 400 | invalid-parameters",
        "{\"user\":\"%s\",\"type\":\"hotp\",\"counter\":-1}                 | 400 | invalid-parameters",
        "{\"user\":\"nobody-at-all\",\"type\":\"totp\"}                     | 404 | user-not-found",
    })
    void aBadEnrollmentIsRefusedAndEnrollsNothing(String body, int status, String type) {
        Api.Reply r = api.post("/api/v1/tokens", body.strip().replace("%s", user));
        assertEquals(status, r.status(), r.body());
        assertEquals("application/problem+json", r.contentType());
        assertEquals("urn:otp-appliance:problem:" + type, r.problemType());
        assertTrue(r.json().containsKey("detail"));
        assertEquals(0, api.get("/api/v1/tokens?user=" + user).jsonStructure().asJsonArray().size());
    }

    @Test
    void anOversizedBodyIsRefused() {
        String big = "{\"user\":\"" + "x".repeat(70_000) + "\",\"code\":\"123456\"}";
        Api.Reply r = api.post("/api/v1/validate", big);
        assertEquals(413, r.status());
        assertEquals("urn:otp-appliance:problem:payload-too-large", r.problemType());
    }

    @Test
    void aCodeThatIsNotAStringIsRefusedBeforeValidation() {
        Api.Reply r = api.post("/api/v1/validate", "{\"user\":\"" + user + "\",\"code\":123456}");
        assertEquals(400, r.status());
        assertEquals("urn:otp-appliance:problem:invalid-field", r.problemType());
    }

    @Test
    void unknownSerialsAreNotFound() {
        for (Api.Reply r : new Api.Reply[] {
            api.get("/api/v1/tokens/NOSUCH"), api.delete("/api/v1/tokens/NOSUCH"),
            api.post("/api/v1/tokens/NOSUCH/unlock", ""), api.post("/api/v1/tokens/NOSUCH/disable", ""),
            api.post("/api/v1/tokens/NOSUCH/resync", "{\"code1\":\"123456\",\"code2\":\"234567\"}")}) {
            assertEquals(404, r.status(), r.body());
            assertEquals("urn:otp-appliance:problem:token-not-found", r.problemType());
        }
    }

    @Test
    void aWrongMediaTypeIsRefused() {
        Api.Reply r = api.send(api.request("/api/v1/validate").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("user=a&code=1")));
        assertEquals(415, r.status());
        assertEquals("application/problem+json", r.contentType());
    }

    @Test
    void theValidationEndpointRefusesOtherMethodsAndAnswersOnlyJson() {
        Api.Reply get = api.get("/api/v1/validate");
        assertEquals(405, get.status(), get.body());
        assertEquals("urn:otp-appliance:problem:method-not-allowed", get.problemType());

        Api.Reply textOnly = api.send(api.request("/api/v1/validate").header("Content-Type", "application/json")
                .header("Accept", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"a\",\"code\":\"1\"}")));
        assertEquals(406, textOnly.status(), textOnly.body());
        assertEquals("urn:otp-appliance:problem:not-acceptable", textOnly.problemType());
    }

    @Test
    void requestsWithoutAValidKeyAreUnauthorised() {
        for (String key : new String[] {null, "otpa_not-a-key", ""}) {
            Api.Reply r = api.withKey(key).post("/api/v1/validate",
                    Json.createObjectBuilder().add("user", user).add("code", "123456").build());
            assertEquals(401, r.status());
            assertEquals("urn:otp-appliance:problem:unauthorized", r.problemType());
        }
    }

    @Test
    void aDuplicateUserIsAConflict() {
        Api.Reply r = api.post("/api/v1/users", Json.createObjectBuilder().add("username", user).build());
        assertEquals(409, r.status());
        assertEquals("urn:otp-appliance:problem:user-exists", r.problemType());
    }

    @Test
    void anOverlongDescriptionIsRefused() {
        Api.Reply r = api.post("/api/v1/tokens", Json.createObjectBuilder().add("user", user).add("type", "totp")
                .add("description", "d".repeat(256)).build());
        assertEquals(400, r.status());
        assertEquals(0, api.get("/api/v1/tokens?user=" + user).jsonStructure().asJsonArray().size());
    }

    @Test
    void pagingParametersThatAreNotNumbersAreRefused() {
        for (String query : new String[] {"limit=ten", "limit=0", "offset=-1", "limit=100000"}) {
            Api.Reply r = api.get("/api/v1/audit?" + query);
            assertEquals(400, r.status(), query);
            assertEquals("urn:otp-appliance:problem:invalid-parameter", r.problemType());
        }
    }

    @Test
    void aBadAuditTimeIsRefused() {
        Api.Reply r = api.get("/api/v1/audit?from=yesterday");
        assertEquals(400, r.status());
        assertEquals("urn:otp-appliance:problem:invalid-parameter", r.problemType());
    }
}
