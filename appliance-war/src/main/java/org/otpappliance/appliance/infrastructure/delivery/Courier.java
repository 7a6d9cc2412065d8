package org.otpappliance.appliance.infrastructure.delivery;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.otpappliance.appliance.application.CodeSender;
import org.otpappliance.appliance.application.DeliveryFailedException;
import org.otpappliance.otp.token.TokenType;

/**
 * Sends challenge codes by SMS (an HTTP gateway) or e-mail (SMTP), as configured. Each channel is
 * on when its server is configured ({@code otp.appliance.sms.url}, {@code otp.appliance.smtp.host});
 * every setting is read and checked at start, so a mistake stops the start, not a login.
 */
@ApplicationScoped
public class Courier implements CodeSender {
    private static final Set<String> MESSAGE_PLACEHOLDERS = Set.of("code", "validity", "seconds", "minutes");
    static final String DEFAULT_SMS_TEXT = "Your code is {code}. It is valid for {validity}.";
    static final String DEFAULT_SUBJECT = "Your login code";
    static final String DEFAULT_EMAIL_TEXT = "Your login code is {code}.\n\nIt is valid for {validity} and works once. "
            + "If you did not ask for it, someone may know your password: tell your administrator.\n";

    private Optional<SmsGateway> sms;
    private Optional<MailSender> mail;
    private Template smsText;
    private Template emailSubject;
    private Template emailText;

    @PostConstruct
    void configure() {
        Config config = ConfigProvider.getConfig(Courier.class.getClassLoader());
        try {
            String method = string(config, "otp.appliance.sms.method").orElse("POST").toUpperCase(Locale.ROOT);
            // A GET carries the number and text in its URL: the form body is the default of the other methods only.
            boolean get = method.equals("GET");
            sms = string(config, "otp.appliance.sms.url").map(url -> new SmsGateway(new SmsGateway.Settings(url, method,
                    config.getOptionalValue("otp.appliance.sms.headers", String[].class).map(Arrays::asList).orElse(List.of()),
                    string(config, "otp.appliance.sms.username").orElse(null),
                    string(config, "otp.appliance.sms.password").orElse(null),
                    string(config, "otp.appliance.sms.content-type").orElse(get ? null : "application/x-www-form-urlencoded"),
                    string(config, "otp.appliance.sms.body").orElse(get ? null : "to={to}&message={message}"),
                    Duration.ofSeconds(seconds(config, "otp.appliance.sms.timeout-seconds")))));
            mail = string(config, "otp.appliance.smtp.host").map(host -> {
                MailSender.Security security = security(string(config, "otp.appliance.smtp.security").orElse("starttls"));
                return new MailSender(new MailSender.Settings(host,
                        string(config, "otp.appliance.smtp.port").map(p -> port(p)).orElse(security.defaultPort()), security,
                        string(config, "otp.appliance.smtp.username").orElse(null),
                        string(config, "otp.appliance.smtp.password").orElse(null),
                        string(config, "otp.appliance.smtp.from").orElseThrow(() ->
                                new IllegalArgumentException("otp.appliance.smtp.from is required with otp.appliance.smtp.host")),
                        Duration.ofSeconds(seconds(config, "otp.appliance.smtp.timeout-seconds"))));
            });
            smsText = new Template(string(config, "otp.appliance.sms.template").orElse(DEFAULT_SMS_TEXT), MESSAGE_PLACEHOLDERS);
            emailSubject = new Template(string(config, "otp.appliance.email.subject").orElse(DEFAULT_SUBJECT), MESSAGE_PLACEHOLDERS);
            emailText = new Template(string(config, "otp.appliance.email.template").orElse(DEFAULT_EMAIL_TEXT), MESSAGE_PLACEHOLDERS);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the SMS or e-mail settings are wrong: " + e.getMessage(), e);
        }
    }

    @Override
    public String channels() {
        return "SMS " + sms.map(g -> "through " + g).orElse("off (no otp.appliance.sms.url)") + "; e-mail "
                + mail.map(m -> "through " + m).orElse("off (no otp.appliance.smtp.host)");
    }

    @Override
    public void send(TokenType channel, String destination, String code, int validitySeconds) {
        Map<String, String> values = Map.of("code", code, "validity", validity(validitySeconds),
                "seconds", Integer.toString(validitySeconds), "minutes", Integer.toString(Math.max(1, validitySeconds / 60)));
        try {
            if (channel == TokenType.SMS) {
                sms.orElseThrow(() -> new DeliveryException("no SMS gateway is configured (otp.appliance.sms.url)"))
                        .send(destination, smsText.render(values, Template.Escape.RAW));
            } else {
                mail.orElseThrow(() -> new DeliveryException("no SMTP server is configured (otp.appliance.smtp.host)"))
                        .send(destination, emailSubject.render(values, Template.Escape.RAW), emailText.render(values, Template.Escape.RAW));
            }
        } catch (DeliveryException e) {
            throw new DeliveryFailedException(e.getMessage(), e);
        }
    }

    /** "2 minutes", "1 minute", "90 seconds": whole minutes when it is, else seconds. */
    static String validity(int seconds) {
        if (seconds % 60 == 0) {
            int m = seconds / 60;
            return m == 1 ? "1 minute" : m + " minutes";
        }
        return seconds + " seconds";
    }

    private static Optional<String> string(Config config, String key) {
        return config.getOptionalValue(key, String.class).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static long seconds(Config config, String key) {
        String v = string(config, key).orElse("10");
        try {
            long s = Long.parseLong(v);
            if (s >= 1 && s <= 300) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be 1 to 300 seconds");
    }

    private static int port(String text) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("otp.appliance.smtp.port must be 1 to 65535");
    }

    private static MailSender.Security security(String text) {
        try {
            return MailSender.Security.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("otp.appliance.smtp.security must be starttls, tls or none");
        }
    }
}
