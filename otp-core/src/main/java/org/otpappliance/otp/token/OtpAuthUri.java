package org.otpappliance.otp.token;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.otpappliance.otp.algorithm.Base32;
import org.otpappliance.otp.verify.OathParameters;

/**
 * The otpauth:// key URI that authenticator apps read from a QR code (the "Key Uri Format" of
 * Google Authenticator, which FreeOTP, Aegis and others follow): label "issuer:account", the
 * secret in Base32 without padding, and the parameters the app must not guess.
 */
public final class OtpAuthUri {
    private OtpAuthUri() {
    }

    public static String of(TokenType type, String issuer, String account, byte[] seed, OathParameters p, long initialCounter) {
        StringBuilder uri = new StringBuilder("otpauth://").append(type.wireName()).append('/')
                .append(encode(issuer)).append(':').append(encode(account))
                .append("?secret=").append(Base32.encode(seed))
                .append("&issuer=").append(encode(issuer))
                .append("&algorithm=").append(p.algorithm().name())
                .append("&digits=").append(p.digits());
        if (type == TokenType.TOTP) {
            uri.append("&period=").append(p.periodSeconds());
        } else {
            uri.append("&counter=").append(initialCounter);
        }
        return uri.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
