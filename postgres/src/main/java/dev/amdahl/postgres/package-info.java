/**
 * PostgreSQL for Amdahl: a broker for {@code postgres://} and {@code postgresql://} URLs. Applications name the URL and
 * never these classes; see the module's README for the design.
 */
package dev.amdahl.postgres;
