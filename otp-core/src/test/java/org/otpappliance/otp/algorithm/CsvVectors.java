package org.otpappliance.otp.algorithm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a test-vector CSV from the classpath: '#' lines are comments, the first other line is the header. */
final class CsvVectors {
    private CsvVectors() {
    }

    static List<String[]> read(String resource, String... expectedHeader) {
        InputStream in = CsvVectors.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("test resource not on the classpath: " + resource);
        }
        List<String[]> rows = new ArrayList<>();
        String[] header = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] fields = Arrays.stream(trimmed.split(",", -1)).map(String::strip).toArray(String[]::new);
                if (header == null) {
                    header = fields;
                    if (!Arrays.equals(header, expectedHeader)) {
                        throw new IllegalStateException(resource + ": header " + Arrays.toString(header)
                                + ", expected " + Arrays.toString(expectedHeader));
                    }
                } else if (fields.length != header.length) {
                    throw new IllegalStateException(resource + ": " + fields.length + " fields in \"" + line + "\"");
                } else {
                    rows.add(fields);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }
}
