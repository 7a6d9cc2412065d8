package org.otpappliance.otp.seedfile;

import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.otpappliance.otp.algorithm.HashAlgorithm;
import org.otpappliance.otp.yubico.Modhex;

/** Generators of valid seed records for the property tests. */
final class SeedArbitraries {
    private SeedArbitraries() {
    }

    static Arbitrary<String> serials() {
        return Arbitraries.strings().withCharRange('0', '9').withCharRange('A', 'Z').withCharRange('a', 'z').withChars("-_.:/")
                .ofMinLength(1).ofMaxLength(SeedRecord.MAX_SERIAL_LENGTH)
                .filter(s -> !s.toLowerCase(Locale.ROOT).equals("serial"));
    }

    /** Users as a file might name them: letters, digits, some punctuation and non-ASCII letters, no surrounding blanks. */
    static Arbitrary<String> users() {
        return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .withChars(" .,@-_'\"éøß&<>ł").ofMinLength(1).ofMaxLength(40)
                .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#"));
    }

    static Arbitrary<byte[]> seeds() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64);
    }

    static Arbitrary<SeedRecord> oathRecords(boolean anyHash) {
        Arbitrary<HashAlgorithm> hashes = anyHash ? Arbitraries.of(HashAlgorithm.class) : Arbitraries.just(HashAlgorithm.SHA1);
        Arbitrary<String> user = users().injectNull(0.3);
        Arbitrary<SeedRecord> hotp = Combinators.combine(serials(), seeds(), hashes, Arbitraries.integers().between(6, 8),
                Arbitraries.longs().between(0, 999_999_999_999_999_999L), user).as(SeedRecord::hotp);
        Arbitrary<SeedRecord> totp = Combinators.combine(serials(), seeds(), hashes, Arbitraries.integers().between(6, 8),
                Arbitraries.integers().between(1, OathCsv.MAX_PERIOD_SECONDS), user).as(SeedRecord::totp);
        return Arbitraries.oneOf(hotp, totp);
    }

    static Arbitrary<String> publicIds() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8).map(Modhex::encode);
    }

    static Arbitrary<SeedRecord> yubicoRecords(Arbitrary<String> serials) {
        return Combinators.combine(serials, Arbitraries.bytes().array(byte[].class).ofSize(16), publicIds(),
                Arbitraries.bytes().array(byte[].class).ofSize(6)).as((s, k, p, i) -> SeedRecord.yubico(s, k, p, i, null));
    }
}
