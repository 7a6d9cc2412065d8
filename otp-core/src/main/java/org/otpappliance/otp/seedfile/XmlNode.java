package org.otpappliance.otp.seedfile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A small element tree of one PSKC part ({@code KeyPackage}, {@code EncryptionKey}, {@code MACMethod}), read from
 * a StAX stream so that the file as a whole is never held. Elements and attributes are named by local name only:
 * vendors use the PSKC elements under several prefixes and namespaces (and draft-era files under none), and
 * nothing in a seed file depends on telling them apart. A part is limited in size and depth.
 */
final class XmlNode {
    /** Far above any real KeyPackage (a few kilobytes), far below memory trouble. */
    static final int MAX_PART_CHARS = 1 << 20;
    static final int MAX_DEPTH = 32;

    final String name;
    private final Map<String, String> attributes;
    private final List<XmlNode> children = new ArrayList<>(4);
    private final StringBuilder text = new StringBuilder();

    private XmlNode(String name, Map<String, String> attributes) {
        this.name = name;
        this.attributes = attributes;
    }

    /** Thrown when a part breaks a limit or holds something a seed file must not (a DTD, an entity reference). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads the element the reader is on (a START_ELEMENT) to its end; the reader is left on its END_ELEMENT. */
    static XmlNode read(XMLStreamReader r) throws XMLStreamException, Refused {
        int[] budget = {MAX_PART_CHARS};
        return read(r, 1, budget);
    }

    private static XmlNode read(XMLStreamReader r, int depth, int[] budget) throws XMLStreamException, Refused {
        if (depth > MAX_DEPTH) {
            throw new Refused("elements nested deeper than " + MAX_DEPTH + " levels");
        }
        Map<String, String> attributes = new HashMap<>(4);
        for (int i = 0; i < r.getAttributeCount(); i++) {
            String value = r.getAttributeValue(i);
            spend(budget, value.length(), r);
            attributes.put(r.getAttributeLocalName(i), value);
        }
        XmlNode node = new XmlNode(r.getLocalName(), attributes);
        while (true) {
            int event = r.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> {
                    spend(budget, 16, r);
                    node.children.add(read(r, depth + 1, budget));
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    return node;
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    spend(budget, r.getTextLength(), r);
                    node.text.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                }
                case XMLStreamConstants.ENTITY_REFERENCE -> throw new Refused("entity references are not allowed");
                case XMLStreamConstants.DTD -> throw new Refused("a DTD is not allowed");
                default -> {
                    // comments and processing instructions carry nothing
                }
            }
        }
    }

    /** Skips the element the reader is on, within the same limits, keeping nothing. */
    static void skip(XMLStreamReader r) throws XMLStreamException, Refused {
        int depth = 1;
        while (depth > 0) {
            int event = r.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> depth++;
                case XMLStreamConstants.END_ELEMENT -> depth--;
                case XMLStreamConstants.ENTITY_REFERENCE -> throw new Refused("entity references are not allowed");
                case XMLStreamConstants.DTD -> throw new Refused("a DTD is not allowed");
                default -> {
                }
            }
        }
    }

    private static void spend(int[] budget, int chars, XMLStreamReader r) throws Refused {
        budget[0] -= chars;
        if (budget[0] < 0) {
            throw new Refused("an element at line " + r.getLocation().getLineNumber() + " is larger than "
                    + MAX_PART_CHARS + " characters");
        }
    }

    /** The first child with one of the local names, or null. */
    XmlNode child(String... names) {
        for (XmlNode c : children) {
            for (String n : names) {
                if (c.name.equals(n)) {
                    return c;
                }
            }
        }
        return null;
    }

    List<XmlNode> children(String name) {
        List<XmlNode> out = new ArrayList<>(1);
        for (XmlNode c : children) {
            if (c.name.equals(name)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The node at the path of local names below this one, or null. */
    XmlNode path(String... names) {
        XmlNode n = this;
        for (String name : names) {
            n = n.child(name);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** The value of the first of the attributes present (by local name), or null. */
    String attribute(String... names) {
        for (String n : names) {
            String v = attributes.get(n);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** The text directly in this element, stripped. */
    String text() {
        return text.toString().strip();
    }

    /** The text of the child at the path, stripped; null if there is no such child or it is blank. */
    String textAt(String... names) {
        XmlNode n = path(names);
        return n == null ? null : Texts.strippedOrNull(n.text());
    }

    /** Overwrites the text held (used for parts that carried secrets). */
    void wipe() {
        for (int i = 0; i < text.length(); i++) {
            text.setCharAt(i, '\0');
        }
        for (XmlNode c : children) {
            c.wipe();
        }
    }
}
