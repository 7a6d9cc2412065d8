package org.otpappliance.otp.seedfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DTDs, entities and broken files: refused as a whole, nothing read from disk, no content in any message. */
class PskcSafetyTest {
    private static final String MARKER = "top-secret-marker-7f3a";

    @TempDir
    Path dir;

    private Path markerFile() throws IOException {
        Path f = dir.resolve("secret.txt");
        Files.writeString(f, MARKER);
        return f;
    }

    private static String keyPackageWith(String serial) {
        return "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage><DeviceInfo><SerialNo>"
                + serial + "</SerialNo></DeviceInfo><Key Id=\"1\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\">"
                + "<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>";
    }

    /** Parses, expecting refusal; records what the sink saw so the test can check nothing leaked there either. */
    private static SeedFileException refused(String xml) {
        List<String> seen = new ArrayList<>();
        SeedSink sink = SeedSink.of(r -> seen.add(r.toString() + r.userId() + r.serial()), p -> seen.add(p.toString()));
        SeedFileException e = assertThrows(SeedFileException.class,
                () -> Pskc.plain().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), sink));
        assertTrue(seen.isEmpty(), "nothing delivered: " + seen);
        return e;
    }

    private static void assertNoLeak(SeedFileException e, String content) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(content), t.getMessage());
        }
    }

    @Test
    void externalEntityInDtdIsRefusedWithoutReadingTheFile() throws IOException {
        String uri = markerFile().toUri().toString();
        SeedFileException e = refused("<?xml version=\"1.0\"?><!DOCTYPE KeyContainer [<!ENTITY e SYSTEM \"" + uri + "\">]>"
                + keyPackageWith("&e;"));
        assertNoLeak(e, MARKER);
        assertTrue(e.getMessage().startsWith("refused"), e.getMessage());
    }

    @Test
    void etcPasswdEntityIsRefused() {
        SeedFileException e = refused("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + keyPackageWith("&e;"));
        assertNoLeak(e, "root:");
    }

    @Test
    void externalDtdIsRefused() throws IOException {
        Path dtd = dir.resolve("evil.dtd");
        Files.writeString(dtd, "<!ENTITY e \"" + MARKER + "\">");
        SeedFileException e = refused("<!DOCTYPE KeyContainer SYSTEM \"" + dtd.toUri() + "\">" + keyPackageWith("&e;"));
        assertNoLeak(e, MARKER);
    }

    @Test
    void parameterEntityIsRefused() throws IOException {
        String uri = markerFile().toUri().toString();
        SeedFileException e = refused("<!DOCTYPE x [<!ENTITY % p SYSTEM \"" + uri + "\"> %p;]>" + keyPackageWith("1"));
        assertNoLeak(e, MARKER);
    }

    @Test
    void entityExpansionIsRefused() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE x [<!ENTITY a0 \"lol\">");
        for (int i = 1; i < 10; i++) {
            dtd.append("<!ENTITY a").append(i).append(" \"").append(("&a" + (i - 1) + ";").repeat(10)).append("\">");
        }
        refused(dtd.append("]>").append(keyPackageWith("&a9;")).toString());
    }

    @Test
    void undeclaredEntityWithoutDtdIsRefused() {
        refused(keyPackageWith("&e;"));
    }

    @Test
    void notXmlIsAFileFailure() {
        SeedFileException e = refused("serial,seed,type\n1,00,hotp\n");
        assertTrue(e.getMessage().startsWith("not a readable PSKC file: XML error at line 1"), e.getMessage());
        assertTrue(refused("").getMessage().startsWith("not a readable PSKC file"));
    }

    @Test
    void otherRootIsAFileFailure() {
        assertEquals("not a PSKC file: the root element is Tokens, not KeyContainer", refused("<Tokens><Token/></Tokens>").getMessage());
    }

    @Test
    void otherVersionIsAFileFailure() {
        SeedFileException e = refused("<KeyContainer Version=\"2.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>");
        assertEquals("unsupported PSKC version \"2.0\" (only 1.0, RFC 6030)", e.getMessage());
    }

    @Test
    void truncatedFileDeliversTheWholePackagesBeforeAndFails() {
        String full = Collected.resourceText("rfc6030-figure5.xml");
        String truncated = full.substring(0, full.lastIndexOf("<Data>"));
        Collected c = new Collected();
        SeedFileException e = assertThrows(SeedFileException.class,
                () -> Pskc.plain().parse(new ByteArrayInputStream(truncated.getBytes(StandardCharsets.UTF_8)), c));
        assertEquals(1, c.records.size(), "the first KeyPackage was complete");
        assertTrue(c.problems.isEmpty(), "the half KeyPackage is never delivered");
        assertTrue(e.getMessage().startsWith("not a readable PSKC file"), e.getMessage());
    }

    @Test
    void hugeElementIsRefusedNotBuffered() {
        String huge = "<KeyContainer Version=\"1.0\"><KeyPackage><Key Algorithm=\"" + Pskc.HOTP + "\"><Data><Secret><PlainValue>"
                + "A".repeat(XmlNode.MAX_PART_CHARS + 4) + "</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>";
        assertTrue(refused(huge).getMessage().contains("larger than"));
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "<KeyContainer><KeyPackage>" + "<a>".repeat(XmlNode.MAX_DEPTH + 1) + "</a>".repeat(XmlNode.MAX_DEPTH + 1)
                + "</KeyPackage></KeyContainer>";
        assertTrue(refused(deep).getMessage().contains("nested deeper"));
    }

    @Test
    void theCallersStreamIsNotClosed() throws SeedFileException {
        boolean[] closed = {false};
        InputStream in = new ByteArrayInputStream(Collected.resourceText("rfc6030-figure2.xml").getBytes(StandardCharsets.UTF_8)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        Collected.parse(Pskc.plain(), in);
        assertFalse(closed[0]);
    }
}
