package dev.amdahl.postgres.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The module's tables, created and upgraded by numbered migrations when a client opens. Several clients may start at
 * once: each runs the migrations in one transaction under a transaction-scoped advisory lock of the schema, so one
 * applies what is missing and the others find it done. A migration is never edited once released; a change is a new
 * one.
 */
final class Migrations {

    /** In order; entry {@code i} brings the schema to version {@code i + 1}. {@code %s} is the schema. */
    private static final List<String> STEPS = List.of(
            """
            create table %1$s.messages (
                id          bigserial primary key,
                queue       text        not null,
                message_id  text        not null,
                body        bytea       not null,
                priority    smallint    not null,
                due_at      timestamptz not null,
                deliveries  integer     not null default 0,
                lease_until timestamptz,
                lease_token uuid
            );
            -- what a claim reads: the ready messages of a queue, highest priority first, then first due, first in
            create index messages_ready on %1$s.messages (queue, priority desc, due_at, id) where lease_until is null;
            -- what the reclaim of lapsed leases reads
            create index messages_leased on %1$s.messages (lease_until) where lease_until is not null;
            create table %1$s.dead_letters (
                id          bigserial primary key,
                queue       text        not null,
                message_id  text        not null,
                body        bytea       not null,
                reason      text        not null,
                rejected_at timestamptz not null
            );
            create index dead_letters_queue on %1$s.dead_letters (queue, id);
            create index dead_letters_age on %1$s.dead_letters (rejected_at);
            """,
            """
            -- the result backend: a record per task, its state readable without decoding the record
            create table %1$s.results (
                task_id    text        primary key,
                state      text        not null,
                record     bytea       not null,
                expires_at timestamptz not null,
                writer     uuid        not null
            ) with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05,
                    autovacuum_vacuum_cost_delay = 0);
            -- what the cleanup reads, oldest first
            create index results_expiry on %1$s.results (expires_at);
            -- what the revocation feed replays
            create index results_revoked on %1$s.results (expires_at) where state = 'REVOKED';
            create table %1$s.counters (
                key        text        primary key,
                value      bigint      not null,
                expires_at timestamptz not null
            ) with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
            create index counters_expiry on %1$s.counters (expires_at);
            -- idempotency keys and claims
            create table %1$s.keys (
                key        text        primary key,
                value      text        not null,
                expires_at timestamptz not null,
                writer     uuid        not null
            ) with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
            create index keys_expiry on %1$s.keys (expires_at);
            -- every message is inserted, leased and deleted: vacuum it after a few thousand dead rows, unthrottled,
            -- not after a fifth of the table, so the queue's pages and indexes are reused rather than grown
            alter table %1$s.messages set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                    autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
            """,
            """
            -- what the cleanup reads, as a block-range index: every record is written with expires_at = now + the
            -- results' TTL, so the table's order is nearly expiry order, and a range's min/max says which blocks hold
            -- expired rows. Each store then adds no b-tree entry for expiry (some 1.5 us a record on the server,
            -- PgMicro); the cleanup reads blocks, not entries in order (see PostgresResultBackend.sweep)
            drop index %1$s.results_expiry;
            create index results_expiry on %1$s.results using brin (expires_at) with (pages_per_range = 16);
            """);

    private Migrations() {
    }

    /** The schema version this code writes. */
    static int latest() {
        return STEPS.size();
    }

    /** Brings {@code schema} to the latest version; returns how many migrations this call applied. */
    static int run(Connection c, String schema) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("select pg_advisory_xact_lock(hashtext('amdahl migrations " + schema + "'))");
            s.execute("create schema if not exists " + schema);
            s.execute("create table if not exists " + schema + ".schema_version (version integer not null)");
            int version = 0;
            try (ResultSet r = s.executeQuery("select max(version) from " + schema + ".schema_version")) {
                if (r.next()) {
                    version = r.getInt(1);
                }
            }
            if (version > STEPS.size()) {
                throw new IllegalStateException("schema " + schema + " is at version " + version + ", newer than this"
                        + " Amdahl knows (" + STEPS.size() + "): upgrade Amdahl, or use another schema");
            }
            int applied = 0;
            for (int v = version; v < STEPS.size(); v++) {
                s.execute(STEPS.get(v).formatted(schema));
                s.execute("insert into " + schema + ".schema_version values (" + (v + 1) + ")");
                applied++;
            }
            c.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
