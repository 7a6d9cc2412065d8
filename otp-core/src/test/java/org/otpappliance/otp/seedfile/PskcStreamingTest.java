package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 10,000-key encrypted PSKC file is parsed KeyPackage by KeyPackage, in bounded memory. No assertion on time. */
class PskcStreamingTest {
    static final int KEYS = 10_000;

    @TempDir
    Path dir;

    @Test
    void eachKeyIsDeliveredBeforeMuchMoreOfTheFileIsRead() throws SeedFileException {
        byte[] psk = PskcWriter.random(16);
        GeneratedPskc in = new GeneratedPskc(psk, KEYS);
        int[] maxLead = {0};
        int[] accepted = {0};
        Pskc.withPreSharedKey(psk).parse(in, SeedSink.of(r -> {
            int index = accepted[0]++;
            // produced() - index: how many KeyPackages the parser has pulled beyond the one it just delivered.
            maxLead[0] = Math.max(maxLead[0], in.produced() - index);
            if (index % 997 == 0) {
                assertEquals(GeneratedPskc.record(index), r);
            }
        }, p -> {
            throw new AssertionError(p.toString());
        }));
        assertEquals(KEYS, accepted[0]);
        // A KeyPackage is about 1 kB and StAX reads ahead a few kB: a parser that built a tree would lead by all 10,000.
        assertTrue(maxLead[0] <= 16, "the parser ran " + maxLead[0] + " KeyPackages ahead");
    }

    @Test
    void aTenThousandKeyFileParsesInAHeapSmallerThanTheFile() throws IOException, InterruptedException, URISyntaxException {
        byte[] psk = PskcWriter.random(16);
        PskcWriter writer = PskcWriter.preSharedKey(psk, true);
        Path file = dir.resolve("tokens.pskc");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(writer.header());
            for (int i = 0; i < KEYS; i++) {
                w.write(writer.keyPackage(GeneratedPskc.record(i)));
            }
            w.write(writer.footer());
        }
        long size = Files.size(file);
        int heapMb = 8;
        assertTrue(size > heapMb * 1024L * 1024L, "the file (" + size + " bytes) is larger than the child's heap");

        String classes = Path.of(Pskc.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String testClasses = Path.of(BoundedHeapParse.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(javaBin, "-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-cp",
                classes + java.io.File.pathSeparator + testClasses, BoundedHeapParse.class.getName(),
                file.toString(), HexFormat.of().formatHex(psk)))
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "the child finished");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.startsWith("accepted=" + KEYS + " rejected=0 "), output);
    }
}
