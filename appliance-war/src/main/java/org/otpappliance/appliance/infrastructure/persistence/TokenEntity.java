package org.otpappliance.appliance.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrimaryKeyJoinColumn;
import jakarta.persistence.SecondaryTable;
import jakarta.persistence.Table;

/**
 * A token: what it is (table token) and what it has been through (table token_state, which the
 * validation hot path also writes, with plain JDBC).
 */
@Entity
@Table(name = "token")
@SecondaryTable(name = "token_state", pkJoinColumns = @PrimaryKeyJoinColumn(name = "token_id"))
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

    /** The PIN's slow hash; null for a token without a PIN. */
    @Column(name = "pin_hash")
    public String pinHash;

    /** Where an SMS or e-mail token's codes go; null for other tokens. */
    public String destination;

    /** A YubiKey's public id (modhex); null for other tokens. */
    @Column(name = "public_id", unique = true)
    public String publicId;

    @Column(table = "token_state")
    public boolean enabled;

    @Column(table = "token_state", name = "next_counter")
    public long nextCounter;

    @Column(table = "token_state", name = "last_time_step")
    public long lastTimeStep;

    @Column(table = "token_state")
    public int drift;

    @Column(table = "token_state", name = "fail_count")
    public int failCount;

    @Column(table = "token_state", name = "last_fail_at")
    public long lastFailAt;

    /** Bumped by every change of the PIN: a node's copy of the token spends a code only while its version is current. */
    @Column(table = "token_state", name = "pin_version")
    public int pinVersion;

    @Column(name = "created_at")
    public long createdAt;
}
