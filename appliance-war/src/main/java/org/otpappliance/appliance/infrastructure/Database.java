package org.otpappliance.appliance.infrastructure;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.Configuration;
import org.otpappliance.appliance.config.ApplianceConfig;
import org.otpappliance.appliance.infrastructure.persistence.AdminAccountEntity;
import org.otpappliance.appliance.infrastructure.persistence.ApiClientEntity;
import org.otpappliance.appliance.infrastructure.persistence.RadiusClientEntity;
import org.otpappliance.appliance.infrastructure.persistence.AuditEventEntity;
import org.otpappliance.appliance.infrastructure.persistence.TokenEntity;
import org.otpappliance.appliance.infrastructure.persistence.UserEntity;

/**
 * The appliance's data store: one connection pool (H2 file by default, PostgreSQL when configured),
 * migrated on start, shared by Hibernate (admin operations, audit queries) and the group committer
 * (the validation hot path, plain JDBC).
 *
 * <p>Hibernate is bootstrapped here rather than from a container-managed persistence.xml so that the
 * database settings come from MicroProfile Config with their defaults, and so the application
 * server's own JPA deployer stays out of the way.
 */
@ApplicationScoped
public class Database {
    private static final Logger LOG = Logger.getLogger(Database.class.getName());

    @Inject
    ApplianceConfig config;

    @Resource
    ManagedThreadFactory threads;

    private HikariDataSource dataSource;
    private SessionFactory sessions;
    private GroupCommitter committer;
    private FailureCounts failureCounts;
    private ConsoleSessionStore consoleSessions;
    private SeedCipher seedCipher;

    @PostConstruct
    void start() {
        try {
            if (!Files.exists(config.dataDir())) {
                Files.createDirectories(config.dataDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            seedCipher = SeedCipher.load(config.masterKey(), config.masterKeyFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the data directory " + config.dataDir(), e);
        }
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(config.dbUrl());
        pool.setDriverClassName(driverFor(config.dbUrl()));
        pool.setUsername(config.dbUser());
        pool.setPassword(config.dbPassword());
        pool.setMaximumPoolSize(config.dbPoolSize());
        pool.setPoolName("otp-appliance");
        pool.setConnectionTimeout(5_000);
        pool.setThreadFactory(threads);
        dataSource = new HikariDataSource(pool);
        try {
            new SchemaMigrator(dataSource).migrate();
            new MasterKeyCheck(dataSource, seedCipher).verify();
        } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw new IllegalStateException("the data store cannot be opened: " + e.getMessage(), e);
        }
        Configuration hibernate = new Configuration()
                .addAnnotatedClass(UserEntity.class)
                .addAnnotatedClass(TokenEntity.class)
                .addAnnotatedClass(ApiClientEntity.class)
                .addAnnotatedClass(AuditEventEntity.class)
                .addAnnotatedClass(RadiusClientEntity.class)
                .addAnnotatedClass(AdminAccountEntity.class)
                .setProperty("hibernate.transaction.coordinator_class", "jdbc")
                .setProperty("hibernate.transaction.jta.platform",
                        "org.hibernate.engine.transaction.jta.platform.internal.NoJtaPlatform")
                .setProperty("hibernate.hbm2ddl.auto", "none")
                .setProperty("hibernate.jdbc.time_zone", "UTC");
        hibernate.getProperties().put("hibernate.connection.datasource", dataSource);
        sessions = hibernate.buildSessionFactory();
        // H2 writes a commit to its file but does not fsync it (seen with strace): CHECKPOINT SYNC does,
        // once per group commit. PostgreSQL's commit is durable itself (synchronous_commit).
        boolean h2 = config.dbUrl().startsWith("jdbc:h2:");
        committer = new GroupCommitter(dataSource, threads, h2 ? "CHECKPOINT SYNC" : null);
        failureCounts = new FailureCounts(dataSource, !h2);
        consoleSessions = new ConsoleSessionStore(dataSource);
        LOG.info(() -> "Data store ready: " + redactedUrl());
    }

    @PreDestroy
    void stop() {
        if (committer != null) {
            committer.close();
        }
        if (sessions != null) {
            sessions.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public GroupCommitter committer() {
        return committer;
    }

    public FailureCounts failureCounts() {
        return failureCounts;
    }

    public ConsoleSessionStore consoleSessions() {
        return consoleSessions;
    }

    public SeedCipher seedCipher() {
        return seedCipher;
    }

    /** Runs {@code work} in one transaction and returns its result; rolls back on any exception. */
    public <T> T write(Function<Session, T> work) {
        return sessions.fromTransaction(work);
    }

    public <T> T read(Function<Session, T> work) {
        return sessions.fromSession(work);
    }

    /** Named explicitly: DriverManager does not see drivers inside a web application's class loader. */
    private static String driverFor(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return "org.h2.Driver";
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return "org.postgresql.Driver";
        }
        throw new IllegalStateException("unsupported database URL (H2 and PostgreSQL are supported): " + url.split(":")[1]);
    }

    /** The URL without its parameters, which may hold a password. */
    private String redactedUrl() {
        return config.dbUrl().split("[;?]", 2)[0];
    }
}
