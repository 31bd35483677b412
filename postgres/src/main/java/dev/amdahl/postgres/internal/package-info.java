/** The PostgreSQL broker behind the provider of {@code dev.amdahl.postgres}: not an API. */
package dev.amdahl.postgres.internal;
