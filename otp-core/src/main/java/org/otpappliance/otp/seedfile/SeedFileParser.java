package org.otpappliance.otp.seedfile;

import java.io.InputStream;

/**
 * Reads one seed file format, streaming: items go to the sink as they are read, so a file of any size is parsed
 * in bounded memory. The implementations are {@link Pskc}, {@link OathCsv} and {@link YubikeyCsv}; they are
 * immutable and may parse several files at once.
 */
public interface SeedFileParser {
    /**
     * Parses {@code in} to its end and delivers every item to {@code sink}. A bad item is rejected with its
     * position and reason and the parse goes on. The stream is not closed.
     *
     * @throws SeedFileException when the file as a whole cannot be read (not XML, no KeyContainer, an unsupported
     *     PSKC version, a DTD, a key or password missing, an I/O error). Items before the failure may already have
     *     been delivered, for example when a file is truncated: a caller that wants all or nothing collects first.
     */
    void parse(InputStream in, SeedSink sink) throws SeedFileException;
}
