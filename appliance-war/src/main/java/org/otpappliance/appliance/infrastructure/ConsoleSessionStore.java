package org.otpappliance.appliance.infrastructure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** The {@code console_session} table: console sessions by the hash of their id, shared by every node. */
public final class ConsoleSessionStore {
    /** A session: its admin account, the appliance user whose token is the admin's second factor, when it started and was last used. */
    public record Row(String admin, String user, long startedAt, long lastSeen) {
    }

    private final DataSource dataSource;

    public ConsoleSessionStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records a new session of the admin; false when there is no such admin account (any more). */
    public boolean insert(String idHash, String admin, long now) throws SQLException {
        return update("INSERT INTO console_session (id_hash, admin_id, started_at, last_seen) "
                + "SELECT ?, id, ?, ? FROM admin_account WHERE username = ?", idHash, now, now, admin) == 1;
    }

    public Optional<Row> find(String idHash) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT a.username, u.username, s.started_at, s.last_seen FROM console_session s "
                     + "JOIN admin_account a ON a.id = s.admin_id JOIN app_user u ON u.id = a.user_id WHERE s.id_hash = ?")) {
            s.setString(1, idHash);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(new Row(r.getString(1), r.getString(2), r.getLong(3), r.getLong(4))) : Optional.empty();
            }
        }
    }

    public void seen(String idHash, long now) throws SQLException {
        update("UPDATE console_session SET last_seen = ? WHERE id_hash = ? AND last_seen < ?", now, idHash, now);
    }

    public void delete(String idHash) throws SQLException {
        update("DELETE FROM console_session WHERE id_hash = ?", idHash);
    }

    /** Drops the admin's sessions, but the one whose id hashes to {@code keepIdHash}. */
    public void deleteAllOf(String admin, String keepIdHash) throws SQLException {
        update("DELETE FROM console_session WHERE admin_id IN (SELECT id FROM admin_account WHERE username = ?) AND id_hash <> ?",
                admin, keepIdHash);
    }

    /** Drops the sessions idle since before {@code idleBefore} or started before {@code startedBefore}. */
    public int purge(long idleBefore, long startedBefore) throws SQLException {
        return update("DELETE FROM console_session WHERE last_seen < ? OR started_at < ?", idleBefore, startedBefore);
    }

    private int update(String sql, Object... values) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                s.setObject(i + 1, values[i]);
            }
            return s.executeUpdate();
        }
    }
}
