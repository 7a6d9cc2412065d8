/**
 * The RADIUS wire format (RFC 2865) with Message-Authenticator (RFC 3579 §3.2): decoding a datagram
 * into a {@link org.otpappliance.radius.codec.RadiusPacket} with strict length checks, hiding and
 * revealing {@code User-Password}, and encoding responses whose first attribute is
 * {@code Message-Authenticator}. Pure functions over byte arrays: no I/O, no state, no decisions.
 *
 * <p><b>Why not tinyradius-netty.</b> {@code com.globalreachtech:tinyradius-netty:1.5.12} (the
 * project's default choice) was evaluated and blocks a requirement: its only response encoding path,
 * {@code AccessResponse.encodeResponse}, calls {@code MessageAuthSupport.encodeMessageAuth}, which
 * removes any {@code Message-Authenticator} and appends a new one as the <em>last</em> attribute;
 * the BlastRADIUS (CVE-2024-3596) mitigation needs it <em>first</em>, so that the MD5 prefix of the
 * response is unpredictable even for a NAS that ignores it. Working around that would mean computing
 * both authenticators ourselves, i.e. writing the codec anyway. It also takes shared secrets as
 * {@code String} and turns them into bytes with the platform charset ({@code String.getBytes()}),
 * compares Message-Authenticators with {@code Arrays.equals} (not constant time), skips the
 * Message-Authenticator check when attributes were already decoded, and would bring Netty and
 * log4j-api into the appliance. The codec here is small (a header, type-length-value attributes, two
 * MD5 constructions and one HMAC-MD5) and covered by known-answer and property tests.
 */
package org.otpappliance.radius.codec;
