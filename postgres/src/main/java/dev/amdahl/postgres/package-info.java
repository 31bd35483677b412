/**
 * PostgreSQL for Amdahl: a broker and a result backend for {@code postgres://} and {@code postgresql://} URLs, which
 * applications name and never the provider classes; {@link dev.amdahl.postgres.PostgresTransactions}, tasks enqueued by
 * the application's own database transactions; {@link dev.amdahl.postgres.PostgresMigrations}, the tables migrated ahead
 * of time. See the module's README for the design.
 */
package dev.amdahl.postgres;
