package org.otpappliance.appliance.infrastructure.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.infrastructure.delivery.Template.Escape;

class TemplateTest {
    static final Set<String> NAMES = Set.of("code", "validity");

    @Test
    void placeholdersAreReplacedEveryTimeTheyAppearAndTheRestIsKept() {
        Template t = new Template("Your code is {code}. It is valid for {validity}. Again: {code}", NAMES);
        assertEquals("Your code is 123456. It is valid for 2 minutes. Again: 123456",
                t.render(Map.of("code", "123456", "validity", "2 minutes"), Escape.RAW));
        assertEquals(Set.of("code", "validity"), t.names());
        assertTrue(t.uses("validity"));
    }

    @Test
    void theBracesOfAJsonBodyAreTextNotPlaceholders() {
        Template t = new Template("{\"text\":\"{code}\",\"opts\":{\"flash\":false},\"empty\":{},\"n\":{ code }}", NAMES);
        assertEquals("{\"text\":\"42\",\"opts\":{\"flash\":false},\"empty\":{},\"n\":{ code }}",
                t.render(Map.of("code", "42"), Escape.JSON));
        assertEquals(Set.of("code"), t.names());
    }

    @Test
    void anUnknownPlaceholderFailsAtConstructionAndIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Template("Code: {cdoe}", NAMES));
        assertTrue(e.getMessage().contains("{cdoe}"), e.getMessage());
        assertTrue(e.getMessage().contains("{code}, {validity}"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Template(null, NAMES));
    }

    @Test
    void aMissingValueIsAnError() {
        Template t = new Template("{code} {validity}", NAMES);
        assertThrows(IllegalArgumentException.class, () -> t.render(Map.of("code", "1"), Escape.RAW));
    }

    @Test
    void aValueIsInsertedOnceAndNeverExpandedAgain() {
        Template t = new Template("{code}/{validity}", NAMES);
        assertEquals("{validity}/x", t.render(Map.of("code", "{validity}", "validity", "x"), Escape.RAW));
    }

    @Test
    void aTemplateWithoutPlaceholdersIsItsText() {
        assertEquals("", new Template("", NAMES).render(Map.of(), Escape.JSON));
        assertEquals("plain }{ text", new Template("plain }{ text", NAMES).render(Map.of(), Escape.FORM));
        assertFalse(new Template("plain", NAMES).uses("code"));
    }

    @Test
    void formEncodingIsTheOneOfHtmlForms() {
        assertEquals("%2B41+79+123%3D%26%3F%C3%A9", Escape.FORM.apply("+41 79 123=&?é"));
    }

    @Test
    void urlEncodingWritesSpacesAsPercentTwenty() {
        assertEquals("Code%3A%20123%20456%2B%2F%C3%A9", Escape.URL.apply("Code: 123 456+/é"));
    }

    @Test
    void jsonEscapingKeepsAValueInsideItsString() {
        assertEquals("say \\\"hi\\\" \\\\ now\\n\\r\\t\\b\\f\\u0000\\u001f\\u2028 é / {x}",
                Escape.JSON.apply("say \"hi\" \\ now\n\r\t\b\f\u0000\u001f\u2028 é / {x}"));
    }

    @Test
    void rawIsUnchanged() {
        assertEquals("a \"b\" & c\n", Escape.RAW.apply("a \"b\" & c\n"));
    }
}
