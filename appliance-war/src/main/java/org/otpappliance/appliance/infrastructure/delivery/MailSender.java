package org.otpappliance.appliance.infrastructure.delivery;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.UnsupportedEncodingException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Properties;
import javax.net.ssl.SSLException;
import org.otpappliance.otp.token.Destination;

/**
 * Sends one plain-text e-mail over SMTP with Jakarta Mail. It builds its own mail session from the
 * appliance's settings rather than using a container mail resource, so that one configuration
 * source (MicroProfile Config) describes the whole appliance and the tests can run it outside the
 * container. Every step has a timeout: a stuck mail server fails the challenge, it does not hang it.
 */
public final class MailSender {

    /** How the connection is protected. */
    public enum Security {
        /** Plain SMTP: only for a relay on the same host or a trusted network. */
        NONE(25),
        /** Plain connection upgraded with STARTTLS, which is required: no fallback to plain text. */
        STARTTLS(587),
        /** TLS from the first byte ("implicit TLS", submissions port). */
        TLS(465);

        private final int defaultPort;

        Security(int defaultPort) {
            this.defaultPort = defaultPort;
        }

        /** The usual port for this kind of connection: 25, 587 or 465. */
        public int defaultPort() {
            return defaultPort;
        }
    }

    /**
     * What the operator configures.
     *
     * @param username for SMTP AUTH; null or blank for none
     * @param from     the sender, "otp@example.com" or "OTP Appliance &lt;otp@example.com&gt;"
     * @param timeout  for connecting, for each answer and for each write
     * @param checkServerIdentity whether the TLS certificate must name {@code host} (keep it on)
     */
    public record Settings(String host, int port, Security security, String username, String password, String from,
                           Duration timeout, boolean checkServerIdentity) {
        public Settings(String host, int port, Security security, String username, String password, String from, Duration timeout) {
            this(host, port, security, username, password, from, timeout, true);
        }

        /** Without the password. */
        @Override
        public String toString() {
            return "MailSender.Settings[" + host + ":" + port + ", " + security + ", user " + (blank(username) ? "none" : username)
                    + ", from " + from + ", timeout " + timeout + ", checkServerIdentity " + checkServerIdentity + "]";
        }
    }

    private final Settings settings;
    private final InternetAddress from;
    private final Session session;

    /** @throws IllegalArgumentException naming what is wrong with the settings */
    public MailSender(Settings s) {
        if (blank(s.host())) {
            throw new IllegalArgumentException("the SMTP host is required");
        }
        if (s.port() < 1 || s.port() > 65535) {
            throw new IllegalArgumentException("the SMTP port must be between 1 and 65535");
        }
        if (s.security() == null) {
            throw new IllegalArgumentException("the SMTP security must be NONE, STARTTLS or TLS");
        }
        if (s.timeout() == null || s.timeout().isNegative() || s.timeout().isZero() || s.timeout().toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the SMTP timeout must be positive");
        }
        if (blank(s.username()) && !blank(s.password())) {
            throw new IllegalArgumentException("an SMTP password is set but no username");
        }
        this.settings = s;
        this.from = sender(s.from());
        this.session = Session.getInstance(properties());
        session.setDebug(false); // the protocol trace would show the AUTH exchange
    }

    /**
     * Hands one message to the SMTP server; returns when the server accepted it.
     *
     * @param to      an address as {@code Destination.email} returns it
     * @param subject one line: no control characters
     * @throws IllegalArgumentException for an invalid address or a subject with line breaks
     */
    public void send(String to, String subject, String body) throws DeliveryException {
        Objects.requireNonNull(body, "body");
        if (subject == null || subject.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("an e-mail subject must be one line without control characters");
        }
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(from);
            message.setRecipient(Message.RecipientType.TO, new InternetAddress(Destination.email(to), true));
            message.setSubject(subject, "UTF-8");
            message.setText(body, "UTF-8");
            message.setSentDate(new Date());
            Transport transport = session.getTransport("smtp");
            try {
                transport.connect(settings.host(), settings.port(), blank(settings.username()) ? null : settings.username(),
                        settings.password());
                transport.sendMessage(message, message.getAllRecipients());
            } finally {
                closeQuietly(transport);
            }
        } catch (AddressException e) {
            throw new IllegalArgumentException("not a usable e-mail address");
        } catch (MessagingException e) {
            throw new DeliveryException(describe(e));
        }
    }

    /** Once the server took the message, a failed QUIT must not turn it into a delivery failure. */
    private static void closeQuietly(Transport transport) {
        try {
            transport.close();
        } catch (MessagingException e) {
            // Nothing to do: either the message is in, or the failure that matters is already on its way.
        }
    }

    /** The Jakarta Mail session properties; visible for the tests. */
    Properties properties() {
        Properties p = new Properties();
        String timeout = Long.toString(settings.timeout().toMillis());
        p.setProperty("mail.smtp.host", settings.host());
        p.setProperty("mail.smtp.port", Integer.toString(settings.port()));
        p.setProperty("mail.smtp.connectiontimeout", timeout);
        p.setProperty("mail.smtp.timeout", timeout);
        p.setProperty("mail.smtp.writetimeout", timeout);
        p.setProperty("mail.smtp.from", from.getAddress()); // the envelope sender, for bounces
        p.setProperty("mail.smtp.auth", Boolean.toString(!blank(settings.username())));
        p.setProperty("mail.smtp.starttls.enable", Boolean.toString(settings.security() == Security.STARTTLS));
        p.setProperty("mail.smtp.starttls.required", Boolean.toString(settings.security() == Security.STARTTLS));
        p.setProperty("mail.smtp.ssl.enable", Boolean.toString(settings.security() == Security.TLS));
        p.setProperty("mail.smtp.ssl.checkserveridentity", Boolean.toString(settings.checkServerIdentity()));
        return p;
    }

    private static InternetAddress sender(String text) {
        try {
            if (text == null || text.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("no sender or a control character in it");
            }
            InternetAddress parsed = new InternetAddress(text.trim(), true);
            // Built again so that a non-ASCII display name is written as an RFC 2047 encoded word.
            return new InternetAddress(Destination.email(parsed.getAddress()), parsed.getPersonal(), "UTF-8");
        } catch (AddressException | UnsupportedEncodingException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the e-mail sender must be an address, e.g. otp@example.com or OTP Appliance <otp@example.com>");
        }
    }

    private String describe(MessagingException e) {
        String server = "the SMTP server " + settings.host() + ":" + settings.port();
        if (e instanceof AuthenticationFailedException) {
            return server + " refused the login: " + reply(e);
        }
        if (e instanceof SendFailedException) {
            return server + " refused the message: " + reply(e);
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SocketTimeoutException) {
                return server + " did not answer within " + SmsGateway.seconds(settings.timeout());
            }
            if (c instanceof ConnectException || c instanceof UnknownHostException) {
                return "could not connect to " + server;
            }
            if (c instanceof SSLException) {
                return "TLS with " + server + " failed: " + clean(c.getMessage());
            }
        }
        return "sending the e-mail through " + server + " failed: " + clean(e.getMessage());
    }

    /** The server's own words: for a refused recipient they are in the nested exception. */
    private static String reply(MessagingException e) {
        for (Exception next = e.getNextException(); next != null;
             next = next instanceof MessagingException m ? m.getNextException() : null) {
            if (next.getMessage() != null && !next.getMessage().isBlank()) {
                return clean(next.getMessage());
            }
        }
        return clean(e.getMessage());
    }

    /** One line of at most 200 characters: a server's reply goes into a log. */
    private static String clean(String text) {
        if (text == null) {
            return "(no detail)";
        }
        String line = text.replaceAll("[\\p{Cntrl}\\s]+", " ").trim();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The settings without the password. */
    @Override
    public String toString() {
        return settings.toString();
    }
}
