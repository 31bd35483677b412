/** The PostgreSQL broker and result backend behind the providers of {@code dev.amdahl.postgres}: not an API. */
package dev.amdahl.postgres.internal;
