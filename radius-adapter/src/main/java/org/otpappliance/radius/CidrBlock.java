package org.otpappliance.radius;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * An IPv4 or IPv6 address block: {@code 192.0.2.0/24}, {@code 2001:db8::/32}, or a single address
 * ({@code 192.0.2.10}, {@code ::1}: a /32 or /128). Literals only, never a host name (nothing is
 * resolved). Host bits after the prefix must be zero ({@code 192.0.2.1/24} is refused, naming
 * {@code 192.0.2.0/24}), so that what the admin typed is what matches.
 *
 * <p>IPv4 and IPv6 never match each other; an IPv4-mapped IPv6 literal ({@code ::ffff:192.0.2.1})
 * is the IPv4 address, as Java's own sockets report such sources.
 */
public final class CidrBlock {
    private final byte[] network;
    private final int prefixLength;

    private CidrBlock(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address} or {@code address/prefix}; surrounding blanks are ignored.
     *
     * @throws IllegalArgumentException with a message fit for an admin API error
     */
    public static CidrBlock parse(String text) {
        Objects.requireNonNull(text, "an address or CIDR block is required");
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        byte[] address = parseAddress(addressPart, text);
        int prefix;
        int bits = address.length * 8;
        if (slash < 0) {
            prefix = bits;
        } else {
            String prefixPart = s.substring(slash + 1);
            if (prefixPart.isEmpty() || prefixPart.length() > 3 || !prefixPart.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an address or CIDR block: '" + text + "' (bad prefix length)");
            }
            prefix = Integer.parseInt(prefixPart);
            if (address.length == 4 && addressPart.indexOf(':') >= 0) {
                prefix -= 96; // ::ffff:a.b.c.d/120 is a.b.c.d/24
                if (prefix < 0) {
                    throw new IllegalArgumentException("not an address or CIDR block: '" + text
                            + "' (an IPv4-mapped block needs a prefix of at least 96)");
                }
            }
            if (prefix > bits) {
                throw new IllegalArgumentException("not an address or CIDR block: '" + text + "' (prefix longer than "
                        + bits + " bits)");
            }
        }
        byte[] masked = mask(address, prefix);
        if (!Arrays.equals(masked, address)) {
            throw new IllegalArgumentException("not a CIDR block: '" + text + "' has host bits set (did you mean "
                    + format(masked, prefix) + "?)");
        }
        return new CidrBlock(masked, prefix);
    }

    /** The block of {@code prefixLength} bits around {@code address} (host bits cleared). */
    public static CidrBlock of(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        if (prefixLength < 0 || prefixLength > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address.getHostAddress());
        }
        return new CidrBlock(mask(bytes, prefixLength), prefixLength);
    }

    /** Whether {@code address} is in the block (false for the other address family). */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (bytes[full] & m) == (network[full] & 0xff);
    }

    /**
     * Of the candidates whose block contains {@code address}, the one with the longest prefix (the
     * first such in iteration order on a tie); empty when none does.
     */
    public static <T> Optional<T> mostSpecific(Collection<? extends T> candidates, Function<? super T, CidrBlock> block,
                                               InetAddress address) {
        T best = null;
        int bestPrefix = -1;
        for (T candidate : candidates) {
            CidrBlock b = block.apply(candidate);
            if (b != null && b.prefixLength > bestPrefix && b.contains(address)) {
                best = candidate;
                bestPrefix = b.prefixLength;
            }
        }
        return Optional.ofNullable(best);
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** The network address (host bits zero). */
    public InetAddress network() {
        try {
            return InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    public boolean isIpv6() {
        return network.length == 16;
    }

    /** A single address: /32 or /128. */
    public boolean isSingleAddress() {
        return prefixLength == network.length * 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrBlock c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** {@code 192.0.2.0/24}, {@code 2001:db8::/32}: always with the prefix length. */
    @Override
    public String toString() {
        return format(network, prefixLength);
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] parseAddress(String s, String original) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
        }
        if (s.indexOf(':') < 0) {
            return parseIpv4(s, original);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
            }
        }
        int lastColon = s.lastIndexOf(':');
        if (s.indexOf('.') >= 0) {
            parseIpv4(s.substring(lastColon + 1), original); // an embedded IPv4 tail must be a strict dotted quad
        }
        try {
            // A literal with ':' is never looked up: getByName parses it, or fails.
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
        }
    }

    /** Strict dotted quad: four decimal parts 0-255, no leading zeros (no octal or short forms). */
    private static byte[] parseIpv4(String s, String original) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw new IllegalArgumentException("not an address or CIDR block: '" + original + "'");
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** An address as text, IPv6 in its shortest form ({@code 2001:db8::1}). */
    static String addressText(InetAddress address) {
        return address instanceof Inet4Address ? address.getHostAddress() : compress(address.getHostAddress());
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            int m = bitsHere == 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
            out[i] = (byte) (out[i] & m);
        }
        return out;
    }

    private static String format(byte[] network, int prefix) {
        try {
            InetAddress a = InetAddress.getByAddress(network);
            String text = a instanceof Inet4Address ? a.getHostAddress() : compress(a.getHostAddress());
            return text + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shortest IPv6 text (RFC 5952: the longest run of zero groups, at least two, becomes ::). */
    private static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestLen < 2) {
            return full;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }
}
