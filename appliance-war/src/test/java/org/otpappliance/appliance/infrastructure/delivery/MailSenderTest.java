package org.otpappliance.appliance.infrastructure.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.mail.MailAddress;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.smtp.SmtpManager;
import com.icegreen.greenmail.smtp.SmtpState;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.infrastructure.delivery.MailSender.Security;

/** Against GreenMail, a real SMTP server, on a free loopback port. */
class MailSenderTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final String BODY = "Your code is 123456.\nIt is valid for 2 minutes.\nGrüße";

    GreenMail greenMail;
    int port;

    /** GreenMail accepts every recipient; this one refuses mailboxes named "nobody", as a real server would. */
    static final class RefusingGreenMail extends GreenMail {
        RefusingGreenMail(ServerSetup setup) {
            super(setup);
        }

        @Override
        protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers ignored) {
            managers = new Managers() {
                final SmtpManager smtp = new SmtpManager(getImapHostManager(), getUserManager()) {
                    @Override
                    public String checkRecipient(SmtpState state, MailAddress rcpt) {
                        return rcpt.getUser().equals("nobody") ? "550 5.1.1 <" + rcpt.getEmail() + ">: mailbox unavailable" : null;
                    }
                };

                @Override
                public SmtpManager getSmtpManager() {
                    return smtp;
                }
            };
            return super.createServices(config, managers);
        }
    }

    @BeforeEach
    void startSmtp() {
        greenMail = new RefusingGreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        greenMail.start();
        greenMail.setUser("otp@example.com", "otp-sender", "s3cret-pw");
        port = greenMail.getSmtp().getPort();
    }

    @AfterEach
    void stopSmtp() {
        greenMail.stop();
    }

    MailSender sender(String user, String password, Security security) {
        return new MailSender(new MailSender.Settings("127.0.0.1", port, security, user, password,
                "OTP Appliance Zürich <otp@example.com>", TIMEOUT));
    }

    @Test
    void aMessageIsDeliveredWithAuthAsUtf8PlainText() throws Exception {
        sender("otp-sender", "s3cret-pw", Security.NONE).send("bob@Example.org", "Your code: 123456 – Grüße", BODY);
        assertTrue(greenMail.waitForIncomingEmail(5_000, 1));
        MimeMessage m = greenMail.getReceivedMessages()[0];
        InternetAddress from = (InternetAddress) m.getFrom()[0];
        assertEquals("otp@example.com", from.getAddress());
        assertEquals("OTP Appliance Zürich", from.getPersonal());
        assertTrue(m.getHeader("From")[0].chars().allMatch(c -> c < 128), "the display name is an encoded word");
        assertEquals(List.of(new InternetAddress("bob@example.org")), List.of(m.getRecipients(Message.RecipientType.TO)));
        assertEquals("Your code: 123456 – Grüße", m.getSubject());
        assertTrue(m.getContentType().toLowerCase().startsWith("text/plain; charset=utf-8"), m.getContentType());
        assertEquals(BODY, ((String) m.getContent()).replace("\r\n", "\n").stripTrailing());
        assertTrue(m.getSentDate() != null);
    }

    @Test
    void withoutAUsernameNoLoginIsAttempted() throws Exception {
        sender(null, null, Security.NONE).send("carol@example.org", "Code", "123456");
        assertTrue(greenMail.waitForIncomingEmail(5_000, 1));
        assertEquals("123456", ((String) greenMail.getReceivedMessages()[0].getContent()).trim());
    }

    @Test
    void aWrongPasswordIsARefusedLoginThatDoesNotShowThePassword() {
        MailSender sender = sender("otp-sender", "wrong-pw", Security.NONE);
        DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send("bob@example.org", "Code", BODY));
        assertTrue(e.getMessage().startsWith("the SMTP server 127.0.0.1:" + port + " refused the login: 535"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-pw"));
        assertFalse(e.getMessage().contains("123456"));
        assertEquals(0, greenMail.getReceivedMessages().length);
    }

    @Test
    void aRefusedRecipientIsADeliveryFailureWithTheServersReply() {
        MailSender sender = sender("otp-sender", "s3cret-pw", Security.NONE);
        DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send("nobody@example.org", "Code", BODY));
        assertEquals("the SMTP server 127.0.0.1:" + port + " refused the message: 550 5.1.1 <nobody@example.org>: mailbox unavailable",
                e.getMessage());
        assertEquals(0, greenMail.getReceivedMessages().length);
    }

    @Test
    void starttlsIsRequiredNotJustTried() {
        // GreenMail's SMTP does not offer STARTTLS: the sender must refuse to go on in plain text.
        MailSender sender = sender("otp-sender", "s3cret-pw", Security.STARTTLS);
        DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send("bob@example.org", "Code", BODY));
        assertTrue(e.getMessage().contains("STARTTLS"), e.getMessage());
        assertEquals(0, greenMail.getReceivedMessages().length);
    }

    @Test
    void tlsAgainstAPlainServerFails() {
        MailSender sender = sender("otp-sender", "s3cret-pw", Security.TLS);
        DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send("bob@example.org", "Code", BODY));
        assertTrue(e.getMessage().startsWith("TLS with the SMTP server 127.0.0.1:" + port + " failed"), e.getMessage());
        assertEquals(0, greenMail.getReceivedMessages().length);
    }

    @Test
    void aServerThatIsDownIsADeliveryFailure() throws Exception {
        greenMail.stop();
        DeliveryException e = assertThrows(DeliveryException.class,
                () -> sender("otp-sender", "s3cret-pw", Security.NONE).send("bob@example.org", "Code", BODY));
        assertEquals("could not connect to the SMTP server 127.0.0.1:" + port, e.getMessage());
    }

    @Test
    void aServerThatNeverAnswersFailsAfterTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            MailSender sender = new MailSender(new MailSender.Settings("127.0.0.1", silent.getLocalPort(), Security.NONE, null, null,
                    "otp@example.com", Duration.ofMillis(300)));
            DeliveryException e = assertThrows(DeliveryException.class, () -> sender.send("bob@example.org", "Code", BODY));
            assertEquals("the SMTP server 127.0.0.1:" + silent.getLocalPort() + " did not answer within 300 ms", e.getMessage());
        }
    }

    @Test
    void theSessionPropertiesFollowTheSettings() {
        Properties tls = new MailSender(new MailSender.Settings("smtp.example.com", 465, Security.TLS, "u", "p", "otp@example.com",
                Duration.ofSeconds(7))).properties();
        assertEquals("smtp.example.com", tls.getProperty("mail.smtp.host"));
        assertEquals("465", tls.getProperty("mail.smtp.port"));
        assertEquals("true", tls.getProperty("mail.smtp.ssl.enable"));
        assertEquals("false", tls.getProperty("mail.smtp.starttls.enable"));
        assertEquals("true", tls.getProperty("mail.smtp.ssl.checkserveridentity"), "on by default");
        assertEquals("true", tls.getProperty("mail.smtp.auth"));
        for (String key : List.of("mail.smtp.connectiontimeout", "mail.smtp.timeout", "mail.smtp.writetimeout")) {
            assertEquals("7000", tls.getProperty(key), key);
        }
        assertEquals("otp@example.com", tls.getProperty("mail.smtp.from"));
        assertFalse(tls.containsValue("p"), "no password in the session properties");

        Properties starttls = new MailSender(new MailSender.Settings("smtp.example.com", 587, Security.STARTTLS, null, null,
                "otp@example.com", TIMEOUT, false)).properties();
        assertEquals("true", starttls.getProperty("mail.smtp.starttls.enable"));
        assertEquals("true", starttls.getProperty("mail.smtp.starttls.required"));
        assertEquals("false", starttls.getProperty("mail.smtp.ssl.enable"));
        assertEquals("false", starttls.getProperty("mail.smtp.ssl.checkserveridentity"));
        assertEquals("false", starttls.getProperty("mail.smtp.auth"));

        assertEquals(List.of(25, 587, 465), List.of(Security.NONE.defaultPort(), Security.STARTTLS.defaultPort(), Security.TLS.defaultPort()));
    }

    @Test
    void badSettingsAndBadInputAreRefused() {
        assertRefused("host is required", new MailSender.Settings(" ", 25, Security.NONE, null, null, "otp@example.com", TIMEOUT));
        assertRefused("port must be", new MailSender.Settings("h", 0, Security.NONE, null, null, "otp@example.com", TIMEOUT));
        assertRefused("port must be", new MailSender.Settings("h", 65536, Security.NONE, null, null, "otp@example.com", TIMEOUT));
        assertRefused("security must be", new MailSender.Settings("h", 25, null, null, null, "otp@example.com", TIMEOUT));
        assertRefused("timeout must be positive", new MailSender.Settings("h", 25, Security.NONE, null, null, "otp@example.com", null));
        assertRefused("timeout must be positive",
                new MailSender.Settings("h", 25, Security.NONE, null, null, "otp@example.com", Duration.ofSeconds(-1)));
        assertRefused("password is set but no username", new MailSender.Settings("h", 25, Security.NONE, "", "pw", "otp@example.com", TIMEOUT));
        for (String from : new String[] {null, "", "otp", "otp@localhost", "a@b.c, d@e.f", "OTP <otp@example.com>\r\nBcc: x@y.z"}) {
            assertRefused("sender must be an address", new MailSender.Settings("h", 25, Security.NONE, null, null, from, TIMEOUT), from);
        }
        MailSender sender = sender(null, null, Security.NONE);
        assertThrows(IllegalArgumentException.class, () -> sender.send("bob@example.org\r\nBcc: eve@example.org", "Code", BODY));
        assertThrows(IllegalArgumentException.class, () -> sender.send("bob", "Code", BODY));
        assertThrows(IllegalArgumentException.class, () -> sender.send("bob@example.org", "Code\r\nBcc: eve@example.org", BODY));
        assertThrows(IllegalArgumentException.class, () -> sender.send("bob@example.org", null, BODY));
        assertEquals(0, greenMail.getReceivedMessages().length);
    }

    static void assertRefused(String expected, MailSender.Settings s) {
        assertRefused(expected, s, s.toString());
    }

    static void assertRefused(String expected, MailSender.Settings s, String what) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MailSender(s), what);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void settingsPrintWithoutThePassword() {
        String printed = new MailSender.Settings("h", 25, Security.NONE, "user", "s3cret-pw", "otp@example.com", TIMEOUT).toString();
        assertFalse(printed.contains("s3cret-pw"), printed);
        assertTrue(printed.contains("user"), printed);
    }
}
