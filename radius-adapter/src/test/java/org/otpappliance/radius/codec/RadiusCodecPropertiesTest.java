package org.otpappliance.radius.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RadiusCodecPropertiesTest {

    @Property(tries = 2000)
    void decodingArbitraryBytesEitherSucceedsOrSaysMalformed(@ForAll @Size(max = 5000) byte[] datagram) {
        try {
            RadiusPacket p = RadiusPacket.decode(datagram);
            assertTrue(p.length() >= RadiusPacket.HEADER_LENGTH && p.length() <= datagram.length);
            int sum = RadiusPacket.HEADER_LENGTH;
            for (RadiusAttribute a : p.attributes()) {
                sum += a.encodedLength();
            }
            assertEquals(p.length(), sum, "attributes fill the packet exactly");
            RadiusCrypto.checkRequest(p, new byte[] {1});
        } catch (MalformedPacketException expected) {
            // fine
        }
    }

    @Property(tries = 2000)
    void decodingMutatedPacketsEitherSucceedsOrSaysMalformed(@ForAll("packets") byte[] packet,
                                                              @ForAll @IntRange(max = 5000) int position,
                                                              @ForAll byte value,
                                                              @ForAll @IntRange(max = 4200) int cut) {
        byte[] mutated = packet.clone();
        mutated[position % mutated.length] = value;
        byte[] truncated = Arrays.copyOf(mutated, Math.min(mutated.length, cut));
        for (byte[] candidate : List.of(mutated, truncated)) {
            try {
                RadiusPacket p = RadiusPacket.decode(candidate);
                RadiusCrypto.checkRequest(p, new byte[] {7});
            } catch (MalformedPacketException expected) {
                // fine
            }
        }
    }

    @Property(tries = 500)
    void encodeThenDecodeGivesThePacketBack(@ForAll("packets") byte[] packet) throws MalformedPacketException {
        RadiusPacket decoded = RadiusPacket.decode(packet);
        RadiusPacket again = RadiusPacket.of(decoded.code(), decoded.identifier(), decoded.authenticator(), decoded.attributes());
        assertArrayEquals(packet, again.bytes());
        assertEquals(decoded.attributes(), RadiusPacket.decode(again.bytes()).attributes());
    }

    @Property(tries = 500)
    void hiddenPasswordsReveal(@ForAll @Size(max = 128) byte[] password, @ForAll @Size(min = 1, max = 64) byte[] secret,
                               @ForAll @Size(value = 16) byte[] authenticator) throws MalformedPacketException {
        int end = password.length;
        while (end > 0 && password[end - 1] == 0) {
            end--; // trailing NULs are padding by definition
        }
        byte[] expected = Arrays.copyOf(password, end);
        byte[] hidden = RadiusCrypto.hidePassword(password, secret, authenticator);
        assertArrayEquals(expected, RadiusCrypto.revealPassword(hidden, secret, authenticator));
    }

    @Property(tries = 300)
    void responsesAlwaysVerify(@ForAll("attributeLists") List<RadiusAttribute> attributes, @ForAll @Size(min = 1, max = 64) byte[] secret,
                               @ForAll @Size(value = 16) byte[] authenticator, @ForAll @IntRange(max = 255) int id) {
        byte[] response = RadiusCrypto.encodeResponse(PacketCode.ACCESS_REJECT, id, authenticator, attributes, secret);
        assertTrue(RadiusCrypto.verifyResponse(response, authenticator, secret, true));
        assertEquals(AttributeType.MESSAGE_AUTHENTICATOR, response[20]);
    }

    @Provide
    Arbitrary<byte[]> packets() {
        return Combinators.combine(
                Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofSize(16),
                attributeLists()
        ).as((code, id, auth, attrs) -> RadiusPacket.of(code, id, auth, attrs).bytes());
    }

    @Provide
    Arbitrary<List<RadiusAttribute>> attributeLists() {
        Arbitrary<RadiusAttribute> attribute = Combinators.combine(
                Arbitraries.integers().between(1, 255).filter(t -> t != AttributeType.MESSAGE_AUTHENTICATOR),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(253)
        ).as(RadiusAttribute::of);
        return attribute.list().ofMaxSize(14);
    }
}
