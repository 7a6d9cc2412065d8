package org.otpappliance.otp.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

@Label("Destination: E.164 numbers and e-mail addresses")
class DestinationTest {
    static final String PHONE_MESSAGE = "a phone number must be in international E.164 form: '+', the country code and the number,"
            + " 8 to 15 digits in all (e.g. +41791234567)";
    static final String EMAIL_MESSAGE = "an e-mail address must look like name@example.com: at most 254 characters, no spaces or"
            + " quotes, a domain name with a dot";

    @Provide
    static Arbitrary<String> e164() {
        return Combinators.combine(Arbitraries.chars().range('1', '9'), Arbitraries.strings().numeric().ofMinLength(7).ofMaxLength(14))
                .as((first, rest) -> "+" + first + rest);
    }

    @Provide
    static Arbitrary<String> addresses() {
        Arbitrary<String> atom = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').numeric()
                .withChars("!#$%&'*+/=?^_`{|}~-").ofMinLength(1).ofMaxLength(10);
        Arbitrary<String> local = atom.list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join(".", parts))
                .filter(l -> l.length() <= 64);
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').numeric()
                .ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> domain = label.list().ofMinSize(2).ofMaxSize(4).map(parts -> String.join(".", parts));
        return Combinators.combine(local, domain).as((l, d) -> l + "@" + d);
    }

    @Provide
    static Arbitrary<List<String>> separators() {
        return Arbitraries.of("", "", "", " ", "-", ".", "(", ")", " (", ") ").list().ofSize(16);
    }

    @Property
    @Label("any E.164 number comes back unchanged, also with spaces, hyphens, dots and parentheses in it")
    void e164RoundTrips(@ForAll("e164") String number, @ForAll("separators") List<String> separators) {
        assertEquals(number, Destination.phone(number));
        StringBuilder written = new StringBuilder(separators.get(15));
        for (int i = 0; i < number.length(); i++) {
            written.append(number.charAt(i)).append(separators.get(i));
        }
        assertEquals(number, Destination.phone(written.toString()));
    }

    @Property
    @Label("a character other than digits, '+' and the separators is refused wherever it stands")
    void foreignCharactersAreRefused(@ForAll("e164") String number, @ForAll @IntRange(min = 0, max = 16) int at,
                                     @ForAll char c) {
        if ((c >= '0' && c <= '9') || " -.()".indexOf(c) >= 0) {
            return;
        }
        int i = Math.min(at, number.length());
        String spoiled = number.substring(0, i) + c + number.substring(i);
        assertThrows(IllegalArgumentException.class, () -> Destination.phone(spoiled));
    }

    @Property
    @Label("the masked number keeps its length, '+', the first two and the last two digits")
    void maskedNumberShowsOnlyTheEnds(@ForAll("e164") String number) {
        String masked = Destination.maskPhone(number);
        assertEquals(number.length(), masked.length());
        assertEquals(number.substring(0, 3), masked.substring(0, 3));
        assertEquals(number.substring(number.length() - 2), masked.substring(masked.length() - 2));
        assertEquals("*".repeat(number.length() - 5), masked.substring(3, masked.length() - 2));
    }

    @Example
    void phoneExamples() {
        assertEquals("+41791234567", Destination.phone("+41 79 123 45 67"));
        assertEquals("+41791234567", Destination.phone("+41 (79) 123-45.67"));
        assertEquals("+12025550123", Destination.phone("+1 (202) 555-0123"));
        assertEquals("+41*******67", Destination.maskPhone("+41791234567"));
        assertEquals("+41*******67", Destination.maskPhone("+41 79 123 45 67"));
        assertEquals("+12345678", Destination.phone("+12345678"), "8 digits is the shortest");
        assertEquals("+123456789012345", Destination.phone("+123456789012345"), "15 digits is the longest");
    }

    @Example
    void phoneRefusals() {
        for (String bad : new String[] {
                null, "", "+", "+1234567", "+1234567890123456", "0041791234567", "41791234567", "+041791234567",
                "++41791234567", "+41+791234567", "+41 79 123 45 6a", "+4179123456\u0667", "+41\t791234567",
                "+41\n791234567", "+41/791234567", "+41_791234567", "tel:+41791234567", " ".repeat(400) + "+41791234567"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Destination.phone(bad), String.valueOf(bad));
            assertEquals(PHONE_MESSAGE, e.getMessage(), "one message for every refusal: it never echoes the input");
        }
        assertThrows(IllegalArgumentException.class, () -> Destination.maskPhone("12345"));
    }

    @Property
    @Label("any dot-atom address is accepted, its domain lower-cased and its local part kept as it is")
    void addressesRoundTrip(@ForAll("addresses") String address) {
        int at = address.indexOf('@');
        String expected = address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
        assertEquals(expected, Destination.email(address));
        assertEquals(expected, Destination.email("  " + address + "\t"));
    }

    @Property
    @Label("a space, control character, quote, comma, bracket or second '@' anywhere inside is refused")
    void headerBreakingCharactersAreRefused(@ForAll("addresses") String address, @ForAll @IntRange(min = 1, max = 80) int at,
                                            @ForAll("breakers") char c) {
        int i = Math.min(at, address.length() - 1);
        String spoiled = address.substring(0, i) + c + address.substring(i);
        assertThrows(IllegalArgumentException.class, () -> Destination.email(spoiled));
    }

    @Provide
    static Arbitrary<Character> breakers() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\u0000', '\u0020'), Arbitraries.of('\u007f', '"', ',', '<', '>',
                '(', ')', '[', ']', ';', ':', '\\', '@', '\u00e9', '\u2028'));
    }

    @Property
    @Label("the masked address is the first character, '***', '@' and the domain")
    void maskedAddress(@ForAll("addresses") String address) {
        String checked = Destination.email(address);
        String masked = Destination.maskEmail(address);
        assertEquals(checked.charAt(0) + "***" + checked.substring(checked.indexOf('@')), masked);
    }

    @Example
    void emailExamples() {
        assertEquals("alice@example.com", Destination.email(" alice@example.com "));
        assertEquals("Alice.O'Neil+otp@mail.example.com", Destination.email("Alice.O'Neil+otp@Mail.EXAMPLE.com"));
        assertEquals("a***@example.com", Destination.maskEmail("alice@example.com"));
        assertEquals("b***@example.ch", Destination.maskEmail("b@EXAMPLE.CH"));
        assertEquals("x@a-b.c0", Destination.email("x@a-b.c0"));
        String local64 = "l".repeat(64);
        assertEquals(local64 + "@example.com", Destination.email(local64 + "@example.com"));
        String label63 = "d".repeat(63);
        assertEquals("a@" + label63 + ".com", Destination.email("a@" + label63 + ".com"));
        String longest = "a@" + String.join(".", List.of(label63, label63, label63, "d".repeat(60)));
        assertEquals(254, longest.length());
        assertEquals(longest, Destination.email(longest));
    }

    @Example
    void emailRefusals() {
        String label63 = "d".repeat(63);
        for (String bad : new String[] {
                null, "", "@", "alice", "alice@", "@example.com", "alice@example", "alice@@example.com", "a@b@example.com",
                ".alice@example.com", "alice.@example.com", "al..ice@example.com", "alice@.example.com", "alice@example.com.",
                "alice@example..com", "alice@-example.com", "alice@example-.com", "alice@exa_mple.com", "alice@[192.0.2.1]",
                "\"alice\"@example.com", "al ice@example.com", "alice@exam ple.com", "alice@example.com\r\nBcc: x@evil.com",
                "alice\n@example.com", "al\u0000ice@example.com", "al\u00efce@example.com", "alice@b\u00fccher.de",
                "l".repeat(65) + "@example.com", "a@" + "d".repeat(64) + ".com",
                "a@" + String.join(".", List.of(label63, label63, label63, "d".repeat(61)))}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Destination.email(bad), String.valueOf(bad));
            assertEquals(EMAIL_MESSAGE, e.getMessage(), "one message for every refusal: it never echoes the input");
        }
        assertThrows(IllegalArgumentException.class, () -> Destination.maskEmail("alice"));
    }
}
