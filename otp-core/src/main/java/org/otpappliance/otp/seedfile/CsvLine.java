package org.otpappliance.otp.seedfile;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of comma-separated values, RFC 4180 style: a field may be in double quotes, with {@code ""} for a
 * quote inside; fields are stripped of surrounding blanks. A line break inside quotes is not supported (neither
 * format needs one).
 */
final class CsvLine {
    private CsvLine() {
    }

    /** @throws Rejected for an unterminated quoted field or text after a closing quote */
    static List<String> split(String line) throws Rejected {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new Rejected("unterminated quoted field");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new Rejected("text after a closing quote");
                }
                fields.add(field.toString());
            } else {
                int start = i;
                while (i < n && line.charAt(i) != ',') {
                    i++;
                }
                fields.add(line.substring(start, i).strip());
            }
            field.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    /** The field at {@code index}, or null when the line is shorter or the field is empty. */
    static String field(List<String> fields, int index) {
        if (index >= fields.size()) {
            return null;
        }
        String f = fields.get(index);
        return f.isEmpty() ? null : f;
    }
}
