package org.otpappliance.appliance.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The media types the validation servlet takes and answers, as JAX-RS decided them for the resource it replaced. */
class ValidateServletTest {
    @Test
    void theBodyMustBeJsonOrUntyped() {
        for (String ok : new String[] {null, "application/json", "Application/JSON; charset=UTF-8", "application/*", "*/*"}) {
            assertTrue(ValidateServlet.json(ok), ok);
        }
        for (String refused : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "text/json"}) {
            assertFalse(ValidateServlet.json(refused), refused);
        }
    }

    @Test
    void theAnswerIsJsonUnlessTheClientExcludesIt() {
        for (String ok : new String[] {null, "", "application/json", "text/plain, application/json;q=0.5", "*/*", "application/*"}) {
            assertTrue(ValidateServlet.acceptsJson(ok), ok);
        }
        for (String refused : new String[] {"text/plain", "text/html, text/plain;q=0.9", "application/json;q=0", "*/*; q=0.0"}) {
            assertFalse(ValidateServlet.acceptsJson(refused), refused);
        }
    }
}
