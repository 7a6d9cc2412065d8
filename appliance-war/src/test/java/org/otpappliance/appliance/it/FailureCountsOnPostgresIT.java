package org.otpappliance.appliance.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpappliance.appliance.infrastructure.FailureCounts;
import org.otpappliance.appliance.infrastructure.FailureCountsTest;
import org.otpappliance.appliance.infrastructure.SchemaMigrator;
import org.postgresql.ds.PGSimpleDataSource;

/** The rate limits' failure counts on PostgreSQL: the checks of {@link FailureCountsTest}, through the upsert. */
class FailureCountsOnPostgresIT {
    PostgresDatabase db;
    FailureCounts counts;

    @BeforeEach
    void create() throws Exception {
        db = PostgresDatabase.create("failure_counts", "FailureCountsOnPostgresIT");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url);
        ds.setUser(System.getenv().getOrDefault("OTP_TEST_PG_USER", "postgres"));
        ds.setPassword(System.getenv().getOrDefault("OTP_TEST_PG_PASSWORD", ""));
        new SchemaMigrator(ds).migrate();
        counts = new FailureCounts(ds, true);
    }

    @AfterEach
    void drop() throws Exception {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void failuresAddUpWithinTheWindowAndStartAgainAfterIt() throws Exception {
        FailureCountsTest.windows(counts);
    }

    @Test
    void parallelFailuresOnOneBucketAreAllCounted() throws Exception {
        FailureCountsTest.parallel(counts);
    }
}
