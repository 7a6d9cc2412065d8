package org.otpappliance.appliance.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A token row; the state columns are written by the validation hot path with plain JDBC too. */
@Entity
@Table(name = "token")
public class TokenEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, unique = true)
    public String serial;

    @Column(name = "user_id")
    public Long userId;

    @Column(name = "token_type", nullable = false)
    public String tokenType;

    @Column(nullable = false)
    public String algorithm;

    public int digits;

    @Column(name = "period_seconds")
    public int periodSeconds;

    @Column(name = "seed_encrypted", nullable = false)
    public String seedEncrypted;

    public String description;

    public boolean enabled;

    @Column(name = "next_counter")
    public long nextCounter;

    @Column(name = "last_time_step")
    public long lastTimeStep;

    public int drift;

    @Column(name = "fail_count")
    public int failCount;

    @Column(name = "last_fail_at")
    public long lastFailAt;

    @Column(name = "created_at")
    public long createdAt;
}
