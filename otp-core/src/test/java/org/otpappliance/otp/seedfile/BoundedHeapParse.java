package org.otpappliance.otp.seedfile;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Run in a child JVM with a small heap by {@link PskcStreamingTest}: parses a PSKC file (argument 1) with a pre-shared
 * key (argument 2, hex), keeping only counts, and prints them with the heap limit.
 */
public final class BoundedHeapParse {
    private BoundedHeapParse() {
    }

    public static void main(String[] args) throws Exception {
        long[] counts = new long[2];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(args[0])))) {
            Pskc.withPreSharedKey(HexFormat.of().parseHex(args[1]))
                    .parse(in, SeedSink.of(r -> counts[0]++, p -> counts[1]++));
        }
        System.out.println("accepted=" + counts[0] + " rejected=" + counts[1] + " maxHeap=" + Runtime.getRuntime().maxMemory());
    }
}
