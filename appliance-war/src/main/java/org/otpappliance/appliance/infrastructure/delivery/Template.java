package org.otpappliance.appliance.infrastructure.delivery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An operator-written text with {@code {name}} placeholders, such as an SMS gateway's request body
 * or a message text. Parsed when the configuration is read, so an unknown placeholder stops the
 * start instead of failing the first login. Only a brace around a name (a letter, then letters,
 * digits or '_') is a placeholder: the other braces of a JSON body stay as they are.
 */
public final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");

    /** How a value is written into the text, so that it cannot break out of its place. */
    public enum Escape {
        /** As it is: for a message text or a text/plain body. */
        RAW,
        /** application/x-www-form-urlencoded (space as '+'): for a form body. */
        FORM,
        /** Percent-encoded, space as "%20": for a value in a URL's path or query. */
        URL,
        /** The inside of a JSON string: quotes, backslashes and control characters escaped. */
        JSON;

        public String apply(String value) {
            return switch (this) {
                case RAW -> value;
                case FORM -> URLEncoder.encode(value, StandardCharsets.UTF_8);
                case URL -> URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
                case JSON -> json(value);
            };
        }
    }

    private final String text;
    private final List<String> literals = new ArrayList<>();
    private final List<String> slots = new ArrayList<>();

    /**
     * @param allowed the placeholder names the caller will supply
     * @throws IllegalArgumentException naming the first placeholder that is not allowed
     */
    public Template(String text, Set<String> allowed) {
        if (text == null) {
            throw new IllegalArgumentException("a template is required");
        }
        this.text = text;
        Matcher m = PLACEHOLDER.matcher(text);
        int end = 0;
        while (m.find()) {
            if (!allowed.contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {" + m.group(1) + "}; allowed: "
                        + String.join(", ", allowed.stream().sorted().map(n -> "{" + n + "}").toList()));
            }
            literals.add(text.substring(end, m.start()));
            slots.add(m.group(1));
            end = m.end();
        }
        literals.add(text.substring(end));
    }

    /** The placeholder names the text uses, in order of first use. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(slots));
    }

    public boolean uses(String name) {
        return slots.contains(name);
    }

    /**
     * The text with each placeholder replaced by its value, escaped.
     *
     * @throws IllegalArgumentException if a used placeholder has no value (a programming error)
     */
    public String render(Map<String, String> values, Escape escape) {
        StringBuilder out = new StringBuilder(text.length() + 64);
        for (int i = 0; i < slots.size(); i++) {
            String value = values.get(slots.get(i));
            if (value == null) {
                throw new IllegalArgumentException("no value for placeholder {" + slots.get(i) + "}");
            }
            out.append(literals.get(i)).append(escape.apply(value));
        }
        return out.append(literals.get(slots.size())).toString();
    }

    @Override
    public String toString() {
        return text;
    }

    private static String json(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // Control characters must be escaped (RFC 8259); U+2028/9 too, for JavaScript readers.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
