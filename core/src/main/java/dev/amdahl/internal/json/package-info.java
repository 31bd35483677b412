/**
 * The one Jackson configuration every wire format shares (strict reading, size limits, Java time types).
 * Uses nothing else of Amdahl, so the SPI and every internal package may use it.
 */
package dev.amdahl.internal.json;
