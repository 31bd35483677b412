/**
 * Finds the broker and result backend for a URL among the {@link java.util.ServiceLoader} providers on the
 * class or module path. May use: the SPI only.
 */
package dev.amdahl.internal.provider;
