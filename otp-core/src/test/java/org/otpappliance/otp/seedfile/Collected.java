package org.otpappliance.otp.seedfile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A sink that keeps everything, for the tests. */
final class Collected implements SeedSink {
    final List<SeedRecord> records = new ArrayList<>();
    final List<ItemProblem> problems = new ArrayList<>();

    @Override
    public void accept(SeedRecord record) {
        records.add(record);
    }

    @Override
    public void reject(ItemProblem problem) {
        problems.add(problem);
    }

    static Collected parse(SeedFileParser parser, String text) throws SeedFileException {
        return parse(parser, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static Collected parse(SeedFileParser parser, InputStream in) throws SeedFileException {
        Collected c = new Collected();
        parser.parse(in, c);
        return c;
    }

    static Collected resource(SeedFileParser parser, String name) throws SeedFileException {
        try (InputStream in = Collected.class.getResourceAsStream("/seedfile/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + name);
            }
            return parse(parser, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String resourceText(String name) {
        try (InputStream in = Collected.class.getResourceAsStream("/seedfile/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SeedRecord only() {
        if (records.size() != 1 || !problems.isEmpty()) {
            throw new AssertionError("expected one record and no problems, got " + this);
        }
        return records.get(0);
    }

    List<String> reasons() {
        return problems.stream().map(ItemProblem::reason).collect(Collectors.toList());
    }

    @Override
    public String toString() {
        return "records " + records + ", problems " + problems;
    }
}
