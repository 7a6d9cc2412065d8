package org.otpappliance.otp.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.algorithm.Hotp;

/** Generators and oracles shared by the verifier properties. */
final class OathArbitraries {
    private OathArbitraries() {
    }

    static Arbitrary<byte[]> keys() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(10).ofMaxSize(64);
    }

    static Arbitrary<OathParameters> hotpParameters() {
        return Combinators.combine(Arbitraries.of(HashAlgorithm.class), Arbitraries.integers().between(6, 8))
                .as(OathParameters::hotp);
    }

    static Arbitrary<OathParameters> totpParameters() {
        Arbitrary<Integer> periods = Arbitraries.oneOf(Arbitraries.of(30, 60), Arbitraries.integers().between(1, 3600));
        return Combinators.combine(Arbitraries.of(HashAlgorithm.class), Arbitraries.integers().between(6, 8), periods)
                .as(OathParameters::totp);
    }

    static String code(byte[] key, OathParameters p, long counter) {
        return Hotp.code(key, counter, p.digits(), p.algorithm());
    }

    /** True if some counter in [from, to], other than {@code except}, has {@code code}. */
    static boolean codeElsewhere(byte[] key, OathParameters p, String code, long from, long to, long except) {
        for (long c = from; c <= to; c++) {
            if (c != except && code.equals(code(key, p, c))) {
                return true;
            }
        }
        return false;
    }

    /** True if some counter c in [from, to], other than {@code except}, has code1 at c and code2 at c + 1. */
    static boolean pairElsewhere(byte[] key, OathParameters p, String code1, String code2, long from, long to, long except) {
        for (long c = from; c <= to; c++) {
            if (c != except && code1.equals(code(key, p, c)) && code2.equals(code(key, p, c + 1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Malformed variants of a valid code: each would be the right code but for its form. Includes
     * null, wrong lengths and non-ASCII-digit characters (letters, signs, whitespace, other scripts' digits).
     */
    static List<String> malformedVariants(String code) {
        List<String> out = new ArrayList<>(Arrays.asList(null, "", code + "0", "0" + code, code.substring(1),
                code.substring(0, code.length() - 1), " " + code, code + " ", code + "\n", "+" + code.substring(1),
                "-" + code.substring(1), code + code));
        for (char bad : new char[] {'a', 'O', ' ', '/', ':', '\u0663', '\uFF11', '\u00B2', '?'}) {
            for (int i = 0; i < code.length(); i++) {
                out.add(code.substring(0, i) + bad + code.substring(i + 1));
            }
        }
        return out;
    }
}
