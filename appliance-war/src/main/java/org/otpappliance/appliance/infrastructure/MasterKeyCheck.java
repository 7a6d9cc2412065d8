package org.otpappliance.appliance.infrastructure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Proves at start that this node holds the master key the database's seeds are encrypted with: the
 * first node stores a check value encrypted under its key; every later start must decrypt it. A
 * node that made itself a fresh key (say, a second node set up without copying master.key) is
 * stopped before it can enroll tokens nobody else can read, and its fresh key file is removed.
 */
final class MasterKeyCheck {
    private static final Logger LOG = Logger.getLogger(MasterKeyCheck.class.getName());
    private static final String NAME = "master-key-check";
    private static final byte[] PLAIN = "otp-appliance master key check".getBytes(StandardCharsets.US_ASCII);

    private final DataSource dataSource;
    private final SeedCipher cipher;

    MasterKeyCheck(DataSource dataSource, SeedCipher cipher) {
        this.dataSource = dataSource;
        this.cipher = cipher;
    }

    void verify() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String stored = read(c);
            if (stored == null) {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO appliance_setting (name, setting_value) VALUES (?, ?)")) {
                    p.setString(1, NAME);
                    p.setString(2, cipher.encrypt(PLAIN, NAME));
                    p.executeUpdate();
                    return;
                } catch (SQLException raced) {
                    stored = read(c);
                    if (stored == null) {
                        throw raced;
                    }
                }
            }
            if (!matches(stored)) {
                if (cipher.createdFile() != null) {
                    try {
                        Files.deleteIfExists(cipher.createdFile());
                    } catch (IOException e) {
                        LOG.warning(() -> "could not remove " + cipher.createdFile() + ": " + e.getMessage());
                    }
                }
                throw new IllegalStateException("this node's master key is not the one the database's seeds are encrypted with: "
                        + "give every node the same master key (copy master.key, or set otp.appliance.master-key)");
            }
        }
    }

    private boolean matches(String stored) {
        try {
            return Arrays.equals(PLAIN, cipher.decrypt(stored, NAME));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static String read(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT setting_value FROM appliance_setting WHERE name = ?")) {
            p.setString(1, NAME);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
